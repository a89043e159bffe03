"""The engine factory (cyberbot/db/engine.py): SQLite files are pooled, with the
project's pragmas on every connection."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from cyberbot.db.engine import open_engine


def test_a_sqlite_file_keeps_its_connection_between_transactions(tmp_path: Path) -> None:
    """A new connection for every transaction (SQLAlchemy 1.4's NullPool) cost the abuse
    limits a third of the Rasa server's CPU per message."""
    engine = open_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    assert isinstance(engine.pool, QueuePool)
    seen = []
    for _ in range(3):
        with engine.begin() as connection:
            seen.append(id(connection.connection.dbapi_connection))
    assert len(set(seen)) == 1
    engine.dispose()


def test_pooled_connections_serve_other_threads_with_the_projects_pragmas(
    tmp_path: Path,
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    found: list[tuple[str, int]] = []

    def work() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            found.append((connection.execute(text("PRAGMA journal_mode")).scalar_one(),
                          connection.execute(text("PRAGMA foreign_keys")).scalar_one()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [("wal", 1)] * 4
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 4
    engine.dispose()


def test_an_in_memory_database_is_not_given_a_file_pool() -> None:
    engine = open_engine("sqlite://")
    assert not isinstance(engine.pool, QueuePool)
    engine.dispose()
