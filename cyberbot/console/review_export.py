"""Operators' corrections as a Rasa NLU training file, ready to add under ``data/``.

A correction becomes a training example only when it adds something and is safe to
train on. Skipped, each with its reason counted:

* ``empty``: nothing left after normalising the whitespace;
* ``button_payload``: starts with "/", a button the visitor clicked, not words;
* ``personal_data``: holds an e-mail address or phone number, which never go into
  training data (they would end up in every trained model);
* ``markup``: would be misread by Rasa, such as "[...](" (entity annotation syntax) or
  characters YAML does not allow;
* ``unknown_label``: the label is no longer an intent or FAQ key of the project;
* ``superseded``: an older correction of the same text (compared case-insensitively);
  the newest one wins;
* ``duplicate``: the training data already has the example with the same label;
* ``conflict``: the training data has the example with another label; adding it would
  make the data contradict itself, so the existing example needs a person's decision.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from cyberbot.console.corrections import Correction
from cyberbot.console.labels import Labels
from cyberbot.reading.contact import check_phone, find_email, find_phone

# Rasa's entity annotations: [text](entity), [text](entity:value), [text]{...}, [text][...].
_ENTITY_ANNOTATION = re.compile(r"\[([^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[.*?\])")
# Intent and FAQ key names, which can stand unquoted after "intent:".
_LABEL_SHAPE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(?:/[A-Za-z0-9_-]+)?")
# Anything Rasa could take for the start of an annotation, even an invalid one.
_ANNOTATION_LIKE = re.compile(r"\[[^\]]*\][({\[]")
# Characters a YAML stream may not contain (the YAML 1.1 printable set, inverted).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# A run of digits this long is never an amount worth training on, but may be a mobile
# number typed without its leading 0, a bank or citizen service number.
_LONG_NUMBER_DIGITS = 9


@dataclass(frozen=True)
class ReviewExport:
    yaml_text: str
    # Examples written per label.
    written: Mapping[str, int]
    # Corrections left out per reason (see the module docstring).
    skipped: Mapping[str, int]

    def summary(self) -> str:
        """The counts in one line, with no visitor text: for the CLI and the audit log."""
        return _counts(self.written, self.skipped)


def normalise_text(text: str) -> str:
    """Stripped, with every run of whitespace (newlines included) one space."""
    return " ".join(text.split())


def export_corrections(
    corrections: Sequence[Correction],
    data_dir: Path,
    now: datetime | None = None,
    *,
    labels: Labels | None = None,
) -> ReviewExport:
    """The corrections that add something to the training data in ``data_dir``, as YAML.

    With ``labels``, corrections whose label has since left the project are skipped; labels
    are always checked to be intent-like names, which the YAML can hold unquoted.
    """
    skipped: Counter[str] = Counter()
    newest: dict[str, tuple[str, str]] = {}
    for correction in sorted(corrections, key=lambda item: (item.created_at, item.id)):
        text = normalise_text(correction.text)
        reason = _unsuitable(text)
        if reason is None and not _known(correction.corrected, labels):
            reason = "unknown_label"
        if reason is not None:
            skipped[reason] += 1
            continue
        key = text.casefold()
        if key in newest:
            skipped["superseded"] += 1
        newest[key] = (correction.corrected, text)

    existing = existing_examples(data_dir)
    examples: dict[str, list[str]] = {}
    for key, (label, text) in newest.items():
        if key in existing:
            skipped["duplicate" if label in existing[key] else "conflict"] += 1
            continue
        examples.setdefault(label, []).append(text)

    written = {label: len(texts) for label, texts in sorted(examples.items())}
    moment = now or datetime.now(timezone.utc)
    yaml_text = _render(examples, _header(moment, written, skipped))
    return ReviewExport(yaml_text=yaml_text, written=written, skipped=dict(sorted(skipped.items())))


def write_export(export: ReviewExport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export.yaml_text, encoding="utf-8")


def existing_examples(data_dir: Path) -> dict[str, set[str]]:
    """Labels per example text (plain, case-folded, whitespace-normalised) in ``data_dir``."""
    labels: dict[str, set[str]] = {}
    for path in sorted([*data_dir.glob("*.yml"), *data_dir.glob("*.yaml")]):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(content, dict) or not isinstance(content.get("nlu"), list):
            continue
        for block in content["nlu"]:
            if isinstance(block, dict) and "intent" in block:
                for text in _block_examples(block.get("examples")):
                    plain = normalise_text(_ENTITY_ANNOTATION.sub(r"\1", text)).casefold()
                    labels.setdefault(plain, set()).add(str(block["intent"]))
    return labels


def _block_examples(examples: Any) -> Iterator[str]:
    """The texts of an intent's examples: a "- text" block, or a list of {text: ...}."""
    if isinstance(examples, str):
        for line in examples.splitlines():
            if line.startswith("-"):
                yield line[1:]
    elif isinstance(examples, list):
        for example in examples:
            if isinstance(example, dict) and isinstance(example.get("text"), str):
                yield example["text"]


def _unsuitable(text: str) -> str | None:
    if not text:
        return "empty"
    if text.startswith("/"):
        return "button_payload"
    if find_email(text) is not None or _has_phone_number(text):
        return "personal_data"
    if _ANNOTATION_LIKE.search(text) or _NOT_PRINTABLE.search(text):
        return "markup"
    return None


def _known(label: str, labels: Labels | None) -> bool:
    if not _LABEL_SHAPE.fullmatch(label):
        return False
    return labels is None or labels.is_valid(label)


def _has_phone_number(text: str) -> bool:
    """Whether ``text`` holds what is written like a phone number.

    Phone numbers start with 0, + or "(" in the Netherlands and Belgium; "31 6 ..."
    without "+" is what ``check_phone`` accepts. Shorter digit runs without those, such
    as "250000" or "1.000.000", are amounts and stay.
    """
    number = find_phone(text)
    if number is None:
        return False
    digits = sum(char.isdigit() for char in number)
    return (
        number.startswith(("0", "+", "("))
        or digits >= _LONG_NUMBER_DIGITS
        or check_phone(number).ok
    )


def _counts(written: Mapping[str, int], skipped: Mapping[str, int]) -> str:
    reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(skipped.items()))
    return (
        f"{sum(written.values())} examples written for {len(written)} labels, "
        f"{sum(skipped.values())} corrections skipped" + (f" ({reasons})" if reasons else "")
    )


def _header(moment: datetime, written: Mapping[str, int], skipped: Mapping[str, int]) -> str:
    stamp = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "# Training examples from the operators' corrections (cyberbot review export).\n"
        f"# Generated at {stamp}: {_counts(written, skipped)}.\n"
        "# Add this file under data/ and retrain the assistant.\n"
    )


def _text_order(text: str) -> tuple[str, str]:
    return text.casefold(), text


def _render(examples: Mapping[str, list[str]], header: str) -> str:
    """Rasa's YAML NLU format; texts go in literal blocks, where no character but a line
    break means anything to YAML (normalised texts have none)."""
    if not examples:
        # Rasa reads "nlu: []" as an NLU file without examples; without the key it
        # would not recognise the file at all.
        return f'{header}version: "3.1"\n\nnlu: []\n'
    blocks = []
    for label in sorted(examples):
        lines = "".join(f"    - {text}\n" for text in sorted(examples[label], key=_text_order))
        blocks.append(f"- intent: {label}\n  examples: |\n{lines}")
    return f'{header}version: "3.1"\n\nnlu:\n' + "\n".join(blocks)
