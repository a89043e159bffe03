"""The WhatsApp channel end to end: Meta's webhook calls, signed like Meta signs them, to
the real Rasa server, whose answers go to a fake Graph API on loopback.

The payloads are the documented Cloud API shapes (tests/whatsapp/payloads.py).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, func, select, update

from cyberbot.channels.whatsapp.signature import sign
from cyberbot.channels.whatsapp.store import conversations as whatsapp_conversations
from cyberbot.channels.whatsapp.store import inbox
from tests.e2e.servers import ROOT, BotServers
from tests.whatsapp import payloads
from tests.whatsapp.fake_graph import FakeGraphAPI
from tests.whatsapp.settings import APP_SECRET, VERIFY_TOKEN

pytestmark = pytest.mark.e2e
TRANSCRIPT: list[str] = []
TRANSCRIPTS = ROOT / "results" / "transcripts"
ANSWER_TIMEOUT = 60.0


def new_user() -> str:
    """A Dutch mobile number as WhatsApp gives it (wa_id: digits, no "+")."""
    return "316" + "".join(secrets.choice("0123456789") for _ in range(8))


def deliver(bot: BotServers, body: Any, *, signature: str | None = "valid") -> requests.Response:
    raw = json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        headers["X-Hub-Signature-256"] = sign(APP_SECRET, raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(f"{bot.url}/webhooks/whatsapp/webhook", data=raw, headers=headers,
                         timeout=30)


def answers(graph: FakeGraphAPI, user: str, at_least: int = 1) -> list[dict[str, Any]]:
    graph.wait_for(lambda: len(graph.sent_to(user)) >= at_least, timeout=ANSWER_TIMEOUT)
    return graph.sent_to(user)


def settled(bot: BotServers, graph: FakeGraphAPI, user: str,
            at_least: int = 1) -> list[dict[str, Any]]:
    """The answers once the channel has handled every message of ``user``: it marks a
    message done only after its answers went out, so nothing more is on its way."""
    engine = create_engine(bot.database_url, future=True)
    try:
        def handled() -> bool:
            with engine.connect() as connection:
                pending = connection.execute(
                    select(func.count()).select_from(inbox).where(
                        inbox.c.conversation_id == user, inbox.c.status == "pending")
                ).scalar_one()
            return pending == 0 and len(graph.sent_to(user)) >= at_least

        graph.wait_for(handled, timeout=ANSWER_TIMEOUT)
    finally:
        engine.dispose()
    return graph.sent_to(user)


def text_of(body: dict[str, Any]) -> str:
    if body["type"] == "text":
        return str(body["text"]["body"])
    if body["type"] == "interactive":
        return str(body["interactive"]["body"]["text"])
    return ""


def say(bot: BotServers, graph: FakeGraphAPI, user: str, body: Any) -> list[dict[str, Any]]:
    """Deliver one webhook call and return the new answers, once they have all arrived."""
    before = len(graph.sent_to(user))
    assert deliver(bot, body).status_code == 200
    sent = settled(bot, graph, user, before + 1)[before:]
    TRANSCRIPT.append(f"**Gebruiker** ({describe_inbound(body)})")
    TRANSCRIPT.extend(f"**Bot** ({describe_outbound(answer)})" for answer in sent)
    return sent


def describe_inbound(body: Any) -> str:
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    if message["type"] == "text":
        return f"text: {message['text']['body']}"
    if message["type"] == "interactive":
        kind = message["interactive"]["type"]
        reply = message["interactive"][kind]
        return f"{kind}: id {reply['id']!r}, title {reply['title']!r}"
    return str(message["type"])


def describe_outbound(body: dict[str, Any]) -> str:
    if body["type"] == "interactive":
        interactive = body["interactive"]
        if interactive["type"] == "button":
            options = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
        else:
            options = [row["title"] for section in interactive["action"]["sections"]
                       for row in section["rows"]]
        return f"{interactive['type']} {options}: {text_of(body)}"
    return f"{body['type']}: {text_of(body)}"


# ----- verification and signatures -----------------------------------------------------


def test_verification_echoes_the_challenge_only_with_the_right_token(bot: BotServers) -> None:
    url = f"{bot.url}/webhooks/whatsapp/webhook"
    ok = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                   "hub.challenge": "1158201444"}, timeout=30)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ):
        assert requests.get(url, params=params, timeout=30).status_code == 403


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_a_bad_or_missing_signature_is_refused_and_not_answered(
    bot: BotServers, graph: FakeGraphAPI, signature: str | None
) -> None:
    user = new_user()
    reply = deliver(bot, payloads.text_webhook("Wat kost het?", sender=user),
                    signature=signature)
    assert reply.status_code == 403
    # Refused before anything was stored: no message of the user to handle, no answer.
    assert settled(bot, graph, user, at_least=0) == []


def test_a_signed_body_that_is_not_json_is_refused(bot: BotServers) -> None:
    raw = b"{not json"
    reply = requests.post(f"{bot.url}/webhooks/whatsapp/webhook", data=raw,
                          headers={"X-Hub-Signature-256": sign(APP_SECRET, raw)}, timeout=30)
    assert reply.status_code == 400


# ----- messages -------------------------------------------------------------------------


def test_an_faq_question_in_dutch_gets_the_right_answer(
    bot: BotServers, graph: FakeGraphAPI
) -> None:
    user = new_user()
    sent = say(bot, graph, user, payloads.text_webhook("Is een cyberverzekering verplicht?",
                                                       sender=user))
    assert "niet verplicht" in text_of(sent[0])
    assert "**" not in text_of(sent[0])  # Markdown converted to WhatsApp's *bold*
    receipts = [r for r in graph.read_receipts() if r.get("typing_indicator")]
    assert receipts, "no read receipt with typing indicator"


def test_a_batch_of_two_messages_gets_two_answers(bot: BotServers, graph: FakeGraphAPI) -> None:
    first, second = new_user(), new_user()
    batch = payloads.batch_webhook(
        payloads.text_webhook("Wat kost een cyberverzekering?", sender=first),
        payloads.text_webhook("Is een cyberverzekering verplicht?", sender=second),
    )
    assert deliver(bot, batch).status_code == 200
    assert "premie" in text_of(answers(graph, first)[0]).lower()
    assert "verplicht" in text_of(answers(graph, second)[0])


def test_a_message_delivered_three_times_is_answered_once_also_after_a_restart(
    bot: BotServers, graph: FakeGraphAPI
) -> None:
    user = new_user()
    body = payloads.text_webhook("Wat dekt een cyberverzekering?", sender=user,
                                 message_id=payloads.new_message_id())
    assert deliver(bot, body).status_code == 200
    once = settled(bot, graph, user)
    # A known message id is recognised before the webhook answers: nothing is queued.
    for _ in range(2):
        assert deliver(bot, body).status_code == 200
    assert settled(bot, graph, user) == once

    bot.stop_rasa()
    bot.start_rasa()
    assert deliver(bot, body).status_code == 200
    assert settled(bot, graph, user) == once


def test_an_image_gets_the_friendly_text_only_reply(bot: BotServers, graph: FakeGraphAPI) -> None:
    user = new_user()
    sent = say(bot, graph, user, payloads.webhook(payloads.image_message(sender=user)))
    assert len(sent) == 1
    assert "alleen tekst" in text_of(sent[0])


def test_graph_answering_500_then_200_delivers_once(bot: BotServers, graph: FakeGraphAPI) -> None:
    user = new_user()
    graph.fail_next(500, count=1, to=user)
    sent = say(bot, graph, user, payloads.text_webhook("Wat is een cyberverzekering?",
                                                       sender=user))
    assert len(sent) == 1
    failed = [r for r in graph.requests if r.status == 500]
    assert failed and failed[-1].body["to"] == user


def test_an_advice_conversation_by_buttons_and_lists(bot: BotServers, graph: FakeGraphAPI) -> None:
    user = new_user()
    TRANSCRIPT.clear()
    sent = say(bot, graph, user, payloads.text_webhook("Ik wil advies", sender=user))
    replies = {"list": 0, "button": 0}
    for _ in range(15):
        if bot.tracker(user)["slots"]["recommended_insurers"]:
            break
        interactive = sent[-1].get("interactive", {})
        if interactive.get("type") == "list":
            rows = [row for section in interactive["action"]["sections"]
                    for row in section["rows"]]
            assert all(len(row["title"]) <= 24 for row in rows)
            row = rows[1] if len(rows) > 1 else rows[0]
            sent = say(bot, graph, user,
                       payloads.webhook(
                           payloads.list_reply_message(row["id"], row["title"], sender=user)))
            replies["list"] += 1
        elif interactive.get("type") == "button":
            buttons = interactive["action"]["buttons"]
            assert 1 <= len(buttons) <= 3
            assert all(len(b["reply"]["title"]) <= 20 for b in buttons)
            reply = buttons[-1]["reply"]  # "Nee" for the yes/no questions
            sent = say(bot, graph, user,
                       payloads.webhook(payloads.button_reply_message(
                           reply["id"], reply["title"], sender=user)))
            replies["button"] += 1
        else:
            sent = say(bot, graph, user, payloads.text_webhook("ongeveer 800.000 euro",
                                                               sender=user))
    ranked = bot.tracker(user)["slots"]["recommended_insurers"]
    assert ranked, "no recommendation after 15 answers"
    assert replies["list"] >= 2 and replies["button"] >= 2
    recommendation = " ".join(text_of(body) for body in sent)
    names = {"aig": "AIG", "hiscox": "Hiscox", "chubb": "Chubb"}
    assert names[ranked[0]] in recommendation
    TRANSCRIPTS.mkdir(parents=True, exist_ok=True)
    (TRANSCRIPTS / "whatsapp-advies.md").write_text(
        "# Advies via WhatsApp (knoppen en lijsten)\n\n" + "\n\n".join(TRANSCRIPT) + "\n",
        encoding="utf-8",
    )


# ----- the 24-hour window ---------------------------------------------------------------


def age_conversation(bot: BotServers, user: str, hours: float) -> None:
    """Pretend the user's last message came ``hours`` ago."""
    engine = create_engine(bot.database_url, future=True)
    with engine.begin() as connection:
        connection.execute(
            update(whatsapp_conversations)
            .where(whatsapp_conversations.c.conversation_id == user)
            .values(last_inbound_at=datetime.now(timezone.utc) - timedelta(hours=hours))
        )
    engine.dispose()


