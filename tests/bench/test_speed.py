"""Speed of the pure functions that read visitor input, and of the cached validation of
action-server replies: measured by ``make bench``, never by ``make test`` (a busy
machine must not turn CI red). The limits are the ones these tests had in make test."""

from __future__ import annotations

import time

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from cyberbot.advice.sectors import match_sector
from cyberbot.rasa_compat.action_validation import validate_action_result
from cyberbot.reading.numbers import extract_employees, extract_revenue, parse_amount, parse_count

pytestmark = pytest.mark.bench
FUNCTIONS = [parse_count, parse_amount, extract_employees, extract_revenue]
REPLY = {"events": [{"event": "slot", "name": "sector", "value": "detailhandel"}],
         "responses": [{"text": "Genoteerd.", "buttons": []}]}


def test_long_input_finds_no_sector_quickly() -> None:
    started = time.perf_counter()
    for text in ("webshop makelaar " * 600, "x" * 10_000, "bar " * 2_500):
        match_sector(text)
    seconds = time.perf_counter() - started
    print(f"sectors, three 10,000-character inputs: {seconds * 1000:.0f} ms")
    assert seconds < 1


@pytest.mark.parametrize("parse", FUNCTIONS, ids=[parse.__name__ for parse in FUNCTIONS])
def test_long_mixed_input_is_read_quickly(parse: object) -> None:
    text = ("we zijn met 12 man, omzet € 1,2 mln; tweeënveertig 👍 sinds 2015 ") * 150
    started = time.perf_counter()
    parse(text)  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"{getattr(parse, '__name__', parse)}, 10,000 characters: {seconds * 1000:.0f} ms")
    assert seconds < 2


def test_the_cached_validation_is_much_cheaper_than_rasas() -> None:
    """A ratio measured in one run, like the load benchmark's reference."""
    started = time.perf_counter()
    for _ in range(20):
        jsonschema.validate(REPLY, RemoteAction.action_response_format_spec())
    rasa = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        validate_action_result(RemoteAction("action_x", None), REPLY)
    cached = time.perf_counter() - started
    print(f"action reply validation: Rasa {rasa * 1000:.1f} ms, cached {cached * 1000:.1f} ms "
          f"for 20 replies ({rasa / cached:.0f}x)")
    assert cached * 5 < rasa, (cached, rasa)
