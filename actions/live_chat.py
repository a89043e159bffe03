"""Asking for a person: a live conversation when an operator is free, else a call-back.

``request_human`` starts the callback_form (rules and stories stay as they are). At that
moment :func:`offer_live_chat` looks whether a person can answer now: live chat on, the
visitor's channel can carry it, within the hours, at least one operator available, and
no hand-off of this conversation withdrawn moments ago. Then it opens a waiting
hand-off, tells the visitor the wait, and ends the form before its first question; the
call-back is not filed (``handoff`` is "waiting"). Otherwise the form asks as always.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import REQUESTED_SLOT
from cyberbot.channels.guard import conversation_ref
from cyberbot.leads.office_hours import contact_promise
from cyberbot.live.config import LiveChatConfig, live_text, load_live_config
from cyberbot.live.models import WAITING, get_live_engine
from cyberbot.live.store import (
    available_operators,
    queue_position,
    recently_withdrawn,
    request_handoff,
)

logger = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff"


def is_live_waiting(tracker: Tracker) -> bool:
    """The visitor waits for a person: no call-back is filed for this request."""
    return tracker.get_slot(HANDOFF_SLOT) == WAITING


def _can_offer(config: LiveChatConfig, channel: str | None, conversation_id: str,
               now: datetime) -> bool:
    if not config.enabled or channel not in config.channels:
        return False
    if config.hours == "office" and not contact_promise(now).within_hours:
        return False
    engine = get_live_engine()
    if recently_withdrawn(engine, conversation_id, now, config.cooldown):
        return False
    return available_operators(engine, now, config.idle_after) > 0


def _open(config: LiveChatConfig, channel: str, conversation_id: str,
          now: datetime) -> tuple[bool, int] | None:
    """(new, minutes to wait) when a hand-off is open for the visitor; None when no
    person can answer now."""
    if not _can_offer(config, channel, conversation_id, now):
        return None
    engine = get_live_engine()
    _, created = request_handoff(engine, conversation_id, channel, now)
    position = max(1, queue_position(engine, conversation_id))
    return created, position * config.minutes_per_visitor


async def offer_live_chat(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType] | None:
    """The events that end the callback_form in a live hand-off, or None (no person free)."""
    config = load_live_config()
    channel = tracker.get_latest_input_channel()
    try:
        opened = await asyncio.to_thread(
            _open, config, channel or "", tracker.sender_id, datetime.now(timezone.utc))
    except Exception as error:  # the call-back form still takes the request
        logger.error("Live chat unavailable (%s); offering the call-back form",
                     type(error).__name__)
        return None
    if opened is None:
        return None
    created, minutes = opened
    logger.info("Conversation %s waits for an operator", conversation_ref(tracker.sender_id))
    dispatcher.utter_message(
        text=live_text("connecting" if created else "connecting_again", minutes=minutes))
    return [SlotSet(HANDOFF_SLOT, WAITING), SlotSet(REQUESTED_SLOT, None)]
