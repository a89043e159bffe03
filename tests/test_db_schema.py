"""The database schema: the migrations build exactly what the models declare, on SQLite and
PostgreSQL; ensure_schema is idempotent and safe when replicas start at once; databases
made by the create_all code before migrations are adopted; downgrading works."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine

from cyberbot.db import schema
from cyberbot.db.engine import create_database_engine, open_engine
from cyberbot.db.rasa_tables import events, rasa_metadata
from cyberbot.db.schema import (
    VERSION_TABLE,
    alembic_config,
    current_revisions,
    ensure_schema,
    migration_options,
    project_metadata,
    project_table_names,
    script_directory,
)
from cyberbot.leads.dispatch import dispatch_new_leads
from cyberbot.leads.models import UTCDateTime, leads, outbox
from tests.leads_support import make_draft, queue_lead
from tests.postgres_support import fresh_postgres_database

REPO = Path(__file__).resolve().parents[1]
FIRST_REVISION = "0001"
CREATED = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
# The leads tables as the first migration made them (before leads.dispatched_at).
_old = MetaData()
old_leads = Table("leads", _old, Column("id", Integer, primary_key=True),
                  Column("reference", String(32)), Column("kind", String(16)),
                  Column("created_at", UTCDateTime), Column("conversation_id", String(255)),
                  Column("channel", String(64)), Column("contact_name", String(200)),
                  Column("profile", JSON), Column("recommendation", JSON))
old_outbox = Table("outbox", _old, Column("id", String(36), primary_key=True),
                   Column("lead_id", Integer), Column("destination", String(16)),
                   Column("status", String(16)), Column("attempts", Integer),
                   Column("next_attempt_at", UTCDateTime), Column("created_at", UTCDateTime))


@pytest.fixture()
def url(empty_database_url: str) -> str:
    return empty_database_url


@pytest.fixture()
def engines() -> Iterator[list[Engine]]:
    """Engines a test opens, disposed of afterwards."""
    opened: list[Engine] = []
    yield opened
    for engine in opened:
        engine.dispose()


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would write into a new migration: nothing when they agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=migration_options())
        return list(compare_metadata(context, context.opts["target_metadata"]))


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_dump(engine: Engine) -> set[tuple[Any, ...]]:
    """The database's own description of the project's tables, indexes and constraints."""
    queries = {
        # Column by column rather than each table's CREATE statement: a column added by a
        # later migration (ALTER TABLE) leaves that statement worded differently.
        "sqlite": [
            f"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND tbl_name NOT IN ('{VERSION_TABLE}', 'events')",
            f"SELECT m.name, c.cid, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk "
            f"FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' "
            f"AND m.name NOT IN ('{VERSION_TABLE}', 'events')",
            f"SELECT m.name, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete "
            f"FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
            f"WHERE m.type = 'table' AND m.name NOT IN ('{VERSION_TABLE}', 'events')",
        ],
        "postgresql": [
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            f"AND tablename NOT IN ('{VERSION_TABLE}', 'events')",
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
            f"AND conrelid::regclass::text NOT IN ('{VERSION_TABLE}', 'events')",
            "SELECT table_name, column_name, ordinal_position, data_type, "
            "character_maximum_length, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            f"AND table_name NOT IN ('{VERSION_TABLE}', 'events')",
        ],
    }[engine.dialect.name]
    with engine.connect() as connection:
        return {
            (number, *row)
            for number, query in enumerate(queries)
            for row in connection.execute(text(query))
        }


def create_all_of_the_models(engine: Engine) -> None:
    for metadata in project_metadata():
        metadata.create_all(engine)


def create_all_the_old_way(engine: Engine, *tables: str) -> None:
    """What the project did before migrations: each part's create_all of the models as they
    were then, which the first migration writes out (keeping only ``tables``, if named)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), FIRST_REVISION)
        connection.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    if tables:
        with engine.begin() as connection:
            for table in reversed(inspect(connection).get_sorted_table_and_fkc_names()):
                if table[0] is not None and table[0] not in tables:
                    connection.execute(text(f"DROP TABLE {table[0]}"))


