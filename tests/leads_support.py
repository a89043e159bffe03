"""Shared by the leads tests: lead drafts and a real local webhook receiver."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.engine import Engine

from cyberbot.leads.delivery import verify_signature
from cyberbot.leads.dispatch import dispatch_new_leads
from cyberbot.leads.handoff_config import HandoffConfig, WebhookConfig
from cyberbot.leads.store import LeadDraft, StoredLead, submit_lead

SECRET = "test-secret-0123456789abcdef"
PROFILE = {
    "sector": "detailhandel",
    "employees": 12.0,
    "revenue": 1_250_000.0,
    "usa_canada": False,
    "personal_data": True,
    "online_sales": True,
    "priority": "incident_help",
}


def make_draft(**changes: Any) -> LeadDraft:
    draft = LeadDraft(
        kind="quote",
        conversation_id="conv-jan",
        channel="rest",
        contact_name="Jan de Vries",
        contact_email="jan@pixelwerk.nl",
        contact_phone="+31612345678",
        company_name="Pixelwerk",
        preferred_insurer="hiscox",
        callback_moment=None,
        profile=dict(PROFILE),
        recommendation=["hiscox", "aig", "chubb"],
    )
    return replace(draft, **changes)


def queue_lead(engine: Engine, draft: LeadDraft, destinations: Sequence[str],
               now: datetime | None = None) -> StoredLead:
    """A lead as the action server stores it, dispatched to ``destinations`` as the
    outbox worker's round does first."""
    stored = submit_lead(engine, draft, now=now)
    dispatch_new_leads(engine, destinations, now=now)
    return stored


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Request:
    delivery_id: str
    timestamp: str
    signature: str
    body: bytes


@dataclass
class WebhookReceiver:
    """An aiohttp server in its own thread, the way a CRM would receive leads.

    Modes: "up" answers 200, "503" answers 503, "slow" processes the lead but answers
    only after ``slow_seconds`` (the sender times out: its 2xx is lost). ``down()``
    stops listening altogether. Like a careful receiver it checks the signature and
    processes each X-Cyberbot-Delivery once.
    """

    port: int = field(default_factory=free_port)
    mode: str = "up"
    slow_seconds: float = 1.0
    requests: list[Request] = field(default_factory=list)
    processed: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/leads"

    def config(self, timeout: float = 5.0, max_attempts: int = 12) -> HandoffConfig:
        return HandoffConfig(
            webhook=WebhookConfig(url=self.url, secret=SECRET, timeout_seconds=timeout),
            max_attempts=max_attempts,
        )

    def up(self) -> None:
        self.mode = "up"
        if self.runner is None:
            asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def down(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
            self.runner = None

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/leads", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        seen = Request(
            delivery_id=request.headers["X-Cyberbot-Delivery"],
            timestamp=request.headers["X-Cyberbot-Timestamp"],
            signature=request.headers["X-Cyberbot-Signature"],
            body=body,
        )
        self.requests.append(seen)
        if not verify_signature(SECRET, seen.timestamp, body, seen.signature):
            self.bad_signatures += 1
            return web.Response(status=401)
        if self.mode == "503":
            return web.Response(status=503)
        if seen.delivery_id not in self.processed:
            self.processed[seen.delivery_id] += 1
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        return web.Response(status=200)

    def attempts(self, delivery_id: str) -> int:
        return sum(1 for request in self.requests if request.delivery_id == delivery_id)


@contextmanager
def webhook_receiver(listening: bool = True) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    thread = threading.Thread(target=receiver.loop.run_forever, daemon=True)
    thread.start()
    try:
        if listening:
            receiver.up()
        yield receiver
    finally:
        receiver.down()
        receiver.loop.call_soon_threadsafe(receiver.loop.stop)
        thread.join(10)
        receiver.loop.close()
