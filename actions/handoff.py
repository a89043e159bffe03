"""Quote and call-back requests: stored as leads, then handed to advisors.

The lead and its outbox rows are written in one transaction before the visitor sees
the reference; delivery (webhook, e-mail) happens afterwards in the background and
is retried by the outbox worker (``cyberbot outbox work``) until it succeeds, so a
receiver that is down never loses a lead nor delays the chat.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.messages import form_messages, text
from actions.tracker_reading import REQUESTED_SLOT
from cyberbot.advice.ranking import PROFILE_SLOTS, Profile, recommend
from cyberbot.leads.database import get_engine
from cyberbot.leads.handoff_config import load_handoff_config
from cyberbot.leads.office_hours import contact_promise
from cyberbot.leads.outbox import kick
from cyberbot.leads.store import LeadDraft, StoredLead, submit_lead

logger = logging.getLogger(__name__)

# Background deliveries; kept referenced so that they are not garbage-collected mid-way.
_deliveries: set[asyncio.Task[None]] = set()


def _profile(tracker: Tracker) -> dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in PROFILE_SLOTS}


def _recommendation(tracker: Tracker) -> list[str]:
    given = tracker.get_slot("recommended_insurers")
    if given:
        return [str(insurer) for insurer in given]
    return recommend(Profile.from_slots(_profile(tracker))).insurer_ids


def _refused(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """Consent refused: say that nothing was stored and forget the question's answer."""
    dispatcher.utter_message(text=text("consent", "refused"))
    return [SlotSet("consent", None), SlotSet(REQUESTED_SLOT, None)]


async def _store(draft: LeadDraft) -> StoredLead:
    config = load_handoff_config()
    engine = get_engine()
    stored = await asyncio.to_thread(submit_lead, engine, draft, config.destinations)
    logger.info(
        "Lead %s stored (%s, %d destinations)",
        stored.reference,
        draft.kind,
        len(config.destinations),
    )
    if config.destinations:
        task = asyncio.get_running_loop().create_task(kick(engine, config))
        _deliveries.add(task)
        task.add_done_callback(_deliveries.discard)
    else:
        logger.warning(
            "Lead %s: no hand-off destination is configured (handoff.yml)", stored.reference
        )
    return stored


class SubmitLead(Action, ABC):
    """Stores the lead the form collected and tells the visitor its reference."""

    kind: str = ""
    reference_slot: str = ""

    @abstractmethod
    def draft(self, tracker: Tracker) -> LeadDraft | None:
        """The lead from the slots, or None when a required detail is missing."""

    @abstractmethod
    def confirmation(self, tracker: Tracker, draft: LeadDraft, reference: str) -> str:
        """The Dutch confirmation with the reference."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("consent") is not True:
            return _refused(dispatcher)
        draft = self.draft(tracker)
        if draft is None:
            dispatcher.utter_message(text=text("submitted", "incomplete"))
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
        return [SlotSet(self.reference_slot, stored.reference)]


def _draft(tracker: Tracker, kind: str, **contact: Any) -> LeadDraft:
    return LeadDraft(
        kind=kind,
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        company_name=tracker.get_slot("company_name"),
        preferred_insurer=tracker.get_slot("preferred_insurer"),
        profile=_profile(tracker),
        recommendation=_recommendation(tracker),
        **contact,
    )


class ActionSubmitQuote(SubmitLead):
    kind = "quote"
    reference_slot = "quote_reference"

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