def store_an_old_lead(engine: Engine) -> str:
    """A lead as the code before migrations stored it (with its outbox row)."""
    with engine.begin() as connection:
        lead_id = connection.execute(insert(old_leads).values(
            reference="CV-2026-000001", kind="quote", created_at=CREATED,
            conversation_id="conv-jan", channel="rest", contact_name="Jan de Vries",
            profile={}, recommendation=[])).inserted_primary_key[0]
        connection.execute(insert(old_outbox).values(
            id="0" * 36, lead_id=lead_id, destination="webhook", status="pending",
            attempts=0, next_attempt_at=CREATED, created_at=CREATED))
    return "CV-2026-000001"


def heads() -> set[str]:
    return set(script_directory().get_heads())


def revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(current_revisions(connection))


def test_the_migrations_and_the_models_agree(url: str, engines: list[Engine]) -> None:
    # Rasa's tracker store may share the database: its table is neither touched nor compared.
    bare = open_engine(url)
    engines.append(bare)
    rasa_metadata.create_all(bare)

    engine = create_database_engine(url)
    engines.append(engine)

    assert differences(engine) == []
    assert table_names(engine) == project_table_names() | {VERSION_TABLE, events.name}
    assert revisions(engine) == heads()


def test_the_migrations_build_what_create_all_built(
    tmp_path: Path, url: str, engines: list[Engine]
) -> None:
    """Column for column, index for index (partial ones included), constraint for constraint."""
    if url.startswith("sqlite"):
        reference = open_engine(f"sqlite:///{tmp_path / 'reference.db'}")
        engines.append(reference)
        create_all_of_the_models(reference)
        migrated = create_database_engine(url)
        engines.append(migrated)
        assert schema_dump(migrated) == schema_dump(reference)
        return
    with fresh_postgres_database() as reference_url:
        reference = open_engine(reference_url)
        try:
            create_all_of_the_models(reference)
            expected = schema_dump(reference)
        finally:
            reference.dispose()
    migrated = create_database_engine(url)
    engines.append(migrated)
    assert schema_dump(migrated) == expected


def test_ensure_schema_works_once_per_engine(tmp_path: Path, engines: list[Engine]) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    engine = create_database_engine(url)
    engines.append(engine)
    queue_lead(engine, make_draft(), ["webhook"])
    connections: list[object] = []
    event.listen(engine, "engine_connect", lambda *args: connections.append(args))

    ensure_schema(engine)

    assert connections == []  # known to be at the newest migration: not even a look
    again = create_database_engine(url)  # another process, say
    engines.append(again)
    with again.connect() as connection:
        assert connection.execute(select(func.count()).select_from(leads)).scalar_one() == 1
        assert connection.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar_one() == 1
    assert revisions(again) == heads()


def test_threads_with_engines_of_their_own_migrate_once(
    url: str, engines: list[Engine]
) -> None:
    engines.extend(open_engine(url) for _ in range(2))
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def migrate(engine: Engine) -> None:
        start.wait()
        try:
            ensure_schema(engine)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=migrate, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    assert all(revisions(engine) == heads() for engine in engines)
    assert differences(engines[0]) == []


# Each process says it is ready, then waits for the word to migrate: replicas starting at
# once, whatever their import takes.
REPLICA = """
import sys
from cyberbot.db.engine import open_engine
from cyberbot.db.schema import ensure_schema
engine = open_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
ensure_schema(engine)
"""


