"""Quote and call-back requests: stored as leads, then handed to advisors.

The lead and its outbox rows are written in one transaction before the visitor sees
the reference; delivery (webhook, e-mail) happens afterwards in the background and
is retried by the outbox worker (``cyberbot outbox work``) until it succeeds, so a
receiver that is down never loses a lead nor delays the chat.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_filling import clear_contact_events
from actions.live_chat import is_live_waiting
from actions.messages import form_messages, text
from actions.tracker_reading import REQUESTED_SLOT, consent_is_current
from cyberbot.advice.ranking import PROFILE_SLOTS, Profile, advice_basis, recommend
from cyberbot.channels.admission import SERVER_METADATA_KEY, abuse_limits, channel_text
from cyberbot.db.engine import get_engine
from cyberbot.leads.office_hours import contact_promise
from cyberbot.leads.store import LeadDraft, StoredLead, recent_twin, submit_lead
from cyberbot.reading.answers import CONTACT_DETAIL_SLOTS
from cyberbot.reading.country import localise

logger = logging.getLogger(__name__)

def _profile(tracker: Tracker) -> dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in PROFILE_SLOTS}


def _recommendation(tracker: Tracker) -> tuple[list[str], dict[str, Any]]:
    """The order the visitor was shown (or would be shown) and its basis, with the words
    of the visitor's country."""
    profile = Profile.from_slots(_profile(tracker))
    recommendation = recommend(profile)
    given = tracker.get_slot("recommended_insurers")
    order = [str(insurer) for insurer in given] if given else recommendation.insurer_ids
    basis = json.loads(localise(json.dumps(advice_basis(recommendation)), profile.country))
    return order, basis


def _refused(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """No consent: no lead, and every contact detail of the conversation forgotten."""
    forgotten = clear_contact_events(tracker)
    had_details = any(event["name"] in CONTACT_DETAIL_SLOTS for event in forgotten)
    dispatcher.utter_message(text=text("consent", "refused_cleared" if had_details else "refused"))
    return [*forgotten, SlotSet(REQUESTED_SLOT, None)]


def _client(tracker: Tracker) -> str | None:
    """The pseudonym of the visitor's address, as the channel (not the client) recorded it."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    server = metadata.get(SERVER_METADATA_KEY) if isinstance(metadata, dict) else None
    client = server.get("client") if isinstance(server, dict) else None
    return client if isinstance(client, str) else None


async def _over_limit(tracker: Tracker, channel: str) -> bool:
    """Counts the lead against the limits per conversation and per client address."""
    refusal = await asyncio.to_thread(
        abuse_limits().admit_lead, channel, tracker.sender_id, _client(tracker)
    )
    return refusal is not None


async def _store(draft: LeadDraft) -> StoredLead:
    """Stores the lead; the outbox worker dispatches and delivers it (the action server
    holds no destination and no secret)."""
    stored = await asyncio.to_thread(submit_lead, get_engine(), draft)
    logger.info("Lead %s stored (%s)", stored.reference, draft.kind)
    return stored


class SubmitLead(Action, ABC):
    """Stores the lead the form collected and tells the visitor its reference."""

    kind: str = ""
    reference_slot: str = ""
    form: str = ""  # whose consent the lead needs

    @abstractmethod
    def draft(self, tracker: Tracker) -> LeadDraft | None:
        """The lead from the slots, or None when a required detail is missing."""

    @abstractmethod
    def confirmation(self, tracker: Tracker, draft: LeadDraft, reference: str) -> str:
        """The Dutch confirmation with the reference."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if self.kind == "callback" and is_live_waiting(tracker):
            return []  # a person answers live: the visitor was told so, nothing to file
        if not consent_is_current(tracker, self.form):
            return _refused(dispatcher, tracker)
        draft = self.draft(tracker)
        if draft is None:
            dispatcher.utter_message(text=text("submitted", "incomplete"))
            return []
        # A repeat of a stored lead (Rasa retrying the action) is no new lead to count.
        repeat = await asyncio.to_thread(recent_twin, get_engine(), draft)
        if repeat is None and await _over_limit(tracker, draft.channel):
            dispatcher.utter_message(text=channel_text("too_many_leads"))
            return []
        try:
            stored = await _store(draft)
        except Exception:
            # No details in the log: the exception type and trace say what failed.
            logger.exception("Storing a %s request failed", self.kind)
            dispatcher.utter_message(text=text("submitted", "failed"))
            return []
        dispatcher.utter_message(
            text=self.confirmation(tracker, draft, stored.reference),
            buttons=form_messages()["after_submit_buttons"],
            # Outside WhatsApp's 24-hour window only an approved template may go out.
            whatsapp_template=f"{self.kind}_confirmation",
            template_values={"name": draft.contact_name, "reference": stored.reference},
        )
        # The consent covered this request: a next one asks again, and nothing personal
        # stays behind in the conversation's slots.
        return [SlotSet(self.reference_slot, stored.reference), *clear_contact_events(tracker)]


def _draft(tracker: Tracker, kind: str, **contact: Any) -> LeadDraft:
    order, basis = _recommendation(tracker)
    return LeadDraft(
        kind=kind,
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        company_name=tracker.get_slot("company_name"),
        preferred_insurer=tracker.get_slot("preferred_insurer"),
        profile=_profile(tracker),
        recommendation=order,
        advice_basis=basis,
        **contact,
    )


class ActionSubmitQuote(SubmitLead):
    kind = "quote"
    reference_slot = "quote_reference"
    form = "quote_form"

    def name(self) -> str:
        return "action_submit_quote"

    def draft(self, tracker: Tracker) -> LeadDraft | None:
        name, email = tracker.get_slot("contact_name"), tracker.get_slot("contact_email")
        if not name or not email:
            return None
        return _draft(
            tracker,
            self.kind,
            contact_name=name,
            contact_email=email,
            contact_phone=tracker.get_slot("contact_phone"),
            callback_moment=None,
        )

    def confirmation(self, tracker: Tracker, draft: LeadDraft, reference: str) -> str:
        return text(
            "submitted",
            "quote",
            name=draft.contact_name,
            reference=reference,
            email=draft.contact_email,
        )


class ActionSubmitCallback(SubmitLead):
    kind = "callback"
    reference_slot = "callback_reference"
    form = "callback_form"

    def name(self) -> str:
        return "action_submit_callback"

    def draft(self, tracker: Tracker) -> LeadDraft | None:
        name, contact = tracker.get_slot("contact_name"), tracker.get_slot("callback_contact")
        if not name or not contact:
            return None
        is_email = "@" in str(contact)
        return _draft(
            tracker,
            self.kind,
            contact_name=name,
            contact_email=contact if is_email else None,
            contact_phone=None if is_email else contact,
            callback_moment=tracker.get_slot("callback_moment"),
        )

    def confirmation(self, tracker: Tracker, draft: LeadDraft, reference: str) -> str:
        promise = contact_promise(datetime.now(timezone.utc))
        return text(
            "submitted",
            "callback",
            name=draft.contact_name,
            reference=reference,
            promise=promise.message,
        )
