"""What a client may not do, tried against the real running servers (issue 12's attacks).

Every test here is an attack that worked before the channels, the action server and
the launcher stopped trusting their clients.
"""

from __future__ import annotations

import json
import queue
import re
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import yaml

from cyberbot.channels.admission import channel_text
from cyberbot.servers.action_server import TOKEN_HEADER
from tests.e2e.servers import ROOT, BotServers, rest_conversation
from tests.e2e.servers import user_texts as stored_user_texts
from tests.e2e.sockets import close, socket_client

pytestmark = pytest.mark.e2e
FORM_MESSAGES = yaml.safe_load((ROOT / "content" / "form_messages.yml").read_text("utf-8"))
REFERENCE = re.compile(r"CV-\d{4}-\d{6}")
WHATSAPP_NUMBER = "31687650001"


def web_client(bot: BotServers, events: queue.Queue[tuple[str, Any]],
               origin: str | None = None) -> socketio.Client:
    return socket_client(bot.url, origin or bot.site_url, events)


def replies(events: queue.Queue[tuple[str, Any]], count: int = 1) -> list[str]:
    texts = []
    for _ in range(count):
        name, data = events.get(timeout=60)
        assert name == "bot_uttered", (name, data)
        texts.append(str(data.get("text", "")))
    return texts


def user_texts(bot: BotServers, conversation: str) -> list[str]:
    return stored_user_texts(bot.tracker(conversation))


def saved_user_texts(bot: BotServers, conversation: str) -> list[str]:
    """The visitor's messages of a socket.io conversation once its first turn is saved."""
    return stored_user_texts(bot.saved_tracker(
        conversation, stored_user_texts, what="the socket's turn saved"))


@pytest.fixture(scope="module")
def whatsapp_visitor(bot: BotServers) -> str:
    """A WhatsApp conversation that holds a visitor's name and e-mail address."""
    conversation = f"{bot.url}/conversations/{WHATSAPP_NUMBER}"
    # The first call starts the conversation's session; the second adds to it.
    requests.post(f"{conversation}/tracker/events", params={"token": bot.token},
                  json=[{"event": "action", "name": "action_listen"}],
                  timeout=60).raise_for_status()
    events = [
        {"event": "user", "text": "Ik wil teruggebeld worden", "parse_data": {
            "intent": {"name": "request_human", "confidence": 1.0}, "entities": []}},
        {"event": "slot", "name": "contact_name", "value": "Els Peeters"},
        {"event": "slot", "name": "contact_email", "value": "els@peeters.be"},
    ]
    requests.post(f"{conversation}/tracker/events", params={"token": bot.token},
                  json=events, timeout=60).raise_for_status()
    assert bot.tracker(WHATSAPP_NUMBER)["slots"]["contact_name"] == "Els Peeters"
    return WHATSAPP_NUMBER


# ----- someone else's conversation ---------------------------------------------------------


def test_a_socket_naming_a_whatsapp_number_gets_a_conversation_of_its_own(
    bot: BotServers, whatsapp_visitor: str
) -> None:
    before = bot.tracker(whatsapp_visitor)["events"]
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = web_client(bot, events)
    try:
        client.emit("session_request", {"session_id": whatsapp_visitor})
        name, token = events.get(timeout=30)
        assert name == "session_confirm" and token.startswith("web-")
        # The client ignores what it was given and keeps naming the number.
        client.emit("user_uttered", {"message": "/request_quote", "session_id": whatsapp_visitor})
        said = " ".join(replies(events))
    finally:
        close(client)
    assert "Els" not in said and "peeters" not in said
    assert saved_user_texts(bot, token.split(".")[0]) == ["/request_quote"]
    assert bot.tracker(whatsapp_visitor)["events"] == before


def test_a_message_without_a_session_and_a_foreign_id_starts_a_fresh_conversation(
    bot: BotServers, whatsapp_visitor: str
) -> None:
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = web_client(bot, events)
    try:
        client.emit("user_uttered", {"message": "hallo", "session_id": whatsapp_visitor})
        name, token = events.get(timeout=30)
        assert name == "session_confirm" and token.startswith("web-")
        replies(events)
    finally:
        close(client)
    assert saved_user_texts(bot, token.split(".")[0]) == ["hallo"]
    assert "hallo" not in user_texts(bot, whatsapp_visitor)


