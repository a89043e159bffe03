"""The operator console's JSON API on conversations held with the real bot over REST."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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


def test_the_stats_count_real_conversations_per_served_model(
    bot: BotServers, site: Site, token: str
) -> None:
    """Rasa 3.6 writes the serving model's id into the events' metadata: the stats split
    real conversations by it. The conversation has a message the bot does not understand
    itself (foreign text always falls back), so the test holds when it runs alone."""
    status = requests.get(f"{bot.url}/status", params={"token": bot.token}, timeout=30).json()
    sender = f"e2e-stats-{uuid.uuid4().hex[:8]}"
    bot.say(sender, "Is een cyberverzekering verplicht?")
    bot.say(sender, "What will the weather be like in London tomorrow?")
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    period = {"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat()}

    assert api(site, "stats", None, **period).status_code == 401
    stats = api(site, "stats", token, **period).json()

    assert stats["conversations"] >= 1 and stats["faq_answered"] >= 1
    assert stats["not_understood"] >= 1
    models = {entry["model_id"]: entry for entry in stats["by_model"]}
    assert status["model_id"] in models
    assert models[status["model_id"]]["conversations"] >= 1
    # The conversation list counts the same not-understood conversations that day.
    listed = api(site, "conversations", token, tag="fallback_hit", limit="1",
                 **{"from": today.isoformat(), "to": today.isoformat()}).json()
    assert listed["total"] == stats["not_understood"]
