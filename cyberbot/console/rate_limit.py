"""Login throttling per e-mail address and per client address, shared by all processes.

Every failed login adds a row for the e-mail address and one for the client address to
``login_attempts``; a key with too many rows inside the window is refused until the
oldest of them leaves it. Keys are stored as SHA-256 of "email:<address>" and
"ip:<address>", never in clear.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from cyberbot.console.models import login_attempts


class LoginThrottle:
    def __init__(
        self,
        engine: Engine,
        max_per_email: int = 5,
        max_per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
    ) -> None:
        self.engine = engine
        self.max_per_email = max_per_email
        self.max_per_address = max_per_address
        self.window = window

    def retry_after(self, email: str, ip: str | None, now: datetime | None = None) -> int:
        """Seconds until a login for ``email`` from ``ip`` may be tried; 0 means now."""
        now = now or _now()
        limits = [(_email_key(email), self.max_per_email)]
        if ip:
            limits.append((_address_key(ip), self.max_per_address))
        wait = 0.0
        with self.engine.connect() as connection:
            for key_hash, limit in limits:
                # The newest ``limit`` attempts: while all are inside the window, the
                # key is blocked until the oldest of them leaves it.
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
                if len(times) >= limit:
                    wait = max(wait, (times[-1] + self.window - now).total_seconds())
        return math.ceil(wait)

    def record_failure(self, email: str, ip: str | None, now: datetime | None = None) -> None:
        """Count a failed login, and drop the attempts that have left the window."""
        now = now or _now()
        keys = [_email_key(email)] + ([_address_key(ip)] if ip else [])
        with self.engine.begin() as connection:
            connection.execute(
                delete(login_attempts).where(login_attempts.c.attempted_at <= now - self.window)
            )
            connection.execute(
                insert(login_attempts), [{"key_hash": key, "attempted_at": now} for key in keys]
            )

    def clear(self, email: str) -> None:
        """Forget the failures of ``email`` after it logged in; the client address keeps its."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(login_attempts).where(login_attempts.c.key_hash == _email_key(email))
            )


def _email_key(email: str) -> str:
    return _sha256(f"email:{email.strip().lower()}")


def _address_key(ip: str) -> str:
    return _sha256(f"ip:{ip}")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)
