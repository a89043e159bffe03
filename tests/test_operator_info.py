"""Who runs the site, from operator.yml: shown per country, fictitious in the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberbot.operator_info import OperatorConfigError, load_operator, operator_info


def test_the_repository_ships_clearly_fictitious_values() -> None:
    info = operator_info()
    for text in (info.name, info.netherlands.registration, info.belgium.registration):
        assert "fictief" in text
    assert "Kifid" in info.netherlands.complaints
    assert "Ombudsman van de Verzekeringen" in info.belgium.complaints


def test_placeholders_per_country() -> None:
    info = operator_info()
    nl, be, unknown = (info.placeholders(country) for country in ("nl", "be", None))
    assert nl["operator_registration"] == info.netherlands.registration
    assert be["operator_complaints"] == info.belgium.complaints
    assert info.netherlands.registration in unknown["operator_registration"]
    assert info.belgium.registration in unknown["operator_registration"]


def test_a_wrong_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "operator.yml"
    path.write_text("name: X\nnetherlands: {registration: a}\n")
    with pytest.raises(OperatorConfigError, match=r"netherlands\.complaints"):
        load_operator(path)
    with pytest.raises(OperatorConfigError, match="nope"):
        load_operator(tmp_path / "nope.yml")
