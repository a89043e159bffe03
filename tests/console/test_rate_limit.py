"""Login throttling per account-and-address and per address, shared through the database."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from cyberbot.console.models import login_attempts
from cyberbot.console.rate_limit import LoginThrottle
from cyberbot.db.engine import create_database_engine

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=15)


def tries(
    throttle: LoginThrottle, times: int, email: str, ip: str, now: datetime = NOW
) -> list[int]:
    return [throttle.attempt(email, ip, now=now) for _ in range(times)]


def stored_keys(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(login_attempts.c.key_hash)).scalars())


def test_five_tries_block_the_account_from_that_address_until_the_oldest_leaves(
    console_engine: Engine,
) -> None:
    throttle = LoginThrottle(console_engine)
    for minute in range(5):
        assert throttle.attempt("ans@example.nl", "192.0.2.1",
                                now=NOW + timedelta(minutes=minute)) == 0
    later = NOW + timedelta(minutes=5)
    # The sixth is refused (in any case of the address), and waits for the first to leave.
    assert throttle.attempt(" ANS@Example.nl", "192.0.2.1", now=later) == 10 * 60
    assert throttle.attempt("ans@example.nl", "192.0.2.1",
                            now=NOW + WINDOW - timedelta(seconds=0.5)) == 1
    assert throttle.attempt("ans@example.nl", "192.0.2.1", now=NOW + WINDOW) == 0


def test_a_stranger_elsewhere_cannot_lock_an_operator_out(console_engine: Engine) -> None:
    throttle = LoginThrottle(console_engine)
    assert tries(throttle, 5, "ans@example.nl", "203.0.113.66") == [0] * 5
    assert throttle.attempt("ans@example.nl", "203.0.113.66", now=NOW) > 0
    # Ans herself, from her own address, is not affected.
    assert throttle.attempt("ans@example.nl", "192.0.2.1", now=NOW) == 0


def test_a_refused_attempt_is_not_recorded(console_engine: Engine) -> None:
    throttle = LoginThrottle(console_engine)
    tries(throttle, 5, "ans@example.nl", "192.0.2.1")
    assert tries(throttle, 3, "ans@example.nl", "192.0.2.1") == [15 * 60] * 3
    with console_engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(login_attempts)).scalar_one()
    assert rows == 10


def test_success_forgives_the_account_but_the_address_count_decays_on_its_own(
    console_engine: Engine,
) -> None:
    throttle = LoginThrottle(console_engine, max_per_account=5, max_per_address=7)
    tries(throttle, 4, "ans@example.nl", "192.0.2.1")
    throttle.succeeded("Ans@example.nl", "192.0.2.1")
    assert tries(throttle, 3, "ans@example.nl", "192.0.2.1") == [0, 0, 0]
    # The address has 7 tries in the window now, whoever they were for.
    assert throttle.attempt("carla@example.nl", "192.0.2.1", now=NOW) == 15 * 60
    assert throttle.attempt("carla@example.nl", "192.0.2.1", now=NOW + WINDOW) == 0


def test_one_client_address_trying_many_accounts_is_blocked(console_engine: Engine) -> None:
    throttle = LoginThrottle(console_engine)
    for number in range(20):
        assert throttle.attempt(f"user{number}@example.nl", "2001:db8::1", now=NOW) == 0
    assert throttle.attempt("new@example.nl", "2001:db8::1", now=NOW) == 15 * 60
    assert throttle.attempt("new@example.nl", "2001:db8::2", now=NOW) == 0


def test_keys_are_stored_as_hashes(console_engine: Engine) -> None:
    LoginThrottle(console_engine).attempt("Ans@Example.nl", "192.0.2.1", now=NOW)
    assert stored_keys(console_engine) == {
        hashlib.sha256(b"account:ans@example.nl|ip:192.0.2.1").hexdigest(),
        hashlib.sha256(b"ip:192.0.2.1").hexdigest(),
    }


def test_attempts_outside_the_window_are_purged(console_engine: Engine) -> None:
    throttle = LoginThrottle(console_engine)
    tries(throttle, 3, "ans@example.nl", "192.0.2.1")
    throttle.attempt("bob@example.nl", "192.0.2.9", now=NOW + WINDOW)
    assert stored_keys(console_engine) == {
        hashlib.sha256(b"account:bob@example.nl|ip:192.0.2.9").hexdigest(),
        hashlib.sha256(b"ip:192.0.2.9").hexdigest(),
    }


def _parallel_attempts(engine: Engine, count: int) -> list[int]:
    throttle = LoginThrottle(engine)
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: throttle.attempt("ans@example.nl", "192.0.2.1", now=NOW),
                             range(count)))


def test_parallel_attempts_cannot_slip_past_the_limit(console_engine: Engine) -> None:
    waits = _parallel_attempts(console_engine, 12)
    assert waits.count(0) == 5


def test_parallel_attempts_cannot_slip_past_the_limit_on_postgresql(
    postgres_engine: Engine,
) -> None:
    waits = _parallel_attempts(postgres_engine, 12)
    assert waits.count(0) == 5


def test_processes_on_the_same_database_share_the_count(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = create_database_engine(url), create_database_engine(url)
    try:
        tries(LoginThrottle(first), 2, "ans@example.nl", "192.0.2.1")
        tries(LoginThrottle(second), 2, "ans@example.nl", "192.0.2.1")
        script = (
            "import sys; from datetime import datetime\n"
            "from cyberbot.console.models import get_console_engine\n"
            "from cyberbot.console.rate_limit import LoginThrottle\n"
            "LoginThrottle(get_console_engine(sys.argv[1])).attempt(\n"
            "    'ans@example.nl', '192.0.2.1', now=datetime.fromisoformat(sys.argv[2]))\n"
        )
        subprocess.run(
            [sys.executable, "-c", script, url, NOW.isoformat()], cwd=REPO, check=True, timeout=60
        )
        with first.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(login_attempts)).scalar_one()
        assert rows == 10
        assert LoginThrottle(first).attempt("ans@example.nl", "192.0.2.1", now=NOW) == 15 * 60
        assert LoginThrottle(second).attempt("ans@example.nl", "192.0.2.1", now=NOW) == 15 * 60
    finally:
        first.dispose()
        second.dispose()
