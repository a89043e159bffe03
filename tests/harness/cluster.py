"""Start the assistant as a set of processes on free ports: Rasa replicas, action-server
replicas and the outbox worker, on the default profile (SQLite files in a work folder)
or the production profile (PostgreSQL, Redis and RabbitMQ, ``endpoints.production.yml``).

Used by ``make bench`` and by the scale-out tests; each run gets its own database, Redis
key prefix and RabbitMQ queue, so runs never see each other's state.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika
import requests
import yaml
from aio_pika.exceptions import AMQPError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cyberbot.security.local_secrets import (
    ACTION_TOKEN,
    RASA_AUTH_TOKEN,
    REST_TOKEN,
    SESSION_SECRET,
)
from cyberbot.security.settings import Limits

ROOT = Path(__file__).resolve().parents[2]
RASA = str(Path(sys.executable).with_name("rasa"))
START_TIMEOUT = 300.0
# Load and test clients send far faster than a person: the limits are counted (their
# cost is part of every message) but set out of reach. The limit tests set their own.
OUT_OF_REACH_LIMITS = {f"CYBERBOT_LIMIT_{name.upper()}": "1000000" for name in Limits.__fields__}


def new_secrets() -> dict[str, str]:
    """The shared secrets of one run (the processes get them through their environment)."""
    return {name: secrets.token_urlsafe(32)
            for name in (RASA_AUTH_TOKEN, ACTION_TOKEN, SESSION_SECRET, REST_TOKEN)}


def action_server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "cyberbot.servers.action_server", "--port", str(port)]


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a server's log, for the error that says it did not start."""
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def rasa_server_command(model: str, endpoints: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "cyberbot.servers.rasa_server", "--model", model,
            "--endpoints", str(endpoints), "--credentials", "credentials.yml",
            "--port", str(port)]


