"""Rasa's Redis lock store, with every change of a conversation's lock made atomically.

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket lock as one Redis value and
changes it by reading it, changing it in Python and writing it back. Between the read
and the write another replica may change it, and the write then undoes that change:

- a replica waiting for the lock rewrites it once a second (``update_lock``, to drop
  expired tickets); if the holder releases its ticket in between, the waiter writes the
  released ticket back and then waits for it to expire, 60 s later (the stalled turns
  and the console's 502 seen when the machine was busy);
- two replicas taking a ticket at once can both get the same number, and then both
  handle the conversation at the same time.

Here each change runs in a Redis transaction that watches the lock's key: when another
client changed it between the read and the write, the change is made again on the new
value. The lock's format, the tickets and their lifetime are Rasa's.

Selected in ``endpoints.production.yml`` with ``type: cyberbot.lock_store.AtomicRedisLockStore``
and the settings of Rasa's ``type: redis``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
# A change of a conversation's lock: the lock as stored (None: there is none), to the lock
# to store (None: delete it) and the change's result.
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket changes are atomic across replicas."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # as Rasa builds its own for `type: redis`
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Change[T]) -> T:
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> T:
            stored = pipe.get(key)  # watched: the transaction fails if it changes
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            new, result = change(lock)
            pipe.multi()
            if new is None:
                pipe.delete(key)
            else:
                pipe.set(key, new.dumps())
            return result

        result: T = self.red.transaction(attempt, key, value_from_callable=True)
        return result

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, take)
        except Exception as error:  # as Rasa's: the caller handles a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, _release(ticket_number, delete_when_free=False))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Release the ticket, and delete the lock when nobody waits for it: at once."""
        self._change(conversation_id, _release(ticket_number, delete_when_free=True))


def _release(ticket_number: int, delete_when_free: bool) -> Change[None]:
    """The change that removes a ticket (and the lock, when no ticket is left)."""
    def release(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
        if lock is not None:
            lock.remove_ticket_for(ticket_number)
            if delete_when_free and not lock.is_someone_waiting():
                lock = None
        return lock, None

    return release
