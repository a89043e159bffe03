"""The atomic Redis lock store, against the Redis server on 127.0.0.1:6379: a change of
the lock that another replica makes between a read and a write is kept, where Rasa
3.6's RedisLockStore writes over it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore, RedisLockStore, _create_from_endpoint_config
from rasa.utils.endpoints import EndpointConfig

from cyberbot.lock_store import AtomicRedisLockStore
from tests.redis_support import local_redis

CONVERSATION = "conversation-1"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own, its keys deleted afterwards."""
    client = local_redis()
    name = f"locktest{uuid.uuid4().hex[:10]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def store(kind: type[RedisLockStore], prefix: str) -> RedisLockStore:
    return kind(host="127.0.0.1", port=6379, db=1, key_prefix=prefix)


def tickets(lock_store: LockStore) -> list[int]:
    lock = lock_store.get_lock(CONVERSATION)
    return [] if lock is None else [ticket.number for ticket in lock.tickets]


def interleaved(monkeypatch: pytest.MonkeyPatch, other_replica: Callable[[], Any]) -> None:
    """Run ``other_replica`` once, right after the next read of a lock: as if another
    replica changed the lock between this replica's read and its write."""
    read = TicketLock.from_dict
    pending = [other_replica]

    def read_then_interleave(data: dict[str, Any]) -> TicketLock:
        lock = read(data)
        if pending:
            pending.pop()()
        return lock

    monkeypatch.setattr(TicketLock, "from_dict", read_then_interleave)


@pytest.mark.parametrize(("kind", "released_ticket_back"),
                         [(RedisLockStore, True), (AtomicRedisLockStore, False)])
def test_a_waiter_does_not_write_back_a_released_ticket(
    monkeypatch: pytest.MonkeyPatch, prefix: str, kind: type[RedisLockStore],
    released_ticket_back: bool
) -> None:
    """The holder (ticket 0) releases while the waiter (ticket 1) drops expired tickets.
    Rasa's store writes ticket 0 back, and the waiter waits for it to expire."""
    holder, waiter = store(kind, prefix), store(kind, prefix)
    assert holder.issue_ticket(CONVERSATION) == 0
    assert waiter.issue_ticket(CONVERSATION) == 1
    interleaved(monkeypatch, lambda: holder.finish_serving(CONVERSATION, 0))

    waiter.update_lock(CONVERSATION)

    assert tickets(waiter) == ([0, 1] if released_ticket_back else [1])


@pytest.mark.parametrize(("kind", "same_number"),
                         [(RedisLockStore, True), (AtomicRedisLockStore, False)])
def test_two_replicas_taking_a_ticket_at_once_get_two_numbers(
    monkeypatch: pytest.MonkeyPatch, prefix: str, kind: type[RedisLockStore],
    same_number: bool
) -> None:
    first, second = store(kind, prefix), store(kind, prefix)
    assert first.issue_ticket(CONVERSATION) == 0  # someone holds the lock
    taken: list[int] = []
    interleaved(monkeypatch, lambda: taken.append(second.issue_ticket(CONVERSATION)))

    taken.append(first.issue_ticket(CONVERSATION))

    assert (taken[0] == taken[1]) is same_number
    if not same_number:
        assert sorted(taken) == [1, 2] and tickets(first) == [0, 1, 2]


def test_releasing_the_last_ticket_deletes_the_lock_unless_someone_came(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    holder, newcomer = store(AtomicRedisLockStore, prefix), store(AtomicRedisLockStore, prefix)
    assert holder.issue_ticket(CONVERSATION) == 0
    holder.cleanup(CONVERSATION, 0)
    assert holder.get_lock(CONVERSATION) is None

    assert holder.issue_ticket(CONVERSATION) == 0
    interleaved(monkeypatch, lambda: newcomer.issue_ticket(CONVERSATION))
    holder.cleanup(CONVERSATION, 0)
    assert tickets(holder) == [1]  # the newcomer's ticket survives the release


def test_the_second_replica_gets_the_lock_when_the_first_leaves_it(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    """Through Rasa's own ``LockStore.lock``, which must call the atomic changes."""
    first, second = store(AtomicRedisLockStore, prefix), store(AtomicRedisLockStore, prefix)
    order: list[str] = []
    called: set[str] = set()

    def recorded(name: str) -> Callable[..., Any]:
        method = getattr(AtomicRedisLockStore, name)

        def call(*args: Any) -> Any:
            called.add(name)
            return method(*args)

        return call

    for name in ("issue_ticket", "update_lock", "cleanup"):
        monkeypatch.setattr(AtomicRedisLockStore, name, recorded(name))

    async def scenario() -> None:
        async with first.lock(CONVERSATION, wait_time_in_seconds=0.01):
            waiting = asyncio.create_task(take(second))
            while not second.get_lock(CONVERSATION) or len(tickets(second)) < 2:
                await asyncio.sleep(0)  # until the second replica has its ticket
            order.append("first done")
        await waiting

    async def take(lock_store: LockStore) -> None:
        async with lock_store.lock(CONVERSATION, wait_time_in_seconds=0.01):
            order.append("second in")

    asyncio.run(scenario())
    assert order == ["first done", "second in"]
    assert first.get_lock(CONVERSATION) is None
    assert called == {"issue_ticket", "update_lock", "cleanup"}


def test_rasa_builds_it_from_the_endpoints_file(prefix: str) -> None:
    config = EndpointConfig.from_dict({"type": "cyberbot.lock_store.AtomicRedisLockStore",
                                       "url": "127.0.0.1", "port": 6379, "db": 1,
                                       "key_prefix": prefix})
    lock_store = _create_from_endpoint_config(config)
    assert isinstance(lock_store, AtomicRedisLockStore)
    assert lock_store.key_prefix.startswith(prefix + ":")
    assert lock_store.issue_ticket(CONVERSATION) == 0
