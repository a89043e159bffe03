"""Leads as the console shows them: masked in lists, in full only with an audit entry."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from cyberbot.console.audit import recent_entries
from cyberbot.console.leads_view import (
    LeadFilter,
    lead_detail,
    leads_of_conversation,
    list_lead_page,
    mask_email,
    mask_phone,
    set_lead_status,
)
from cyberbot.leads.models import leads
from tests.leads_support import make_draft, queue_lead


@pytest.mark.parametrize(
    ("email", "masked"),
    [("jan@pixelwerk.nl", "j***@pixelwerk.nl"), (None, ""), ("", ""), ("geen-adres", "***")],
)
def test_mask_email(email: str | None, masked: str) -> None:
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+31612345678", "+316******78"), ("+3247012345", "+324*****45"), (None, ""),
     ("+3112", "***")],
)
def test_mask_phone(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


def store(engine: Engine, count: int, **changes: object) -> list[str]:
    return [
        queue_lead(engine, make_draft(conversation_id=f"conv-{n}", **changes), ["webhook"])
        .reference
        for n in range(count)
    ]


def test_pages_are_newest_first_masked_and_complete(console_engine: Engine) -> None:
    references = store(console_engine, 7)
    first = list_lead_page(console_engine, LeadFilter(), page_size=3)
    assert first.total == 7
    assert [item["reference"] for item in first.items] == references[::-1][:3]
    assert all(item["contact_email"] == "j***@pixelwerk.nl" for item in first.items)
    assert all(item["delivery"] == "pending" for item in first.items)
    seen = [item["reference"] for item in first.items]
    before = first.next_before_id
    while before is not None:
        page = list_lead_page(console_engine, LeadFilter(), before_id=before, page_size=3)
        seen += [item["reference"] for item in page.items]
        before = page.next_before_id
    assert seen == references[::-1]


def test_filters_on_status_and_kind(console_engine: Engine) -> None:
    quotes = store(console_engine, 2)
    callbacks = store(console_engine, 1, kind="callback")
    set_lead_status(console_engine, quotes[0], "afgerond", actor="ops@voorbeeld.nl")
    done = list_lead_page(console_engine, LeadFilter(status="afgerond"))
    assert [item["reference"] for item in done.items] == [quotes[0]]
    only_callbacks = list_lead_page(console_engine, LeadFilter(kind="callback"))
    assert [item["reference"] for item in only_callbacks.items] == callbacks
    with pytest.raises(ValueError, match="status"):
        LeadFilter(status="klaar")
    with pytest.raises(ValueError, match="kind"):
        LeadFilter(kind="brief")


def test_the_full_detail_is_audited_and_the_masked_one_is_not(console_engine: Engine) -> None:
    (reference,) = store(console_engine, 1)
    masked = lead_detail(console_engine, reference, actor="ops@voorbeeld.nl", reveal=False)
    assert masked is not None and masked["contact_phone"] == "+316******78"
    assert recent_entries(console_engine) == []
    full = lead_detail(console_engine, reference, actor="ops@voorbeeld.nl", reveal=True)
    assert full is not None
    assert (full["contact_email"], full["contact_phone"]) == ("jan@pixelwerk.nl", "+31612345678")
    assert [d["destination"] for d in full["deliveries"]] == ["webhook"]
    (entry,) = recent_entries(console_engine)
    assert (entry.actor, entry.action, entry.target) == ("ops@voorbeeld.nl", "view_lead", reference)
    assert lead_detail(console_engine, "CV-2026-999999", actor="x", reveal=True) is None


def test_status_changes_are_stored_and_audited(console_engine: Engine) -> None:
    (reference,) = store(console_engine, 1)
    assert set_lead_status(console_engine, reference, "in behandeling", actor="ops@voorbeeld.nl")
    with console_engine.connect() as connection:
        assert connection.execute(select(leads.c.status)).scalar_one() == "in behandeling"
    (entry,) = recent_entries(console_engine)
    assert entry.detail == "nieuw -> in behandeling"
    assert not set_lead_status(console_engine, "CV-2026-999999", "afgerond", actor="x")
    with pytest.raises(ValueError):
        set_lead_status(console_engine, reference, "weg", actor="x")


def test_leads_of_a_conversation(console_engine: Engine) -> None:
    store(console_engine, 2)
    (lead,) = leads_of_conversation(console_engine, "conv-1")
    assert lead["conversation_id"] == "conv-1"
    assert lead["contact_email"] == "j***@pixelwerk.nl"
    assert leads_of_conversation(console_engine, "conv-9") == []