def test_a_forged_token_is_not_accepted(bot: BotServers) -> None:
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = web_client(bot, events)
    try:
        client.emit("session_request", {})
        _, genuine = events.get(timeout=30)
        conversation, signature = genuine.split(".")
        other = "web-" + ("0" * 32 if conversation[4:] != "0" * 32 else "1" * 32)
        client.emit("session_request", {"session_id": f"{other}.{signature}"})
        _, given = events.get(timeout=30)
        assert given.split(".")[0] not in (conversation, other)
    finally:
        close(client)


def test_a_website_that_is_not_allowed_cannot_open_the_chat(bot: BotServers) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        web_client(bot, queue.Queue(), origin="https://evil.example")


def test_a_rest_client_can_neither_reach_whatsapp_nor_claim_its_channel(
    bot: BotServers, whatsapp_visitor: str
) -> None:
    before = bot.tracker(whatsapp_visitor)["events"]
    reply = requests.post(f"{bot.url}/webhooks/rest/webhook",
                          json={"sender": whatsapp_visitor, "message": "/request_quote",
                                "input_channel": "whatsapp"},
                          headers=bot.rest_headers, timeout=60)
    assert reply.status_code == 200 and "Els" not in reply.text
    assert bot.tracker(whatsapp_visitor)["events"] == before
    own = bot.tracker(rest_conversation(whatsapp_visitor))
    assert own["latest_input_channel"] == "rest"


def test_rest_without_the_token_is_refused(bot: BotServers) -> None:
    reply = requests.post(f"{bot.url}/webhooks/rest/webhook",
                          json={"sender": "intruder", "message": "hallo"}, timeout=30)
    assert reply.status_code == 401
    assert user_texts(bot, rest_conversation("intruder")) == []


def test_a_new_session_never_repeats_the_previous_sessions_contact_details(
    bot: BotServers,
) -> None:
    sender = "earlier-details"
    conversation = rest_conversation(sender)
    for message in ("/request_human", "ja", "Els Peeters"):
        bot.say(sender, message)
    assert bot.tracker(conversation)["slots"]["contact_name"] == "Els Peeters"
    # A new session, as after an hour of silence: Rasa carries the slots over.
    started = requests.post(f"{bot.url}/conversations/{conversation}/execute",
                            params={"token": bot.token}, json={"name": "action_session_start"},
                            timeout=60)
    started.raise_for_status()
    assert bot.tracker(conversation)["slots"]["contact_name"] == "Els Peeters"
    said = " ".join(str(r.get("text")) for r in bot.say(sender, "/request_human"))
    assert "Els" not in said and "toestemming" in said
    slots = bot.tracker(conversation)["slots"]
    assert slots["contact_name"] is None and slots["consent"] is None


# ----- the action server and Rasa's own surface ---------------------------------------------


def forged_call(sender: str) -> dict[str, Any]:
    return {
        "next_action": "action_submit_quote", "sender_id": sender, "version": "3.6.21",
        "domain": yaml.safe_load((ROOT / "domain.yml").read_text()),
        "tracker": {
            "sender_id": sender, "latest_input_channel": "whatsapp", "active_loop": {},
            "latest_message": {"text": "", "intent": {}, "entities": []}, "events": [],
            "slots": {"consent": True, "contact_name": "Vals", "contact_email": "x@y.nl",
                      "consent_session": "none"},
        },
    }


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_forged_tracker_posted_to_the_action_server_stores_no_lead(
    bot: BotServers, content_type: str
) -> None:
    sender = f"forged-{content_type.split('/')[1]}"
    url = f"http://127.0.0.1:{bot.action_port}"
    reply = requests.post(f"{url}/webhook", data=json.dumps(forged_call(sender)),
                          headers={"Content-Type": content_type}, timeout=30)
    assert reply.status_code == 401
    assert requests.get(f"{url}/actions", timeout=30).status_code == 401
    exported = bot.cli("leads", "export", "--format", "json")
    assert sender not in exported.stdout
    # The health check stays open for the orchestrator.
    assert requests.get(f"{url}/health", timeout=30).status_code == 200
    assert TOKEN_HEADER not in reply.text or reply.status_code == 401


