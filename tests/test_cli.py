"""The ``cyberbot`` command: usage errors, each subcommand, and ``python -m cyberbot.cli``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect, update
from sqlalchemy.engine import Engine

from cyberbot import cli
from cyberbot.db import schema
from cyberbot.db.engine import get_engine, open_engine
from cyberbot.db.schema import ensure_schema
from cyberbot.leads.models import UTCDateTime, outbox
from cyberbot.leads.outbox import status_counts
from tests.leads_support import SECRET, make_draft, queue_lead, webhook_receiver
from tests.postgres_support import fresh_postgres_database

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
        ["db"],
        ["db", "downgrade"],
        ["db", "revision"],
    ],
)
def test_wrong_usage_exits_with_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert "usage: cyberbot" in capsys.readouterr().err


def test_help_exits_with_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    shown = capsys.readouterr().out
    assert all(command in shown for command in ("leads", "outbox", "forget", "db"))


def test_outbox_status_counts_every_status(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["outbox", "status"]) == 0
    assert capsys.readouterr().out == "pending: 0\ndelivered: 0\nfailed: 0\n"
    queue_lead(database, make_draft(), ["webhook", "email"])
    assert cli.main(["outbox", "status"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "pending: 2"


def test_outbox_retry_requeues_failed_deliveries_and_delivers_them(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    queue_lead(database, make_draft(), ["webhook"])
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


def test_db_upgrade_brings_the_database_to_the_newest_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    head = schema.script_directory().get_current_head()
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out == (
        f"{url}: not migrated yet; the newest is {head}: run `cyberbot db upgrade`.\n"
    )
    assert cli.main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"{url}: at revision {head}, the newest.\n"
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out == f"{url}: at revision {head}, the newest.\n"


def test_db_commands_never_show_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with fresh_postgres_database() as url:
        # The local server trusts its clients: the password is only there to be hidden.
        secret_url = url.replace("postgres@", "postgres:geheim@")
        monkeypatch.setenv("DATABASE_URL", secret_url)
        assert cli.main(["db", "upgrade"]) == 0
        assert cli.main(["db", "current"]) == 0
        shown = capsys.readouterr().out
        get_engine(secret_url).dispose()
    assert "geheim" not in shown
    assert shown.count("postgres:***@127.0.0.1") == 2


def test_db_revision_writes_the_next_migration_from_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    head = schema.script_directory().get_current_head()
    assert head is not None
    # A model with a table the migrations do not have yet.
    notes = MetaData()
    Table("notes", notes, Column("id", Integer, primary_key=True),
          Column("written_at", UTCDateTime, nullable=False))
    models = schema.project_metadata()
    monkeypatch.setattr(schema, "project_metadata", lambda: (*models, notes))
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    schema.script_directory.cache_clear()
    try:
        assert cli.main(["db", "revision", "-m", "Notes"]) == 0
        schema.script_directory.cache_clear()
        ensure_schema(open_engine(url))  # a new process would, with the new migration
    finally:
        schema.script_directory.cache_clear()

    new = f"{int(head) + 1:04d}"
    written = migrations / "versions" / f"v{new}_notes.py"
    assert f"Generating {written}" in capsys.readouterr().out
    source = written.read_text()
    assert f'revision = "{new}"' in source and f'down_revision = "{head}"' in source
    # The project's own types as what they store: a migration imports no project code.
    assert "sa.DateTime(timezone=True)" in source and "cyberbot" not in source
    assert "notes" in inspect(create_engine(url)).get_table_names()
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--line-length", "100",
         "--select", "E,F,W,I,B,UP,N,SIM,RUF", str(written)],
        capture_output=True, text=True, timeout=60,
    )
    assert lint.returncode == 0, lint.stdout


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
    queue_lead(engine, make_draft(), ["webhook"])
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
