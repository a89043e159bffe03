"""The ``whatsapp`` input channel: Meta's WhatsApp Business Cloud API webhook.

Registered in credentials.yml as ``cyberbot.channels.whatsapp.channel.WhatsAppInput``;
Rasa serves it on ``/webhooks/whatsapp/webhook``.

- GET answers Meta's verification only with the right verify token.
- POST is processed only with a valid ``X-Hub-Signature-256``. Each message is recorded
  in the inbox (its id is the de-duplication key, kept in the database, so that Meta's
  retries never produce a second answer, also after a restart or on another replica),
  the request is acknowledged at once, and the messages are handled in the background.
  A message whose handling was interrupted (a crash, a restart) is taken up again by the
  recovery loop, because Meta does not resend what was acknowledged.
- Status callbacks are recorded; failures are logged with Meta's error.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from cyberbot.channels.admission import abuse_limits, over_limit, too_long
from cyberbot.channels.guard import conversation_ref, never_silent
from cyberbot.channels.whatsapp.config import ConfigError, WhatsAppConfig
from cyberbot.channels.whatsapp.graph_client import GraphClient, GraphError
from cyberbot.channels.whatsapp.inbound import InboundMessage, StatusUpdate, parse_webhook
from cyberbot.channels.whatsapp.outbound import (
    empty_reply,
    notice_reply,
    read_receipt,
    unsupported_reply,
)
from cyberbot.channels.whatsapp.output import WhatsAppOutput
from cyberbot.channels.whatsapp.signature import signature_valid, verification_challenge
from cyberbot.channels.whatsapp.store import (
    attempts,
    claim,
    get_whatsapp_engine,
    mark_done,
    mark_failed,
    pending_ids,
    record_inbound,
    record_status,
)
from cyberbot.live.gate import live_gate
from cyberbot.security.settings import settings

logger = logging.getLogger(__name__)

# How often the recovery loop looks for messages whose handling was interrupted, and
# how old such a message must be (younger ones are still being handled).
RECOVERY_INTERVAL_SECONDS = 30.0
RECOVERY_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 3
MAX_BODY_BYTES = 1_000_000

# Not messages to answer: an emoji reaction to one of ours, a notice such as a number change.
SILENT_TYPES = frozenset({"reaction", "system"})

MessageHandler = Callable[[UserMessage], Awaitable[Any]]


def log_id(message_id: str) -> str:
    """A message id fit for logs: Meta's ids encode the user's phone number."""
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:12]


class WhatsAppInput(InputChannel):
    def __init__(
        self, config: WhatsAppConfig | None, apology: str, engine: Engine | None = None
    ) -> None:
        # None: not configured; the webhook then answers 503 and nothing is sent.
        self._config = config
        self.apology = apology
        self._engine = engine
        self._client: GraphClient | None = None
        # One owner name per process, for the inbox leases.
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        apology = credentials.get("apology")
        if not apology:
            raise ValueError("The whatsapp channel needs an 'apology' text in credentials.yml.")
        try:
            config: WhatsAppConfig | None = WhatsAppConfig.from_credentials(
                credentials, os.environ
            )
        except ConfigError as problem:
            logger.warning("WhatsApp channel not configured, its webhook answers 503: %s",
                           problem)
            config = None
        return cls(config, str(apology))

    @property
    def config(self) -> WhatsAppConfig:
        if self._config is None:
            raise RuntimeError("the WhatsApp channel is not configured")
        return self._config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = get_whatsapp_engine()
        return self._engine

    @property
    def client(self) -> GraphClient:
        if self._client is None:
            self._client = GraphClient(
                self.config.messages_url,
                self.config.access_token,
                timeout_seconds=self.config.request_timeout_seconds,
                max_attempts=self.config.max_attempts,
            )
        return self._client

    def get_output_channel(self) -> OutputChannel | None:
        """For messages Rasa sends on its own (HTTP API, reminders): no message to answer."""
        if self._config is None:
            return None
        return WhatsAppOutput(self.client, self.config, self.engine)

    def blueprint(self, on_new_message: MessageHandler) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)
        handler = live_gate(never_silent(on_new_message, self.apology))

        @webhook.middleware("request")
        async def configured(request: Request) -> HTTPResponse | None:
            if self._config is None:
                return response.text("WhatsApp is not configured on this server.", status=503)
            return None

        @webhook.listener("after_server_start")
        async def start_recovery(app: Any, _loop: Any) -> None:
            if self._config is not None:
                self._spawn(self._recover_forever(handler))

        @webhook.listener("before_server_stop")
        async def stop(app: Any, _loop: Any) -> None:
            for task in list(self._tasks):
                task.cancel()
            if self._client is not None:
                await self._client.close()

        @webhook.get("/")
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.get("/webhook")
        async def verify(request: Request) -> HTTPResponse:
            args = {name: request.args.get(name) or "" for name in request.args}
            challenge = verification_challenge(args, self.config.verify_token)
            if challenge is None:
                logger.warning("WhatsApp webhook verification refused")
                return response.text("Forbidden", status=403)
            return response.text(challenge)

        @webhook.post("/webhook")
        async def receive(request: Request) -> HTTPResponse:
            raw = request.body or b""
            if len(raw) > MAX_BODY_BYTES:
                return response.text("Payload too large", status=413)
            if not signature_valid(self.config.app_secret, raw,
                                   request.headers.get("x-hub-signature-256")):
                logger.warning("WhatsApp webhook call with a missing or wrong signature refused")
                return response.text("Forbidden", status=403)
            try:
                body = json.loads(raw)
            except ValueError:
                logger.warning("WhatsApp webhook call with a body that is not JSON refused")
                return response.text("Malformed JSON", status=400)
            delivery = parse_webhook(body)
            for problem in delivery.problems:
                logger.warning("WhatsApp webhook: %s", problem)
            await asyncio.to_thread(self._record_statuses, delivery.statuses)
            fresh = [message for message in delivery.messages
                     if await asyncio.to_thread(self._record, message)]
            duplicates = len(delivery.messages) - len(fresh)
            if duplicates:
                logger.info("WhatsApp: %d message(s) delivered again, ignored", duplicates)
            if fresh:
                self._spawn(self._handle_all(fresh, handler))
            return response.text("OK")

        return webhook

    # ----- handling messages --------------------------------------------------------

    def _record(self, message: InboundMessage) -> bool:
        return record_inbound(self.engine, message.message_id, message.sender,
                              message.timestamp, message_payload(message))

    async def _handle_all(self, messages: list[InboundMessage], handler: MessageHandler) -> None:
        """One batch in order: messages of one sender must be answered in sequence."""
        for message in messages:
            await self._handle(message, handler)

    async def _handle(self, message: InboundMessage, handler: MessageHandler) -> None:
        payload = await asyncio.to_thread(claim, self.engine, message.message_id, self.owner)
        if payload is None:
            return  # another process handles it, or it is done
        await self._handle_claimed(message, handler)

    async def _handle_claimed(self, message: InboundMessage, handler: MessageHandler) -> None:
        """Answer a message this process has claimed; give up after MAX_ATTEMPTS."""
        try:
            await self._answer(message, handler)
        except Exception:
            tries = await asyncio.to_thread(attempts, self.engine, message.message_id)
            logger.exception("WhatsApp message %s could not be handled (attempt %d of %d)",
                             log_id(message.message_id), tries, MAX_ATTEMPTS)
            if tries >= MAX_ATTEMPTS:
                await asyncio.to_thread(mark_failed, self.engine, message.message_id,
                                        "handling failed")
            return
        await asyncio.to_thread(mark_done, self.engine, message.message_id)

    async def _answer(self, message: InboundMessage, handler: MessageHandler) -> None:
        if message.kind == "unsupported" and message.original_type in SILENT_TYPES:
            return
        await self._send_quietly(read_receipt(message.message_id, typing=True))
        output = WhatsAppOutput(self.client, self.config, self.engine)
        if message.kind == "unsupported":
            await output.send_body(message.sender, unsupported_reply(message.sender))
            return
        if message.kind == "text" and not message.text.strip():
            await output.send_body(message.sender, empty_reply(message.sender))
            return
        verdict = too_long(message.text, settings()) or await over_limit(
            abuse_limits(), self.name(), message.sender, None
        )
        if verdict is not None:
            logger.info("WhatsApp message of conversation %s refused: %s",
                        conversation_ref(message.sender), verdict.reason)
            if verdict.first:  # one notice per limit window: each message costs the site
                await output.send_body(message.sender, notice_reply(message.sender, verdict.reply))
            return
        await handler(
            UserMessage(
                message.text,
                output,
                sender_id=message.sender,
                input_channel=self.name(),
                message_id=message.message_id,
                metadata={"whatsapp": {"kind": message.kind, "title": message.title}},
            )
        )

    async def _send_quietly(self, body: dict[str, Any]) -> None:
        """Read receipts and typing indicators are courtesies: a failure is only logged."""
        try:
            await self.client.send(body)
        except GraphError as error:
            logger.info("WhatsApp read receipt not sent: %s", error)

    def _record_statuses(self, statuses: tuple[StatusUpdate, ...]) -> None:
        for status in statuses:
            first = status.errors[0] if status.errors else None
            # Meta's message ids encode the phone number: only a hash is kept.
            record_status(self.engine, log_id(status.message_id), status.status,
                          status.timestamp,
                          error_code=first.code if first else None,
                          error_title=first.title if first else None)
            if status.status == "failed":
                logger.error(
                    "WhatsApp message %s failed: %s",
                    log_id(status.message_id),
                    "; ".join(f"{e.code} {e.title}: {e.details or e.message}"
                              for e in status.errors) or "no error given",
                )

    # ----- recovery -------------------------------------------------------------------

    async def _recover_forever(self, handler: MessageHandler) -> None:
        while True:
            try:
                await self.recover(handler)
            except Exception:
                logger.exception("WhatsApp recovery round failed; trying again later")
            await asyncio.sleep(RECOVERY_INTERVAL_SECONDS)

    async def recover(self, handler: MessageHandler) -> int:
        """Handle messages whose handling was interrupted; returns how many were tried."""
        ids = await asyncio.to_thread(pending_ids, self.engine, RECOVERY_AFTER)
        for message_id in ids:
            payload = await asyncio.to_thread(claim, self.engine, message_id, self.owner)
            if payload is not None:
                await self._handle_claimed(message_from_payload(payload), handler)
        return len(ids)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def message_payload(message: InboundMessage) -> dict[str, Any]:
    """What the inbox keeps to handle a message again after a restart."""
    return {
        "message_id": message.message_id,
        "sender": message.sender,
        "timestamp": message.timestamp.isoformat(),
        "kind": message.kind,
        "text": message.text,
        "title": message.title,
        "original_type": message.original_type,
    }


def message_from_payload(payload: dict[str, Any]) -> InboundMessage:
    return InboundMessage(
        message_id=payload["message_id"],
        sender=payload["sender"],
        timestamp=datetime.fromisoformat(payload["timestamp"]),
        kind=payload["kind"],
        text=payload["text"],
        title=payload.get("title"),
        original_type=payload.get("original_type", payload["kind"]),
        phone_number_id=None,
        profile_name=None,
    )
