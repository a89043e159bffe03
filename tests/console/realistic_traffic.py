"""Two months of realistic traffic for the dashboard's browser test and screenshots.

Seeded, so every run writes the same conversations (on days counted back from a given
day): mostly FAQ questions, advice forms finished or left at a question, quotes and
call-backs with leads (most delivered), messages the assistant did not understand in
several wordings and with typos, a few fallback loops and hand-offs. A new model takes
over three weeks before the end and misunderstands less.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Engine

from cyberbot.console.dashboard_texts import load_dashboard_texts
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.labels import load_labels
from cyberbot.leads.models import outbox
from tests.console.tracker_fixtures import ConversationBuilder, with_model, write_events
from tests.leads_support import make_draft, queue_lead

ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("Europe/Amsterdam")
OLD_MODEL = "3b8f0c2d9e1a4b7c"
NEW_MODEL = "a41e77d05c9b4f28"
NEW_MODEL_FROM_DAYS_AGO = 21
# What visitors ask that the assistant did not understand: wordings of one question.
MISSED = (
    ("Kan ik met bitcoin betalen?", "betalen met bitcoin, kan dat?", "kan ik met bitcion betalen"),
    ("Is mijn laptop ook verzekerd als hij gestolen wordt?",
     "dekt het ook diefstal van mijn laptop"),
    ("Werken jullie ook met Allianz?", "werken jullie met allianz"),
    ("Hoe snel gaat de polis in?", "wanneer gaat de polis in"),
    ("Geldt dit ook voor een stichting?",),
    ("Mijn webshop draait op Shopify, maakt dat uit?",),
    ("Zijn phishingmails van medewerkers gedekt?", "phishing door personeel gedekt?"),
    ("asdfgh",),
    ("Kan ik maandelijks opzeggen?", "maandelijks opzeggen mogelijk?"),
)
# (kind, weight in per mille) for the old model; the new one misses less.
OLD_MIX = {"faq": 520, "advice": 80, "advice_left": 90, "quote": 45, "callback": 45,
           "miss": 130, "loop": 60, "handoff": 30}
NEW_MIX = {**OLD_MIX, "faq": 600, "miss": 80, "loop": 30}


def write_traffic(
    tracker: Engine, console: Engine, last_day: date, days: int = 60, per_day: int = 40
) -> int:
    """Write the conversations of ``days`` days up to ``last_day``; returns how many."""
    generator = random.Random(16)
    texts = load_dashboard_texts(ROOT)
    faq_keys = [key.removeprefix("faq/") for key in load_labels(ROOT).faq_keys]
    advice_slots = [q.partition(".")[2] for q in texts.questions if q.startswith("advice_form.")]
    leads: list[tuple[str, str]] = []
    written = 0
    for back in range(days - 1, -1, -1):
        day = last_day - timedelta(days=back)
        new = back < NEW_MODEL_FROM_DAYS_AGO
        model, mix = (NEW_MODEL, NEW_MIX) if new else (OLD_MODEL, OLD_MIX)
        for number in range(per_day + generator.randint(-12, 12)):
            moment = datetime.combine(day, time(8), ZONE) + timedelta(
                minutes=generator.randint(0, 14 * 60))
            channel = generator.choices(["socketio", "whatsapp", "rest"], [60, 30, 10])[0]
            kind = generator.choices(list(mix), list(mix.values()))[0]
            builder = ConversationBuilder(moment.astimezone(timezone.utc), channel, step=7)
            builder.session_start()
            BUILDERS[kind](builder, generator, faq_keys, advice_slots)
            conversation_id = f"demo-{day.isoformat()}-{number:03}"
            write_events(tracker, conversation_id, with_model(builder.events, model))
            if kind in ("quote", "callback"):
                leads.append((conversation_id, kind))
            written += 1
    sync_conversations(tracker, console)
    for conversation_id, kind in leads:
        stored = queue_lead(console, make_draft(kind=kind, conversation_id=conversation_id,
                                                 contact_email=f"{conversation_id}@example.nl"),
                             ["webhook"])
        if generator.random() < 0.9:
            with console.begin() as connection:
                connection.execute(update(outbox).where(outbox.c.lead_id == stored.id)
                                   .values(status="delivered",
                                           delivered_at=datetime.now(timezone.utc)))
    return written


def _faq(builder: ConversationBuilder, generator: random.Random, keys: list[str],
         _: list[str]) -> None:
    weights = [len(keys) - index for index in range(len(keys))]
    for key in generator.choices(keys, weights, k=generator.choice([1, 1, 1, 2, 3])):
        text = f"Vraag over {key.replace('_', ' ')}"
        builder.user(text, "faq", generator.uniform(0.55, 0.99), faq_key=f"faq/{key}")
        builder.action("utter_faq").bot("Het antwoord.", f"utter_faq/{key}").listen()


def _advice(builder: ConversationBuilder, generator: random.Random, keys: list[str],
            slots: list[str], leave_at: int | None = None) -> None:
    builder.user("Welke verzekeraar past bij mij?", "request_advice", 0.95)
    builder.action("advice_form").loop("advice_form")
    for index, slot in enumerate(slots):
        builder.ask(slot, f"Vraag over {slot}?")
        if index == leave_at:
            return
        if generator.random() < 0.12:
            builder.user("weet ik niet precies", "inform", 0.6)
            builder.action("advice_form").ask(slot, f"Vraag over {slot}?")
        builder.user("antwoord", "inform", 0.9).action("advice_form").slot(slot, "x")
    builder.loop(None).slot("requested_slot", None)
    builder.action("action_recommend_insurers").slot("recommended_insurers", ["hiscox"])
    builder.bot("Mijn advies.", "utter_recommendation").listen()


def _advice_left(builder: ConversationBuilder, generator: random.Random, keys: list[str],
                 slots: list[str]) -> None:
    # Most leave at the questions about money and data.
    weights = [1, 2, 6, 2, 4, 1, 1][: len(slots)] + [1] * max(0, len(slots) - 7)
    _advice(builder, generator, keys, slots, leave_at=generator.choices(
        range(len(slots)), weights)[0])


def _lead(form: str, submit: str, reference: str) -> Callable[..., None]:
    def build(builder: ConversationBuilder, generator: random.Random, keys: list[str],
              _: list[str]) -> None:
        if generator.random() < 0.5:
            _faq(builder, generator, keys, [])
        builder.button("/request_quote" if form == "quote_form" else "/request_human")
        builder.action(form).loop(form)
        builder.ask("contact_name", "Wat is uw naam?").user("Naam", "inform", 0.9)
        builder.action(form).slot("contact_name", "Naam").loop(None).slot("requested_slot", None)
        builder.action(submit).slot(reference, "CV-2026-1").bot("Verstuurd.", "utter_sent")
        builder.listen()

    return build


def _miss(builder: ConversationBuilder, generator: random.Random, keys: list[str],
          _: list[str], times: int = 1) -> None:
    question = generator.choices(MISSED, [len(MISSED) - i for i in range(len(MISSED))])[0]
    for _turn in range(times):
        text = generator.choice(question)
        builder.user(text, "nlu_fallback", generator.uniform(0.2, 0.5))
        builder.action("action_fallback").bot("Dat begreep ik niet.", "utter_default").listen()
    if times == 1 and generator.random() < 0.5:
        _faq(builder, generator, keys, [])


def _loop(builder: ConversationBuilder, generator: random.Random, keys: list[str],
          slots: list[str]) -> None:
    _miss(builder, generator, keys, slots, times=2)


def _handoff(builder: ConversationBuilder, generator: random.Random, keys: list[str],
             _: list[str]) -> None:
    builder.user("Kan ik iemand spreken?", "request_human", 0.96).slot("handoff", "waiting")
    builder.bot("Ik zoek een medewerker.", "utter_handoff").listen().slot("handoff", "active")


BUILDERS: dict[str, Callable[..., None]] = {
    "faq": _faq,
    "advice": _advice,
    "advice_left": _advice_left,
    "quote": _lead("quote_form", "action_submit_quote", "quote_reference"),
    "callback": _lead("callback_form", "action_submit_callback", "callback_reference"),
    "miss": _miss,
    "loop": _loop,
    "handoff": _handoff,
}
