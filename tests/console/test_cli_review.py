"""``cyberbot review export``: the file, the summary, stdout, and the audit entry."""

from __future__ import annotations

import argparse
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from cyberbot.console import cli_review
from cyberbot.console.audit import recent_entries
from cyberbot.console.corrections import record_correction
from cyberbot.console.labels import load_labels
from cyberbot.console.models import get_console_engine

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A copy of the project's domain and data as the working directory, with corrections."""
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = get_console_engine(url)
    labels = load_labels(tmp_path)
    for event_id, (text, label) in enumerate(
        [
            ("wat kost een polis voor een kapsalon", "faq/kosten"),
            ("hoe laat is het in Tokio", "out_of_scope"),
            ("hoi", "greet"),
            ("mijn nummer is 0612345678", "inform"),
        ]
    ):
        record_correction(
            engine,
            conversation_id="conv-1",
            event_id=event_id,
            text=text,
            predicted="nlu_fallback",
            predicted_confidence=0.2,
            corrected=label,
            operator="ans@example.nl",
            labels=labels,
            now=NOW,
        )
    return engine


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="cyberbot")
    commands = parser.add_subparsers(dest="command", required=True)
    cli_review.register(commands)
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


SUMMARY = (
    "Corrections exported: 2 examples written for 2 labels, 2 corrections skipped "
    "(duplicate: 1, personal_data: 1)."
)


def test_export_to_the_default_file(project: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("review", "export") == 0
    output = Path("var/review/nlu_corrections.yml")
    content = yaml.safe_load(output.read_text(encoding="utf-8"))
    assert [block["intent"] for block in content["nlu"]] == ["faq/kosten", "out_of_scope"]
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        SUMMARY,
        f"Wrote {output}; add it under data/ and retrain the assistant.",
    ]
    assert captured.err == ""
    [entry] = recent_entries(project)
    assert (entry.actor, entry.action, entry.target) == ("cli", "export_review", None)
    assert entry.detail == SUMMARY.removeprefix("Corrections exported: ").removesuffix(".")
    assert "0612345678" not in (entry.detail or "")


def test_export_to_stdout(
    project: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("review", "export", "--output", "-") == 0
    captured = capsys.readouterr()
    assert yaml.safe_load(captured.out)["nlu"][0]["examples"] == (
        "- wat kost een polis voor een kapsalon\n"
    )
    assert captured.err.splitlines() == [SUMMARY]
    assert not (tmp_path / "var").exists()
    assert len(recent_entries(project)) == 1


def test_export_to_a_chosen_file(project: Engine, tmp_path: Path) -> None:
    assert run("review", "export", "--output", "out/review.yml") == 0
    assert "- hoe laat is het in Tokio" in (tmp_path / "out" / "review.yml").read_text()


def test_review_needs_an_action(project: Engine) -> None:
    with pytest.raises(SystemExit) as exit_:
        run("review")
    assert exit_.value.code == 2
