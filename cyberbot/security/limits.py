"""Abuse limits shared by every replica: messages per minute and leads per hour, per
conversation and per client address.

Each limit is a sliding window: a hit is admitted while fewer than ``limit`` admitted hits
of the same key lie within the last ``window_seconds``. Hits live in Redis when
REDIS_HOST is set (the production profile) or else in the database of DATABASE_URL, so
two replicas count together; the check and the record are one atomic step. Keys are
hashes: neither a conversation id (which may be a phone number) nor a client address is
stored. Every refusal is counted per day for the operators.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Protocol

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cyberbot.db.schema import ensure_schema
from cyberbot.security.models import limit_events, rate_hits
from cyberbot.security.settings import Limits

logger = logging.getLogger(__name__)

MINUTE = 60
HOUR = 3600
# Hits of keys nobody uses any more are swept away this long after they were made.
_SWEEP_AFTER_SECONDS = 2 * HOUR


@dataclass(frozen=True)
class Rule:
    """One limit: at most ``limit`` hits per ``window_seconds`` for one subject."""

    name: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Hit:
    """A hit of ``key`` under a limit of ``limit`` per ``window_seconds``."""

    key: str
    limit: int
    window_seconds: int


class HitStore(Protocol):
    def admit(self, key: str, limit: int, window_seconds: int, now: float) -> bool:
        """Record a hit of ``key`` if fewer than ``limit`` lie in the window; say if it was."""

    def admit_all(self, hits: Sequence[Hit], now: float) -> int | None:
        """Record ``hits`` in order until one is over its limit: the index of that one
        (not recorded, nor are those after it), or None when every hit was admitted."""


class SQLHitStore:
    """Hits in a table: insert, then count with the new row, in one transaction that
    holds the keys (SQLite's writer lock; advisory locks on PostgreSQL). The hits of one
    message share that transaction: one commit per message, not one per limit."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._swept = 0.0
        ensure_tables(engine)

    def admit(self, key: str, limit: int, window_seconds: int, now: float) -> bool:
        return self.admit_all([Hit(key, limit, window_seconds)], now) is None

    def admit_all(self, hits: Sequence[Hit], now: float) -> int | None:
        refused = None
        with self.engine.begin() as connection:
            for index, hit in enumerate(hits):
                if not _admit_in(connection, hit, now):
                    refused = index
                    break
        self._sweep(now)
        return refused

    def _sweep(self, now: float) -> None:
        """Delete old hits of every key, at most once a minute per process."""
        if now - self._swept < MINUTE:
            return
        self._swept = now
        with self.engine.begin() as connection:
            connection.execute(
                delete(rate_hits).where(rate_hits.c.at <= now - _SWEEP_AFTER_SECONDS)
            )


class RedisHitStore:
    """Hits as members of a sorted set per key, scored by time, in one MULTI/EXEC."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def admit(self, key: str, limit: int, window_seconds: int, now: float) -> bool:
        name = f"{self.prefix}:limits:{key}"
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        pipeline = self.client.pipeline(transaction=True)
        pipeline.zremrangebyscore(name, "-inf", now - window_seconds)
        pipeline.zadd(name, {member: now})
        pipeline.zcard(name)
        pipeline.expire(name, window_seconds + 1)
        _, _, count, _ = pipeline.execute()
        if int(count) <= limit:
            return True
        self.client.zrem(name, member)
        return False

    def admit_all(self, hits: Sequence[Hit], now: float) -> int | None:
        # One atomic step per key: a hit never depends on another key's count.
        for index, hit in enumerate(hits):
            if not self.admit(hit.key, hit.limit, hit.window_seconds, now):
                return index
        return None


def _admit_in(connection: Connection, hit: Hit, now: float) -> bool:
    """Record ``hit`` in the open transaction if its window has room; say if it had."""
    _lock_key(connection, hit.key)
    row = connection.execute(
        insert(rate_hits).values(key_hash=hit.key, at=now)
    ).inserted_primary_key[0]
    connection.execute(
        delete(rate_hits).where(
            rate_hits.c.key_hash == hit.key, rate_hits.c.at <= now - hit.window_seconds
        )
    )
    count = connection.execute(
        select(func.count()).select_from(rate_hits).where(rate_hits.c.key_hash == hit.key)
    ).scalar_one()
    if count <= hit.limit:
        return True
    connection.execute(delete(rate_hits).where(rate_hits.c.id == row))
    return False


def _lock_key(connection: Connection, key: str) -> None:
    if connection.dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        connection.execute(select(func.pg_advisory_xact_lock(number)))


def ensure_tables(engine: Engine) -> None:
    """The limits' tables on ``engine``: its database at the newest migration."""
    ensure_schema(engine)


def hit_store(engine: Engine, environ: Mapping[str, str] | None = None) -> HitStore:
    """Redis when REDIS_HOST is set (shared by the production replicas), else ``engine``."""
    environ = os.environ if environ is None else environ
    host = environ.get("REDIS_HOST", "").strip()
    if not host:
        return SQLHitStore(engine)
    import redis  # the production profile only

    client = redis.Redis(
        host=host,
        port=int(environ.get("REDIS_PORT") or 6379),
        db=int(environ.get("REDIS_DB") or 0),
        password=environ.get("REDIS_PASSWORD") or None,
        socket_timeout=5,
    )
    return RedisHitStore(client, environ.get("REDIS_KEY_PREFIX") or "cyberbot")


def _subject_key(rule: str, subject: str) -> str:
    return hashlib.sha256(f"{rule}:{subject}".encode()).hexdigest()


@dataclass(frozen=True)
class Refusal:
    rule: str
    # The first refusal of its window: channels that pay per message answer only this one.
    first: bool = True


class AbuseLimits:
    """Checks and counts messages and leads against the configured limits."""

    def __init__(self, limits: Limits, store: HitStore, events_engine: Engine) -> None:
        self.store = store
        self.events_engine = events_engine
        ensure_tables(events_engine)
        self.message_rules = (
            Rule("messages_per_conversation", limits.messages_per_minute_per_conversation, MINUTE),
            Rule("messages_per_client", limits.messages_per_minute_per_client, MINUTE),
        )
        self.lead_rules = (
            Rule("leads_per_conversation", limits.leads_per_hour_per_conversation, HOUR),
            Rule("leads_per_client", limits.leads_per_hour_per_client, HOUR),
        )

    def admit_message(
        self, channel: str, conversation_id: str, client: str | None, now: float | None = None
    ) -> Refusal | None:
        """Count a message; a Refusal when it is over a limit (it must then not be handled)."""
        return self._admit(self.message_rules, channel, (conversation_id, client), now)

    def admit_lead(
        self, channel: str, conversation_id: str, client: str | None, now: float | None = None
    ) -> Refusal | None:
        return self._admit(self.lead_rules, channel, (conversation_id, client), now)

    def _admit(
        self,
        rules: Sequence[Rule],
        channel: str,
        subjects: tuple[str, str | None],
        now: float | None,
    ) -> Refusal | None:
        moment = datetime.now(timezone.utc).timestamp() if now is None else now
        limited = [(rule, subject) for rule, subject in zip(rules, subjects, strict=True)
                   if rule.limit > 0 and subject]
        refused = self.store.admit_all(
            [Hit(_subject_key(rule.name, subject), rule.limit, rule.window_seconds)
             for rule, subject in limited],
            moment,
        )
        if refused is None:
            return None
        rule, subject = limited[refused]
        # One notice per window: the first refusal is admitted under a limit of one.
        first = self.store.admit(_subject_key(f"notice:{rule.name}", subject), 1,
                                 rule.window_seconds, moment)
        self._count_refusal(rule.name, channel, moment)
        logger.warning("Refused by the %s limit (channel %s)", rule.name, channel)
        return Refusal(rule.name, first=first)

    def _count_refusal(self, rule: str, channel: str, moment: float) -> None:
        day = datetime.fromtimestamp(moment, timezone.utc).date()
        dialect = postgresql if self.events_engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(limit_events).values(
            day=day, rule=rule, channel=channel[:32], count=1
        )
        statement = statement.on_conflict_do_update(
            index_elements=[limit_events.c.day, limit_events.c.rule, limit_events.c.channel],
            set_={"count": limit_events.c.count + 1},
        )
        with self.events_engine.begin() as connection:
            connection.execute(statement)


def refusals_since(engine: Engine, since: date) -> dict[str, int]:
    """Refusals per rule from ``since`` on (for the operator console)."""
    ensure_tables(engine)
    query = (
        select(limit_events.c.rule, func.sum(limit_events.c.count))
        .where(limit_events.c.day >= since)
        .group_by(limit_events.c.rule)
    )
    with engine.connect() as connection:
        return {str(rule): int(total) for rule, total in connection.execute(query)}
