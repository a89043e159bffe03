"""Hand-offs and operator availability (cyberbot/live/store.py) on a real database.

Every call gets an explicit ``now``; nothing depends on the clock or on sleeping. The
races run on SQLite and, when a server is reachable, on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from cyberbot.db.engine import open_engine
from cyberbot.live import models as live_models
from cyberbot.live.models import (
    ACTIVE,
    CLOSED,
    WAITING,
    WITHDRAWN,
    handoffs,
    prepare_live_tables,
    presence,
)
from cyberbot.live.store import (
    MAX_NAME_CHARS,
    Handoff,
    HandoffError,
    HandoffNotFoundError,
    LiveOperator,
    available_operators,
    claim,
    clean_name,
    first_name,
    forget_handoffs,
    held,
    is_available,
    is_paused,
    latest_handoff,
    list_handoffs,
    open_handoff,
    queue_position,
    recently_withdrawn,
    release,
    release_abandoned,
    request_handoff,
    seen,
    set_availability,
    undo_claim,
    withdraw_expired,
)
from tests.postgres_support import fresh_postgres_database

T = TypeVar("T")

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
EVA = LiveOperator(1, "eva.de.vries@example.nl", is_admin=False, name="Eva")
BRAM = LiveOperator(2, "bram@example.nl", is_admin=False, name="Bram")
ADMIN = LiveOperator(3, "admin@example.nl", is_admin=True, name="Anne")
IDLE = timedelta(minutes=10)
TIMEOUT = timedelta(seconds=180)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def live_engine(url: str) -> Engine:
    """A new engine, as another replica would have, prepared as live chat does."""
    return prepare_live_tables(open_engine(url))


def test_each_new_engine_gets_its_tables(tmp_path: Path) -> None:
    """Prepared engines are remembered weakly: a freed engine's id, reused by a new
    engine on another database, never skips that database's tables."""
    for number in range(30):
        engine = live_engine(f"sqlite:///{tmp_path}/round{number}.db")
        assert set(inspect(engine).get_table_names()) >= {
            live_models.handoffs.name, live_models.presence.name}
        engine.dispose()
        del engine


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = live_engine(f"sqlite:///{tmp_path}/x.db")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/x.db"
    else:
        with fresh_postgres_database() as url:
            yield url


def error_of(call: Callable[[], object]) -> HandoffError:
    with pytest.raises(HandoffError) as raised:
        call()
    return raised.value


def all_rows(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [(row.conversation_id, row.status) for row in connection.execute(
            select(handoffs).order_by(handoffs.c.id))]


def at_once(calls: list[Callable[[], T]]) -> tuple[list[T], list[BaseException]]:
    """Run ``calls`` in threads released at the same moment: (results, errors)."""
    start = threading.Barrier(len(calls))
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], T]) -> None:
        start.wait()
        try:
            outcome = call()
        except BaseException as error:
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


# --- tables --------------------------------------------------------------------------


