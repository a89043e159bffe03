"""Reviews of conversations: reviewed or not, labels and a note."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from cyberbot.console.audit import recent_entries
from cyberbot.console.reviews import MAX_TAGS, get_review, parse_tags, save_review

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


def test_parse_tags_trims_lowercases_and_deduplicates() -> None:
    assert parse_tags("Prijs, ,  offerte,prijs,  NIS2  ") == ("prijs", "offerte", "nis2")
    assert parse_tags("") == ()
    assert len(parse_tags(",".join(f"t{n}" for n in range(50)))) == MAX_TAGS
    assert parse_tags("x" * 100) == ("x" * 40,)


def test_the_first_reviewer_is_kept_and_unmarking_clears_it(console_engine: Engine) -> None:
    assert get_review(console_engine, "conv-1") is None
    first = save_review(console_engine, "conv-1", reviewed=True, tags=("prijs",),
                        note="  Belde over NIS2  ", operator="ans@voorbeeld.nl", now=NOW)
    assert (first.reviewed_by, first.reviewed_at, first.note) == (
        "ans@voorbeeld.nl", NOW, "Belde over NIS2")
    later = NOW + timedelta(hours=1)
    again = save_review(console_engine, "conv-1", reviewed=True, tags=(), note="",
                        operator="bob@voorbeeld.nl", now=later)
    assert (again.reviewed_by, again.reviewed_at, again.note, again.tags) == (
        "ans@voorbeeld.nl", NOW, None, ())
    cleared = save_review(console_engine, "conv-1", reviewed=False, tags=("x",), note="n",
                          operator="bob@voorbeeld.nl", now=later)
    assert cleared.reviewed_at is None and cleared.reviewed_by is None
    stored = get_review(console_engine, "conv-1")
    assert stored is not None and stored.tags == ("x",) and stored.note == "n"
    assert [entry.action for entry in recent_entries(console_engine)] == ["review"] * 3
