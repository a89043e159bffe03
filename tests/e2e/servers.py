"""Start the real Rasa server and action server on free ports for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from cyberbot.channels.rest import conversation_id as rest_conversation
from cyberbot.security.local_secrets import RASA_AUTH_TOKEN, REST_TOKEN
from tests.harness.cluster import (
    OUT_OF_REACH_LIMITS,
    RASA,
    ROOT,
    action_server_command,
    endpoints_file,
    free_port,
    new_secrets,
    rasa_server_command,
    stop_process,
    wait_until_up,
)

__all__ = ["RASA", "ROOT", "BotServers", "free_port", "rest_conversation", "running_site",
           "stop", "user_texts", "wait_for", "wait_until"]

# The process helpers are the ones `make bench` and the scale-out tests use.
wait_for = wait_until_up
stop = stop_process


@contextmanager
def running_site(env: dict[str, str], log: Path, server: str | None = None,
                 port: int | None = None) -> Iterator[str]:
    """The demo site with the operator console (``python -m cyberbot.web.site``) on
    ``port`` (default: a free one), its widget and live chat talking to Rasa at
    ``server`` (default: the site's own default); yields its URL once it answers, and
    stops it afterwards."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cyberbot.web.site", "--port", str(port), "--console",
         *(["--server", server] if server else [])],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/", process, timeout=60)
        yield url
    finally:
        stop(process)


class BotServers:
    """The Rasa server (REST and socket.io), the action server and the outbox worker,
    on free ports, with their own tracker store and leads database in ``workdir``."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.rasa_port = free_port()
        self.action_port = free_port()
        # The demo site's port is chosen now: Rasa admits socket.io only from its origin.
        self.site_port = free_port()
        self.secrets = new_secrets()
        self.token = self.secrets[RASA_AUTH_TOKEN]
        self.rest_token = self.secrets[REST_TOKEN]
        self.endpoints = endpoints_file(workdir / "endpoints.yml",
                                        f"http://127.0.0.1:{self.action_port}/webhook",
                                        workdir / "tracker.db")
        self.rasa: subprocess.Popen[bytes] | None = None
        self.actions: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.database_url = f"sqlite:///{workdir / 'leads.db'}"
        handoff = workdir / "handoff.yml"
        handoff.write_text("{}\n")
        self._env = {
            **os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false",
            "DATABASE_URL": self.database_url,
            "CYBERBOT_HANDOFF_CONFIG": str(handoff),
            "CYBERBOT_ALLOWED_ORIGINS": f"{self.site_url},http://localhost:{self.site_port}",
            **OUT_OF_REACH_LIMITS, **self.secrets, **(env or {}),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.site_port}"

    @property
    def rest_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.rest_token}"}

    def start_actions(self) -> None:
        log = (self.workdir / "actions.log").open("ab")
        self.actions = subprocess.Popen(
            action_server_command(self.action_port),
            cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.action_port}/health", self.actions)

    def start_worker(self) -> None:
        log = (self.workdir / "worker.log").open("ab")
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "cyberbot.cli", "outbox", "work"],
            cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
        )

    @property
    def env(self) -> dict[str, str]:
        """The environment of these servers, with which the console finds their databases."""
        return {**self._env, "CYBERBOT_ENDPOINTS": str(self.endpoints)}

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``cyberbot <args>`` against this bot's databases."""
        return subprocess.run(
            [sys.executable, "-m", "cyberbot.cli", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120, input=stdin,
        )

    def add_operator(self, email: str, role: str, password: str) -> None:
        """An operator console account, made as the README says: ``cyberbot operators add``."""
        result = self.cli("operators", "add", email, "--role", role, "--password-stdin",
                          stdin=password + "\n")
        assert result.returncode == 0, result.stderr

    def start_rasa(self) -> None:
        log = (self.workdir / "rasa.log").open("ab")
        self.rasa = subprocess.Popen(
            rasa_server_command("models", self.endpoints, self.rasa_port),
            cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
        )
        wait_for(f"{self.url}/webhooks/rest/", self.rasa)

    def stop_actions(self) -> None:
        stop(self.actions)

    def stop_rasa(self) -> None:
        stop(self.rasa)

    def stop_worker(self) -> None:
        stop(self.worker)

    def stop_all(self) -> None:
        self.stop_rasa()
        self.stop_actions()
        self.stop_worker()

    def say(self, sender: str, message: Any) -> list[dict[str, Any]]:
        """Send one message over the REST channel and return the bot's replies."""
        reply = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            headers=self.rest_headers, timeout=60,
        )
        reply.raise_for_status()
        result: list[dict[str, Any]] = reply.json()
        return result

    def consent_events(self, conversation_id: str, form: str) -> list[dict[str, Any]]:
        """Slot events of a consent given for ``form`` in the conversation's current session
        (as the form's validation would record it)."""
        events = self.tracker(conversation_id)["events"]
        started = [event for event in events if event["event"] == "session_started"][-1]
        scope = f"{form}@{float(started['timestamp']):.6f}"
        return [{"event": "slot", "name": "consent", "value": True},
                {"event": "slot", "name": "consent_session", "value": scope}]

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The tracker of a conversation (a REST sender's is ``rest_conversation(sender)``)."""
        reply = requests.get(
            f"{self.url}/conversations/{conversation_id}/tracker",
            params={"token": self.token}, timeout=30,
        )
        reply.raise_for_status()
        result: dict[str, Any] = reply.json()
        return result

    def saved_tracker(self, conversation_id: str, done: Callable[[dict[str, Any]], Any],
                      what: str) -> dict[str, Any]:
        """The tracker once ``done`` holds for it. Over socket.io the bot's answers reach
        the visitor before Rasa saves the turn (at its end), so a tracker read as soon as
        they arrive may not have the turn yet; over REST the reply comes after the save."""
        def saved() -> dict[str, Any] | None:
            tracker = self.tracker(conversation_id)
            return tracker if done(tracker) else None

        result: dict[str, Any] = wait_until(saved, what=what)
        return result


def user_texts(tracker: dict[str, Any]) -> list[str]:
    """The visitor's messages in a tracker, in order."""
    return [str(event["text"]) for event in tracker["events"] if event["event"] == "user"]


def wait_until(condition: Callable[[], Any], timeout: float = 60.0,
               what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something true (a state another process
    reaches: no fixed sleep stands in for it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
