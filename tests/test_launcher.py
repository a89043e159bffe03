"""The `make run` launcher: token handling and the commands it starts."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from cyberbot import launcher
from cyberbot.launcher import (
    action_server_command,
    demo_site_command,
    migrate,
    migrate_command,
    outbox_worker_command,
    rasa_server_command,
    secure_local_files,
    server_environment,
    shell_command,
    supervise,
)
from cyberbot.security.local_secrets import LOCAL_SECRETS


def test_every_process_gets_the_secrets_through_its_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env = server_environment({"PATH": "/bin", "RASA_AUTH_TOKEN": "from-env"}, env_file)
    assert env["PATH"] == "/bin" and env["RASA_AUTH_TOKEN"] == "from-env"
    assert all(env[name] for name in LOCAL_SECRETS)
    # what was generated is kept, privately, for the next start
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    again = server_environment({"PATH": "/bin"}, env_file)
    assert again["CYBERBOT_SESSION_SECRET"] == env["CYBERBOT_SESSION_SECRET"]
    assert "from-env" not in env_file.read_text()


def test_no_secret_is_on_any_command_line(tmp_path: Path) -> None:
    env = server_environment({}, tmp_path / ".env")
    commands = [rasa_server_command(), action_server_command(), demo_site_command(),
                outbox_worker_command(), shell_command()]
    for command in commands:
        for name in LOCAL_SECRETS:
            assert not any(env[name] in argument for argument in command), (name, command)
    assert not any("--auth-token" in argument for command in commands for argument in command)


def test_rasa_and_the_actions_start_through_the_projects_servers() -> None:
    rasa = rasa_server_command(port=5005)
    assert rasa[:3] == [sys.executable, "-m", "cyberbot.servers.rasa_server"]
    assert rasa[rasa.index("--credentials") + 1] == "credentials.yml"
    assert rasa[rasa.index("--port") + 1] == "5005"
    actions = action_server_command(5055)
    assert actions[:3] == [sys.executable, "-m", "cyberbot.servers.action_server"]
    assert "--host" not in actions  # 127.0.0.1 by default
    assert shell_command()[:3] == [sys.executable, "-m", "cyberbot.rasa_compat"]
    assert shell_command()[shell_command().index("--interface") + 1] == "127.0.0.1"


def test_local_files_are_made_private_at_every_start(tmp_path: Path) -> None:
    var, env_file = tmp_path / "var", tmp_path / ".env"
    (var / "review").mkdir(parents=True)
    for path in (var / "leads.db", var / "tracker.db", var / "review" / "x.yml", env_file):
        path.write_text("")
        path.chmod(0o644)
    var.chmod(0o755)
    umask = os.umask(0o022)
    try:
        secure_local_files(var, env_file)
        assert os.umask(0o022) == 0o077  # what the processes create is private too
    finally:
        os.umask(umask)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    for path in (var / "leads.db", var / "tracker.db", var / "review" / "x.yml", env_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_outbox_worker_runs_the_cli_with_this_interpreter() -> None:
    command = outbox_worker_command()
    assert command[0] == sys.executable
    assert command[1:] == ["-m", "cyberbot.cli", "outbox", "work"]


def test_the_database_is_migrated_by_the_production_command(tmp_path: Path) -> None:
    assert migrate_command() == [sys.executable, "-m", "cyberbot.cli", "db", "upgrade"]
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    assert migrate(env) == 0
    engine = create_engine(url, future=True)
    assert {"alembic_version", "leads", "operators"} <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.parametrize("command", [launcher.run, launcher.shell])
def test_no_server_starts_when_the_migrations_fail(
    command: Callable[[], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(launcher, "migrate", lambda env: 1)

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a server was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    umask = os.umask(0o022)
    try:
        assert command() == 1
    finally:
        os.umask(umask)


def test_demo_site_points_the_widget_at_the_rasa_server() -> None:
    command = demo_site_command()
    assert command[:3] == [sys.executable, "-m", "cyberbot.web.site"]
    assert command[command.index("--port") + 1] == "8080"
    assert command[command.index("--server") + 1] == "http://localhost:5005"
    # make run: one port for the site and the operator console
    assert "--console" in command


def test_supervise_stops_the_others_when_one_process_ends() -> None:
    long_running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    short = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert supervise([long_running, short], short) == 3
    assert long_running.poll() is not None  # stopped, not waited for


def test_a_stop_signal_stops_everything_and_counts_as_success() -> None:
    children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
                for _ in range(2)]
    handler_before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    assert supervise(children, children[0]) == 0
    assert all(child.poll() is not None for child in children)
    assert signal.getsignal(signal.SIGTERM) == handler_before


def test_stop_all_kills_what_ignores_sigterm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "STOP_GRACE_SECONDS", 1.0)
    stubborn = subprocess.Popen([sys.executable, "-c", (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)")], stdout=subprocess.PIPE)
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    launcher.stop_all([stubborn])
    assert stubborn.returncode == -signal.SIGKILL