def api(bot: BotServers, path: str, body: Any) -> requests.Response:
    return requests.post(f"{bot.url}{path}", params={"token": bot.token,
                                                     "output_channel": "whatsapp"},
                         json=body, timeout=60)


def test_outside_the_window_a_template_or_nothing_is_sent(
    bot: BotServers, graph: FakeGraphAPI
) -> None:
    user = new_user()
    say(bot, graph, user, payloads.text_webhook("Hallo", sender=user))
    age_conversation(bot, user, hours=25)
    before = len(graph.sent_to(user))

    # A free-form message: not attempted, logged.
    # Rasa answers the API call after its action ran and the channel tried to send.
    assert api(bot, f"/conversations/{user}/trigger_intent", {"name": "greet"}).ok
    assert len(graph.sent_to(user)) == before
    assert "more than 24 hours ago" in (bot.workdir / "rasa.log").read_text(errors="replace")

    # A call-back confirmation must go out: as its approved template.
    events = bot.consent_events(user, "callback_form") + [
        {"event": "slot", "name": name, "value": value} for name, value in {
            "contact_name": "Fatima El Amrani", "callback_contact": "+32470123456",
            "callback_moment": "morgenochtend"}.items()]
    assert requests.post(f"{bot.url}/conversations/{user}/tracker/events",
                         params={"token": bot.token}, json=events, timeout=30).ok
    assert api(bot, f"/conversations/{user}/execute", {"name": "action_submit_callback"}).ok
    sent = answers(graph, user, before + 1)[before:]
    assert [body["type"] for body in sent] == ["template"]
    template = sent[0]["template"]
    assert template["name"] == "terugbelverzoek_ontvangen"
    values = [p["text"] for p in template["components"][0]["parameters"]]
    assert values[0] == "Fatima El Amrani" and values[1].startswith("CV-")
