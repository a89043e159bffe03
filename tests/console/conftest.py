"""Fixtures shared by the operator console tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from cyberbot.console import passwords
from cyberbot.console.models import get_console_engine
from cyberbot.db.engine import create_database_engine
from tests.postgres_support import fresh_postgres_database


@pytest.fixture()
def console_engine(tmp_path: Path) -> Engine:
    """A fresh leads database in a temporary SQLite file, with the console tables."""
    return get_console_engine(f"sqlite:///{tmp_path / 'leads.db'}")


@pytest.fixture()
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with the smallest parameters: these tests check logic, not hashing cost."""
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture()
def postgres_engine() -> Iterator[Engine]:
    """The console tables in a fresh database on the local PostgreSQL server, dropped after."""
    with fresh_postgres_database() as url:
        engine = create_database_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
