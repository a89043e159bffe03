"""The schema of the project's database, kept by the Alembic migrations in ``migrations/``.

Every process brings its database to the newest migration before it first uses it
(``ensure_schema``, called by the engine factory), and ``cyberbot db upgrade`` does the
same as a deployment step. No ``alembic.ini`` is needed: ``alembic_config`` points Alembic
at this package from any working directory. Rasa's ``events`` table is Rasa's: the
migrations neither create nor compare it, also where Rasa's tracker store shares the
database.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, column, func, inspect, select, table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).with_name("migrations")
# The PostgreSQL advisory lock held while migrating: of several replicas starting at
# once, one migrates and the others wait for it, then find nothing left to do.
_POSTGRES_LOCK = int.from_bytes(b"cyberbot", "big")
# Alembic's record of the migrations a database is at (its default name, set explicitly).
VERSION_TABLE = "alembic_version"

# Engines whose database is at the newest migration; weak, so that a freed engine's
# memory is never mistaken for a new engine.
_ready: weakref.WeakSet[Engine] = weakref.WeakSet()
# One migration at a time in a process: Alembic's ``context`` and ``op`` are process-wide.
_lock = threading.Lock()


def ensure_schema(engine: Engine) -> None:
    """Bring ``engine``'s database to the newest migration, once per engine per process.

    Threads wait for each other here; processes on one database wait for each other in
    the database (PostgreSQL's advisory lock, SQLite's write lock), and who comes second
    finds nothing left to do. A database made before there were migrations is adopted by
    the first migration, which creates only the tables that are not there yet.
    """
    with _lock:
        if engine in _ready:
            return
        if not _at_head(engine):
            with _migration_transaction(engine) as connection:
                _upgrade(connection)
        _ready.add(engine)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration of the project; ``env.py`` migrates ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # New revisions get file names that are module names: v0002_<message>.py.
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def script_directory() -> ScriptDirectory:
    """The migrations, read once per process (tests open many fresh databases)."""
    return ScriptDirectory.from_config(alembic_config())


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The migrations the database is at: none for a new database.

    Read straight from Alembic's table, without a MigrationContext, which logs its
    set-up at every process start.
    """
    if not inspect(connection).has_table(VERSION_TABLE):
        return ()
    query = select(column("version_num")).select_from(table(VERSION_TABLE))
    return tuple(str(revision) for revision in connection.execute(query).scalars())


def project_metadata() -> tuple[MetaData, ...]:
    """The tables of every part of the project, as its models declare them."""
    # Imported here: these modules import the engine factory, which imports this module.
    from cyberbot.channels.whatsapp.store import whatsapp_metadata
    from cyberbot.console.models import console_metadata
    from cyberbot.leads.models import metadata
    from cyberbot.live.models import live_metadata
    from cyberbot.security.models import security_metadata

    return metadata, whatsapp_metadata, console_metadata, live_metadata, security_metadata


def project_table_names() -> frozenset[str]:
    return frozenset(name for metadata in project_metadata() for name in metadata.tables)


def migration_options() -> dict[str, Any]:
    """How ``env.py`` runs the migrations and autogenerate compares them with the models."""
    owned = project_table_names()

    def include_name(name: str | None, type_: str, _parents: dict[str, str | None]) -> bool:
        # Other tables in the database (Rasa's) are left alone. A table dropped from the
        # models is therefore not noticed either: drop it in a migration written by hand.
        return type_ != "table" or name in owned

    return {
        "target_metadata": list(project_metadata()),
        "include_name": include_name,
        "render_item": _render_item,
        # SQLite alters a table by copying it: autogenerate writes batch operations, which
        # run on PostgreSQL as plain ALTERs.
        "render_as_batch": True,
        "compare_type": True,
        "version_table": VERSION_TABLE,
    }


def _render_item(type_: str, item: Any, context: AutogenContext) -> str | Literal[False]:
    """The project's own column types (UTCDateTime) as the type they store, so that a
    migration never imports the application code it may outlive."""
    if type_ == "type" and isinstance(item, TypeDecorator):
        return f"{context.opts['sqlalchemy_module_prefix']}{item.impl!r}"
    return False


def _at_head(engine: Engine) -> bool:
    with engine.connect() as connection:
        return set(current_revisions(connection)) == set(script_directory().get_heads())


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the database's migration lock; all or nothing is applied.

    On SQLite, ``BEGIN IMMEDIATE`` takes the write lock at once (so DDL is transactional
    too) and foreign keys are off meanwhile: copying a table in a batch migration drops
    the original, which would otherwise cascade to the rows that refer to it. They are
    checked before the commit instead.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            with connection.begin():
                connection.execute(select(func.pg_advisory_xact_lock(_POSTGRES_LOCK)))
                yield connection
            return
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection
            if connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("the migration left rows that refer to missing rows")
            connection.commit()
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")


def _upgrade(connection: Connection) -> None:
    """``alembic upgrade heads`` on ``connection``, with the script directory read once."""
    script = script_directory()

    def steps(revision: Any, _context: MigrationContext) -> Any:
        return script._upgrade_revs("heads", revision)

    with EnvironmentContext(alembic_config(connection), script, fn=steps,
                            destination_rev="heads"):
        script.run_env()