def endpoints_file(path: Path, action_url: str, tracker_db: Path) -> Path:
    """The project's ``endpoints.yml`` (the default profile) with this run's action server
    and SQLite file."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = action_url
    endpoints["tracker_store"]["db"] = str(tracker_db)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path
POSTGRES_ADMIN_URL = os.environ.get(
    "CYBERBOT_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with code {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f} s")


def stop_process(process: subprocess.Popen[bytes] | None, *, kill: bool = False) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def resident_memory(pid: int) -> int | None:
    """The process's resident set size in bytes (Linux), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run, dropped afterwards."""
    admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    name = f"cyberbot_run_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def production_environment(database_url: str) -> dict[str, str]:
    """The variables ``endpoints.production.yml`` needs, for the local services: the
    given PostgreSQL database, Redis on 6379 and RabbitMQ on 5672 (guest/guest), with a
    Redis key prefix and a queue of this run's own."""
    url = make_url(database_url)
    run = uuid.uuid4().hex[:8]
    return {
        "DATABASE_URL": database_url,
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_DB": url.database or "",
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        "REDIS_HOST": os.environ.get("REDIS_HOST", "127.0.0.1"),
        "REDIS_PORT": os.environ.get("REDIS_PORT", "6379"),
        "REDIS_DB": os.environ.get("REDIS_DB", "1"),
        "REDIS_KEY_PREFIX": f"cyberbot{run}",
        # The replicas' socket.io servers reach each other's sockets through Redis.
        "CYBERBOT_SOCKETIO_REDIS_URL": "redis://{}:{}/{}".format(
            os.environ.get("REDIS_HOST", "127.0.0.1"), os.environ.get("REDIS_PORT", "6379"),
            os.environ.get("REDIS_DB", "1")),
        "CYBERBOT_SOCKETIO_REDIS_CHANNEL": f"cyberbot{run}-socketio",
        "RABBITMQ_HOST": os.environ.get("RABBITMQ_HOST", "127.0.0.1"),
        "RABBITMQ_PORT": os.environ.get("RABBITMQ_PORT", "5672"),
        "RABBITMQ_USER": os.environ.get("RABBITMQ_USER", "guest"),
        "RABBITMQ_PASSWORD": os.environ.get("RABBITMQ_PASSWORD", "guest"),
        "RABBITMQ_QUEUE": f"cyberbot_events_{run}",
    }


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """Rasa replicas, action-server replicas and an outbox worker, on one machine."""

    workdir: Path
    rasa_replicas: int = 1
    action_replicas: int = 1
    # None: the default profile on SQLite files in ``workdir``.
    production_env: dict[str, str] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    model: str = "models"
    worker: bool = True
    secrets: dict[str, str] = field(default_factory=new_secrets)
    rasa: list[Replica] = field(default_factory=list)
    actions: list[Replica] = field(default_factory=list)
    worker_process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rasa = [Replica(f"rasa-{n + 1}", free_port()) for n in range(self.rasa_replicas)]
        self.actions = [Replica(f"actions-{n + 1}", free_port())
                        for n in range(self.action_replicas)]
        handoff = self.workdir / "handoff.yml"
        if not handoff.exists():
            handoff.write_text("{}\n")
        self.base_env = {
            **os.environ,
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "CYBERBOT_HANDOFF_CONFIG": str(handoff),
            **OUT_OF_REACH_LIMITS,
            **self.secrets,
            **(self.production_env or {"DATABASE_URL": f"sqlite:///{self.workdir / 'leads.db'}"}),
            **self.extra_env,
        }

    @property
    def token(self) -> str:
        """The token of Rasa's HTTP API."""
        return self.secrets[RASA_AUTH_TOKEN]

    @property
    def rest_token(self) -> str:
        return self.secrets[REST_TOKEN]

    @property
    def urls(self) -> list[str]:
        return [replica.url for replica in self.rasa]

    @property
    def database_url(self) -> str:
        return self.base_env["DATABASE_URL"]

    def start(self) -> Cluster:
        for replica in self.actions:
            self.start_actions(replica)
        if self.worker:
            log = (self.workdir / "worker.log").open("ab")
            self.worker_process = subprocess.Popen(
                [sys.executable, "-m", "cyberbot.cli", "outbox", "work"],
                cwd=ROOT, env=self.base_env, stdout=log, stderr=subprocess.STDOUT,
            )
        for replica in self.rasa:
            self.start_rasa(replica, wait=False)
        for replica in self.rasa:
            assert replica.process is not None
            try:
                wait_until_up(f"{replica.url}/webhooks/rest/", replica.process)
            except RuntimeError as error:
                raise RuntimeError(f"{error}; the end of {replica.name}.log:\n"
                                   f"{log_tail(self.workdir / f'{replica.name}.log')}") from error
        return self

    def start_actions(self, replica: Replica) -> None:
        log = (self.workdir / f"{replica.name}.log").open("ab")
        replica.process = subprocess.Popen(
            action_server_command(replica.port),
            cwd=ROOT, env=self.base_env, stdout=log, stderr=subprocess.STDOUT,
        )

    def start_rasa(self, replica: Replica, *, wait: bool = True) -> None:
        """Replica n talks to action server n (modulo their number), as a balancer would."""
        index = self.rasa.index(replica)
        action = self.actions[index % len(self.actions)]
        env = {**self.base_env, "ACTION_ENDPOINT_URL": f"{action.url}/webhook"}
        endpoints = self._endpoints(action)
        log = (self.workdir / f"{replica.name}.log").open("ab")
        replica.process = subprocess.Popen(
            rasa_server_command(self.model, endpoints, replica.port),
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        if wait:
            wait_until_up(f"{replica.url}/webhooks/rest/", replica.process)

    def _endpoints(self, action: Replica) -> Path:
        if self.production_env is not None:
            return ROOT / "endpoints.production.yml"
        return endpoints_file(self.workdir / f"endpoints-{action.name}.yml",
                              f"{action.url}/webhook", self.workdir / "tracker.db")

    def kill(self, replica: Replica) -> None:
        """Kill a replica without warning, as a crash or an OOM kill would."""
        stop_process(replica.process, kill=True)

    def memory(self) -> dict[str, int | None]:
        """Resident memory of every process, by name, in bytes."""
        processes = {r.name: r.process for r in [*self.rasa, *self.actions]}
        if self.worker_process is not None:
            processes["worker"] = self.worker_process
        return {name: resident_memory(p.pid) if p is not None else None
                for name, p in processes.items()}

    def stop(self) -> None:
        for replica in self.rasa:
            stop_process(replica.process)
        for replica in self.actions:
            stop_process(replica.process)
        stop_process(self.worker_process)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()  # no server left running when one of them did not start
            raise

    def __exit__(self, *_: object) -> None:
        self.stop()


async def _delete_queue(environment: dict[str, str]) -> None:
    connection = await aio_pika.connect(
        host=environment["RABBITMQ_HOST"], port=int(environment["RABBITMQ_PORT"]),
        login=environment["RABBITMQ_USER"], password=environment["RABBITMQ_PASSWORD"],
        timeout=10,
    )
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(environment["RABBITMQ_QUEUE"])


def delete_queue(environment: dict[str, str]) -> None:
    """Drop the run's RabbitMQ queue, which nobody consumes."""
    try:
        asyncio.run(_delete_queue(environment))
    except (AMQPError, OSError, asyncio.TimeoutError) as error:
        print(f"Could not delete the RabbitMQ queue {environment['RABBITMQ_QUEUE']}: {error!r}")
