"""Login throttling per e-mail and per address, shared through the database."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from cyberbot.console.models import console_metadata, login_attempts
from cyberbot.console.rate_limit import LoginThrottle
from cyberbot.leads.database import create_leads_engine

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=15)


def fail(throttle: LoginThrottle, times: int, email: str, ip: str, now: datetime = NOW) -> None:
    for _ in range(times):
        throttle.record_failure(email, ip, now=now)


def stored_keys(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(login_attempts.c.key_hash)).scalars())


def test_five_failures_block_the_address_until_the_oldest_leaves_the_window(
    console_engine: Engine,
) -> None:
    throttle = LoginThrottle(console_engine)
    for minute in range(4):
        throttle.record_failure("ans@example.nl", "192.0.2.1", now=NOW + timedelta(minutes=minute))
        assert (
            throttle.retry_after("ans@example.nl", "192.0.2.1", now=NOW + timedelta(minutes=4)) == 0
        )
    throttle.record_failure("ans@example.nl", "192.0.2.1", now=NOW + timedelta(minutes=4))
    # The sixth try is refused, with the same e-mail in another case or from elsewhere.
    later = NOW + timedelta(minutes=5)
    assert throttle.retry_after("ans@example.nl", "192.0.2.1", now=later) == 10 * 60
    assert throttle.retry_after(" ANS@Example.nl", "198.51.100.7", now=later) == 10 * 60
    assert throttle.retry_after("bob@example.nl", "192.0.2.1", now=later) == 0
    # The first failure leaves the window after 15 minutes.
    assert (
        throttle.retry_after("ans@example.nl", None, now=NOW + WINDOW - timedelta(seconds=0.5)) == 1
    )
    assert throttle.retry_after("ans@example.nl", None, now=NOW + WINDOW) == 0


def test_a_successful_login_clears_the_address_but_not_the_client(console_engine: Engine) -> None:
    throttle = LoginThrottle(console_engine, max_per_email=5, max_per_address=6)
    fail(throttle, 5, "ans@example.nl", "192.0.2.1")
    throttle.clear("Ans@example.nl")
    assert throttle.retry_after("ans@example.nl", None, now=NOW) == 0
    throttle.record_failure("bob@example.nl", "192.0.2.1", now=NOW)
    assert throttle.retry_after("carla@example.nl", "192.0.2.1", now=NOW) == 15 * 60


def test_one_client_address_trying_many_accounts_is_blocked(console_engine: Engine) -> None:
    throttle = LoginThrottle(console_engine)
    for number in range(20):
        throttle.record_failure(f"user{number}@example.nl", "2001:db8::1", now=NOW)
    assert throttle.retry_after("new@example.nl", "2001:db8::1", now=NOW) == 15 * 60
    assert throttle.retry_after("new@example.nl", "2001:db8::2", now=NOW) == 0
    assert throttle.retry_after("new@example.nl", None, now=NOW) == 0


def test_keys_are_stored_as_hashes(console_engine: Engine) -> None:
    LoginThrottle(console_engine).record_failure("Ans@Example.nl", "192.0.2.1", now=NOW)
    assert stored_keys(console_engine) == {
        hashlib.sha256(b"email:ans@example.nl").hexdigest(),
        hashlib.sha256(b"ip:192.0.2.1").hexdigest(),
    }


def test_attempts_outside_the_window_are_purged(console_engine: Engine) -> None:
    throttle = LoginThrottle(console_engine)
    fail(throttle, 3, "ans@example.nl", "192.0.2.1")
    throttle.record_failure("bob@example.nl", "192.0.2.9", now=NOW + WINDOW)
    assert stored_keys(console_engine) == {
        hashlib.sha256(b"email:bob@example.nl").hexdigest(),
        hashlib.sha256(b"ip:192.0.2.9").hexdigest(),
    }


def test_processes_on_the_same_database_share_the_count(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = create_leads_engine(url), create_leads_engine(url)
    try:
        console_metadata.create_all(first)
        fail(LoginThrottle(first), 2, "ans@example.nl", "192.0.2.1")
        fail(LoginThrottle(second), 2, "ans@example.nl", "192.0.2.2")
        script = (
            "import sys; from datetime import datetime\n"
            "from cyberbot.console.models import get_console_engine\n"
            "from cyberbot.console.rate_limit import LoginThrottle\n"
            "LoginThrottle(get_console_engine(sys.argv[1])).record_failure(\n"
            "    'ans@example.nl', '192.0.2.3', now=datetime.fromisoformat(sys.argv[2]))\n"
        )
        subprocess.run(
            [sys.executable, "-c", script, url, NOW.isoformat()], cwd=REPO, check=True, timeout=60
        )
        with first.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(login_attempts)).scalar_one()
        assert rows == 10
        assert LoginThrottle(first).retry_after("ans@example.nl", None, now=NOW) == 15 * 60
        assert LoginThrottle(second).retry_after("ans@example.nl", None, now=NOW) == 15 * 60
    finally:
        first.dispose()
        second.dispose()
