"""Live chat in the console (page, page JSON and API) through Sanic's test client; Rasa
is replaced by a recording bridge, so every event that would reach a visitor is seen."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sqlalchemy import select, update

from cyberbot.channels.whatsapp.store import get_whatsapp_engine, record_inbound
from cyberbot.console.live import LiveChat
from cyberbot.console.models import audit_log
from cyberbot.live.config import live_text
from cyberbot.live.models import get_live_engine, handoffs, presence
from cyberbot.live.rasa_bridge import BridgeError
from cyberbot.live.store import request_handoff
from tests.console.console_client import Browser, Console, make_console

pytestmark = pytest.mark.usefixtures("cheap_hashing")
EVA = "eva@voorbeeld.nl"
SAM = "sam@voorbeeld.nl"
ADMIN = "beheer@voorbeeld.nl"


class RecordingBridge:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, list[dict[str, Any]]]] = []
        self.fail = False

    async def append(self, conversation_id: str, channel: str,
                     events: list[dict[str, Any]]) -> None:
        if self.fail:
            raise BridgeError("Rasa is unreachable (ClientConnectorError)")
        self.sent.append((conversation_id, channel, list(events)))


@pytest.fixture()
def console(tmp_path: Path) -> Console:
    console = make_console(tmp_path)
    for email, role in ((EVA, "operator"), (SAM, "operator"), (ADMIN, "admin")):
        console.add(email, role)
    return console


@pytest.fixture()
def bridge(console: Console) -> RecordingBridge:
    recording = RecordingBridge()
    console.app.ctx.live_chat.bridge = recording
    return recording


def live(console: Console) -> LiveChat:
    chat: LiveChat = console.app.ctx.live_chat
    return chat


def waiting(console: Console, conversation_id: str, channel: str = "socketio",
            minutes_ago: float = 0) -> None:
    get_live_engine(str(console.engine.url))
    request_handoff(console.engine, conversation_id, channel,
                    datetime.now(timezone.utc) - timedelta(minutes=minutes_ago))


def call(console: Console, method: str, path: str, token: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    extra = {} if body is None else {
        "content": body if isinstance(body, str) else json.dumps(body)}
    _, response = getattr(console.app.test_client, method)(
        f"/operator/api{path}", headers=headers, **extra)
    return response


def test_the_live_page_needs_a_login_and_may_run_only_its_own_script(console: Console) -> None:
    browser = Browser(console.app)
    assert browser.get("/operator/live/").status == 302
    browser.login(EVA)
    page = browser.get("/operator/live/")
    assert page.status == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/operator/live/live.js">' in page.text
    script = browser.get("/operator/live/live.js")
    assert script.status == 200 and "textContent" in script.text
    assert "innerHTML" not in script.text
    # The other pages still run no script at all.
    assert "script-src" not in browser.get("/operator/conversations").headers[
        "content-security-policy"]


def test_availability_on_the_page_needs_the_csrf_token(console: Console, bridge: RecordingBridge
                                                       ) -> None:
    browser = Browser(console.app)
    browser.login(EVA)
    browser.get("/operator/live/")
    assert browser.post("/operator/live/availability", {"available": "true"},
                        csrf=False).status == 403
    made = browser.post("/operator/live/availability", {"available": "true"})
    assert made.status == 200 and made.json == {"available": True, "name": "Eva"}
    state = browser.get("/operator/live/state").json
    assert state["me"]["available"] is True and state["items"] == []


def test_the_api_claims_writes_and_releases(console: Console, bridge: RecordingBridge) -> None:
    eva, sam = console.token(EVA), console.token(SAM)
    assert call(console, "put", "/me/availability", eva, {"available": True}).json == {
        "available": True, "name": "Eva"}
    waiting(console, "web-abc")
    listed = call(console, "get", "/handoffs", eva).json["items"]
    assert [(i["conversation_id"], i["channel"], i["status"], i["operator"]) for i in listed] \
        == [("web-abc", "socketio", "waiting", None)]

    claimed = call(console, "post", "/handoffs/web-abc/claim", eva)
    assert claimed.status == 200 and claimed.json["status"] == "active"
    conversation, channel, events = bridge.sent[-1]
    assert (conversation, channel) == ("web-abc", "socketio")
    assert events[0] == {"event": "bot", "text": live_text("claimed", name="Eva"),
                         "metadata": {"operator": {"id": events[0]["metadata"]["operator"]["id"],
                                                   "name": "Eva"}}}
    assert events[1] == {"event": "slot", "name": "handoff", "value": "active"}

    assert call(console, "post", "/handoffs/web-abc/claim", sam).status == 409
    assert call(console, "post", "/handoffs/web-abc/messages", sam, {"text": "hoi"}
                ).json["error"] == "held_by_another_operator"
    sent = call(console, "post", "/handoffs/web-abc/messages", eva, {"text": "  Goedemiddag!  "})
    assert sent.status == 200
    assert bridge.sent[-1][2][0]["text"] == "Goedemiddag!"
    for body, code in (("{not json", "bad_json"), ([1, 2], "bad_json"),
                       ({"text": ""}, "empty_message"), ({"text": 7}, "empty_message"),
                       ({"text": "x" * 2001}, "message_too_long")):
        refused = call(console, "post", "/handoffs/web-abc/messages", eva, body)
        assert (refused.status, refused.json["error"]) == (400, code), body
    too_big = call(console, "post", "/handoffs/web-abc/messages", eva, {"text": "x" * 20000})
    assert too_big.status == 413

    released = call(console, "post", "/handoffs/web-abc/release", eva)
    assert released.json["status"] == "closed"
    events = bridge.sent[-1][2]
    assert events[0]["text"] == live_text("released", name="Eva")
    assert {"event": "active_loop", "name": None} in events
    assert call(console, "post", "/handoffs/web-abc/release", eva).json["error"] == "handoff_ended"
    assert call(console, "post", "/handoffs/web-zzz/claim", eva).status == 404

    with console.engine.connect() as connection:
        actions = [row.action for row in connection.execute(
            select(audit_log.c.action).where(audit_log.c.target == "web-abc"))]
    assert actions == ["handoff_claimed", "handoff_released"]


def test_an_unreachable_rasa_is_a_clear_502(console: Console, bridge: RecordingBridge) -> None:
    waiting(console, "web-down")
    bridge.fail = True
    refused = call(console, "post", "/handoffs/web-down/claim", console.token(EVA))
    assert refused.status == 502 and refused.json["error"] == "rasa_unreachable"
    # Not claimed: the visitor was not told, and trying again tells them.
    listed = call(console, "get", "/handoffs", console.token(EVA)).json["items"]
    assert [(i["status"], i["operator"]) for i in listed] == [("waiting", None)]
    bridge.fail = False
    claimed = call(console, "post", "/handoffs/web-down/claim", console.token(EVA))
    assert claimed.status == 200 and claimed.json["status"] == "active"
    assert bridge.sent[-1][2][0]["text"] == live_text("claimed", name="Eva")


def test_the_api_refuses_bad_availability_and_strangers(console: Console) -> None:
    eva = console.token(EVA)
    assert call(console, "put", "/me/availability", eva, {"available": "yes"}).status == 400
    assert call(console, "put", "/me/availability", eva, {"available": True, "name": 3}
                ).status == 400
    assert call(console, "put", "/me/availability", eva,
                {"available": True, "name": "\n\t"}).json["error"] == "bad_name"
    assert call(console, "get", "/handoffs", "cbo_wrong").status == 401


def test_a_named_availability_names_the_operator_to_the_visitor(
    console: Console, bridge: RecordingBridge
) -> None:
    eva = console.token(EVA)
    call(console, "put", "/me/availability", eva, {"available": True, "name": "Eva de Vries"})
    waiting(console, "web-named")
    call(console, "post", "/handoffs/web-named/claim", eva)
    assert bridge.sent[-1][2][0]["text"] == live_text("claimed", name="Eva de Vries")


def test_outside_the_whatsapp_window_nothing_is_sent(
    console: Console, bridge: RecordingBridge
) -> None:
    eva = console.token(EVA)
    waiting(console, "31612345678", channel="whatsapp")
    call(console, "post", "/handoffs/31612345678/claim", eva)
    before = len(bridge.sent)
    refused = call(console, "post", "/handoffs/31612345678/messages", eva, {"text": "Hallo"})
    assert refused.status == 409 and refused.json["error"] == "outside_whatsapp_window"
    assert len(bridge.sent) == before
    get_whatsapp_engine(str(console.engine.url))
    record_inbound(console.engine, "wamid.1", "31612345678", datetime.now(timezone.utc), {})
    assert call(console, "post", "/handoffs/31612345678/messages", eva, {"text": "Hallo"}
                ).status == 200


@pytest.mark.asyncio
async def test_an_unclaimed_request_is_withdrawn_once_with_the_call_back_offered(
    console: Console, bridge: RecordingBridge
) -> None:
    waiting(console, "web-slow", minutes_ago=4)
    waiting(console, "web-fresh")
    withdrawn = await live(console).sweep()
    assert [h.conversation_id for h in withdrawn] == ["web-slow"]
    assert await live(console).sweep() == []
    conversation, _, events = bridge.sent[-1]
    assert conversation == "web-slow"
    assert events[0]["text"] == live_text("withdrawn")
    assert [b["payload"] for b in events[0]["data"]["buttons"]] == ["/request_human", "/deny"]
    assert events[1] == {"event": "slot", "name": "handoff", "value": None}


def test_a_conversation_left_by_its_operator_goes_back_to_the_bot(
    console: Console, bridge: RecordingBridge
) -> None:
    waiting(console, "web-left", minutes_ago=30)
    call(console, "post", "/handoffs/web-left/claim", console.token(EVA))
    # Eva's console was last seen when she claimed it; 11 minutes later she is gone.
    with console.engine.begin() as connection:
        connection.execute(update(presence).values(
            seen_at=datetime.now(timezone.utc) - timedelta(minutes=11)))
        connection.execute(update(handoffs).values(
            claimed_at=datetime.now(timezone.utc) - timedelta(minutes=11)))
    closed = asyncio.run(live(console).release_abandoned())
    assert [h.conversation_id for h in closed] == ["web-left"]
    events = bridge.sent[-1][2]
    assert events[0] == {"event": "bot", "text": live_text("released", name="Eva")}
    assert {"event": "active_loop", "name": None} in events


def test_the_live_page_shows_the_conversation_the_profile_and_the_advice(
    console: Console, bridge: RecordingBridge
) -> None:
    console.record("web-profile", [event.as_dict() for event in (
        UserUttered("Ik heb een webshop met 5 medewerkers", timestamp=1795000000),
        SlotSet("sector", "detailhandel"), SlotSet("employees", 5), SlotSet("country", "be"),
        SlotSet("recommended_insurers", ["hiscox", "aig", "chubb"]),
        BotUttered("U chat nu met Eva, adviseur.", metadata={"operator": {"name": "Eva"}}),
        UserUttered("<b>Dag</b> Eva"),
    )])
    waiting(console, "web-profile")
    browser = Browser(console.app)
    browser.login(EVA)
    state = browser.get("/operator/live/state?c=web-profile").json
    conversation = state["conversation"]
    assert [(e["who"], e["name"], e["text"]) for e in conversation["entries"]] == [
        ("visitor", None, "Ik heb een webshop met 5 medewerkers"),
        ("operator", "Eva", "U chat nu met Eva, adviseur."),
        ("visitor", None, "<b>Dag</b> Eva"),  # text: live.js writes it with textContent
    ]
    profile = dict(conversation["profile"])
    assert profile["Aantal medewerkers"] == "5" and profile["Land"] == "België"
    assert profile["Sector"] == "Detailhandel en webwinkels"
    assert conversation["recommendation"] == ["Hiscox", "AIG", "Chubb"]
    assert [item["conversation_id"] for item in state["items"]] == ["web-profile"]
