"""Whether a message tells of a cyber incident that is happening or has happened.

Used when a quote is asked in the same breath ("we zijn gisteren gehackt en ik wil nu snel
een offerte"): a new policy covers only incidents that arise after its start date, and the
visitor is told so before any question. The words are in ``content/incident_cues.yml``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cyberbot.content import load_content
from cyberbot.text import strip_accents


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    cues: list[str] = load_content("incident_cues.yml")["cues"]
    patterns = []
    for cue in cues:
        folded = re.escape(strip_accents(cue.casefold()).rstrip("*"))
        ending = r"\w*" if cue.endswith("*") else ""
        patterns.append(re.compile(rf"(?<![\w-]){folded}{ending}(?![\w-])"))
    return tuple(patterns)


def mentions_incident(text: str) -> bool:
    folded = strip_accents(text.casefold())
    return any(pattern.search(folded) for pattern in _patterns())
