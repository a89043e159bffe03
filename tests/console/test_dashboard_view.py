"""Reading the dashboard's period from the query string, and the named periods."""

from __future__ import annotations

from datetime import date

import pytest

from cyberbot.console.dashboard_view import (
    DashboardQuery,
    DashboardQueryError,
    parse_dashboard_query,
    preset_period,
)
from cyberbot.console.rendering import dutch_date, nl_number, nl_percent

TODAY = date(2026, 11, 27)


def parse(**args: str) -> DashboardQuery:
    return parse_dashboard_query({name: [value] for name, value in args.items()}, TODAY)


def test_the_last_30_days_by_default() -> None:
    query = parse()

    assert (query.period, query.start, query.end) == ("30d", date(2026, 10, 29), date(2026, 11, 28))
    assert query.describe() == "29 oktober 2026 t/m 27 november 2026"
    assert query.args() == [("periode", "30d")]


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("7d", date(2026, 11, 21), date(2026, 11, 28)),
        ("maand", date(2026, 11, 1), date(2026, 11, 28)),
        ("vorige-maand", date(2026, 10, 1), date(2026, 11, 1)),
        ("jaar", date(2026, 1, 1), date(2026, 11, 28)),
    ],
)
def test_named_periods(period: str, start: date, end: date) -> None:
    assert preset_period(period, TODAY) == (start, end)


def test_last_month_in_january_is_december() -> None:
    assert preset_period("vorige-maand", date(2027, 1, 5)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_the_forms_days_make_a_period_of_ones_own() -> None:
    same = parse(periode="7d", **{"from": "2026-11-21", "to": "2026-11-27"})
    changed = parse(periode="7d", **{"from": "2026-11-01", "to": "2026-11-10"})

    assert same.period == "7d"
    assert (changed.period, changed.start, changed.end) == (
        "aangepast", date(2026, 11, 1), date(2026, 11, 11))
    assert changed.args() == [("periode", "aangepast"), ("from", "2026-11-01"),
                              ("to", "2026-11-10")]


def test_channel_and_model() -> None:
    query = parse(channel="whatsapp", model="abc")

    assert query.stats_filter().channel == "whatsapp"
    assert query.stats_filter().model_id == "abc"
    assert ("channel", "whatsapp") in query.args() and ("model", "abc") in query.args()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"periode": "altijd"}, "Kies een periode"),
        ({"periode": "aangepast", "from": "gisteren"}, "'vanaf' is ongeldig"),
        ({"periode": "aangepast", "to": "2026-02-30"}, "'tot en met' is ongeldig"),
        ({"from": "2026-11-27", "to": "2026-11-01"}, "begindatum ligt na de einddatum"),
        ({"from": "2000-01-01", "to": "2026-11-01"}, "hoogstens tien jaar"),
        ({"to": "0001-01-05"}, "tussen het jaar 1 en 9999"),
        ({"from": "9999-12-01", "to": "9999-12-31"}, "tussen het jaar 1 en 9999"),
    ],
)
def test_periods_it_cannot_use(args: dict[str, str], message: str) -> None:
    with pytest.raises(DashboardQueryError, match=message):
        parse(**args)


def test_dutch_formatting() -> None:
    assert nl_number(1234567) == "1.234.567"
    assert nl_percent(0.4567) == "45,7%"
    assert nl_percent(None) == "n.v.t."
    assert dutch_date(date(2026, 3, 1)) == "1 maart 2026"
