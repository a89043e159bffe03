"""The dashboard's Dutch names for forms, questions and FAQ topics, and the filler words
for grouping missed messages: from ``content/dashboard.yml`` and the forms of
``domain.yml``, so that a new form, question or FAQ needs no change in code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path("content") / "dashboard.yml"


@dataclass(frozen=True)
class DashboardTexts:
    forms: Mapping[str, str]
    slots: Mapping[str, str]
    # Every question of the domain's forms ("advice_form.sector"), in the forms' order.
    questions: tuple[str, ...]
    filler_words: frozenset[str]

    def question_label(self, question: str) -> str:
        """ "advice_form.sector" -> "Advies: sector"; a form alone -> its name."""
        form, _, slot = question.partition(".")
        form_name = self.forms.get(form, form)
        if not slot:
            return f"{form_name}: vóór de eerste vraag"
        return f"{form_name}: {self.slots.get(slot, slot.replace('_', ' '))}"

    def question_rank(self, question: str) -> tuple[int, str]:
        """Sorts questions in the forms' order, unknown ones after them."""
        try:
            return self.questions.index(question), question
        except ValueError:
            return len(self.questions), question


def faq_label(key: str) -> str:
    """ "premie_verlagen" -> "Premie verlagen"."""
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def load_dashboard_texts(project_root: Path) -> DashboardTexts:
    """The texts of the project in ``project_root``; re-read when either file changes."""
    texts = project_root / TEXTS_FILE
    domain = project_root / "domain.yml"
    return _load(texts, domain, texts.stat().st_mtime_ns, domain.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(texts: Path, domain: Path, _texts_mtime: int, _domain_mtime: int) -> DashboardTexts:
    content = _mapping(yaml.safe_load(texts.read_text(encoding="utf-8")), str(texts))
    forms = _mapping(_mapping(yaml.safe_load(domain.read_text(encoding="utf-8")),
                              str(domain)).get("forms") or {}, f"{domain}: forms")
    questions = tuple(
        f"{form}.{slot}"
        for form, spec in forms.items()
        for slot in (_mapping(spec, f"{domain}: {form}").get("required_slots") or [])
    )
    words = content.get("filler_words") or []
    if not isinstance(words, list):
        raise ValueError(f"{texts}: filler_words is not a list")
    return DashboardTexts(
        forms={str(k): str(v) for k, v in _mapping(content.get("forms") or {}, "forms").items()},
        slots={str(k): str(v)
               for k, v in _mapping(content.get("questions") or {}, "questions").items()},
        questions=questions,
        filler_words=frozenset(str(word) for word in words),
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping")
    return value