def test_replicas_starting_at_once_migrate_once(url: str, engines: list[Engine]) -> None:
    """They wait for each other in the database: PostgreSQL's advisory lock, SQLite's
    write lock."""
    replicas = [
        subprocess.Popen([sys.executable, "-c", REPLICA, url], cwd=REPO, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for replica in replicas:
        assert replica.stdout is not None
        assert replica.stdout.readline() == "ready\n"
    for replica in replicas:
        assert replica.stdin is not None
        replica.stdin.write("go\n")
        replica.stdin.flush()
    failures = [replica.communicate(timeout=120)[1] for replica in replicas
                if replica.wait(timeout=120) != 0]

    assert failures == []
    engine = open_engine(url)
    engines.append(engine)
    assert revisions(engine) == heads()
    assert differences(engine) == []


def test_threads_sharing_an_engine_migrate_it_once(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    upgrades: list[str] = []

    def count_upgrades(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.strip().startswith("CREATE TABLE leads "):
            upgrades.append(statement)

    event.listen(engine, "before_cursor_execute", count_upgrades)
    threads = [threading.Thread(target=ensure_schema, args=(engine,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(upgrades) == 1
    assert revisions(engine) == heads()
    engine.dispose()


def test_a_database_made_before_migrations_is_adopted(url: str, engines: list[Engine]) -> None:
    old = open_engine(url)
    engines.append(old)
    create_all_the_old_way(old)
    reference = store_an_old_lead(old)
    assert VERSION_TABLE not in table_names(old)

    engine = create_database_engine(url)
    engines.append(engine)

    assert revisions(engine) == heads()
    assert differences(engine) == []
    with engine.connect() as connection:
        [(stored, dispatched_at)] = connection.execute(
            select(leads.c.reference, leads.c.dispatched_at)).all()
    # It has its outbox row already: dispatched when it was stored, never again.
    assert (stored, dispatched_at) == (reference, CREATED)
    assert dispatch_new_leads(engine, ["webhook", "email"]) == []


def test_a_database_with_only_some_tables_gets_the_others(tmp_path: Path) -> None:
    """Before migrations each part made its own tables on first use: a site that never
    used WhatsApp or live chat had the leads tables only."""
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    old = create_engine(url, future=True)
    create_all_the_old_way(old, "leads", "outbox")
    store_an_old_lead(old)
    old.dispose()

    engine = create_database_engine(url)

    assert table_names(engine) == project_table_names() | {VERSION_TABLE}
    assert differences(engine) == []
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(leads)).scalar_one() == 1
    engine.dispose()


def test_downgrade_to_base_and_upgrade_again(url: str, engines: list[Engine]) -> None:
    engine = create_database_engine(url)
    engines.append(engine)

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert table_names(engine) == {VERSION_TABLE}
    assert revisions(engine) == set()

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")
    assert revisions(engine) == heads()
    assert differences(engine) == []


COPY_LEADS = '''"""Add a column the SQLite way: leads is copied, the copy renamed."""

import sqlalchemy as sa
from alembic import op

revision = "copy"
down_revision = "{head}"


def upgrade() -> None:
    with op.batch_alter_table("leads", recreate="always") as batch:
        batch.add_column(sa.Column("source", sa.String(20)))
'''


def test_a_migration_that_copies_a_table_keeps_the_rows_referring_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dropping the original ``leads`` must not cascade to its outbox rows."""
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    head = script_directory().get_current_head()
    (migrations / "versions" / "v9999_copy_leads.py").write_text(COPY_LEADS.format(head=head))
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    engine = create_database_engine(url)
    queue_lead(engine, make_draft(), ["webhook", "email"])
    engine.dispose()

    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    script_directory.cache_clear()
    try:
        engine = create_database_engine(url)
    finally:
        script_directory.cache_clear()

    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(outbox)).scalar_one() == 2
        assert current_revisions(connection) == ("copy",)
    assert "source" in {column["name"] for column in inspect(engine).get_columns("leads")}
    engine.dispose()


def test_alembic_needs_no_ini_file_and_no_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = alembic_config()
    assert config.config_file_name is None
    assert Path(str(config.get_main_option("script_location"))).is_absolute()
    # One line of history: every migration follows the one before.
    assert len(script_directory().get_heads()) == 1
