"""Start the real Rasa server and action server on free ports for end-to-end tests."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from cyberbot.bench.cluster import RASA, ROOT, free_port, stop_process, wait_until_up

__all__ = ["RASA", "ROOT", "BotServers", "free_port", "stop", "wait_for"]

# The process helpers are the ones `make bench` and the scale-out tests use.
wait_for = wait_until_up
stop = stop_process


class BotServers:
    """The Rasa server (REST and socket.io), the action server and the outbox worker,
    on free ports, with their own tracker store and leads database in ``workdir``."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.token = secrets.token_urlsafe(16)
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            "tracker_store:\n  type: cyberbot.tracker_store.CompactingSQLTrackerStore\n"
            "  dialect: sqlite\n"
            f'  db: "{workdir / "tracker.db"}"\n'
        )
        self.rasa: subprocess.Popen[bytes] | None = None
        self.actions: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.database_url = f"sqlite:///{workdir / 'leads.db'}"
        handoff = workdir / "handoff.yml"
        handoff.write_text("{}\n")
        self._env = {
            **os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false",
            "DATABASE_URL": self.database_url,
            "CYBERBOT_HANDOFF_CONFIG": str(handoff), **(env or {}),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_actions(self) -> None:
        log = (self.workdir / "actions.log").open("ab")
        self.actions = subprocess.Popen(
            [RASA, "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
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
            [RASA, "run", "--model", "models", "--endpoints", str(self.endpoints),
             "--credentials", "credentials.yml", "--port", str(self.rasa_port),
             "--enable-api", f"--auth-token={self.token}"],
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
            timeout=60,
        )
        reply.raise_for_status()
        result: list[dict[str, Any]] = reply.json()
        return result

    def tracker(self, sender: str) -> dict[str, Any]:
        reply = requests.get(
            f"{self.url}/conversations/{sender}/tracker",
            params={"token": self.token}, timeout=30,
        )
        reply.raise_for_status()
        result: dict[str, Any] = reply.json()
        return result
