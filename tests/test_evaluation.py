"""`make eval`'s summary of Rasa's NLU reports."""

from __future__ import annotations

import json
from pathlib import Path

from cyberbot.evaluation import markdown, summarise


def write(directory: Path, name: str, data: object) -> None:
    (directory / name).write_text(json.dumps(data))


def test_summary_counts_intent_and_faq_key_errors_once_per_message(tmp_path: Path) -> None:
    write(tmp_path, "intent_report.json", {
        "greet": {"support": 4}, "faq": {"support": 6}, "accuracy": 0.9,
        "macro avg": {"support": 10}, "weighted avg": {"support": 10},
    })
    write(tmp_path, "intent_errors.json", [
        {"text": "hoi daar", "intent": "greet", "intent_prediction": {"name": "faq"}},
    ])
    write(tmp_path, "response_selection_report.json", {"accuracy": 0.8})
    write(tmp_path, "response_selection_errors.json", [
        {"text": "hoi daar", "intent_response_key_target": None,
         "intent_response_key_prediction": {"name": "faq/kosten"}},
        {"text": "wat kost het", "intent_response_key_target": "faq/kosten",
         "intent_response_key_prediction": {"name": "faq/premie_verlagen"}},
    ])
    summary = summarise(tmp_path)
    assert summary["messages"] == 10
    assert summary["intent_accuracy"] == 0.9
    assert summary["faq_key_accuracy_within_faq"] == 0.8
    assert summary["label_accuracy"] == 0.8  # two distinct messages wrong out of ten
    assert summary["confusions"] == [
        {"expected": "greet", "predicted": "faq", "count": 1},
        {"expected": "faq/kosten", "predicted": "faq/premie_verlagen", "count": 1},
    ]

    table = markdown({"config": "config.yml", "seconds": 12.0,
                      "runs": {"held-out": summary}})
    assert "| held-out | 10 | 0.9000 | 0.8000 |" in table
    assert "| faq/kosten | faq/premie_verlagen | 1 |" in table


def test_missing_reports_give_an_empty_summary(tmp_path: Path) -> None:
    summary = summarise(tmp_path)
    assert summary["messages"] == 0 and summary["label_accuracy"] is None
    assert summary["confusions"] == [] and summary["errors"] == []
