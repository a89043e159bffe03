"""Each visitor gets the facts of their own country, end to end over REST.

A Belgian visitor hears of the GBA, vrijstelling and 9,25 % taks; a Dutch one of the
Autoriteit Persoonsgegevens, eigen risico and 21 % assurantiebelasting; a visitor whose
country is not known gets both, named per country. The country, once said, holds for
the rest of the conversation. Transcripts go to ``results/transcripts/``.
"""

from __future__ import annotations

import pytest

from cyberbot.content import load_content
from cyberbot.training_data import faq_responses, variation_for
from tests.e2e.conversation import Conversation
from tests.e2e.servers import BotServers

pytestmark = pytest.mark.e2e
ANSWERS = faq_responses()
DOMAIN_TEXTS = load_content("form_messages.yml")


def answer(key: str, country: str | None) -> str:
    return str(variation_for(ANSWERS[f"utter_faq/{key}"], country)["text"])


def test_a_belgian_visitor_gets_belgian_facts_all_conversation(bot: BotServers) -> None:
    chat = Conversation(bot, "Een Vlaamse kmo")
    reply = chat.say("Wij zijn een kmo in Antwerpen. Moeten we een gegevenslek melden?")
    assert reply == answer("datalek", "be")
    assert "Gegevensbeschermingsautoriteit" in reply and "Autoriteit Persoonsgegevens" not in reply
    assert chat.slots()["country"] == "be"
    reply = chat.say("Is de premie fiscaal aftrekbaar?")
    assert "9,25" in reply and "assurantiebelasting" not in reply
    reply = chat.say("Wat is het eigen risico?")
    assert reply == answer("eigen_risico", "be") and "vrijstelling" in reply
    reply = chat.say("Welke verzekeraar past bij mij?")
    assert "Nederland of in België" not in reply and "sector" in reply  # not asked again
    chat.save("belgische-bezoeker")


def test_a_dutch_visitor_gets_dutch_facts(bot: BotServers) -> None:
    chat = Conversation(bot, "Een Nederlandse zzp'er")
    reply = chat.say("Ik heb een eenmanszaak in Utrecht. Is de premie aftrekbaar?")
    assert reply == answer("fiscaal", "nl")
    assert "21% assurantiebelasting" in reply and "9,25" not in reply
    reply = chat.say("Moet ik een datalek melden?")
    assert "Autoriteit Persoonsgegevens" in reply and "GBA" not in reply
    assert chat.slots()["country"] == "nl"
    chat.save("nederlandse-bezoeker")


def test_an_unknown_country_gets_both_countries_named(bot: BotServers) -> None:
    chat = Conversation(bot, "Land onbekend")
    reply = chat.say("Moet ik een datalek melden?")
    assert reply == answer("datalek", None)
    assert "Autoriteit Persoonsgegevens (Nederland)" in reply and "GBA (België)" in reply
    assert chat.slots()["country"] is None


def test_advice_asks_the_country_and_the_comparison_discloses_the_operator(
    bot: BotServers,
) -> None:
    chat = Conversation(bot, "Advies voor een Belgische zelfstandige")
    reply = chat.say("Welke verzekeraar past bij mij?")
    assert DOMAIN_TEXTS["questions"]["country"]["text"] in reply
    assert "sector" in chat.say("België")
    assert "Hoeveel" in chat.say("ik ben zelfstandig boekhouder")
    for message in ("alleen ikzelf", "80.000 euro", "nee", "ja", "nee"):
        chat.say(message)
    reply = chat.say("Zo breed mogelijk verzekerd")
    assert "Vergelijking van AIG, Hiscox en Chubb" in reply
    assert "FSMA" in reply  # who compares: the Belgian registration of the operator
    assert "losgeld" not in reply.lower()
    chat.save("advies-belgie")


def test_other_insurance_is_referred_elsewhere(bot: BotServers) -> None:
    chat = Conversation(bot, "Andere verzekering")
    reply = chat.say("Ik zoek een goedkope autoverzekering")
    assert "alleen cyberverzekeringen" in reply


def test_a_quote_asked_after_a_hack_warns_it_cannot_be_insured_afterwards(
    bot: BotServers,
) -> None:
    chat = Conversation(bot, "Offerte na een hack")
    reply = chat.say("Ik wil een offerte, want we zijn vorige week gehackt")
    assert DOMAIN_TEXTS["incident"]["not_insurable"] in reply
    assert "Nederland of in België" in reply  # then the quote's first question
    chat.save("offerte-na-hack")
