"""Login throttling per account and address, shared by all processes through the database.

An attempt is recorded *before* the password is checked, in one transaction with the
count that admits it (under a per-key lock on PostgreSQL; SQLite serialises writers), so
parallel attempts cannot all slip through. Two keys count:

- the account *from this address*: 5 tries in 15 minutes. A stranger elsewhere who
  guesses an operator's address locks out only their own tries, never the operator.
- the address over all accounts: 20 tries in 15 minutes, against one client trying many
  accounts.

Attempts leave the window one by one (the counters decay); a successful login forgives
its account-and-address key. Keys are stored as SHA-256 hashes, never in clear.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from cyberbot.console.models import login_attempts


class LoginThrottle:
    def __init__(
        self,
        engine: Engine,
        max_per_account: int = 5,
        max_per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
    ) -> None:
        self.engine = engine
        self.max_per_account = max_per_account
        self.max_per_address = max_per_address
        self.window = window

    def attempt(self, email: str, ip: str | None, now: datetime | None = None) -> int:
        """Record a login attempt before its password is checked.

        Returns 0 when it may go on, else the seconds until it may be tried again (a
        refused attempt is not recorded).
        """
        now = now or _now()
        limits = [(account_key(email, ip), self.max_per_account)]
        if ip:
            limits.append((address_key(ip), self.max_per_address))
        with self.engine.begin() as connection:
            _lock(connection, [key for key, _ in limits])
            connection.execute(
                delete(login_attempts).where(login_attempts.c.attempted_at <= now - self.window)
            )
            wait = max(self._wait(connection, key, limit, now) for key, limit in limits)
            if wait > 0:
                return math.ceil(wait)
            connection.execute(
                insert(login_attempts),
                [{"key_hash": key, "attempted_at": now} for key, _ in limits],
            )
        return 0

    def succeeded(self, email: str, ip: str | None) -> None:
        """Forgive this account's tries from this address; the address keeps its count."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(login_attempts).where(login_attempts.c.key_hash == account_key(email, ip))
            )

    def _wait(self, connection: Connection, key_hash: str, limit: int, now: datetime) -> float:
        """Seconds until ``key_hash`` has fewer than ``limit`` attempts in the window."""
        # The newest ``limit`` attempts: while all are inside the window, the key is
        # blocked until the oldest of them leaves it.
        times = (
            connection.execute(
                select(login_attempts.c.attempted_at)
                .where(
                    login_attempts.c.key_hash == key_hash,
                    login_attempts.c.attempted_at > now - self.window,
                )
                .order_by(login_attempts.c.attempted_at.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if len(times) < limit:
            return 0.0
        return max(0.0, (times[-1] + self.window - now).total_seconds())


def _lock(connection: Connection, keys: list[str]) -> None:
    """On PostgreSQL, serialise attempts on the same keys until the transaction ends."""
    if connection.dialect.name != "postgresql":
        return
    for key in sorted(keys):
        number = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
        connection.execute(select(func.pg_advisory_xact_lock(number)))


def account_key(email: str, ip: str | None) -> str:
    return _sha256(f"account:{email.strip().lower()}|ip:{ip or ''}")


def address_key(ip: str) -> str:
    return _sha256(f"ip:{ip}")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)
