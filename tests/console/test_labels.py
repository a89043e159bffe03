"""The labels an operator may choose: the project's intents, FAQ keys and out of scope."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cyberbot.console.labels import OUT_OF_SCOPE, load_labels

ROOT = Path(__file__).resolve().parents[2]


def make_project(root: Path, intents: str, responses: str) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "domain.yml").write_text(f'version: "3.1"\nintents:\n{intents}')
    (root / "data" / "faq_responses.yml").write_text(f'version: "3.1"\nresponses:\n{responses}')
    return root


def test_the_projects_labels() -> None:
    labels = load_labels(ROOT)
    assert labels.intents[0] == "greet"
    assert OUT_OF_SCOPE in labels.intents
    assert "faq" not in labels.intents and "nlu_fallback" not in labels.intents
    assert "faq/kosten" in labels.faq_keys and "faq/wat_is" in labels.faq_keys
    assert list(labels.faq_keys) == sorted(labels.faq_keys)
    assert all(key.startswith("faq/") for key in labels.faq_keys)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("greet", True),
        ("faq/kosten", True),
        (OUT_OF_SCOPE, True),
        ("faq", False),
        ("nlu_fallback", False),
        ("faq/bestaat_niet", False),
        ("kosten", False),
        ("", False),
    ],
)
def test_is_valid(value: str, valid: bool) -> None:
    assert load_labels(ROOT).is_valid(value) is valid


def test_choices_group_intents_then_faq_then_out_of_scope() -> None:
    labels = load_labels(ROOT)
    choices = labels.choices()
    values = [value for value, _ in choices]
    assert sorted(values) == sorted([*labels.intents, *labels.faq_keys])
    assert len(values) == len(set(values))
    first_faq = values.index(labels.faq_keys[0])
    assert all(value in labels.intents for value in values[:first_faq])
    assert values[-1] == OUT_OF_SCOPE
    text = dict(choices)
    assert text["faq/kosten"] == "FAQ: kosten"
    assert text["faq/gemiddelde_schade"] == "FAQ: gemiddelde schade"
    assert text["greet"] == "Intentie: begroeting (greet)"
    assert text[OUT_OF_SCOPE] == "Buiten het onderwerp (out_of_scope)"


def test_intents_with_options_and_out_of_scope_always_offered(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        "  - hello\n  - ask_price:\n      use_entities: []\n  - faq\n",
        "  utter_faq/prijs:\n  - text: Het kost wat.\n  utter_greet:\n  - text: Hoi\n",
    )
    labels = load_labels(root)
    assert labels.intents == ("hello", "ask_price", OUT_OF_SCOPE)
    assert labels.faq_keys == ("faq/prijs",)
    assert dict(labels.choices())["hello"] == "Intentie: hello (hello)"


def test_labels_are_read_again_when_a_file_changes(tmp_path: Path) -> None:
    root = make_project(tmp_path, "  - hello\n", "  utter_faq/prijs:\n  - text: x\n")
    assert load_labels(root) is load_labels(root)
    responses = root / "data" / "faq_responses.yml"
    responses.write_text("responses:\n  utter_faq/prijs: []\n  utter_faq/duur: []\n")
    stat = responses.stat()
    os.utime(responses, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_labels(root).faq_keys == ("faq/duur", "faq/prijs")


def test_malformed_domain_is_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, "  - [not, a, name]\n", "  utter_faq/prijs: []\n")
    with pytest.raises(ValueError, match="unexpected intent entry"):
        load_labels(root)
