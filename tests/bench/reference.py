"""The reference: a bare ``rasa init`` assistant (the moodbot), Rasa's own minimum.

``rasa init --no-prompt`` writes Rasa's starter project into a folder and trains it:
about a minute on 2 cores, with nothing downloaded (it also works without any network).
It is served by ``rasa run --enable-api`` with the project's own ``endpoints.yml``, in
which ``rasa init`` leaves every endpoint commented out: conversations stay in Rasa's
default in-memory tracker store, locks in its in-memory lock store, and there is no
action server. That is the least Rasa does per message. Our profiles also store every
conversation (SQLite or PostgreSQL), call an action server for the forms and, in
production, take a lock in Redis and publish every event to RabbitMQ: the ratio to the
reference includes what that costs.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.harness.cluster import RASA, free_port, stop_process, wait_until_up

INIT_TIMEOUT = 900.0
ENVIRONMENT = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


@dataclass(frozen=True)
class ReferenceProject:
    path: Path
    init_seconds: float  # how long `rasa init` took, training included


@dataclass(frozen=True)
class ReferenceServer:
    url: str
    process: subprocess.Popen[bytes]


class Initialisation:
    """``rasa init`` into ``parent/rasa-init``, running in the background (its output in
    ``parent/rasa-init.log``)."""

    def __init__(self, parent: Path) -> None:
        self.path = parent / "rasa-init"
        self.path.mkdir(parents=True)
        self.started = time.monotonic()
        self.finished: float | None = None
        with (parent / "rasa-init.log").open("ab") as log:
            self.process = subprocess.Popen(
                [RASA, "init", "--no-prompt", "--init-dir", str(self.path)],
                cwd=self.path, env=ENVIRONMENT, stdout=log, stderr=subprocess.STDOUT,
            )
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def _watch(self) -> None:
        self.process.wait()
        self.finished = time.monotonic()

    def wait(self) -> ReferenceProject:
        """The trained project, once ``rasa init`` is done."""
        self.watcher.join(timeout=max(self.started + INIT_TIMEOUT - time.monotonic(), 0))
        if self.finished is None:
            raise TimeoutError(f"rasa init took over {INIT_TIMEOUT:.0f} s")
        if self.process.returncode != 0:
            raise RuntimeError(f"rasa init failed with exit code {self.process.returncode}")
        return ReferenceProject(self.path, self.finished - self.started)


@contextmanager
def initialising(parent: Path) -> Iterator[Initialisation]:
    """``rasa init`` in the background, stopped on leaving if it is still running."""
    initialisation = Initialisation(parent)
    try:
        yield initialisation
    finally:
        stop_process(initialisation.process)


@contextmanager
def serve(project: ReferenceProject) -> Iterator[ReferenceServer]:
    """The reference on a free port, with its REST channel; stopped on leaving."""
    port = free_port()
    with (project.path.parent / "rasa-reference.log").open("ab") as log:
        process = subprocess.Popen(
            [RASA, "run", "--enable-api", "--model", "models", "--port", str(port)],
            cwd=project.path, env=ENVIRONMENT, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/webhooks/rest/", process)
        yield ReferenceServer(url, process)
    finally:
        stop_process(process)
