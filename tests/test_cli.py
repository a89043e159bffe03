"""The ``cyberbot`` command: usage errors, each subcommand, and ``python -m cyberbot.cli``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from cyberbot import cli
from cyberbot.leads.database import get_engine
from cyberbot.leads.models import outbox
from cyberbot.leads.outbox import status_counts
from cyberbot.leads.store import submit_lead
from tests.leads_support import SECRET, make_draft, webhook_receiver

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A leads database of its own, and no hand-off configured unless a test sets it."""
    for variable in list(os.environ):
        if variable.startswith("CYBERBOT_"):
            monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return get_engine(url)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["bogus"],
        ["leads"],
        ["leads", "export", "--format", "xml"],
        ["leads", "import"],
        ["outbox"],
        ["outbox", "flush"],
        ["forget"],
        ["forget", "a", "b"],
    ],
)
def test_wrong_usage_exits_with_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert "usage: cyberbot" in capsys.readouterr().err


def test_help_exits_with_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    shown = capsys.readouterr().out
    assert all(command in shown for command in ("leads", "outbox", "forget"))


def test_outbox_status_counts_every_status(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["outbox", "status"]) == 0
    assert capsys.readouterr().out == "pending: 0\ndelivered: 0\nfailed: 0\n"
    submit_lead(database, make_draft(), ["webhook", "email"])
    assert cli.main(["outbox", "status"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "pending: 2"


def test_outbox_retry_requeues_failed_deliveries_and_delivers_them(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    submit_lead(database, make_draft(), ["webhook"])
    with database.begin() as connection:
        connection.execute(update(outbox).values(status="failed", attempts=12))
    with webhook_receiver() as receiver:
        monkeypatch.setenv("CYBERBOT_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("CYBERBOT_WEBHOOK_SECRET", SECRET)
        assert cli.main(["outbox", "retry"]) == 0
    assert capsys.readouterr().out == (
        "Queued 1 failed deliveries again. Delivered now: 1, to be retried: 0, failed: 0.\n"
    )
    assert list(receiver.processed.values()) == [1]
    assert status_counts(database)["delivered"] == 1


def test_a_configuration_error_exits_with_1(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CYBERBOT_WEBHOOK_URL", "https://crm.example.nl/hook")
    assert cli.main(["outbox", "retry"]) == 1
    assert "CYBERBOT_WEBHOOK_SECRET" in capsys.readouterr().err


def test_an_unusable_database_exits_with_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    assert cli.main(["outbox", "status"]) == 1
    assert "cyberbot: error:" in capsys.readouterr().err


def test_an_unwritable_export_file_exits_with_1(
    database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-dir" / "leads.json"
    assert cli.main(["leads", "export", "--output", str(target)]) == 1
    assert "cyberbot: error:" in capsys.readouterr().err


def module_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("CYBERBOT_")
    }
    (tmp_path / "handoff.yml").write_text("{}\n")
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'leads.db'}",
        CYBERBOT_HANDOFF_CONFIG=str(tmp_path / "handoff.yml"),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        **variables,
    )
    return environment


def test_python_dash_m_runs_the_command(tmp_path: Path) -> None:
    environment = module_environment(tmp_path)
    shown = subprocess.run(
        [sys.executable, "-m", "cyberbot.cli", "outbox", "status"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("pending: 0")
    wrong = subprocess.run(
        [sys.executable, "-m", "cyberbot.cli", "outbox"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2


def test_outbox_work_delivers_until_terminated(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    submit_lead(engine, make_draft(), ["webhook"])
    with webhook_receiver() as receiver:
        environment = module_environment(
            tmp_path,
            CYBERBOT_WEBHOOK_URL=receiver.url,
            CYBERBOT_WEBHOOK_SECRET=SECRET,
            CYBERBOT_OUTBOX_POLL_SECONDS="0.2",
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "cyberbot.cli", "outbox", "work"],
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not receiver.processed and time.monotonic() < deadline:
                assert worker.poll() is None, worker.communicate()
                time.sleep(0.1)
            assert list(receiver.processed.values()) == [1]
        finally:
            worker.send_signal(signal.SIGTERM)
            _, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors
    assert "Outbox worker" in errors and "stopped" in errors
    assert "Jan de Vries" not in errors and "jan@pixelwerk.nl" not in errors
    assert status_counts(engine) == {"pending": 0, "delivered": 1, "failed": 0}
