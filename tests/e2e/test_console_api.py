"""The operator console's JSON API on conversations held with the real bot over REST."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.conftest import Site
from tests.e2e.servers import BotServers, rest_conversation

pytestmark = pytest.mark.e2e
OPERATOR = "api-operator@voorbeeld.nl"
PASSWORD = "een lang en sterk wachtwoord"


@pytest.fixture(scope="module")
def token(bot: BotServers) -> str:
    bot.add_operator(OPERATOR, "operator", PASSWORD)
    made = bot.cli("operators", "token", OPERATOR)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def api(site: Site, path: str, token: str | None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{site.url}/operator/api/{path}", headers=headers, params=params,
                        timeout=30)


def test_real_conversations_appear_with_their_outcomes(
    bot: BotServers, site: Site, token: str
) -> None:
    faq = f"e2e-console-faq-{uuid.uuid4().hex[:8]}"
    bot.say(faq, "Wat kost een cyberverzekering ongeveer?")
    callback = f"e2e-console-callback-{uuid.uuid4().hex[:8]}"
    for message in ("Kan iemand mij terugbellen?", "ja", "Fatima El Amrani",
                    "+32 470 12 34 56", "morgenochtend"):
        replies = bot.say(callback, message)
    reference = re.search(r"CV-\d{4}-\d{6}", " ".join(r.get("text", "") for r in replies))
    assert reference, replies

    assert api(site, "conversations", None).status_code == 401
    listed = api(site, "conversations", token, tag="callback_requested").json()
    ids = [item["conversation_id"] for item in listed["items"]]
    assert rest_conversation(callback) in ids and rest_conversation(faq) not in ids
    answered = api(site, "conversations", token, tag="faq_answered", q="ongeveer").json()
    assert [item["conversation_id"] for item in answered["items"]] == [rest_conversation(faq)]
    assert answered["items"][0]["channel"] == "rest"

    detail = api(site, f"conversations/{rest_conversation(callback)}", token).json()
    users = [entry for entry in detail["entries"] if entry["kind"] == "user"]
    assert users[0]["intent"] == "request_human"
    assert 0.0 < users[0]["confidence"] <= 1.0
    slots = {name for entry in detail["entries"] if entry["kind"] == "slots"
             for name, _ in entry["slots"]}
    assert "callback_reference" in slots
    assert detail["leads"][0]["reference"] == reference.group(0)
    assert "+32470123456" not in str(detail["leads"])  # masked

    leads = api(site, "leads", token, kind="callback").json()["items"]
    mine = next(lead for lead in leads if lead["reference"] == reference.group(0))
    assert mine["contact_phone"] == "+324******56"
    full = api(site, f"leads/{reference.group(0)}", token).json()
    assert full["contact_phone"] == "+32470123456"
