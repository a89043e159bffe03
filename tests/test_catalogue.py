"""content/insurers.yml: the shipped catalogue is complete and sourced; the loader is strict."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cyberbot.advice.catalogue import (
    CATALOGUE_FILE,
    FEATURE_IDS,
    MAX_BUTTON_CHARS,
    PRIORITY_IDS,
    SECTOR_IDS,
    CatalogueError,
    load_catalogue,
)
from cyberbot.advice.formatting import format_euro

# Keys that hold a visitor-facing statement: a mapping with one of them is a fact.
STATEMENT_KEYS = {"text", "reason", "caveat", "note", "why"}


def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return data


def mappings(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping in the YAML tree with its dotted place."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from mappings(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from mappings(value, f"{where}[{index}]")


def test_the_shipped_catalogue_loads() -> None:
    catalogue = load_catalogue()
    assert catalogue.reviewed == dt.date(2026, 11, 26)
    assert list(catalogue.insurers) == ["aig", "hiscox", "chubb"]
    assert [insurer.product for insurer in catalogue.insurers.values()] == [
        "AIG CyberEdge",
        "Hiscox CyberClear",
        "Chubb Cyber ERM",
    ]
    assert load_catalogue() is catalogue  # the default is read once


def test_every_fact_has_a_source_and_a_date() -> None:
    data = raw()
    facts = [(where, node) for where, node in mappings(data) if STATEMENT_KEYS & set(node)]
    assert len(facts) > 50
    for where, node in facts:
        # the insured-amount bands share the source and date of their block
        owner = data["insured_amounts"] if where.startswith("insured_amounts.") else node
        assert str(owner.get("source", "")).strip(), f"{where}: no source"
        assert str(owner.get("date", "")).strip(), f"{where}: no date"


def test_dates_are_honest_about_what_the_source_gives() -> None:
    """The seed is dated 2023-02-25; market facts without a date of their own say so."""
    for where, node in mappings(raw()):
        if "source" not in node:
            continue
        date = str(node["date"])
        if node["source"] == "seed: cyberverzekering.txt":
            assert date == "2023-02-25", where
        else:
            assert date in {"verzameld 2018\N{EN DASH}2025", "onbekend", "2021-12-01"}, where


def test_every_insurer_has_highlights_and_a_reason_for_every_priority() -> None:
    catalogue = load_catalogue()
    for insurer in catalogue.insurers.values():
        assert len(insurer.site_highlights) == 3, insurer.id  # the three bullets on the site
        assert insurer.cover and insurer.strengths, insurer.id
        assert set(insurer.priorities) == set(PRIORITY_IDS), insurer.id
        for fit in insurer.priorities.values():
            assert fit.reason.endswith(".") and fit.short, insurer.id
        assert set(insurer.features) <= set(FEATURE_IDS), insurer.id
        assert all(fit.weight > 0 for fit in insurer.features.values()), insurer.id


def test_priorities_have_labels_and_short_buttons() -> None:
    catalogue = load_catalogue()
    assert tuple(catalogue.priorities) == PRIORITY_IDS
    for priority in catalogue.priorities.values():
        assert priority.label and 0 < len(priority.button) <= MAX_BUTTON_CHARS


def test_the_hiscox_acceptance_rules_are_present() -> None:
    hiscox = load_catalogue().insurers["hiscox"]
    assert hiscox.excluded_sectors is not None
    assert "financiele_dienstverlening" in hiscox.excluded_sectors.sectors
    assert hiscox.revenue_cap is not None
    assert hiscox.revenue_cap.revenue_above == 100_000_000
    assert format_euro(hiscox.revenue_cap.revenue_above) in hiscox.revenue_cap.reason
    assert hiscox.usa_canada_limit is not None
    assert hiscox.usa_canada_limit.max_share == pytest.approx(0.10)
    assert "10%" in hiscox.usa_canada_limit.caveat
    mfa = [condition for condition in hiscox.conditions if "MFA" in condition.text]
    assert [condition.revenue_above for condition in mfa] == [5_000_000]
    assert format_euro(5_000_000) in mfa[0].text


def test_premiums_only_where_the_sources_give_them() -> None:
    catalogue = load_catalogue()
    assert not catalogue.insurers["aig"].premiums
    assert not catalogue.insurers["chubb"].premiums
    (premium,) = catalogue.insurers["hiscox"].premiums
    assert (premium.revenue_below, premium.low, premium.high) == (5_000_000, 600, 3500)
    assert "21% assurantiebelasting" in premium.note
    assert premium.date == "onbekend"


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        (None, (500_000, 1_000_000)),
        (0, (250_000, 500_000)),
        (60_000, (250_000, 500_000)),
        (250_000, (500_000, 500_000)),
        (1_200_000, (500_000, 500_000)),
        (8_000_000, (1_000_000, 2_500_000)),
        (10_000_000, (2_500_000, 5_000_000)),
        (150_000_000, (2_500_000, 5_000_000)),
    ],
)
def test_insured_amount_bands(revenue: float | None, expected: tuple[int, int]) -> None:
    band = load_catalogue().insured_amounts.for_revenue(revenue)
    assert (band.low, band.high) == expected


def test_elevated_risk_sectors_are_the_seed_list() -> None:
    sectors = load_catalogue().elevated_risk.sectors
    assert sectors == {
        "groothandel",
        "detailhandel",
        "financiele_dienstverlening",
        "logistiek",
        "maakindustrie",
        "vereniging_stichting",
    }
    assert sectors <= SECTOR_IDS


# --- the loader refuses broken copies, naming the place --------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return change


def _rename_priority(data: dict[str, Any]) -> None:
    priorities = data["insurers"]["chubb"]["priorities"]
    priorities["cheap"] = priorities.pop("worldwide")


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown top-level key", _set("extra", 1), r"\(top level\): unknown key\(s\) extra"),
    (
        "fact without source",
        _delete("insurers.aig.site_highlights.0.source"),
        r"insurers\.aig\.site_highlights\[0\]: missing key\(s\) source",
    ),
    (
        "premium without date",
        _delete("insurers.hiscox.premiums.0.date"),
        r"insurers\.hiscox\.premiums\[0\]: missing key\(s\) date",
    ),
    (
        "empty source",
        _set("insurers.chubb.cover.0.source", " "),
        r"insurers\.chubb\.cover\[0\]\.source: expected non-empty text",
    ),
    (
        "typo in a key",
        _set("insurers.aig.priorities.worldwide.wieght", 3),
        r"insurers\.aig\.priorities\.worldwide: unknown key\(s\) wieght",
    ),
    (
        "unknown priority id",
        _rename_priority,
        r"insurers\.chubb\.priorities: unknown priority id\(s\) cheap",
    ),
    (
        "missing priority id",
        _delete("insurers.hiscox.priorities.risk_scan"),
        r"insurers\.hiscox\.priorities: missing priority id\(s\) risk_scan",
    ),
    (
        "unknown feature id",
        _set(
            "insurers.aig.features.crypto", {"weight": 1, "reason": "x", "source": "y", "date": "z"}
        ),
        r"insurers\.aig\.features: unknown feature id\(s\) crypto",
    ),
    (
        "unknown sector id",
        _set("insurers.hiscox.acceptance.excluded_sectors.sectors", ["banken"]),
        r"insurers\.hiscox\.acceptance\.excluded_sectors\.sectors: unknown sector id\(s\) banken",
    ),
    (
        "unknown sector id in a condition",
        _set("insurers.hiscox.conditions.2.sectors", ["gokken"]),
        r"insurers\.hiscox\.conditions\[2\]\.sectors: unknown sector id\(s\) gokken",
    ),
    (
        "weight that is not a number",
        _set("insurers.chubb.priorities.risk_scan.weight", "hoog"),
        r"insurers\.chubb\.priorities\.risk_scan\.weight: expected a number",
    ),
    (
        "button too long",
        _set("priorities.incident_help.button", "Hulp bij cyberincidenten, dag en nacht"),
        r"priorities\.incident_help\.button: longer than 20 characters",
    ),
    (
        "unknown top-level priority",
        _set("priorities.cheapest", {"label": "Goedkoop", "button": "Goedkoop"}),
        r"priorities: unknown priority id\(s\) cheapest",
    ),
    (
        "premium range backwards",
        _set("insurers.hiscox.premiums.0.low", 5000),
        r"insurers\.hiscox\.premiums\[0\]: low \(5000\) is above high \(3500\)",
    ),
    (
        "bands out of order",
        _set("insured_amounts.bands.1.revenue_below", 100_000),
        r"insured_amounts\.bands: revenue_below must go up",
    ),
    (
        "open band not last",
        _set("insured_amounts.bands.0.revenue_below", None),
        r"insured_amounts\.bands: the last band, and only that one",
    ),
    ("reviewed not a date", _set("reviewed", "soon"), r"reviewed: expected a date"),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [pytest.param(change, message, id=name) for name, change, message in BROKEN],
)
def test_the_loader_refuses_a_broken_copy(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = copy.deepcopy(raw())
    change(data)
    path = tmp_path / "insurers.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^insurers\.yml: {message}") as error:
        load_catalogue(path)
    assert isinstance(error.value, CatalogueError)


def test_an_intact_copy_loads_like_the_shipped_file(tmp_path: Path) -> None:
    path = tmp_path / "insurers.yml"
    path.write_text(yaml.safe_dump(raw(), allow_unicode=True), encoding="utf-8")
    assert load_catalogue(path) == load_catalogue()


def test_the_loader_refuses_text_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "insurers.yml"
    path.write_text("insurers: [aig\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"^insurers\.yml: not valid YAML"):
        load_catalogue(path)


def test_the_loader_names_every_problem_at_once(tmp_path: Path) -> None:
    data = copy.deepcopy(raw())
    del data["insurers"]["aig"]["site_highlights"][0]["source"]
    data["insurers"]["chubb"]["priorities"]["risk_scan"]["weight"] = True
    data["insurers"]["hiscox"]["premiums"][0]["country"] = "de"
    data["reviewed"] = "soon"
    path = tmp_path / "insurers.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path)
    assert str(error.value).split("; ") == [
        "insurers.yml: reviewed: expected a date like 2026-11-26, got 'soon'",
        "insurers.aig.site_highlights[0]: missing key(s) source",
        "insurers.hiscox.premiums[0].country: expected nl or be, got 'de'",
        "insurers.chubb.priorities.risk_scan.weight: expected a number, got True",
    ]
