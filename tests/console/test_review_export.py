"""The corrections as an NLU training file: only new, safe examples, readable by Rasa."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from cyberbot.console.corrections import Correction
from cyberbot.console.labels import OUT_OF_SCOPE, Labels, load_labels
from cyberbot.console.review_export import (
    existing_examples,
    export_corrections,
    normalise_text,
    write_export,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
_ids = itertools.count(1)

# Texts that YAML or a careless writer would misread; none is in the training data.
HOSTILE = [
    "hij zei \"hoi\" en 'doei'",
    "vraag: wat kost het?",
    "# geen commentaar",
    "- begint met een streepje",
    "-",
    "--- of ...",
    "? vraagteken vooraan",
    "!tag &anker *alias | > % `",
    "{json: true}, [lijst]",
    "[a] b [c]",
    "${HOME} blijft staan",
    "eindigt met een dubbele punt:",
    "dekt het ransomware? 🤔👍🏽",
    "\u2018gekrulde\u2019 “aanhalingstekens” en een zero\u200bwidth",
    "ça coûte combien, één vraag",
    "off",
    "~",
    "null",
    "123",
    "true: false",
]


def correction(
    text: str,
    corrected: str,
    minutes: int = 0,
    conversation_id: str = "conv-1",
) -> Correction:
    return Correction(
        id=next(_ids),
        conversation_id=conversation_id,
        event_id=next(_ids),
        text=text,
        predicted="nlu_fallback",
        predicted_confidence=0.3,
        corrected=corrected,
        operator="ans@example.nl",
        created_at=NOW + timedelta(minutes=minutes),
    )


def exported_examples(yaml_text: str) -> dict[str, list[str]]:
    """Label -> texts, read back with a plain YAML parser."""
    content = yaml.safe_load(yaml_text)
    assert content["version"] == "3.1"
    return {
        block["intent"]: [line[2:] for line in block["examples"].splitlines()]
        for block in content["nlu"]
    }


def rasa_examples(path: Path) -> dict[str, list[str]]:
    """Label -> texts, as Rasa's own reader sees them (retrieval intents as "faq/<key>").

    Rasa reports what it skips or doubts as a UserWarning: any of those fails the test.
    """
    from rasa.shared.nlu.training_data.loading import load_data

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        training_data = load_data(str(path))
    result: dict[str, list[str]] = {}
    for message in training_data.training_examples:
        assert not message.get("entities")
        label = message.get("intent_response_key") or message.get("intent")
        result.setdefault(label, []).append(message.get("text"))
    return result


def test_normalise_text() -> None:
    assert normalise_text("  wat\tkost \n\r\n het\u00a0nou  ") == "wat kost het nou"
    assert normalise_text("\u2028\x0b\x0c") == ""


def test_existing_examples_are_plain_text_from_every_file() -> None:
    existing = existing_examples(DATA)
    assert existing["wat is een cyberverzekering?"] == {"faq/wat_is"}
    assert existing["hoi"] == {"greet"}
    # Entity annotations in both notations are reduced to their text.
    assert existing["vertel eens over chubb"] == {"ask_insurer"}
    assert existing["wat biedt hiscox"] == {"ask_insurer"}
    assert not any("[" in text and "](" in text for text in existing)


def test_new_examples_are_written_per_label(tmp_path: Path) -> None:
    export = export_corrections(
        [
            correction("Hoeveel kost  een polis\nvoor een bakkerij?", "faq/kosten"),
            correction("wie is de beste verzekeraar van België", "ask_insurer"),
            correction("Aandelen kopen, is dat slim?", OUT_OF_SCOPE),
            correction("abc vraag", "faq/kosten"),
        ],
        DATA,
        now=NOW,
    )
    assert export.written == {"ask_insurer": 1, "faq/kosten": 2, OUT_OF_SCOPE: 1}
    assert export.skipped == {}
    assert exported_examples(export.yaml_text) == {
        "ask_insurer": ["wie is de beste verzekeraar van België"],
        "faq/kosten": ["abc vraag", "Hoeveel kost een polis voor een bakkerij?"],
        OUT_OF_SCOPE: ["Aandelen kopen, is dat slim?"],
    }
    assert export.yaml_text.startswith(
        "# Training examples from the operators' corrections (cyberbot review export).\n"
        "# Generated at 2025-03-01T09:00:00Z: 4 examples written for 3 labels, "
        "0 corrections skipped.\n"
        "# Add this file under data/ and retrain the assistant.\n"
    )
    path = tmp_path / "nested" / "dir" / "corrections.yml"
    write_export(export, path)
    assert path.read_text(encoding="utf-8") == export.yaml_text
    assert rasa_examples(path) == exported_examples(export.yaml_text)


def test_duplicates_and_conflicts_with_the_training_data() -> None:
    export = export_corrections(
        [
            # Already in data/faq.yml and data/nlu.yml with the same label.
            correction("WAT is een   cyberverzekering?", "faq/wat_is"),
            correction(" Hoi ", "greet"),
            correction("vertel eens over Chubb", "ask_insurer"),
            # In the data with another label.
            correction("hoi", "goodbye", conversation_id="conv-2"),
            correction("wat is een cyberpolis", "faq/kosten"),
            correction("wat biedt hiscox", OUT_OF_SCOPE),
            correction("een nieuwe vraag over kosten", "faq/kosten"),
        ],
        DATA,
        now=NOW,
    )
    # "Hoi" and "hoi" are one text: the newest correction (goodbye) wins, and conflicts.
    assert export.skipped == {"conflict": 3, "duplicate": 2, "superseded": 1}
    assert export.written == {"faq/kosten": 1}
    assert "3 corrections skipped" not in export.yaml_text
    assert "6 corrections skipped (conflict: 3, duplicate: 2, superseded: 1)" in export.yaml_text


def test_the_newest_correction_of_a_text_wins() -> None:
    corrections = [
        correction("Kan ik mijn premie spreiden?", "faq/kosten", minutes=10),
        correction("kan ik mijn  premie spreiden?", "faq/premie_wijzigen", minutes=30),
        correction("KAN IK MIJN PREMIE SPREIDEN?", "faq/premie_verlagen", minutes=20),
    ]
    export = export_corrections(corrections, DATA, now=NOW)
    assert exported_examples(export.yaml_text) == {
        "faq/premie_wijzigen": ["kan ik mijn premie spreiden?"]
    }
    assert export.skipped == {"superseded": 2}
    assert export_corrections(list(reversed(corrections)), DATA, now=NOW) == export


def test_same_moment_the_later_row_wins() -> None:
    first = correction("dekt u ook schade aan laptops", "faq/dekking")
    second = correction("dekt u ook schade aan laptops", "faq/niet_gedekt")
    export = export_corrections([second, first], DATA, now=NOW)
    assert export.written == {"faq/niet_gedekt": 1}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("mail me op jan.jansen@voorbeeld.nl aub", "personal_data"),
        ("jan @ voorbeeld.nl", "personal_data"),
        ("bel me op 06-12345678", "personal_data"),
        ("mijn nummer: +32 470 12 34 56", "personal_data"),
        ("tel (020) 123 45 67", "personal_data"),
        ("31612345678 is mijn mobiel", "personal_data"),
        ("612345678", "personal_data"),
        ("/greet", "button_payload"),
        ('/inform{"sector": "bouw"}', "button_payload"),
        ("", "empty"),
        ("  \n\t ", "empty"),
        ("[klik](hier)", "markup"),
        ("zie [dit]{niet json}", "markup"),
        ("lijst [a][b]", "markup"),
        ("leeg [](x)", "markup"),
        ("bel\x07", "markup"),
        ("kapot \ud800 teken", "markup"),
        ("verkeerd \x9b teken", "markup"),
    ],
)
def test_unsuitable_texts_are_skipped(text: str, reason: str) -> None:
    export = export_corrections([correction(text, "inform")], DATA, now=NOW)
    assert export.skipped == {reason: 1}
    assert export.written == {}
    assert yaml.safe_load(export.yaml_text)["nlu"] == []
    if text.strip():
        assert normalise_text(text) not in export.yaml_text


@pytest.mark.parametrize(
    "text",
    ["onze omzet is 250000 euro", "ongeveer 1.000.000 omzet", "wij hebben 12 medewerkers"],
)
def test_amounts_are_not_phone_numbers(text: str) -> None:
    export = export_corrections([correction(text, "inform")], DATA, now=NOW)
    assert export.written == {"inform": 1}


def test_labels_that_left_the_project_or_cannot_be_names() -> None:
    labels = Labels(intents=("inform", OUT_OF_SCOPE), faq_keys=("faq/kosten",))
    corrections = [
        correction("een oude intentie", "ask_weather"),
        correction("een vreemd label", "inform: x"),
        correction("een vraag over de prijs", "faq/kosten"),
    ]
    export = export_corrections(corrections, DATA, now=NOW, labels=labels)
    assert export.skipped == {"unknown_label": 2}
    assert export.written == {"faq/kosten": 1}
    # Without labels, only the shape of a label is checked.
    assert export_corrections(corrections, DATA, now=NOW).skipped == {"unknown_label": 1}


def test_yaml_hostile_texts_round_trip_exactly(tmp_path: Path) -> None:
    labels = ["inform", "faq/kosten", OUT_OF_SCOPE]
    corrections = [
        correction(text, labels[number % len(labels)]) for number, text in enumerate(HOSTILE)
    ]
    corrections.append(correction("tab\tin\nde  tekst", "inform"))
    export = export_corrections(corrections, DATA, now=NOW)
    assert export.skipped == {}
    expected: dict[str, list[str]] = {}
    for item in corrections:
        expected.setdefault(item.corrected, []).append(normalise_text(item.text))
    path = tmp_path / "corrections.yml"
    write_export(export, path)
    read_back = exported_examples(path.read_text(encoding="utf-8"))
    assert {label: sorted(texts) for label, texts in read_back.items()} == {
        label: sorted(texts) for label, texts in expected.items()
    }
    assert rasa_examples(path) == read_back


def test_nothing_to_export_is_still_a_valid_nlu_file(tmp_path: Path) -> None:
    for corrections in ([], [correction("hoi", "greet"), correction("/stop", "stop")]):
        export = export_corrections(corrections, DATA, now=NOW)
        assert export.written == {}
        assert yaml.safe_load(export.yaml_text) == {"version": "3.1", "nlu": []}
        path = tmp_path / "empty.yml"
        write_export(export, path)
        assert rasa_examples(path) == {}
    assert export.skipped == {"button_payload": 1, "duplicate": 1}


def test_rasa_validates_the_data_with_an_export_added(tmp_path: Path) -> None:
    """``rasa data validate --fail-on-warnings`` accepts the data with the export under data/.

    The validator reads config.yml as plain YAML (no pipeline component is loaded), so a
    copy of domain.yml, config.yml and data/ is all it needs.
    """
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(DATA, tmp_path / "data")
    corrections = [
        correction("wat zou zo'n polis me per maand kosten?", "faq/kosten"),
        correction("Valt een gehackte webshop onder de dekking?", "faq/dekking"),
        correction("wat is het weer morgen in Gent", OUT_OF_SCOPE),
        correction("ik wil graag iemand aan de lijn", "request_human"),
        correction("ik heb een vraag over AIG", "ask_insurer"),
        correction("doei hè!", "goodbye"),
        correction("- 'quotes': \"# en #\" 🙂", OUT_OF_SCOPE),
        # Skipped: a duplicate, a conflict and personal data.
        correction("hoi", "greet"),
        correction("wat is een cyberpolis", "faq/kosten"),
        correction("mijn mail is a@b.nl", "inform"),
    ]
    export = export_corrections(
        corrections, tmp_path / "data", now=NOW, labels=load_labels(tmp_path)
    )
    assert sum(export.written.values()) == 7
    write_export(export, tmp_path / "data" / "nlu_corrections.yml")

    rasa = Path(sys.executable).with_name("rasa")
    started = time.monotonic()
    result = subprocess.run(
        [
            str(rasa),
            "data",
            "validate",
            "--domain",
            str(tmp_path / "domain.yml"),
            "--data",
            str(tmp_path / "data"),
            "--config",
            str(tmp_path / "config.yml"),
            "--fail-on-warnings",
        ],
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    print(f"rasa data validate took {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
