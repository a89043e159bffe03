"""Advice, quote and call-back conversations over the REST channel, end to end.

The real Rasa server, action server and outbox worker run; a local webhook receiver
stands in for the advisors. Each conversation's transcript is written to
``results/transcripts/`` for review.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from cyberbot.leads.models import leads, outbox
from tests.e2e.conversation import Conversation
from tests.e2e.receiver import WebhookReceiver
from tests.e2e.servers import BotServers, wait_until

pytestmark = pytest.mark.e2e
REFERENCE = re.compile(r"CV-\d{4}-\d{6}")


def test_advice_then_quote_stores_the_lead_and_signs_the_webhook(
    bot: BotServers, receiver: WebhookReceiver
) -> None:
    chat = Conversation(bot, "Advies en offerte")
    reply = chat.say(
        "Ik wil advies voor mijn webshop in Utrecht met 12 medewerkers en 1,2 miljoen omzet")
    assert "Verenigde Staten" in reply  # country, sector, employees, revenue: not asked
    assert "Hoeveel" not in reply
    reply = chat.say("nee")
    assert "persoonsgegevens" in reply
    reply = chat.say("Is een cyberverzekering verplicht?")  # an FAQ in the middle
    assert "verplicht" in reply.lower() and "persoonsgegevens" in reply
    reply = chat.say("ja, van zo'n 5000 klanten")
    assert "belangrijkst" in reply
    reply = chat.say("Zo breed mogelijk verzekerd")
    slots = chat.slots()
    ranked = slots["recommended_insurers"]
    assert sorted(ranked) == ["aig", "chubb", "hiscox"]
    ranking = reply[reply.index("best passend eerst"):]  # the header names all three
    assert ranking.index(ranked[0].capitalize() if ranked[0] != "aig" else "AIG") < ranking.index(
        ranked[1].capitalize() if ranked[1] != "aig" else "AIG"
    )
    # Hiscox's published range carries no date: no premium figure is shown (market-facts.md)
    assert "Premie (indicatief)" not in reply
    assert slots["country"] == "nl"
    assert slots["sector"] == "detailhandel" and slots["employees"] == 12
    assert slots["revenue"] == 1_200_000 and slots["online_sales"] is True
    chat.save("advies")

    quote = Conversation(bot, "Offerteaanvraag na het advies")
    quote.sender = chat.sender
    reply = quote.say("/request_quote")
    assert "voorkeur" in reply  # the profile is known: not asked again
    reply = quote.say("Hiscox")
    assert "toestemming" in reply and "privacyverklaring" in reply
    assert "Wat is uw naam" in quote.say("ja")
    assert "onderneming" in quote.say("Jan de Vries")
    assert "e-mailadres" in quote.say("Pixelwerk")
    reply = quote.say("jan.pixelwerk.nl")
    assert "@" in reply and "e-mailadres" in reply  # asked again with the reason
    assert "telefoonnummer" in quote.say("jan@pixelwerk.nl")
    reply = quote.say("06-12345678")
    match = REFERENCE.search(reply)
    assert match, reply
    reference = match.group(0)
    assert quote.slots()["quote_reference"] == reference
    quote.save("offerte")

    [delivery] = receiver.wait_for(reference)
    assert delivery.signature_valid
    lead = delivery.payload["lead"]
    assert lead["contact_email"] == "jan@pixelwerk.nl"
    assert lead["contact_phone"] == "+31612345678"
    assert lead["preferred_insurer"] == "hiscox" and lead["kind"] == "quote"
    assert lead["conversation_id"] == chat.conversation_id and lead["channel"] == "rest"
    assert lead["profile"]["revenue"] == 1_200_000
    assert lead["recommendation"] == ranked

    exported = bot.cli("leads", "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert reference in [row["reference"] for row in json.loads(exported.stdout)]


def test_a_receiver_that_is_down_gets_the_lead_once_when_it_is_back(
    bot: BotServers, receiver: WebhookReceiver
) -> None:
    receiver.up = False
    try:
        chat = Conversation(bot, "Terugbelverzoek terwijl de ontvanger plat ligt")
        assert "toestemming" in chat.say("Kan iemand mij terugbellen?")
        chat.say("ja")
        chat.say("Fatima El Amrani")
        assert "+32" in chat.say("0470 12 34 56")  # Dutch or Belgian? Asked, not guessed
        assert "Wanneer" in chat.say("+32 470 12 34 56")
        reply = chat.say("morgenochtend")
        match = REFERENCE.search(reply)
        assert match, reply
        reference = match.group(0)
        assert "kantoor" in reply  # when to expect contact
        chat.save("terugbellen")
        wait_until(lambda: receiver.attempts_for(reference), timeout=30,
                   what="a delivery attempt")
        assert receiver.accepted_for(reference) == []
        # The action server restarts while the lead waits in the outbox.
        bot.stop_actions()
        bot.start_actions()
    finally:
        receiver.up = True
    accepted = receiver.wait_for(reference, timeout=120)
    # Once the outbox marks the delivery done, no worker or action server sends it again.
    wait_until(lambda: outbox_states(bot, reference) == ["delivered"],
               what="the outbox to mark the delivery done")
    assert len(receiver.accepted_for(reference)) == len(accepted) == 1
    assert accepted[0].payload["lead"]["contact_phone"] == "+32470123456"
    assert accepted[0].payload["lead"]["kind"] == "callback"


def test_stop_keeps_the_answers_and_advice_resumes_where_it_was(bot: BotServers) -> None:
    chat = Conversation(bot, "Stoppen en later verder")
    assert "Nederland of in België" in chat.say("Welke verzekeraar past bij mij?")
    assert "sector" in chat.say("België")
    assert "Hoeveel" in chat.say("wij zijn een transportbedrijf")
    assert "Waarom" not in chat.say("waarom vraagt u dat?")  # explained, then asked again
    reply = chat.say("stop")
    assert "onthoud" in reply
    assert chat.slots()["sector"] == "logistiek" and chat.slots()["country"] == "be"
    reply = chat.say("advies")
    assert "Hoeveel" in reply and "sector" not in reply


def test_a_quote_without_consent_stores_nothing(bot: BotServers) -> None:
    chat = Conversation(bot, "Offerte zonder toestemming")
    chat.say("Ik wil een offerte voor mijn bouwbedrijf in Antwerpen met 8 man en 900k omzet")
    reply = chat.say("geen voorkeur")
    assert "toestemming" in reply
    reply = chat.say("nee")
    assert "geen aanvraag" in reply and "niets door" in reply
    exported = bot.cli("leads", "export", "--format", "json")
    assert chat.sender not in exported.stdout


def test_forget_erases_the_lead_and_the_conversation(bot: BotServers, tmp_path: Path) -> None:
    chat = Conversation(bot, "Vergeten")
    chat.say("/request_human")
    chat.say("ja")
    chat.say("Piet Jansen")
    chat.say("piet.vergeten@voorbeeld.nl")
    assert REFERENCE.search(chat.say("zo snel mogelijk"))
    result = bot.cli("forget", "piet.vergeten@voorbeeld.nl", "--endpoints", str(bot.endpoints))
    assert result.returncode == 0, result.stderr
    assert "piet.vergeten@voorbeeld.nl" not in result.stdout  # the report masks it
    assert "1" in result.stdout
    exported = bot.cli("leads", "export", "--format", "json")
    assert "piet.vergeten@voorbeeld.nl" not in exported.stdout
    events = bot.tracker(chat.conversation_id)["events"]
    assert not any(event.get("event") == "user" for event in events)


@pytest.mark.parametrize("opening", [
    "welke cyberverzekering past bij mij? ik ben zzp'er",
    "wat raadt u mij aan voor mijn bedrijf?",
    "ik zoek een cyberverzekering voor onze drukkerij",
])
def test_asking_which_insurer_fits_starts_the_advice(bot: BotServers, opening: str) -> None:
    chat = Conversation(bot, "Opening van een advies")
    reply = chat.say(opening)
    tracker = bot.tracker(chat.conversation_id)
    assert tracker["active_loop"].get("name") == "advice_form"
    # The first question not answered yet ("zzp'er": in the Netherlands, working alone).
    asked = {"country": "Nederland of in België", "sector": "In welke sector"}
    assert asked[tracker["slots"]["requested_slot"]] in reply


def test_a_question_with_business_details_is_answered_and_the_details_kept(
    bot: BotServers,
) -> None:
    chat = Conversation(bot, "Een vraag met bedrijfsgegevens, daarna advies")
    reply = chat.say("Ik heb een webshop in Utrecht met 5 medewerkers. Is een "
                     "cyberverzekering verplicht?")
    assert "verplicht" in reply.lower()
    assert bot.tracker(chat.conversation_id)["active_loop"].get("name") is None
    slots = chat.slots()
    assert (slots["sector"], slots["employees"], slots["country"]) == ("detailhandel", 5, "nl")
    reply = chat.say("/request_advice")
    assert "jaaromzet" in reply  # sector, employees and country are not asked again
    chat.save("vraag-met-gegevens")


def outbox_states(bot: BotServers, reference: str) -> list[str]:
    """The states of the lead's deliveries in the outbox."""
    engine = create_engine(bot.database_url, future=True)
    try:
        with engine.connect() as connection:
            return list(connection.execute(
                select(outbox.c.status).join(leads, leads.c.id == outbox.c.lead_id)
                .where(leads.c.reference == reference)).scalars())
    finally:
        engine.dispose()
