"""Where leads are kept: SQLite under ``var/`` by default, any SQL database via DATABASE_URL."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from cyberbot.leads.models import metadata

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


def create_leads_engine(url: str) -> Engine:
    """A new engine for ``url`` with the leads tables created; prefer ``get_engine``."""
    options: dict[str, Any] = {
        "future": True,
        # SQL errors and logs must never show contact details.
        "hide_parameters": True,
        "pool_pre_ping": True,
    }
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
    metadata.create_all(engine)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: ``database_url()``), created on first use."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_leads_engine(url)
            _engines[url] = engine
        return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # Readers (the export, the console) do not block the writers (chat, outbox worker).
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()
