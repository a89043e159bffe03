"""The one engine factory of the project's database: SQLite under ``var/`` by default, any
SQL database via DATABASE_URL. Leads, outbox, console, WhatsApp, live chat and the abuse
limits all keep their tables there."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool

from cyberbot.db.schema import ensure_schema

URL_VARIABLE = "DATABASE_URL"
# How long SQLite waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def database_url() -> str:
    """DATABASE_URL, or a SQLite file ``var/leads.db`` under the working directory."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if url:
        # Heroku-style URLs; SQLAlchemy only knows the "postgresql" scheme.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        return url
    directory = Path.cwd() / "var"
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'leads.db'}"


def open_engine(url: str) -> Engine:
    """A new engine for ``url`` with the project's options, its schema left as it is."""
    options: dict[str, Any] = {
        "future": True,
        # SQL errors and logs must never show contact details.
        "hide_parameters": True,
    }
    if url.startswith("sqlite"):
        # No pre-ping: a connection to a local file cannot go stale.
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        if _is_sqlite_file(url):
            # SQLAlchemy 1.4 opens a new connection for every transaction on a SQLite
            # file (NullPool), with the pragmas above each time: a third of the Rasa
            # server's CPU per message went to the abuse limits' two transactions.
            # Pooled as SQLAlchemy 2.0 does; a connection is used by one thread at a time.
            options["poolclass"] = QueuePool
            options["connect_args"]["check_same_thread"] = False
    else:
        # A server may have closed an idle connection (restart, idle timeout).
        options["pool_pre_ping"] = True
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def create_database_engine(url: str) -> Engine:
    """A new engine for ``url`` on a database at the newest migration; prefer ``get_engine``."""
    engine = open_engine(url)
    ensure_schema(engine)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: ``database_url()``), created on first use."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_database_engine(url)
            _engines[url] = engine
        return engine


def _is_sqlite_file(url: str) -> bool:
    database = make_url(url).database
    return bool(database) and database != ":memory:" and not database.startswith("file::memory:")


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    _use_write_ahead_log(cursor)
    cursor.close()


def _use_write_ahead_log(cursor: Any) -> None:
    """Readers (the export, the console) do not block the writers (chat, outbox worker).

    Processes that open a new file at once may all try to switch it to WAL; SQLite lets
    the losers fail at once instead of waiting (waiting could deadlock), so they retry
    within the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
