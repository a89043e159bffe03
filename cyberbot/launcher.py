"""Start the Rasa server and the action server together, in the foreground.

``python -m cyberbot.launcher run`` brings the database to the newest migration, then
serves the REST and socket.io channels on port 5005 (HTTP API enabled, token-protected),
the actions on port 5055 and the outbox worker that hands leads to advisors, all on
127.0.0.1; Ctrl-C stops them all. The secrets they share
come from the environment or the private ``.env`` and reach them through their
environment, never their command lines.
``python -m cyberbot.launcher shell`` starts the action server and chats in the terminal.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from cyberbot.model_gate.store import approved_model
from cyberbot.security.local_secrets import RASA_AUTH_TOKEN, ensure_local_secrets, masked

ENV_FILE = Path(".env")
VAR_DIR = Path("var")
RASA_PORT = 5005
ACTION_PORT = 5055
SITE_PORT = 8080
STOP_GRACE_SECONDS = 10.0


def secure_local_files(var_dir: Path = VAR_DIR, env_file: Path = ENV_FILE) -> None:
    """``var/`` only for its owner (0700), the databases and ``.env`` 0600, at every start;
    files the processes create from now on are private too (umask 077)."""
    os.umask(0o077)
    var_dir.mkdir(mode=0o700, exist_ok=True)
    var_dir.chmod(0o700)
    for path in var_dir.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    if env_file.exists():
        env_file.chmod(0o600)


def server_environment(environ: dict[str, str], env_file: Path = ENV_FILE) -> dict[str, str]:
    """The environment of every process: the caller's plus the shared secrets."""
    return {**environ, **ensure_local_secrets(env_file, environ)}


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def action_server_command(port: int = ACTION_PORT) -> list[str]:
    """The actions, answering only Rasa (the shared secret comes from the environment)."""
    return python_module("cyberbot.servers.action_server", "--port", str(port))


def migrate_command() -> list[str]:
    """Brings the database to the newest migration, as production does on a deployment."""
    return python_module("cyberbot.cli", "db", "upgrade")


def outbox_worker_command() -> list[str]:
    """Delivers stored leads to advisors and retries until each is delivered."""
    return python_module("cyberbot.cli", "outbox", "work")


def demo_site_command(port: int = SITE_PORT) -> list[str]:
    """The demo comparison site that carries the chat widget, with the operator console
    under /operator (in production the console is a process of its own)."""
    return python_module("cyberbot.web.site", "--port", str(port),
                         "--server", f"http://localhost:{RASA_PORT}", "--console")


def rasa_server_command(port: int = RASA_PORT) -> list[str]:
    """Rasa with the REST and socket.io channels; its API token comes from the environment."""
    # The model the gate approved (make run selects it first).
    return python_module("cyberbot.servers.rasa_server", "--model", str(approved_model()),
                         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                         "--port", str(port))


def shell_command() -> list[str]:
    return [sys.executable, "-m", "cyberbot.rasa_compat", "shell", "--model",
            str(approved_model()), "--endpoints", "endpoints.yml", "--interface", "127.0.0.1"]


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


def migrate(env: dict[str, str]) -> int:
    """Apply the migrations before any server starts; the exit code of ``cyberbot db``."""
    return subprocess.run(migrate_command(), env=env, check=False).returncode


def run() -> int:
    secure_local_files()
    env = server_environment(dict(os.environ))
    if code := migrate(env):
        return code
    host = env.get("CYBERBOT_RASA_HOST") or "127.0.0.1"
    print(
        f"Rasa server:   http://{host}:{RASA_PORT}  (REST for trusted servers: "
        "/webhooks/rest/webhook, socket.io: /socket.io)\n"
        f"Action server: http://127.0.0.1:{ACTION_PORT} (answers Rasa only)\n"
        "Outbox worker: hands leads to advisors as configured in handoff.yml\n"
        f"Demo site with the chat widget: http://localhost:{SITE_PORT}\n"
        f"Operator console: http://localhost:{SITE_PORT}/operator  (first admin: "
        ".venv/bin/cyberbot operators add <email> --role admin)\n"
        f"HTTP API token {masked(env[RASA_AUTH_TOKEN])} and the other secrets: in {ENV_FILE} "
        "(mode 600) unless set in the environment\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    actions = subprocess.Popen(action_server_command(), env=env)
    worker = subprocess.Popen(outbox_worker_command(), env=env)
    site = subprocess.Popen(demo_site_command(), env=env)
    server = subprocess.Popen(rasa_server_command(), env=env)
    return supervise([actions, worker, site, server], server)


def shell() -> int:
    secure_local_files()
    env = server_environment(dict(os.environ))
    if code := migrate(env):
        return code
    actions = subprocess.Popen(action_server_command(), stdout=subprocess.DEVNULL, env=env)
    worker = subprocess.Popen(outbox_worker_command(), stdout=subprocess.DEVNULL, env=env)
    chat = subprocess.Popen(shell_command(), env=env)
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
