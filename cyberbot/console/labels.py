"""The labels an operator may give a user message: a domain intent, an FAQ key, out of scope.

The intents come from ``domain.yml``, the FAQ keys from the ``utter_faq/<key>`` responses in
``data/faq_*.yml``. ``faq`` itself is not offered (it is the retrieval intent that
the FAQ keys refine) and neither is ``nlu_fallback`` (a prediction, never a meaning).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cyberbot.training_data import faq_responses

OUT_OF_SCOPE = "out_of_scope"
FAQ_PREFIX = "faq/"
_RESPONSE_PREFIX = "utter_faq/"
_NOT_OFFERED = frozenset({"faq", "nlu_fallback"})

# What an operator reads in the select; intents missing here show their name.
_INTENT_NAMES = {
    "greet": "begroeting",
    "goodbye": "afscheid",
    "thank": "bedankje",
    "affirm": "bevestiging (ja)",
    "deny": "ontkenning (nee)",
    "bot_challenge": "vraagt of dit een bot is",
    "stop": "wil stoppen",
    "request_advice": "wil advies",
    "request_quote": "wil een offerte",
    "request_human": "wil een medewerker spreken",
    "ask_insurer": "vraag over een verzekeraar",
    "ask_why": "vraagt waarom",
    "inform": "geeft informatie",
}


@dataclass(frozen=True)
class Labels:
    """The labels of one version of the domain and FAQ responses."""

    # Domain order, with out_of_scope.
    intents: tuple[str, ...]
    # "faq/<key>", sorted.
    faq_keys: tuple[str, ...]

    def is_valid(self, value: str) -> bool:
        return value in self.intents or value in self.faq_keys

    def choices(self) -> list[tuple[str, str]]:
        """(value, Dutch label) pairs for a select: intents, then FAQ keys, then out of scope."""
        intents = [
            (intent, f"Intentie: {_INTENT_NAMES.get(intent, intent)} ({intent})")
            for intent in self.intents
            if intent != OUT_OF_SCOPE
        ]
        faq = [
            (key, "FAQ: " + key.removeprefix(FAQ_PREFIX).replace("_", " ")) for key in self.faq_keys
        ]
        return [*intents, *faq, (OUT_OF_SCOPE, "Buiten het onderwerp (out_of_scope)")]


def load_labels(project_root: Path) -> Labels:
    """The labels of the project in ``project_root``; re-read when a file changes."""
    domain = project_root / "domain.yml"
    data = project_root / "data"
    stamps = tuple(sorted((str(path), path.stat().st_mtime_ns) for path in data.glob("*.yml")))
    return _load(domain, data, domain.stat().st_mtime_ns, stamps)


@lru_cache(maxsize=8)
def _load(
    domain: Path, data: Path, _domain_mtime: int, _data_stamps: tuple[tuple[str, int], ...]
) -> Labels:
    intents = [name for name in _domain_intents(domain) if name not in _NOT_OFFERED]
    if OUT_OF_SCOPE not in intents:
        intents.append(OUT_OF_SCOPE)
    faq_keys = sorted(
        FAQ_PREFIX + name.removeprefix(_RESPONSE_PREFIX) for name in faq_responses(data)
    )
    return Labels(intents=tuple(intents), faq_keys=tuple(faq_keys))


def _domain_intents(domain: Path) -> list[str]:
    """Intent names; an entry is a name or a one-key mapping (a name with its options)."""
    entries = _read_yaml(domain).get("intents") or []
    if not isinstance(entries, list):
        raise ValueError(f"{domain}: 'intents' is not a list")
    names = []
    for entry in entries:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict) and len(entry) == 1:
            names.append(str(next(iter(entry))))
        else:
            raise ValueError(f"{domain}: unexpected intent entry {entry!r}")
    return names


def _read_yaml(path: Path) -> dict[str, Any]:
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(content, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return content
