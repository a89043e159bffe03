"""What a trained model does with held-out messages: the label it acts on, whether it would
answer, ask "Bedoelt u …?" or say it does not know, and how sure it was.

The model is loaded once and each message parsed in this process (Rasa's own ``Agent``),
so the whole held-out set takes seconds. A message's *label* is its intent, or for FAQ
questions ``faq/<key>`` with the answer selection's best key; its *confidence* is the
classifier's, times the answer selection's for FAQ questions (what
``cyberbot.faq.selection`` decides on). From the outcomes: accuracy per label, the share
answered with another label's answer, the threshold curve and a reliability table.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from cyberbot.faq.selection import Thresholds, candidates_from, decide
from cyberbot.training_data import plain

FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Outcome:
    text: str
    expected: str  # "greet", "faq/kosten"
    predicted: str  # the label the model would act on; "nlu_fallback" for a miss
    confidence: float
    # What the assistant does: "answer" (acts on ``predicted``), "clarify" (offers
    # ``offered``), "unknown" (says it has no answer; also every nlu_fallback).
    action: str
    offered: tuple[str, ...] = ()

    @property
    def right(self) -> bool:
        return self.predicted == self.expected

    @property
    def answered_wrongly(self) -> bool:
        """Acted on with another label's answer: the mistake that matters most."""
        return self.action == "answer" and not self.right


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs of a Rasa NLU YAML file, entity markup removed."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in document.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block["examples"]).splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = line[2:].strip()
                pairs.append((_without_markup(text), block["intent"]))
    return pairs


def _without_markup(text: str) -> str:
    return re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", text)


def outcome(text: str, expected: str, parse: Mapping[str, Any], limits: Thresholds) -> Outcome:
    """How the assistant would act on a parsed message (see ``actions/faq.py``)."""
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or FALLBACK)
    confidence = float(intent.get("confidence") or 0.0)
    if name == FALLBACK:
        return Outcome(text, expected, FALLBACK, confidence, "unknown")
    if name != "faq":
        return Outcome(text, expected, name, confidence, "answer")
    candidates = candidates_from(parse)
    if not candidates:
        return Outcome(text, expected, "faq", confidence, "unknown")
    top = candidates[0]
    decision = decide(candidates, limits)
    offered = tuple(f"faq/{key}" for key in decision.keys) if decision.kind == "clarify" else ()
    return Outcome(text, expected, f"faq/{top.key}", top.confidence, decision.kind, offered)


