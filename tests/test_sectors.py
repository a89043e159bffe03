"""The sector list in content/sectors.yml and matching a visitor's answer to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberbot.advice.sectors import Sector, SectorMatch, load_sectors, match_sector

IDS = [
    "detailhandel",
    "groothandel",
    "logistiek",
    "maakindustrie",
    "bouw",
    "horeca",
    "zorg",
    "ict",
    "zakelijke_dienstverlening",
    "financiele_dienstverlening",
    "vereniging_stichting",
    "overheid_onderwijs",
    "overig",
]


def test_ids_are_exactly_the_agreed_ones_in_order() -> None:
    assert [sector.id for sector in load_sectors()] == IDS


def test_every_sector_is_complete() -> None:
    for sector in load_sectors():
        assert sector.label.strip() and sector.button.strip() and sector.sbi.strip(), sector.id
        assert sector.keywords, sector.id


def test_buttons_fit() -> None:
    too_long = [sector.button for sector in load_sectors() if len(sector.button) > 20]
    assert too_long == []


@pytest.mark.parametrize("field", ["id", "label", "button"])
def test_titles_are_unique(field: str) -> None:
    titles = [getattr(sector, field) for sector in load_sectors()]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("field", ["id", "label", "button"])
def test_every_title_names_its_own_sector(field: str) -> None:
    """Buttons send the label as the answer; it must come back as that sector."""
    for sector in load_sectors():
        assert match_sector(getattr(sector, field)) == SectorMatch(sector.id, (sector.id,))


def test_default_file_is_read_once() -> None:
    assert load_sectors() is load_sectors()


def test_an_incomplete_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sectors.yml"
    path.write_text("sectors:\n  - id: bouw\n    label: Bouw\n    sbi: F\n", encoding="utf-8")
    with pytest.raises(ValueError, match="button"):
        load_sectors(path)


def test_other_sectors_can_be_passed() -> None:
    sectors = (Sector("a", "Alfa", "Alfa", "X", ("appel",)), Sector("b", "Beta", "Beta", "Y"))
    assert match_sector("appeltaart", sectors) == SectorMatch("a", ("a",))
    assert match_sector("beta", sectors).sector == "b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a button, an id or a label
        ("ICT", "ict"),
        ("Zorg en welzijn", "zorg"),
        ("horeca", "horeca"),
        ("Winkel of webshop", "detailhandel"),
        ("Financiële dienstverlening", "financiele_dienstverlening"),
        ("financiele_dienstverlening", "financiele_dienstverlening"),
        ("Vereniging/stichting", "vereniging_stichting"),
        ("iets anders", "overig"),
        ("Overig", "overig"),
        ("anders", "overig"),
        # detailhandel
        ("webshop", "detailhandel"),
        ("ik heb een webwinkel in kleding", "detailhandel"),
        ("webwinkeleigenaar", "detailhandel"),
        ("e-commerce", "detailhandel"),
        ("bakkerij", "detailhandel"),
        ("zelfstandige kapper", "detailhandel"),
        ("bouwmarkt", "detailhandel"),  # not bouw: the longer keyword wins
        ("webshop in bouwmaterialen", "detailhandel"),
        # groothandel, logistiek, maakindustrie
        ("groothandel in bloemen", "groothandel"),
        ("import en export", "groothandel"),
        ("wij zijn een transportbedrijf", "logistiek"),
        ("koeriersdienst", "logistiek"),
        ("opslag en warehouse", "logistiek"),
        ("metaalbewerking", "maakindustrie"),
        ("drukkerij", "maakindustrie"),
        ("machinebouw", "maakindustrie"),
        # bouw, horeca, zorg
        ("bouwbedrijf", "bouw"),
        ("installatiebedrijf", "bouw"),
        ("kmo in de bouw", "bouw"),
        ("schrijnwerker", "bouw"),
        ("restaurant", "horeca"),
        ("hotel en restaurant", "horeca"),
        ("Grand Café", "horeca"),
        ("frituur", "horeca"),
        ("bar", "horeca"),
        ("tandartspraktijk", "zorg"),
        ("huisartsenpraktijk", "zorg"),
        ("dierenarts", "zorg"),
        ("apotheek", "zorg"),
        ("kinesitherapeut", "zorg"),
        # ict, services, finance
        ("softwarebedrijf", "ict"),
        ("softwarebedrijfje", "ict"),
        ("IT-bedrijf", "ict"),
        ("app-ontwikkeling", "ict"),
        ("MSP", "ict"),
        ("accountantskantoor", "zakelijke_dienstverlening"),
        ("advocatenkantoor", "zakelijke_dienstverlening"),
        ("marketingbureau", "zakelijke_dienstverlening"),
        ("makelaar in vastgoed", "zakelijke_dienstverlening"),
        ("vastgoedmakelaar", "zakelijke_dienstverlening"),
        ("financieel adviseur", "financiele_dienstverlening"),
        ("verzekeringsmakelaar", "financiele_dienstverlening"),
        ("hypotheekadviseur", "financiele_dienstverlening"),
        ("payment provider", "financiele_dienstverlening"),
        ("bank", "financiele_dienstverlening"),
        # associations, public sector
        ("vzw", "vereniging_stichting"),
        ("stichting voor een goed doel", "vereniging_stichting"),
        ("sportclub", "vereniging_stichting"),
        ("basisschool", "overheid_onderwijs"),
        ("gemeente", "overheid_onderwijs"),
        ("hogeschool", "overheid_onderwijs"),
        # several sectors, one clearly ahead; "anders" loses to any sector
        ("ik heb een webshop en een winkel, en doe wat import", "detailhandel"),
        ("een webshop, en verder iets anders", "detailhandel"),
    ],
)
def test_confident_matches(text: str, expected: str) -> None:
    assert match_sector(text).sector == expected


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("makelaar", ("zakelijke_dienstverlening", "financiele_dienstverlening")),
        ("webshop en groothandel", ("detailhandel", "groothandel")),
        ("groothandel en webshop", ("groothandel", "detailhandel")),
        ("restaurant met bezorgdienst", ("horeca", "logistiek")),
        # nothing to go on: the assistant offers every sector
        ("weet ik niet", ()),
        ("blablabla", ()),
        ("", ()),
        ("   ", ()),
        ("👍", ()),
        ("het is betaalbaar", ()),  # "bar" only as a whole word
        ("barbecue", ()),
        ("overigens weet ik het niet", ()),  # "overig" only as a whole word
        ("ik zoek een cyberverzekering", ()),
    ],
)
def test_unsure_matches(text: str, candidates: tuple[str, ...]) -> None:
    assert match_sector(text) == SectorMatch(None, candidates)


def test_long_input_is_read_without_a_guess() -> None:
    """Long input gives an answer, not a hang (its speed: tests/bench/test_speed.py)."""
    assert match_sector("x" * 10_000) == SectorMatch(None, ())
    assert match_sector("bar " * 2_500).sector is not None
    assert match_sector("webshop makelaar " * 600).sector is None
