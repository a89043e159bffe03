"""The simulated visitors' conversations: what each one types, and a piece of text the
bot's replies to it must contain (else the message counts as failed).

Our visitors talk Dutch: FAQ questions (examples from ``data/faq_*.yml``), an advice form
to its recommendation, and an advice followed by a quote with an e-mail address of
the visitor's own. The reference visitors talk English to a bare ``rasa init`` bot.
"""

from __future__ import annotations

from dataclasses import dataclass

# Replaced by a token unique to the visitor (see `Scenario.for_visitor`).
VISITOR = "{visitor}"


@dataclass(frozen=True)
class Turn:
    message: str
    expect: str


@dataclass(frozen=True)
class Scenario:
    name: str
    turns: tuple[Turn, ...]

    def for_visitor(self, visitor: str) -> tuple[Turn, ...]:
        """The turns with `VISITOR` replaced by the visitor's token."""
        return tuple(
            Turn(turn.message.replace(VISITOR, visitor), turn.expect.replace(VISITOR, visitor))
            for turn in self.turns
        )


GREETING = Turn("hallo", "Goedendag!")
THANKS = Turn("bedankt!", "Graag gedaan!")
GOODBYE = Turn("doei", "Tot ziens")

FAQ_STARTER = Scenario("faq-starter", (
    GREETING,
    Turn("wat is een cyberverzekering?", "beschermt uw onderneming"),
    Turn("is een cyberverzekering verplicht?", "**niet verplicht**"),
    Turn("wat dekt een cyberverzekering", "bestaat meestal uit deze onderdelen"),
    Turn("wat kost een cyberverzekering", "De premie hangt vooral af van uw omzet"),
    THANKS,
))

FAQ_INCIDENT = Scenario("faq-incident", (
    Turn("ik heb een datalek wat nu", "Dit zijn de eerste stappen"),
    Turn("wordt losgeld vergoed", "Bij digitale afpersing"),
    Turn("is stilstand gedekt", "Legt een cyberaanval uw bedrijf stil"),
    Turn("valse factuur betaald", "maakt een medewerker zelf geld over"),
    Turn("zijn boetes verzekerbaar", "Strafrechtelijke boetes zijn nooit verzekerd"),
    GOODBYE,
))

FAQ_COMPARER = Scenario("faq-comparer", (
    GREETING,
    Turn("hoe vergelijk ik cyberverzekeringen", "vergelijkt u de cyberverzekeringen"),
    Turn("hoe kan ik mijn premie verlagen", "U verlaagt uw premie"),
    Turn("hoe voorkom ik een cyberaanval", "draait ook om voorkomen"),
    Turn("hoeveel kost een cyberaanval gemiddeld", "Wij noemen hier bewust geen gemiddeld bedrag"),
    Turn("voor wie is een cyberverzekering", "zinvol zijn voor elke onderneming"),
    THANKS,
))

ADVICE = Scenario("advice", (
    Turn("Welke verzekeraar past bij mij?", "Nederland of in België"),
    Turn("Nederland", "In welke sector"),
    Turn("wij zijn een transportbedrijf", "Hoeveel mensen"),
    Turn("ongeveer 25", "jaaromzet"),
    Turn("3 ton", "Verenigde Staten"),
    Turn("nee", "persoonsgegevens"),
    Turn("ja", "Verkoopt u online"),
    Turn("nee", "belangrijkst"),
    Turn("Zo breed mogelijk verzekerd", "Vergelijking van AIG, Hiscox en Chubb"),
))

ADVICE_THEN_QUOTE = Scenario("advice-then-quote", (
    Turn("Ik wil advies voor mijn webshop in Gent met 12 medewerkers en 1,2 miljoen omzet",
         "Verenigde Staten"),
    Turn("nee", "persoonsgegevens"),
    Turn("Is een cyberverzekering verplicht?", "**niet verplicht**"),
    Turn("ja, van zo'n 5000 klanten", "belangrijkst"),
    Turn("Zo breed mogelijk verzekerd", "Vergelijking van AIG, Hiscox en Chubb"),
    Turn("/request_quote", "voorkeur"),
    Turn("Hiscox", "toestemming"),
    Turn("ja", "Wat is uw naam"),
    Turn("Jan de Vries", "onderneming"),
    Turn("Pixelwerk", "e-mailadres"),
    Turn(f"bench.{VISITOR}@pixelwerk.nl", "telefoonnummer"),
    Turn("06-12345678", "Uw offerteaanvraag is ontvangen onder referentie **CV-"),
))

# Our visitors, in the order visitor n starts with (n modulo their number).
OURS: tuple[Scenario, ...] = (FAQ_STARTER, ADVICE, FAQ_INCIDENT, ADVICE_THEN_QUOTE, FAQ_COMPARER)
FAQ_SCENARIOS: tuple[Scenario, ...] = (FAQ_STARTER, FAQ_INCIDENT, FAQ_COMPARER)

# The long conversation asks these FAQ questions over and over.
LONG_CONVERSATION: tuple[Turn, ...] = tuple(
    turn for scenario in FAQ_SCENARIOS for turn in scenario.turns
    if turn not in (GREETING, THANKS, GOODBYE)
)

# The reference: `rasa init`'s moodbot, along the paths of its own stories.
MOOD_SAD = Scenario("moodbot-sad", (
    Turn("hi", "Hey! How are you?"),
    Turn("I am sad", "Did that help you?"),
    Turn("yes", "Great, carry on!"),
    Turn("bye", "Bye"),
))

MOOD_HAPPY = Scenario("moodbot-happy", (
    Turn("hello", "Hey! How are you?"),
    Turn("I am great", "Great, carry on!"),
    Turn("are you a bot?", "I am a bot, powered by Rasa."),
    Turn("goodbye", "Bye"),
))

REFERENCE: tuple[Scenario, ...] = (MOOD_SAD, MOOD_HAPPY)
REFERENCE_LONG_CONVERSATION: tuple[Turn, ...] = MOOD_SAD.turns + MOOD_HAPPY.turns