async def _parse_all(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    from cyberbot.rasa_compat import install

    install()  # loads the model as the Rasa server does (cyberbot/rasa_compat)

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def parse_messages(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Rasa's parse of every text by the model at ``model`` (a .tar.gz)."""
    return asyncio.run(_parse_all(model, texts))


def latest_model(models: Path = Path("models")) -> Path:
    found = sorted(models.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not found:
        raise FileNotFoundError(f"no trained model in {models}/: run make train")
    return found[-1]


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    @property
    def label_accuracy(self) -> float:
        return _share(o.right for o in self.outcomes)

    @property
    def answered_wrongly(self) -> float:
        return _share(o.answered_wrongly for o in self.outcomes)

    @property
    def answered(self) -> float:
        return _share(o.action == "answer" for o in self.outcomes)

    def per_label(self) -> dict[str, tuple[int, int]]:
        """label -> (right, total)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            counts[o.expected][0] += int(o.right)
            counts[o.expected][1] += 1
        return {label: (right, total) for label, (right, total) in sorted(counts.items())}

    def confusions(self) -> list[tuple[str, str, int]]:
        pairs = Counter((o.expected, o.predicted) for o in self.outcomes if not o.right)
        return [(expected, predicted, count) for (expected, predicted), count
                in pairs.most_common()]

    def reliability(self, bands: Sequence[float] = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
                    ) -> list[tuple[str, int, float]]:
        """(confidence band, messages, share right) for the messages acted on a label."""
        rows = []
        edges = [*bands, 1.0001]
        for low, high in itertools.pairwise(edges):
            inside = [o for o in self.outcomes if o.predicted != FALLBACK
                      and low <= o.confidence < high]
            label = f"{low:.2f}-{min(high, 1.0):.2f}"
            rows.append((label, len(inside), _share(o.right for o in inside)))
        return rows


def threshold_curve(
    parses: Sequence[Mapping[str, Any]], expected: Sequence[str], base: Thresholds,
    answer_values: Iterable[float],
) -> list[tuple[float, float, float, float]]:
    """For FAQ questions: per answer threshold, (threshold, share answered, share of the
    answered that is right, share of all answered wrongly)."""
    rows = []
    faq_items = [(p, e) for p, e in zip(parses, expected, strict=True) if e.startswith("faq/")]
    for value in answer_values:
        limits = Thresholds(value, base.margin, base.suggest, base.max_suggestions)
        outs = [outcome("", e, p, limits) for p, e in faq_items]
        acted = [o for o in outs if o.action == "answer"]
        rows.append((value, _share(o.action == "answer" for o in outs),
                     _share(o.right for o in acted), _share(o.answered_wrongly for o in outs)))
    return rows


def evaluate(pairs: Sequence[tuple[str, str]], parses: Sequence[Mapping[str, Any]],
             limits: Thresholds) -> Report:
    return Report(tuple(outcome(text, label, parse, limits)
                        for (text, label), parse in zip(pairs, parses, strict=True)))


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def unique(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    kept = []
    for text, label in pairs:
        if plain(text) not in seen:
            seen.add(plain(text))
            kept.append((text, label))
    return kept


ANSWER_THRESHOLDS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def markdown(report: Report, curve: Sequence[tuple[float, float, float, float]],
             model: Path, limits: Thresholds) -> str:
    """The held-out report: totals, what goes wrong per label, the threshold curve."""
    lines = [
        "# Held-out messages: what the assistant would do", "",
        f"Model `{model.name}`; {len(report.outcomes)} unique held-out messages;"
        f" thresholds answer {limits.answer}, margin {limits.margin}, suggest {limits.suggest}.",
        "",
        "| figure | value |", "|---|---|",
        f"| label accuracy (intent, or FAQ key) | {report.label_accuracy:.3f} |",
        f"| acted on (answered) | {report.answered:.3f} |",
        f"| answered with another label's answer | {report.answered_wrongly:.3f} |",
        "", "## FAQ answer threshold", "",
        "| answer threshold | FAQ questions answered | answered right "
        "| answered wrongly (of all) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {value:.2f} | {answered:.3f} | {precision:.3f} | {wrong:.3f} |"
              for value, answered, precision, wrong in curve]
    lines += ["", "## Reliability: confidence against share right", "",
              "| confidence | messages | right |", "|---|---|---|"]
    lines += [f"| {band} | {count} | {right:.3f} |" for band, count, right in report.reliability()]
    lines += ["", "## Labels below 100 %", "", "| label | right | of |", "|---|---|---|"]
    lines += [f"| {label} | {right} | {total} |"
              for label, (right, total) in report.per_label().items() if right < total]
    lines += ["", "## Confusions", "", "| expected | predicted | count |", "|---|---|---|"]
    lines += [f"| {expected} | {predicted} | {count} |"
              for expected, predicted, count in report.confusions()] or ["| (none) | | |"]
    return "\n".join(lines) + "\n"


def run(heldout: Path, model: Path, out: Path) -> Report:
    """Parse the held-out set with ``model`` and write ``heldout.md`` and ``heldout.json``."""
    from cyberbot.faq.selection import thresholds

    pairs = unique(read_examples(heldout))
    parses = parse_messages(model, [text for text, _ in pairs])
    limits = thresholds()
    report = evaluate(pairs, parses, limits)
    curve = threshold_curve(parses, [label for _, label in pairs], limits, ANSWER_THRESHOLDS)
    out.mkdir(parents=True, exist_ok=True)
    (out / "heldout.md").write_text(markdown(report, curve, model, limits), encoding="utf-8")
    (out / "heldout.json").write_text(json.dumps({
        "model": model.name,
        "messages": len(report.outcomes),
        "label_accuracy": report.label_accuracy,
        "answered": report.answered,
        "answered_wrongly": report.answered_wrongly,
        "threshold_curve": [
            dict(zip(("answer", "answered", "precision", "wrong"), row, strict=True))
            for row in curve],
        "outcomes": [asdict(o) for o in report.outcomes],
    }, indent=1, ensure_ascii=False), encoding="utf-8")
    return report
