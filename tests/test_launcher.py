"""The `make run` launcher: token handling and the commands it starts."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cyberbot import launcher
from cyberbot.launcher import (
    action_server_command,
    auth_token,
    demo_site_command,
    outbox_worker_command,
    rasa_server_command,
    read_env_file,
    supervise,
)


def test_token_from_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_AUTH_TOKEN=from-file\n")
    assert auth_token({"RASA_AUTH_TOKEN": "from-env"}, env_file) == ("from-env", "environment")


def test_token_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    first, source = auth_token({}, env_file)
    assert "newly generated" in source
    assert len(first) >= 40
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    second, source = auth_token({}, env_file)
    assert second == first
    assert source == str(env_file)


def test_env_file_parsing_ignores_comments_and_blank_lines(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\n\nA = 1\nB=two=2\nnot a pair\n")
    assert read_env_file(env_file) == {"A": "1", "B": "two=2"}
    assert read_env_file(tmp_path / "missing") == {}


def test_rasa_server_is_started_with_api_token_and_both_channels() -> None:
    command = rasa_server_command("-starts-with-a-dash", port=5005)
    assert command[1:2] == ["run"]
    # one argument with "=", or argparse would take a token starting with "-" for an option
    assert "--auth-token=-starts-with-a-dash" in command
    assert "--enable-api" in command
    assert command[command.index("--credentials") + 1] == "credentials.yml"
    assert command[command.index("--port") + 1] == "5005"


def test_outbox_worker_runs_the_cli_with_this_interpreter() -> None:
    command = outbox_worker_command()
    assert command[0] == sys.executable
    assert command[1:] == ["-m", "cyberbot.cli", "outbox", "work"]


def test_demo_site_points_the_widget_at_the_rasa_server() -> None:
    command = demo_site_command()
    assert command[:3] == [sys.executable, "-m", "cyberbot.web.site"]
    assert command[command.index("--port") + 1] == "8080"
    assert command[command.index("--server") + 1] == "http://localhost:5005"


def test_action_server_command_serves_the_actions_package() -> None:
    command = action_server_command(5055)
    assert command[1:3] == ["run", "actions"]
    assert command[command.index("--actions") + 1] == "actions"


def test_supervise_stops_the_others_when_one_process_ends() -> None:
    long_running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    short = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    started = time.monotonic()
    assert supervise([long_running, short], short) == 3
    assert long_running.poll() is not None
    assert time.monotonic() - started < 10


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
