"""`make eval`: NLU cross-validation and held-out accuracy, with a confusion list.

Runs Rasa's own evaluation (``rasa test nlu``) twice: 5-fold cross-validation on the
training data, and the trained model on ``tests/nlu_heldout.yml``. From Rasa's reports it
derives two figures per run: intent accuracy, and label accuracy where a label is the
intent or, for the retrieval intent ``faq``, the FAQ key (``faq/kosten``). Writes
``results/eval.json`` and ``results/eval.md``; and what the assistant would do with each
held-out message, with the FAQ threshold curve, in ``results/heldout.md`` (see
``cyberbot.heldout``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cyberbot import heldout

HELDOUT = Path("tests/nlu_heldout.yml")


def rasa(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("rasa")), *args], check=True)


def load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def summarise(report_dir: Path) -> dict[str, Any]:
    """Intent and label accuracy plus confusions from one ``rasa test nlu`` output folder."""
    intent_report = load(report_dir / "intent_report.json") or {}
    intent_errors = load(report_dir / "intent_errors.json") or []
    selection_report = load(report_dir / "response_selection_report.json") or {}
    selection_errors = load(report_dir / "response_selection_errors.json") or []

    # Number of evaluated messages: the support of every intent in the report.
    total = sum(
        int(values["support"])
        for label, values in intent_report.items()
        if isinstance(values, dict) and "support" in values and "avg" not in label
    )
    intent_wrong = {error["text"] for error in intent_errors}
    wrong_texts = intent_wrong | {error["text"] for error in selection_errors}
    confusions: Counter[tuple[str, str]] = Counter()
    for error in intent_errors:
        confusions[(error["intent"], error["intent_prediction"]["name"])] += 1
    for error in selection_errors:
        # a message whose intent was already wrong is counted once, above
        expected = error.get("intent_response_key_target")
        predicted = (error.get("intent_response_key_prediction") or {}).get("name")
        if expected and error["text"] not in intent_wrong:
            confusions[(expected, str(predicted))] += 1
    return {
        "messages": total,
        "intent_accuracy": intent_report.get("accuracy"),
        "faq_key_accuracy_within_faq": selection_report.get("accuracy"),
        "label_accuracy": round(1 - len(wrong_texts) / total, 4) if total else None,
        "confusions": [
            {"expected": expected, "predicted": predicted, "count": count}
            for (expected, predicted), count in confusions.most_common()
        ],
        "errors": [
            {"text": e["text"], "expected": e["intent"], "predicted": e["intent_prediction"]}
            for e in intent_errors
        ] + [
            {"text": e["text"], "expected": e.get("intent_response_key_target"),
             "predicted": e.get("intent_response_key_prediction")}
            for e in selection_errors
        ],
    }


def markdown(results: dict[str, Any]) -> str:
    lines = ["# NLU evaluation", ""]
    lines += ["| run | messages | intent accuracy | label accuracy (intent + FAQ key) |",
              "|---|---|---|---|"]
    for name, summary in results["runs"].items():
        lines.append(
            f"| {name} | {summary['messages']} | {summary['intent_accuracy']:.4f} | "
            f"{summary['label_accuracy']:.4f} |"
        )
    for name, summary in results["runs"].items():
        lines += ["", f"## Confusions: {name}", "", "| expected | predicted | count |",
                  "|---|---|---|"]
        lines += [f"| {c['expected']} | {c['predicted']} | {c['count']} |"
                  for c in summary["confusions"]] or ["| (none) | | |"]
    lines += ["", f"Config: `{results['config']}`; "
              f"took {results['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    started = time.monotonic()
    cv_dir, heldout_dir = args.out / "cross_validation", args.out / "heldout"
    rasa("test", "nlu", "--nlu", "data", "--config", args.config, "--cross-validation",
         "--folds", str(args.folds), "--out", str(cv_dir))
    rasa("test", "nlu", "--nlu", str(HELDOUT), "--model", "models", "--out", str(heldout_dir))
    # What the assistant does with each held-out message (answer, "Bedoelt u", no answer).
    heldout.run(HELDOUT, heldout.latest_model(), args.out)
    results = {
        "config": args.config,
        "seconds": time.monotonic() - started,
        "runs": {
            f"cross-validation ({args.folds} folds)": summarise(cv_dir),
            f"held-out ({HELDOUT})": summarise(heldout_dir),
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "eval.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (args.out / "eval.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
