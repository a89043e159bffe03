"""Typed button titles and "weet ik niet" are read as answers to the question asked.

Against the real servers, every question of the three forms is reached with ordinary
answers. There, each button the bot offers is once clicked (its payload is sent) and once
typed (its title is sent) in two new conversations: both must leave the conversation in
the same state. And "weet ik niet" is typed to every question until the form moves on:
it must do so within two answers, never asking the same question for ever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.servers import BotServers, rest_conversation

pytestmark = pytest.mark.e2e

# How each form is started, and an ordinary answer to each of its questions. The quote
# starts with the business details, whose questions the advice form already asks.
STARTS = {"advice_form": "/request_advice",
          "quote_form": "Ik wil een offerte voor mijn accountantskantoor in Nederland met 12 "
                        "medewerkers en 1,2 miljoen omzet",
          "callback_form": "/request_human"}
ANSWERS = {
    "country": "Nederland", "sector": "een accountantskantoor", "employees": "12",
    "revenue": "1,2 miljoen", "usa_canada": "nee", "personal_data": "ja",
    "online_sales": "ja", "priority": "zo breed mogelijk verzekerd",
    "preferred_insurer": "Hiscox", "consent": "ja", "contact_name": "Eva Jansen",
    "company_name": "Pixelwerk", "contact_email": "eva@pixelwerk.nl",
    "contact_phone": "0612345678", "callback_contact": "0612345678",
    "callback_moment": "morgenochtend",
}
# What a conversation's state is compared on.
STATE_SLOTS = (*ANSWERS, "skipped_questions", "unanswered_questions", "phone_declined")


@dataclass(frozen=True)
class Question:
    form: str
    slot: str
    prefix: tuple[str, ...]  # the messages that lead to this question
    buttons: tuple[tuple[str, str], ...]  # (title, payload)


class Visitor:
    def __init__(self, bot: BotServers) -> None:
        self.bot = bot
        self.sender = f"typed-{uuid.uuid4().hex[:12]}"
        self.last: list[dict[str, Any]] = []

    def say(self, message: str) -> list[dict[str, Any]]:
        self.last = self.bot.say(self.sender, message)
        return self.last

    def tracker(self) -> dict[str, Any]:
        tracker: dict[str, Any] = self.bot.tracker(rest_conversation(self.sender))
        return tracker

    def state(self) -> tuple[Any, ...]:
        tracker = self.tracker()
        slots = tracker["slots"]
        return ((tracker.get("active_loop") or {}).get("name"), slots.get("requested_slot"),
                *(str(slots.get(name)) for name in STATE_SLOTS))

    def buttons(self) -> tuple[tuple[str, str], ...]:
        return tuple((str(b["title"]), str(b["payload"]))
                     for reply in self.last for b in reply.get("buttons") or [])


def replay(bot: BotServers, prefix: tuple[str, ...]) -> Visitor:
    visitor = Visitor(bot)
    for message in prefix:
        visitor.say(message)
    return visitor


def questions_of(bot: BotServers, form: str) -> list[Question]:
    """Walks the form with ordinary answers; every question it asks, with its buttons."""
    visitor = Visitor(bot)
    prefix: tuple[str, ...] = (STARTS[form],)
    visitor.say(prefix[0])
    found: list[Question] = []
    while True:
        tracker = visitor.tracker()
        slot = tracker["slots"].get("requested_slot")
        if (tracker.get("active_loop") or {}).get("name") != form or slot is None:
            return found
        assert slot not in {q.slot for q in found}, f"{form} asked {slot} twice"
        found.append(Question(form, slot, prefix, visitor.buttons()))
        prefix = (*prefix, ANSWERS[slot])
        visitor.say(ANSWERS[slot])


@pytest.fixture(scope="module")
def questions(bot: BotServers) -> list[Question]:
    return [question for form in STARTS for question in questions_of(bot, form)]


def test_every_form_is_walked_through_with_ordinary_answers(questions: list[Question]) -> None:
    asked = {(q.form, q.slot) for q in questions}
    assert {slot for form, slot in asked if form == "advice_form"} == {
        "country", "sector", "employees", "revenue", "usa_canada", "personal_data",
        "online_sales", "priority"}
    assert {slot for form, slot in asked if form == "quote_form"} == {
        "preferred_insurer", "consent", "contact_name", "company_name", "contact_email",
        "contact_phone"}
    assert {slot for form, slot in asked if form == "callback_form"} == {
        "consent", "contact_name", "callback_contact", "callback_moment"}


def test_a_typed_button_title_does_what_the_button_does(
    bot: BotServers, questions: list[Question]
) -> None:
    tried: set[tuple[str, str]] = set()
    differences = []
    for question in questions:
        for title, payload in question.buttons:
            if (question.slot, title) in tried:
                continue  # the same question in another form: tried once
            tried.add((question.slot, title))
            clicked = replay(bot, question.prefix)
            clicked.say(payload)
            typed = replay(bot, question.prefix)
            typed.say(title)
            if clicked.state() != typed.state():
                differences.append((question.form, question.slot, title,
                                    clicked.state(), typed.state()))
    assert differences == []
    assert len(tried) >= 25  # every question's buttons, sectors and priorities included


@pytest.mark.parametrize("answer", ["weet ik niet", "sla over"])
def test_no_question_is_asked_for_ever_when_the_visitor_has_no_answer(
    bot: BotServers, questions: list[Question], answer: str
) -> None:
    last = {question.form: question.slot for question in questions}
    stuck = []
    for question in questions:
        visitor = replay(bot, question.prefix)
        for _ in range(2):
            visitor.say(answer)
            tracker = visitor.tracker()
            if tracker["slots"].get("requested_slot") != question.slot:
                break
        else:
            stuck.append((question.form, question.slot))
            continue
        loop = (tracker.get("active_loop") or {}).get("name")
        if question.slot in ("consent", "contact_name", "contact_email", "callback_contact"):
            # No answer to a contact question: the request is withdrawn, nothing kept.
            assert loop is None and tracker["slots"]["consent"] is not True, question
            assert all(tracker["slots"][name] is None
                       for name in ("contact_name", "contact_email", "contact_phone",
                                    "callback_contact")), question
        elif question.slot == last[question.form]:
            assert loop is None, question  # the form is complete
        else:
            assert loop == question.form, (question, loop)  # on to the next question
    assert stuck == []
