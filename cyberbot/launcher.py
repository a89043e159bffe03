"""Start the Rasa server and the action server together, in the foreground.

``python -m cyberbot.launcher run`` serves the REST and socket.io channels on port 5005
(HTTP API enabled, token-protected), the actions on port 5055 and the outbox worker that
hands leads to advisors; Ctrl-C stops them all.
``python -m cyberbot.launcher shell`` starts the action server and chats in the terminal.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from cyberbot.model_gate.store import approved_model

ENV_FILE = Path(".env")
TOKEN_VARIABLE = "RASA_AUTH_TOKEN"
RASA_PORT = 5005
ACTION_PORT = 5055
SITE_PORT = 8080
STOP_GRACE_SECONDS = 10.0


def read_env_file(path: Path) -> dict[str, str]:
    """Parse simple KEY=VALUE lines; comments and blank lines are ignored."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def auth_token(environ: dict[str, str], env_file: Path = ENV_FILE) -> tuple[str, str]:
    """Return (token, where it came from): the environment, .env, or newly generated."""
    if environ.get(TOKEN_VARIABLE):
        return environ[TOKEN_VARIABLE], "environment"
    stored = read_env_file(env_file).get(TOKEN_VARIABLE)
    if stored:
        return stored, str(env_file)
    token = secrets.token_urlsafe(32)
    with env_file.open("a") as handle:
        handle.write(f"{TOKEN_VARIABLE}={token}\n")
    env_file.chmod(0o600)
    return token, f"{env_file} (newly generated)"


def rasa_bin() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def action_server_command(port: int = ACTION_PORT) -> list[str]:
    return [rasa_bin(), "run", "actions", "--actions", "actions", "--port", str(port)]


def outbox_worker_command() -> list[str]:
    """Delivers stored leads to advisors and retries until each is delivered."""
    return [sys.executable, "-m", "cyberbot.cli", "outbox", "work"]


def demo_site_command(port: int = SITE_PORT) -> list[str]:
    """The demo comparison site that carries the chat widget."""
    return [sys.executable, "-m", "cyberbot.web.site", "--port", str(port),
            "--server", f"http://localhost:{RASA_PORT}"]


def rasa_server_command(token: str, port: int = RASA_PORT) -> list[str]:
    return [
        rasa_bin(), "run",
        "--model", str(approved_model()),  # the model the gate approved (make run selects)
        "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml",
        "--port", str(port),
        "--enable-api", f"--auth-token={token}",  # "=": a token may start with "-"
        "--cors", "*",
    ]


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """Ask every process to stop, then kill what is still running after the grace time."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def supervise(processes: list[subprocess.Popen[bytes]], main: subprocess.Popen[bytes]) -> int:
    """Wait until any process ends or a stop signal arrives; stop the rest.

    Returns 0 when the user stopped the assistant (Ctrl-C or SIGTERM), else the exit
    code of ``main``, so that a crash is not reported as success.
    """

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_signal)
    stopped_by_user = False
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        stopped_by_user = True
        print("\nStopping the assistant...", flush=True)
    finally:
        stop_all(processes)
        signal.signal(signal.SIGTERM, previous)
    return 0 if stopped_by_user else (main.returncode or 0)


def run() -> int:
    Path("var").mkdir(exist_ok=True)
    token, source = auth_token(dict(os.environ))
    print(
        f"Rasa server:   http://localhost:{RASA_PORT}  (REST: /webhooks/rest/webhook, "
        f"socket.io: /socket.io)\n"
        f"Action server: http://localhost:{ACTION_PORT}\n"
        "Outbox worker: hands leads to advisors as configured in handoff.yml\n"
        f"Demo site with the chat widget: http://localhost:{SITE_PORT}\n"
        f"Operator console: http://localhost:{SITE_PORT}/operator  (first admin: "
        ".venv/bin/cyberbot operators add <email> --role admin)\n"
        f"HTTP API token ({source}): {token}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    actions = subprocess.Popen(action_server_command())
    worker = subprocess.Popen(outbox_worker_command())
    site = subprocess.Popen(demo_site_command())
    server = subprocess.Popen(rasa_server_command(token))
    return supervise([actions, worker, site, server], server)


def shell() -> int:
    Path("var").mkdir(exist_ok=True)
    actions = subprocess.Popen(action_server_command(), stdout=subprocess.DEVNULL)
    worker = subprocess.Popen(outbox_worker_command(), stdout=subprocess.DEVNULL)
    chat = subprocess.Popen(
        [rasa_bin(), "shell", "--model", str(approved_model()), "--endpoints", "endpoints.yml"]
    )
    return supervise([actions, worker, chat], chat)


def main(argv: list[str] | None = None) -> int:
    # No usage telemetry or crash reports to Rasa's makers (inherited by every process).
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "shell"])
    args = parser.parse_args(argv)
    return run() if args.command == "run" else shell()


if __name__ == "__main__":
    sys.exit(main())