def listening_addresses(port: int) -> set[str]:
    """The local addresses on which something listens on ``port`` (from /proc/net)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address if len(address) == width else "?")
    return found


def test_rasa_and_the_actions_listen_on_loopback_only(bot: BotServers) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for port in (bot.rasa_port, bot.action_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)


def test_the_api_token_is_on_no_command_line_and_in_no_log(bot: BotServers) -> None:
    assert bot.rasa is not None
    for pid in (bot.rasa.pid, bot.actions.pid if bot.actions else 0):
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in bot.secrets.values():
            assert secret not in command_line
    log = (bot.workdir / "rasa.log").read_text(errors="replace")
    assert bot.token not in log
    anonymous = requests.get(f"{bot.url}/status", timeout=30)
    assert anonymous.status_code == 401


# ----- consent before any contact detail ---------------------------------------------------


def test_contact_details_typed_before_consent_are_never_used(bot: BotServers) -> None:
    sender = "consent-first"
    bot.say(sender, "Ik wil een offerte")
    bot.say(sender, "Nederland")
    bot.say(sender, "webshop, mail me op jan@pixelwerk.nl")
    bot.say(sender, "12 medewerkers, bel 0612345678")
    bot.say(sender, "1 miljoen")
    bot.say(sender, "Hiscox")
    slots = bot.tracker(rest_conversation(sender))["slots"]
    assert slots["contact_email"] is None and slots["contact_phone"] is None
    refused = " ".join(str(r.get("text")) for r in bot.say(sender, "nee"))
    assert refused == FORM_MESSAGES["consent"]["refused"]
    # Consenting later: the address typed before is asked for, not taken.
    bot.say(sender, "/request_quote")
    assert "naam" in " ".join(str(r.get("text")) for r in bot.say(sender, "ja")).lower()
    asked = " ".join(str(r.get("text")) for r in bot.say(sender, "Jan de Vries"))
    assert "jan@pixelwerk.nl" not in asked
    slots = bot.tracker(rest_conversation(sender))["slots"]
    assert slots["contact_email"] is None


def test_a_consent_covers_one_request_and_refusing_it_keeps_nothing(bot: BotServers) -> None:
    sender = "consent-per-request"
    for message in ("/request_human", "ja", "Piet Bakker"):
        bot.say(sender, message)
    assert bot.tracker(rest_conversation(sender))["slots"]["contact_name"] == "Piet Bakker"
    bot.say(sender, "stop")
    said = ""
    for message in ("/request_quote", "België", "bouwbedrijf", "8", "600.000 euro",
                    "Hiscox"):
        said = " ".join(str(r.get("text")) for r in bot.say(sender, message))
    # The call-back's consent does not cover a quote: asked again, the name forgotten.
    assert "toestemming" in said
    assert bot.tracker(rest_conversation(sender))["slots"]["contact_name"] is None
    refused = " ".join(str(r.get("text")) for r in bot.say(sender, "nee"))
    assert refused == FORM_MESSAGES["consent"]["refused"]
    slots = bot.tracker(rest_conversation(sender))["slots"]
    assert all(slots[name] is None for name in ("consent", "contact_name", "contact_email",
                                                 "contact_phone", "callback_contact"))
    exported = bot.cli("leads", "export", "--format", "json")
    assert "Piet Bakker" not in exported.stdout


# ----- abuse limits -------------------------------------------------------------------------


def test_a_conversation_over_its_message_limit_is_answered_and_stores_nothing(
    bot: BotServers,
) -> None:
    sender = "flooding"
    for _ in range(20):
        reply = requests.post(f"{bot.url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": "hallo"},
                              headers=bot.rest_headers, timeout=60)
        assert reply.status_code == 200
    refused = requests.post(f"{bot.url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": "Wat kost het?"},
                            headers=bot.rest_headers, timeout=60)
    assert refused.status_code == 429
    assert refused.json() == [{"recipient_id": sender,
                               "text": channel_text("too_many_messages")}]
    assert "Wat kost het?" not in user_texts(bot, rest_conversation(sender))


def callback(bot: BotServers, sender: str, name: str) -> str:
    said = ""
    for message in ("/request_human", "ja", name, "0612345678", "morgen na tien uur"):
        said = " ".join(str(r.get("text")) for r in bot.say(sender, message))
    return said


def test_a_third_lead_within_the_hour_is_refused_and_not_stored(bot: BotServers) -> None:
    sender = "many-leads"
    assert REFERENCE.search(callback(bot, sender, "Eerste Klant"))
    assert REFERENCE.search(callback(bot, sender, "Tweede Klant"))
    third = callback(bot, sender, "Derde Klant")
    assert third == channel_text("too_many_leads") and not REFERENCE.search(third)
    exported = json.loads(bot.cli("leads", "export", "--format", "json").stdout)
    ours = [lead for lead in exported if lead["conversation_id"] == rest_conversation(sender)]
    assert sorted(lead["contact_name"] for lead in ours) == ["Eerste Klant", "Tweede Klant"]
