"""The project's NLU examples and FAQ answers as the tooling reads them.

Rasa reads every YAML file under ``data/``: the intents in ``data/nlu.yml``, the FAQ topics
with their answers in ``data/faq_<group>.yml``. The console (labels), the benchmark
(scenarios) and the tests read them here, in one way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
FAQ_RESPONSE_PREFIX = "utter_faq/"
_ANNOTATION = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")


def _documents(data_dir: Path) -> list[dict[str, Any]]:
    documents = []
    for path in sorted(data_dir.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(content, dict):
            raise ValueError(f"{path}: expected a mapping at the top level")
        documents.append(content)
    return documents


def training_examples(data_dir: Path = DATA_DIR) -> dict[str, list[str]]:
    """Label ("greet", "faq/kosten") -> its examples, as written (with entity markup)."""
    result: dict[str, list[str]] = {}
    for document in _documents(data_dir):
        for block in document.get("nlu") or []:
            if "intent" in block:
                lines = [line[2:].strip() for line in str(block["examples"]).splitlines()]
                result.setdefault(block["intent"], []).extend(line for line in lines if line)
    return result


def faq_responses(data_dir: Path = DATA_DIR) -> dict[str, list[dict[str, Any]]]:
    """``utter_faq/<key>`` -> its variations (text, buttons, condition)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for document in _documents(data_dir):
        for name, variations in (document.get("responses") or {}).items():
            if name.startswith(FAQ_RESPONSE_PREFIX):
                found[name] = variations
    return found


def default_variation(variations: list[dict[str, Any]]) -> dict[str, Any]:
    """The variation for a visitor whose country is unknown: the one without a condition."""
    return next(variation for variation in variations if not variation.get("condition"))


def variation_for(variations: list[dict[str, Any]], country: str | None) -> dict[str, Any]:
    """The variation Rasa gives a visitor in ``country`` (nl, be or None)."""
    for variation in variations:
        for condition in variation.get("condition") or []:
            if condition.get("name") == "country" and condition.get("value") == country:
                return variation
    return default_variation(variations)


def plain(text: str) -> str:
    """Example text without entity markup, lower-cased, spaces normalised."""
    return " ".join(_ANNOTATION.sub(r"\1", text).lower().split())
