"""Live chat in the console: availability, the queue, claiming, writing, handing back.

The API (``/operator/api/...``) and the live page (``/operator/live``) both call this;
the rules live in :mod:`cyberbot.live.store`, the delivery in :mod:`cyberbot.live.rasa_bridge`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from cyberbot.channels.whatsapp.store import within_window
from cyberbot.console.accounts import Operator
from cyberbot.console.audit import record
from cyberbot.console.context import ConsoleContext
from cyberbot.console.conversations_view import transcript_view
from cyberbot.live.config import LiveChatConfig, live_buttons, live_text, load_live_config
from cyberbot.live.models import ACTIVE, prepare_live_tables, presence
from cyberbot.live.rasa_bridge import BridgeError, RasaBridge, bot_event, slot_event
from cyberbot.live.store import (
    Handoff,
    HandoffError,
    LiveOperator,
    claim,
    clean_name,
    first_name,
    held,
    is_available,
    list_handoffs,
    release,
    release_abandoned,
    seen,
    set_availability,
    undo_claim,
    withdraw_expired,
)

logger = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff"
# Ended hand-offs stay in the queue's list this long.
ENDED_SHOWN = timedelta(hours=1)


class LiveRequestError(HandoffError):
    """A request the console refuses before it reaches the hand-off (400 by default)."""

    status = 400


@dataclass
class LiveChat:
    context: ConsoleContext
    config: LiveChatConfig
    bridge: RasaBridge

    @classmethod
    def create(cls, context: ConsoleContext, rasa_url: str) -> LiveChat:
        prepare_live_tables(context.engine)
        return cls(context, load_live_config(), RasaBridge.from_environment(rasa_url))

    @property
    def engine(self) -> Any:
        return self.context.engine

    # ----- who is acting ------------------------------------------------------------

    async def operator(self, account: Operator) -> LiveOperator:
        """The acting operator with the first name visitors see."""
        return await asyncio.to_thread(self._operator, account)

    def _operator(self, account: Operator) -> LiveOperator:
        with self.engine.connect() as connection:
            name = connection.execute(select(presence.c.display_name)
                                      .where(presence.c.operator_id == account.id)).scalar()
        return LiveOperator(account.id, account.email, account.role == "admin",
                            name or first_name(account.email))

    async def set_available(self, account: Operator, available: bool,
                            name: str | None = None) -> bool:
        operator = await self.operator(account)
        if name is not None:
            cleaned = clean_name(name)
            if not cleaned:
                raise LiveRequestError("bad_name", "name must hold at least one letter")
            operator = LiveOperator(operator.id, operator.email, operator.is_admin, cleaned)
        await asyncio.to_thread(set_availability, self.engine, operator, available, _now())
        return available

    async def heartbeat(self, account: Operator) -> bool:
        """The operator's live page is open; True while they count as available."""
        now = _now()
        await asyncio.to_thread(seen, self.engine, await self.operator(account), now)
        return await asyncio.to_thread(is_available, self.engine, account.id, now,
                                       self.config.idle_after)

    # ----- the queue ----------------------------------------------------------------

    async def handoffs(self) -> list[Handoff]:
        return await asyncio.to_thread(list_handoffs, self.engine, _now() - ENDED_SHOWN)

    async def transcript(self, conversation_id: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(transcript_view, self.context, conversation_id)

    # ----- claiming, writing, handing back -----------------------------------------

    async def claim(self, account: Operator, conversation_id: str) -> Handoff:
        operator = await self.operator(account)
        await asyncio.to_thread(seen, self.engine, operator, _now())
        before, after = await asyncio.to_thread(claim, self.engine, conversation_id,
                                                operator, _now())
        if before == after:
            return after
        try:
            await self._deliver(after, [bot_event(live_text("claimed", name=operator.name),
                                                  operator=_author(operator)),
                                        slot_event(HANDOFF_SLOT, ACTIVE)])
        except BridgeError:
            # Claimed but not announced: claiming again would change nothing and so never
            # tell the visitor, and the bot would stay silent for them meanwhile.
            await asyncio.to_thread(undo_claim, self.engine, before, operator)
            raise
        taken_over = before.status == ACTIVE
        await asyncio.to_thread(
            record, self.engine, operator.email, "handoff_claimed", conversation_id,
            f"overgenomen van {before.operator_email}" if taken_over else None)
        return after

    async def send(self, account: Operator, conversation_id: str, text: Any) -> Handoff:
        if not isinstance(text, str) or not text.strip():
            raise LiveRequestError("empty_message", "text must be a non-empty string")
        text = text.strip()
        if len(text) > self.config.max_message_chars:
            raise LiveRequestError(
                "message_too_long",
                f"text is at most {self.config.max_message_chars} characters")
        operator = await self.operator(account)
        await asyncio.to_thread(seen, self.engine, operator, _now())
        handoff = await asyncio.to_thread(held, self.engine, conversation_id, operator)
        if handoff.channel == "whatsapp" and not await asyncio.to_thread(
                _within_whatsapp_window, self.engine, conversation_id):
            raise HandoffError(
                "outside_whatsapp_window",
                "The visitor's last WhatsApp message is more than 24 hours old; WhatsApp "
                "allows only approved templates now, so the message was not sent.")
        await self._deliver(handoff, [bot_event(text, operator=_author(operator))])
        return handoff

    async def release(self, account: Operator, conversation_id: str) -> Handoff:
        operator = await self.operator(account)
        ended = await asyncio.to_thread(release, self.engine, conversation_id, operator,
                                        _now())
        await asyncio.to_thread(record, self.engine, operator.email, "handoff_released",
                                conversation_id, None)
        await self._deliver(ended, _hand_back_events(ended.operator_name or operator.name,
                                                     _author(operator)))
        return ended

    async def sweep(self) -> list[Handoff]:
        """Withdraw waiting hand-offs nobody claimed in time; offer their visitors the
        call-back form."""
        withdrawn = await asyncio.to_thread(withdraw_expired, self.engine, _now(),
                                            self.config.claim_timeout)
        for handoff in withdrawn:
            await asyncio.to_thread(record, self.engine, "system", "handoff_withdrawn",
                                    handoff.conversation_id, None)
            try:
                await self._deliver(handoff, [
                    bot_event(live_text("withdrawn"), buttons=live_buttons("withdrawn_buttons")),
                    slot_event(HANDOFF_SLOT, None),
                ])
            except BridgeError as error:
                logger.error("A withdrawn hand-off could not be told to its visitor: %s", error)
        return withdrawn

    async def release_abandoned(self) -> list[Handoff]:
        """Hand back the conversations whose operator's console has been gone for
        ``idle_after``; the visitor is told the assistant takes over."""
        closed = await asyncio.to_thread(release_abandoned, self.engine, _now(),
                                         self.config.idle_after)
        for handoff in closed:
            await asyncio.to_thread(record, self.engine, "system", "handoff_released",
                                    handoff.conversation_id, "medewerker niet meer actief")
            try:
                await self._deliver(handoff, _hand_back_events(
                    handoff.operator_name or "De adviseur", None))
            except BridgeError as error:
                logger.error("A released hand-off could not be told to its visitor: %s", error)
        return closed

    async def _deliver(self, handoff: Handoff, events: list[dict[str, Any]]) -> None:
        await self.bridge.append(handoff.conversation_id, handoff.channel, events)


def _hand_back_events(name: str, author: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        bot_event(live_text("released", name=name), operator=author),
        slot_event(HANDOFF_SLOT, "closed"),
        # The assistant starts afresh: no form question left half-asked.
        {"event": "active_loop", "name": None},
        slot_event("requested_slot", None),
    ]


def _author(operator: LiveOperator) -> dict[str, Any]:
    """Who wrote an operator message, as stored in the tracker (no e-mail address)."""
    return {"id": operator.id, "name": operator.name}


def _within_whatsapp_window(engine: Any, conversation_id: str) -> bool:
    try:
        return within_window(engine, conversation_id)
    except Exception:  # no WhatsApp tables: no message was ever received
        return False


def _now() -> datetime:
    return datetime.now(timezone.utc)