def test_prepare_live_tables_creates_the_tables(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {"live_handoffs", "live_operator_presence"} <= names
    assert prepare_live_tables(engine) is engine  # a second call is harmless


def test_timestamps_come_back_timezone_aware_utc(engine: Engine) -> None:
    cet = timezone(timedelta(hours=1))
    request_handoff(engine, "c1", "socketio", datetime(2026, 3, 2, 13, 0, tzinfo=cet))
    found = open_handoff(engine, "c1")
    assert found is not None
    assert found.requested_at == NOW
    assert found.requested_at.tzinfo is not None
    assert found.requested_at.utcoffset() == timedelta(0)


# --- requesting ----------------------------------------------------------------------


def test_a_request_opens_one_waiting_handoff_and_repeats_return_it(engine: Engine) -> None:
    first, created = request_handoff(engine, "c1", "socketio", NOW)
    assert created is True
    assert first == Handoff("c1", "socketio", WAITING, NOW, None, None, None, None, None)

    again, created_again = request_handoff(engine, "c1", "whatsapp", at(30))
    assert created_again is False
    assert again == first  # the open one, unchanged (channel and time included)
    assert all_rows(engine) == [("c1", WAITING)]
    assert open_handoff(engine, "c1") == first
    assert open_handoff(engine, "nobody") is None


def test_a_request_while_active_returns_the_active_handoff(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    _, active = claim(engine, "c1", EVA, at(10))
    found, created = request_handoff(engine, "c1", "socketio", at(20))
    assert (found, created) == (active, False)


def test_a_request_after_a_closed_handoff_opens_a_fresh_one(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    claim(engine, "c1", EVA, at(10))
    release(engine, "c1", EVA, at(20))

    fresh, created = request_handoff(engine, "c1", "socketio", at(30))
    assert created is True
    assert (fresh.status, fresh.requested_at, fresh.operator_id) == (WAITING, at(30), None)
    assert all_rows(engine) == [("c1", CLOSED), ("c1", WAITING)]
    assert latest_handoff(engine, "c1") == fresh


def test_queue_position_follows_the_order_of_requests(engine: Engine) -> None:
    request_handoff(engine, "second", "socketio", at(10))
    request_handoff(engine, "first", "whatsapp", NOW)
    request_handoff(engine, "third", "socketio", at(20))

    assert [queue_position(engine, c) for c in ("first", "second", "third")] == [1, 2, 3]
    assert queue_position(engine, "unknown") == 0

    claim(engine, "first", EVA, at(30))
    assert queue_position(engine, "first") == 0  # active: no longer waiting
    assert [queue_position(engine, c) for c in ("second", "third")] == [1, 2]

    release(engine, "second", BRAM, at(40))
    assert queue_position(engine, "second") == 0
    assert queue_position(engine, "third") == 1


# --- claiming ------------------------------------------------------------------------


def test_an_operator_claims_a_waiting_handoff(engine: Engine) -> None:
    waiting, _ = request_handoff(engine, "c1", "socketio", NOW)
    assert not is_paused(engine, "c1")

    before, after = claim(engine, "c1", EVA, at(10))
    assert before == waiting
    assert after == Handoff("c1", "socketio", ACTIVE, NOW, at(10), None,
                            EVA.id, EVA.email, EVA.name)
    assert is_paused(engine, "c1")
    assert held(engine, "c1", EVA) == after


def test_claiming_again_by_the_holder_changes_nothing(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    _, active = claim(engine, "c1", EVA, at(10))

    before, after = claim(engine, "c1", EVA, at(50))
    assert before == after == active
    assert after.claimed_at == at(10)


def test_another_operator_cannot_claim_an_active_handoff(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    _, active = claim(engine, "c1", EVA, at(10))

    error = error_of(lambda: claim(engine, "c1", BRAM, at(20)))
    assert (error.code, error.status) == ("held_by_another_operator", 409)
    assert not isinstance(error, HandoffNotFoundError)
    assert open_handoff(engine, "c1") == active  # still Eva's


def test_an_admin_takes_an_active_handoff_over(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    _, active = claim(engine, "c1", EVA, at(10))

    before, after = claim(engine, "c1", ADMIN, at(20))
    assert before == active
    assert (after.status, after.claimed_at) == (ACTIVE, at(20))
    assert (after.operator_id, after.operator_email, after.operator_name) == (
        ADMIN.id, ADMIN.email, ADMIN.name)
    assert error_of(lambda: held(engine, "c1", EVA)).code == "held_by_another_operator"
    assert held(engine, "c1", ADMIN) == after


def test_an_unannounced_claim_is_undone_to_what_it_was(engine: Engine) -> None:
    waiting, _ = request_handoff(engine, "c1", "socketio", NOW)
    before, _ = claim(engine, "c1", EVA, at(10))
    undo_claim(engine, before, EVA)
    assert open_handoff(engine, "c1") == waiting and not is_paused(engine, "c1")

    # An admin's failed takeover gives the conversation back to Eva, as it was.
    _, eva_holds = claim(engine, "c1", EVA, at(20))
    before, _ = claim(engine, "c1", ADMIN, at(30))
    undo_claim(engine, before, ADMIN)
    assert open_handoff(engine, "c1") == eva_holds
    # Only the claimer's own claim is undone.
    undo_claim(engine, waiting, BRAM)
    assert open_handoff(engine, "c1") == eva_holds


def test_an_admin_claims_a_waiting_handoff_like_anyone(engine: Engine) -> None:
    waiting, _ = request_handoff(engine, "c1", "socketio", NOW)
    before, after = claim(engine, "c1", ADMIN, at(10))
    assert before == waiting
    assert after.operator_id == ADMIN.id


@pytest.mark.parametrize("operation", ["claim", "held", "release"])
def test_an_unknown_conversation_is_not_found(engine: Engine, operation: str) -> None:
    request_handoff(engine, "other", "socketio", NOW)
    calls: dict[str, Callable[[], object]] = {
        "claim": lambda: claim(engine, "unknown", EVA, at(10)),
        "held": lambda: held(engine, "unknown", EVA),
        "release": lambda: release(engine, "unknown", EVA, at(10)),
    }
    with pytest.raises(HandoffNotFoundError) as raised:
        calls[operation]()
    assert (raised.value.code, raised.value.status) == ("not_found", 404)


def test_held_while_waiting_is_not_claimed(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    error = error_of(lambda: held(engine, "c1", EVA))
    assert (error.code, error.status) == ("not_claimed", 409)


# --- releasing -----------------------------------------------------------------------


def test_the_holder_releases_and_the_handoff_has_ended(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    claim(engine, "c1", EVA, at(10))

    ended = release(engine, "c1", EVA, at(20))
    assert (ended.status, ended.ended_at, ended.operator_id) == (CLOSED, at(20), EVA.id)
    assert latest_handoff(engine, "c1") == ended
    assert open_handoff(engine, "c1") is None
    assert not is_paused(engine, "c1")

    for call in (lambda: claim(engine, "c1", BRAM, at(30)),
                 lambda: held(engine, "c1", EVA),
                 lambda: release(engine, "c1", EVA, at(30))):
        error = error_of(call)
        assert (error.code, error.status) == ("handoff_ended", 409)
        assert not isinstance(error, HandoffNotFoundError)


def test_only_the_holder_or_an_admin_releases_an_active_handoff(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    _, active = claim(engine, "c1", EVA, at(10))

    assert error_of(lambda: release(engine, "c1", BRAM, at(20))).code == \
        "held_by_another_operator"
    assert open_handoff(engine, "c1") == active

    ended = release(engine, "c1", ADMIN, at(30))
    assert (ended.status, ended.operator_id) == (CLOSED, EVA.id)  # who held it stays


def test_anyone_releases_a_waiting_handoff(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    ended = release(engine, "c1", BRAM, at(20))
    assert (ended.status, ended.ended_at, ended.operator_id) == (CLOSED, at(20), None)
    assert all_rows(engine) == [("c1", CLOSED)]


def test_is_paused_only_while_active(engine: Engine) -> None:
    assert not is_paused(engine, "c1")  # no hand-off
    request_handoff(engine, "c1", "socketio", NOW)
    assert not is_paused(engine, "c1")  # waiting
    claim(engine, "c1", EVA, at(10))
    assert is_paused(engine, "c1")
    assert not is_paused(engine, "c2")
    release(engine, "c1", EVA, at(20))
    assert not is_paused(engine, "c1")  # closed
    request_handoff(engine, "c1", "socketio", at(30))
    withdraw_expired(engine, at(30) + TIMEOUT, TIMEOUT)
    assert not is_paused(engine, "c1")  # withdrawn


# --- withdrawing ---------------------------------------------------------------------


def test_withdraw_expired_takes_only_those_waiting_too_long_and_only_once(
    engine: Engine,
) -> None:
    request_handoff(engine, "old", "socketio", NOW)
    request_handoff(engine, "young", "socketio", at(100))
    request_handoff(engine, "claimed", "socketio", NOW)
    claim(engine, "claimed", EVA, at(1))
    now = at(181)

    withdrawn = withdraw_expired(engine, now, TIMEOUT)
    assert [(h.conversation_id, h.status, h.ended_at) for h in withdrawn] == [
        ("old", WITHDRAWN, now)]
    assert latest_handoff(engine, "old") == withdrawn[0]
    assert open_handoff(engine, "young") is not None
    assert is_paused(engine, "claimed")

    assert withdraw_expired(engine, now, TIMEOUT) == []
    assert withdraw_expired(engine, at(182), TIMEOUT) == []
    assert [h.conversation_id for h in withdraw_expired(engine, at(281), TIMEOUT)] == [
        "young"]
    assert error_of(lambda: claim(engine, "old", EVA, at(300))).code == "handoff_ended"


def test_recently_withdrawn_within_the_cooldown(engine: Engine) -> None:
    cooldown = timedelta(minutes=30)
    request_handoff(engine, "c1", "socketio", NOW)
    request_handoff(engine, "c2", "socketio", NOW)
    release(engine, "c2", EVA, at(60))  # closed, not withdrawn
    withdrawn_at = at(200)
    assert [h.conversation_id for h in withdraw_expired(engine, withdrawn_at, TIMEOUT)] == [
        "c1"]

    assert recently_withdrawn(engine, "c1", withdrawn_at, cooldown)
    assert recently_withdrawn(engine, "c1", withdrawn_at + timedelta(minutes=29), cooldown)
    assert not recently_withdrawn(engine, "c1", withdrawn_at + timedelta(minutes=31),
                                  cooldown)
    assert not recently_withdrawn(engine, "c2", at(61), cooldown)
    assert not recently_withdrawn(engine, "unknown", at(61), cooldown)


# --- the list ------------------------------------------------------------------------


def test_list_handoffs_shows_open_ones_first_then_recently_ended(engine: Engine) -> None:
    request_handoff(engine, "ended-long-ago", "socketio", NOW)
    release(engine, "ended-long-ago", EVA, at(10))
    request_handoff(engine, "ended-recently", "socketio", at(20))
    request_handoff(engine, "active", "whatsapp", at(30))
    request_handoff(engine, "waiting", "socketio", at(40))
    claim(engine, "active", EVA, at(50))
    release(engine, "ended-recently", EVA, at(3600))

    shown = list_handoffs(engine, ended_since=at(1800))
    assert [(h.conversation_id, h.status) for h in shown] == [
        ("active", ACTIVE), ("waiting", WAITING), ("ended-recently", CLOSED)]


# --- availability --------------------------------------------------------------------


def test_availability_is_set_read_and_counted(engine: Engine) -> None:
    assert not is_available(engine, EVA.id, NOW, IDLE)
    assert available_operators(engine, NOW, IDLE) == 0

    set_availability(engine, EVA, True, NOW)
    set_availability(engine, BRAM, True, NOW)
    set_availability(engine, ADMIN, False, NOW)
    assert is_available(engine, EVA.id, at(1), IDLE)
    assert not is_available(engine, ADMIN.id, at(1), IDLE)
    assert available_operators(engine, at(1), IDLE) == 2

    set_availability(engine, BRAM, False, at(2))
    assert not is_available(engine, BRAM.id, at(3), IDLE)
    assert available_operators(engine, at(3), IDLE) == 1


def test_set_availability_updates_the_name_and_keeps_one_row(engine: Engine) -> None:
    set_availability(engine, EVA, True, NOW)
    renamed = LiveOperator(EVA.id, EVA.email, EVA.is_admin, "Eva de V.")
    set_availability(engine, renamed, True, at(1))
    with engine.connect() as connection:
        rows = connection.execute(select(presence)).all()
    assert [(row.operator_id, row.display_name, row.available, row.seen_at)
            for row in rows] == [(EVA.id, "Eva de V.", True, at(1))]


def test_an_operator_not_seen_for_idle_after_is_not_available(engine: Engine) -> None:
    set_availability(engine, EVA, True, NOW)
    set_availability(engine, BRAM, True, NOW)

    later = NOW + IDLE + timedelta(seconds=1)
    assert not is_available(engine, EVA.id, later, IDLE)
    assert available_operators(engine, later, IDLE) == 0

    seen(engine, EVA, later)  # Eva's console is open again
    assert is_available(engine, EVA.id, later, IDLE)
    assert not is_available(engine, BRAM.id, later, IDLE)
    assert available_operators(engine, later, IDLE) == 1
    assert available_operators(engine, later + IDLE - timedelta(seconds=1), IDLE) == 1
    assert available_operators(engine, later + IDLE + timedelta(seconds=1), IDLE) == 0


def test_seen_never_makes_an_operator_available(engine: Engine) -> None:
    seen(engine, EVA, NOW)
    assert not is_available(engine, EVA.id, NOW, IDLE)
    with engine.connect() as connection:
        assert connection.execute(select(presence.c.available)).scalars().all() == [False]
    set_availability(engine, EVA, False, NOW)
    seen(engine, EVA, at(1))
    assert not is_available(engine, EVA.id, at(1), IDLE)
    assert available_operators(engine, at(1), IDLE) == 0


# --- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(("email", "name"), [
    ("eva.de.vries@x.nl", "Eva"),
    ("EVA@x.nl", "Eva"),
    ("j_bakker@x.nl", "J"),
    ("pieter-jan@x.nl", "Pieter"),
    ("2024.kees@x.nl", "Kees"),
    ("12345@x.nl", "12345"),
    ("@x.nl", "Adviseur"),
])
def test_first_name(email: str, name: str) -> None:
    assert first_name(email) == name


def test_first_name_is_at_most_64_characters() -> None:
    assert first_name("a" * 100 + "@x.nl") == "A" + "a" * (MAX_NAME_CHARS - 1)


@pytest.mark.parametrize(("raw", "cleaned"), [
    ("Eva", "Eva"),
    ("  Eva   de  Vries ", "Eva de Vries"),
    ("Eva\nde\r\nVries", "Eva de Vries"),
    ("Eva\x00\x1b[31m\x7f", "Eva [31m"),
    ("Eva\u2028\u200bVries\t", "Eva Vries"),
    ("\n\t\x00", ""),
])
def test_clean_name_keeps_one_printable_line(raw: str, cleaned: str) -> None:
    assert clean_name(raw) == cleaned


def test_clean_name_is_at_most_64_characters() -> None:
    assert clean_name("x" * 200) == "x" * MAX_NAME_CHARS
    assert len(clean_name("Eva\n" * 40)) <= MAX_NAME_CHARS


# --- erasure -------------------------------------------------------------------------


def test_forget_handoffs_deletes_only_the_given_conversations(engine: Engine) -> None:
    request_handoff(engine, "c1", "socketio", NOW)
    release(engine, "c1", EVA, at(10))
    request_handoff(engine, "c1", "socketio", at(20))
    request_handoff(engine, "c2", "whatsapp", NOW)
    request_handoff(engine, "keep", "socketio", NOW)

    with engine.begin() as connection:
        assert forget_handoffs(connection, {"c1", "c2", "never-seen"}) == 3
    assert all_rows(engine) == [("keep", WAITING)]
    assert latest_handoff(engine, "c1") is None

    with engine.begin() as connection:
        assert forget_handoffs(connection, set()) == 0
    assert all_rows(engine) == [("keep", WAITING)]


# --- races (one engine per thread, as separate replicas would have) -------------------


def test_two_operators_claiming_at_once_make_one_winner(database_url: str) -> None:
    engines = [live_engine(database_url) for _ in range(2)]
    try:
        request_handoff(engines[0], "c1", "socketio", NOW)
        operators = [EVA, BRAM]
        results, errors = at_once([partial(claim, e, "c1", o, at(10))
                                   for e, o in zip(engines, operators, strict=True)])

        assert len(results) == 1 and len(errors) == 1
        assert isinstance(errors[0], HandoffError)
        assert errors[0].code == "held_by_another_operator"
        [(before, after)] = results
        assert before.status == WAITING and after.status == ACTIVE
        assert open_handoff(engines[0], "c1") == after
        assert after.operator_id in {EVA.id, BRAM.id}
    finally:
        for engine in engines:
            engine.dispose()


def test_requests_at_once_open_one_handoff(database_url: str) -> None:
    engines = [live_engine(database_url) for _ in range(4)]
    try:
        results, errors = at_once([partial(request_handoff, e, "c1", "socketio", NOW)
                                   for e in engines])

        assert errors == []
        assert sorted(created for _, created in results) == [False, False, False, True]
        assert len({handoff for handoff, _ in results}) == 1
        assert all_rows(engines[0]) == [("c1", WAITING)]
    finally:
        for engine in engines:
            engine.dispose()


def test_withdrawing_at_once_withdraws_each_handoff_once(database_url: str) -> None:
    engines = [live_engine(database_url) for _ in range(3)]
    try:
        conversations = [f"c{n}" for n in range(6)]
        for conversation in conversations:
            request_handoff(engines[0], conversation, "socketio", NOW)
        results, errors = at_once([partial(withdraw_expired, e, at(200), TIMEOUT)
                                   for e in engines])

        assert errors == []
        withdrawn = [h.conversation_id for batch in results for h in batch]
        assert sorted(withdrawn) == conversations  # each exactly once overall
    finally:
        for engine in engines:
            engine.dispose()


def test_a_conversation_whose_operator_has_gone_is_handed_back_once(engine: Engine) -> None:
    request_handoff(engine, "web-left", "socketio", NOW)
    claim(engine, "web-left", EVA, NOW)
    seen(engine, EVA, NOW)
    request_handoff(engine, "web-kept", "socketio", NOW)
    claim(engine, "web-kept", BRAM, NOW)
    seen(engine, BRAM, NOW + IDLE)  # Bram is still at work
    later = NOW + IDLE + timedelta(seconds=1)
    closed = release_abandoned(engine, later, IDLE)
    assert [(h.conversation_id, h.status, h.operator_name) for h in closed] == [
        ("web-left", "closed", EVA.name)]
    assert release_abandoned(engine, later, IDLE) == []
    assert is_paused(engine, "web-kept") and not is_paused(engine, "web-left")
