"""Abuse limits: sliding windows shared by every process, on the database or on Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine

from cyberbot.security.limits import (
    AbuseLimits,
    Hit,
    HitStore,
    RedisHitStore,
    SQLHitStore,
    hit_store,
    refusals_since,
)
from cyberbot.security.models import rate_hits
from cyberbot.security.settings import Limits
from tests.postgres_support import fresh_postgres_database
from tests.redis_support import local_redis

T0 = 1_800_000_000.0
LIMITS = Limits(
    messages_per_minute_per_conversation=3,
    messages_per_minute_per_client=5,
    leads_per_hour_per_conversation=1,
    leads_per_hour_per_client=2,
)


@pytest.fixture()
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'leads.db'}", future=True)
    yield engine
    engine.dispose()


def redis_store() -> RedisHitStore:
    return RedisHitStore(local_redis(), f"cyberbot-test-{uuid.uuid4().hex[:8]}")


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, sqlite_engine: Engine) -> HitStore:
    return SQLHitStore(sqlite_engine) if request.param == "sqlite" else redis_store()


def test_a_sliding_window_admits_at_most_the_limit(store: HitStore) -> None:
    admitted = [store.admit("k", 3, 60, T0 + second) for second in range(5)]
    assert admitted == [True, True, True, False, False]
    # The first hit leaves the window at T0 + 60; the refused ones never counted.
    assert store.admit("k", 3, 60, T0 + 59.9) is False
    assert store.admit("k", 3, 60, T0 + 60.0) is True
    assert store.admit("other", 3, 60, T0 + 4) is True


def test_a_burst_across_any_minute_boundary_is_limited(store: HitStore) -> None:
    # Fixed windows would admit twice 3 around a boundary; a sliding one never more than 3.
    admitted = [store.admit("burst", 3, 60, T0 + 59 + second * 0.5) for second in range(6)]
    assert admitted.count(True) == 3


def test_hits_are_recorded_in_order_until_one_is_refused(store: HitStore) -> None:
    assert store.admit_all([Hit("a", 2, 60), Hit("b", 1, 60)], T0) is None
    # "b" is full: the index of its hit; "c" after it is not recorded.
    assert store.admit_all([Hit("a", 2, 60), Hit("b", 1, 60), Hit("c", 1, 60)], T0 + 1) == 1
    assert store.admit("a", 2, 60, T0 + 2) is False  # the second call's hit of "a" counted
    assert store.admit("c", 1, 60, T0 + 2) is True  # ... but none of "c"
    assert store.admit_all([], T0 + 3) is None


def test_the_hits_of_one_message_share_one_commit(sqlite_engine: Engine) -> None:
    limits = AbuseLimits(LIMITS, SQLHitStore(sqlite_engine), sqlite_engine)
    limits.admit_message("socketio", "web-1", "client-a", now=T0)  # and the first sweep
    commits: list[object] = []
    event.listen(sqlite_engine, "commit", commits.append)
    assert limits.admit_message("socketio", "web-1", "client-a", now=T0 + 1) is None
    assert len(commits) == 1
    with sqlite_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(rate_hits)).scalar_one() == 4


def _parallel(store: HitStore, count: int) -> list[bool]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: store.admit("parallel", 4, 60, T0), range(count)))


def test_parallel_hits_cannot_slip_past_the_limit(store: HitStore) -> None:
    assert _parallel(store, 12).count(True) == 4


def test_parallel_hits_cannot_slip_past_the_limit_on_postgresql() -> None:
    with fresh_postgres_database() as url:
        engine = create_engine(url, future=True)
        try:
            assert _parallel(SQLHitStore(engine), 12).count(True) == 4
        finally:
            engine.dispose()


def test_two_processes_on_one_database_count_together(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = create_engine(url, future=True), create_engine(url, future=True)
    try:
        assert [SQLHitStore(first).admit("k", 2, 60, T0), SQLHitStore(second).admit("k", 2, 60, T0),
                SQLHitStore(first).admit("k", 2, 60, T0)] == [True, True, False]
    finally:
        first.dispose()
        second.dispose()


def test_old_hits_are_swept_and_keys_are_hashes(sqlite_engine: Engine) -> None:
    limits = AbuseLimits(LIMITS, SQLHitStore(sqlite_engine), sqlite_engine)
    limits.admit_message("rest", "31612345678", "client-x", now=T0)
    with sqlite_engine.connect() as connection:
        keys = list(connection.execute(select(rate_hits.c.key_hash)).scalars())
    assert len(keys) == 2 and all(len(key) == 64 and "316" not in key for key in keys)
    limits.admit_message("rest", "other", None, now=T0 + 3 * 3600)
    with sqlite_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(rate_hits)).scalar_one() == 1


def test_messages_are_limited_per_conversation_and_per_client(sqlite_engine: Engine) -> None:
    limits = AbuseLimits(LIMITS, SQLHitStore(sqlite_engine), sqlite_engine)
    verdicts = [limits.admit_message("socketio", "web-1", "client-a", now=T0 + n) for n in range(4)]
    assert verdicts[:3] == [None, None, None]
    assert verdicts[3] is not None and verdicts[3].rule == "messages_per_conversation"
    # Other conversations from the same address share the client's five (the refused
    # message did not count).
    assert limits.admit_message("socketio", "web-2", "client-a", now=T0 + 5) is None
    assert limits.admit_message("socketio", "web-3", "client-a", now=T0 + 6) is None
    refused = limits.admit_message("socketio", "web-4", "client-a", now=T0 + 7)
    assert refused is not None and refused.rule == "messages_per_client"
    # Another client is not affected.
    assert limits.admit_message("socketio", "web-5", "client-b", now=T0 + 7) is None


def test_leads_are_limited_per_hour(sqlite_engine: Engine) -> None:
    limits = AbuseLimits(LIMITS, SQLHitStore(sqlite_engine), sqlite_engine)
    assert limits.admit_lead("rest", "rest-a", "c", now=T0) is None
    refused = limits.admit_lead("rest", "rest-a", "c", now=T0 + 1)
    assert refused is not None and refused.rule == "leads_per_conversation"
    assert limits.admit_lead("rest", "rest-a", "c", now=T0 + 3600) is None


def test_only_the_first_refusal_of_a_window_is_marked_first(sqlite_engine: Engine) -> None:
    limits = AbuseLimits(LIMITS, SQLHitStore(sqlite_engine), sqlite_engine)
    for n in range(3):
        limits.admit_message("whatsapp", "316", None, now=T0 + n)
    refusals = [limits.admit_message("whatsapp", "316", None, now=T0 + 3 + n) for n in range(3)]
    assert [refusal.first for refusal in refusals if refusal] == [True, False, False]


def test_refusals_are_counted_per_day_for_the_operators(sqlite_engine: Engine) -> None:
    limits = AbuseLimits(LIMITS, SQLHitStore(sqlite_engine), sqlite_engine)
    for n in range(6):
        limits.admit_message("socketio", "web-1", None, now=T0 + n)
    limits.admit_lead("rest", "rest-a", None, now=T0)
    limits.admit_lead("rest", "rest-a", None, now=T0)
    assert refusals_since(sqlite_engine, date(2020, 1, 1)) == {
        "messages_per_conversation": 3, "leads_per_conversation": 1,
    }


def test_a_switched_off_limit_admits_everything(sqlite_engine: Engine) -> None:
    limits = AbuseLimits(Limits(messages_per_minute_per_conversation=0), SQLHitStore(sqlite_engine),
                         sqlite_engine)
    assert all(limits.admit_message("rest", "r", None, now=T0) is None for _ in range(30))


def test_the_store_follows_the_profile(sqlite_engine: Engine) -> None:
    assert isinstance(hit_store(sqlite_engine, {}), SQLHitStore)
    assert isinstance(hit_store(sqlite_engine, {"REDIS_HOST": "127.0.0.1"}), RedisHitStore)
