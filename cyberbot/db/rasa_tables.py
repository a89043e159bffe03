"""Rasa's SQL tracker store as the project reads it: the one description of Rasa 3.6's
``events`` table, and the database it is in, from the endpoints file.

The table belongs to Rasa, which creates it on its first start: it is described here
only to be read (and erased from), never created or migrated by the project.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, inspect
from sqlalchemy.engine import Engine

rasa_metadata = MetaData()

# Rasa's SQLTrackerStore.SQLEvent: ``data`` is the JSON of the event's ``as_dict()``;
# ``action_name`` is its "name" key, so slot and loop events carry a name there too.
events = Table(
    "events",
    rasa_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

# Rasa's SQL tracker store, and ours built on it (same tables).
SQL_STORE_TYPES = frozenset({"SQL", "sql", "cyberbot.tracker_store.CompactingSQLTrackerStore"})

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def has_events_table(engine: Engine) -> bool:
    """Whether Rasa has created its table yet (it does so on its first start)."""
    return bool(inspect(engine).has_table(events.name))


def tracker_database_url(endpoints_path: Path) -> str | None:
    """The SQLAlchemy URL of Rasa's SQL tracker store in ``endpoints_path``, if it has one.

    Only the ``tracker_store`` section is read, with its ``${VAR}`` expanded from the
    environment, so a tool that needs the conversations does not need the secrets the
    other sections name. The URL is built by Rasa's own ``SQLTrackerStore.get_db_url``;
    a relative SQLite ``db`` is relative to the working directory, as for Rasa. A
    ``login_db`` is left out: Rasa only logs in there to create ``db``, where the events are.
    """
    store = tracker_store_section(endpoints_path)
    if store is None or str(store.get("type", "")) not in SQL_STORE_TYPES:
        return None
    from rasa.core.tracker_store import SQLTrackerStore  # slow to import

    dialect = str(store.get("dialect") or "sqlite")
    database = str(store.get("db") or "rasa.db")
    if dialect.startswith("sqlite") and database != ":memory:":
        database = str(Path.cwd() / database)
    port = store.get("port")
    url = SQLTrackerStore.get_db_url(
        dialect=dialect,
        host=store.get("url") or store.get("host"),
        port=int(port) if port else None,
        db=database,
        username=store.get("username"),
        password=store.get("password"),
        query=store.get("query") or {},
    )
    return url if isinstance(url, str) else str(url.render_as_string(hide_password=False))


def tracker_store_section(endpoints_path: Path) -> dict[str, Any] | None:
    """The ``tracker_store`` section of an endpoints file, its variables expanded."""
    # BaseLoader: every scalar stays a string and nothing is resolved implicitly (Rasa
    # registers a resolver that expands ${VAR} in every YAML file read after it).
    data = yaml.load(endpoints_path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    store = data.get("tracker_store") if isinstance(data, dict) else None
    return _expanded(store) if isinstance(store, dict) else None


def open_tracker_engine(url: str) -> Engine | None:
    """An engine on Rasa's tracker database; None for a SQLite file that does not exist.

    Not the project's engine factory: Rasa's database keeps Rasa's settings (no SQLite
    pragmas of ours) and is never migrated.
    """
    engine = create_engine(url, future=True, hide_parameters=True)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and not Path(database).exists():
        engine.dispose()
        return None
    return engine


def _expanded(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _expanded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expanded(item) for item in value]
    if isinstance(value, str):
        missing = [name for name in _VARIABLE.findall(value) if name not in os.environ]
        if missing:
            raise ValueError(f"the tracker store names unset variables: {', '.join(missing)}")
        return _VARIABLE.sub(lambda match: os.environ[match.group(1)], value)
    return value
