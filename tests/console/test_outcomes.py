"""What the index records of a conversation, from each kind of recorded conversation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cyberbot.console.outcomes import (
    OUTCOME_TAGS,
    ConversationFacts,
    ConversationSummary,
    read_conversation,
)
from cyberbot.tracker_events import TrackerEvent
from tests.console.tracker_fixtures import (
    DEFAULT_START,
    HTML_TEXT,
    KINDS,
    MODEL_METADATA,
    ConversationBuilder,
    abandoned_form_conversation,
    faq_conversation,
    summarise,
)

FLAGS = ("faq_answered", "advice_given", "quote_requested", "callback_requested", "fallback_hit")


def tracked(conversation: Sequence[dict[str, Any]], first_id: int = 1) -> list[TrackerEvent]:
    return [TrackerEvent(first_id + n, data) for n, data in enumerate(conversation)]


def summary_of(conversation: Sequence[dict[str, Any]]) -> ConversationSummary:
    summary = summarise("conv", tracked(conversation))
    assert summary is not None
    return summary


def raised_flags(summary: ConversationSummary) -> set[str]:
    return {flag for flag in FLAGS if getattr(summary, flag)}


def test_the_tags_in_order_with_dutch_labels() -> None:
    assert list(OUTCOME_TAGS.items()) == [
        ("faq_answered", "FAQ beantwoord"),
        ("advice_started", "Advies gestart"),
        ("advice_given", "Advies gegeven"),
        ("quote_requested", "Offerte aangevraagd"),
        ("callback_requested", "Terugbelverzoek"),
        ("lead_delivered", "Afgeleverd"),
        ("handoff", "Live gesprek"),
        ("fallback_hit", "Niet begrepen"),
        ("fallback_loop", "Herhaald niet begrepen"),
        ("low_confidence", "Lage zekerheid"),
        ("abandoned", "Formulier afgebroken"),
    ]


@pytest.mark.parametrize(
    ("kind", "flags", "form_open"),
    [
        ("faq", {"faq_answered"}, False),
        ("advice", {"advice_given"}, False),
        ("quote", {"quote_requested"}, False),
        ("callback", {"callback_requested"}, False),
        ("fallback", {"fallback_hit"}, False),
        ("low_confidence", {"faq_answered"}, False),
        ("abandoned", set(), True),
        ("html", {"faq_answered"}, False),
    ],
)
def test_each_kind_of_conversation(kind: str, flags: set[str], form_open: bool) -> None:
    summary = summary_of(KINDS[kind]())

    assert raised_flags(summary) == flags
    assert summary.form_open is form_open


def test_the_facts_of_a_conversation() -> None:
    conversation = faq_conversation(channel="socketio", text="Wat kost een Cyberverzekering?")
    summary = summarise("conv-1", tracked(conversation, first_id=40))

    assert summary == ConversationSummary(
        conversation_id="conv-1",
        channel="socketio",
        started_at=DEFAULT_START + timedelta(seconds=1),
        last_activity=DEFAULT_START + timedelta(seconds=len(conversation)),
        turns=1,
        faq_answered=True,
        advice_started=False,
        advice_given=False,
        quote_requested=False,
        callback_requested=False,
        handoff=False,
        fallback_hit=False,
        fallback_loop=False,
        min_confidence=0.98,
        form_open=False,
        dropoff_question=None,
        model_id=MODEL_METADATA["model_id"],
        first_message="Wat kost een Cyberverzekering?",
        search_text="wat kost een cyberverzekering?",
        last_event_id=40 + len(conversation) - 1,
    )
    assert summary.started_at.tzinfo == timezone.utc


def test_no_events_no_summary() -> None:
    assert summarise("conv", []) is None
    assert summarise("conv", [TrackerEvent(1, {"event": "session_started"})]) is None


def test_a_conversation_without_messages() -> None:
    summary = summary_of(ConversationBuilder().session_start().events)

    assert (summary.turns, summary.channel, summary.min_confidence) == (0, None, None)
    assert (summary.first_message, summary.search_text) == (None, "")


def test_turns_confidence_and_texts_over_several_messages() -> None:
    builder = ConversationBuilder(channel="whatsapp").session_start()
    builder.button("/faq/kosten").action("utter_faq").bot("Antwoord", "utter_faq/kosten")
    builder.user("Is het VERPLICHT voor een café?", "faq", 0.55, faq_key="faq/verplicht")
    builder.user("tweeënveertig", "inform", 0.8)
    summary = summary_of(builder.events)

    assert summary.turns == 3
    assert summary.min_confidence == 0.55
    assert summary.channel == "whatsapp"
    assert summary.first_message == "/faq/kosten"
    assert summary.search_text == "/faq/kosten\nis het verplicht voor een cafe?\ntweeenveertig"


def test_the_channel_is_that_of_the_first_message_that_has_one() -> None:
    builder = ConversationBuilder(channel="")
    builder.user("hallo", "greet")
    builder.channel = "rest"
    builder.user("nog eens", "greet")
    builder.channel = "socketio"
    builder.user("en nog eens", "greet")

    assert summary_of(builder.events).channel == "rest"


def test_long_texts_are_cut_to_the_columns() -> None:
    builder = ConversationBuilder()
    for _ in range(30):
        builder.user("x" * 1000, "inform")
    summary = summary_of(builder.events)

    assert summary.first_message == "x" * 200
    assert len(summary.search_text) == 20_000


def test_html_is_kept_as_typed() -> None:
    summary = summary_of(KINDS["html"]())

    assert summary.first_message == HTML_TEXT
    assert summary.search_text == HTML_TEXT.lower()


def test_start_and_last_activity_are_the_first_and_last_moment() -> None:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
    events = ConversationBuilder(start, step=3600).session_start().user("hoi", "greet").events

    summary = summary_of(events)

    assert summary.started_at == start + timedelta(hours=1)
    assert summary.last_activity == start + timedelta(hours=len(events))


@pytest.mark.parametrize(
    "builder",
    [
        ConversationBuilder().action("utter_faq"),
        ConversationBuilder().bot("Antwoord", "utter_faq/kosten"),
    ],
    ids=["action", "bot-utter-action"],
)
def test_faq_answered_from_the_action_or_the_bots_utter_action(
    builder: ConversationBuilder,
) -> None:
    assert summary_of(builder.events).faq_answered


def test_other_responses_are_no_faq_answer() -> None:
    events = ConversationBuilder().action("utter_greet").bot("Hallo", "utter_greet").events

    assert not summary_of(events).faq_answered


@pytest.mark.parametrize(
    "builder",
    [
        ConversationBuilder().action("action_fallback"),
        ConversationBuilder().action("action_default_fallback"),
        ConversationBuilder().action("action_two_stage_fallback"),
        ConversationBuilder().user("??", "nlu_fallback", 0.2),
    ],
    ids=["action_fallback", "default", "two_stage", "nlu_fallback"],
)
def test_each_way_of_not_understanding(builder: ConversationBuilder) -> None:
    assert summary_of(builder.events).fallback_hit


@pytest.mark.parametrize(
    ("slot", "value", "flag"),
    [
        ("recommended_insurers", [], None),
        ("recommended_insurers", None, None),
        ("recommended_insurers", ["chubb"], "advice_given"),
        ("quote_reference", None, None),
        ("quote_reference", "CV-2026-1", "quote_requested"),
        ("callback_reference", None, None),
        ("callback_reference", "CV-2026-2", "callback_requested"),
    ],
)
def test_outcome_slots(slot: str, value: Any, flag: str | None) -> None:
    summary = summary_of(ConversationBuilder().slot(slot, value).events)

    assert raised_flags(summary) == ({flag} if flag else set())


def test_an_outcome_stays_once_reached() -> None:
    builder = ConversationBuilder().slot("quote_reference", "CV-2026-1")
    builder.session_start().slot("quote_reference", None)

    assert summary_of(builder.events).quote_requested


def test_a_form_still_in_progress_is_open() -> None:
    events = ConversationBuilder().action("quote_form").loop("quote_form").events

    assert summary_of(events).form_open


def test_a_stopped_form_stays_open_and_a_completed_one_is_closed() -> None:
    stopped = abandoned_form_conversation()
    completed = KINDS["advice"]()

    assert summary_of(stopped).form_open
    assert not summary_of(completed).form_open


def test_a_form_resumed_then_completed_is_closed() -> None:
    builder = ConversationBuilder()
    builder.loop("quote_form").loop(None)
    builder.user("toch wel een offerte", "request_quote")
    builder.loop("quote_form").loop(None).action("action_submit_quote")
    builder.slot("quote_reference", "CV-2026-3")

    summary = summary_of(builder.events)

    assert not summary.form_open
    assert summary.quote_requested


def test_a_form_completed_then_started_again_and_stopped_is_open() -> None:
    builder = ConversationBuilder()
    builder.loop("callback_form").loop(None).action("action_submit_callback")
    builder.loop("callback_form").loop(None).action("action_stop_form")

    assert summary_of(builder.events).form_open


def test_completing_one_form_leaves_another_stopped_one_open() -> None:
    builder = ConversationBuilder()
    builder.loop("advice_form").loop(None)
    builder.loop("quote_form").loop(None).action("action_submit_quote")

    assert summary_of(builder.events).form_open


def test_unreadable_values_are_ignored() -> None:
    events = [
        TrackerEvent(1, {"event": "session_started", "timestamp": 1_800_000_000.0}),
        TrackerEvent(2, {"event": "user", "timestamp": "gisteren", "parse_data": "??"}),
        TrackerEvent(3, {"event": "user", "timestamp": 1e300, "text": None, "input_channel": 5}),
        TrackerEvent(4, {"event": "action", "name": None, "timestamp": None}),
        TrackerEvent(5, {"event": "bot", "metadata": [], "timestamp": float("nan")}),
        TrackerEvent(6, {"event": "user", "parse_data": {"intent": {"confidence": True}}}),
    ]

    summary = summarise("conv", events)

    assert summary is not None
    assert summary.started_at == summary.last_activity
    assert (summary.turns, summary.min_confidence, summary.channel) == (3, None, None)
    assert summary.last_event_id == 6


def facts_of(builder: ConversationBuilder) -> ConversationFacts:
    facts = read_conversation("conv", tracked(builder.events))
    assert facts is not None
    return facts


def test_advice_started_when_the_advice_form_starts() -> None:
    assert summary_of(KINDS["advice"]()).advice_started
    assert summary_of(abandoned_form_conversation()).advice_started
    assert not summary_of(KINDS["quote"]()).advice_started


@pytest.mark.parametrize(
    ("values", "handoff"),
    [(["waiting"], True), (["waiting", "active", "closed"], True), (["active"], False),
     (["withdrawn"], False), ([None], False)],
)
def test_a_handoff_is_a_request_for_a_live_operator(values: list[Any], handoff: bool) -> None:
    builder = ConversationBuilder().session_start().user("mens graag", "request_human")
    for value in values:
        builder.slot("handoff", value)

    assert summary_of(builder.events).handoff is handoff


def miss(builder: ConversationBuilder, text: str = "qwerty") -> ConversationBuilder:
    return builder.user(text, "nlu_fallback", 0.3).action("action_fallback").listen()


def hit(builder: ConversationBuilder) -> ConversationBuilder:
    return builder.user("hallo", "greet", 0.99).action("utter_greet").listen()


def test_two_misses_in_a_row_make_a_fallback_loop() -> None:
    looped = miss(miss(ConversationBuilder().session_start()))
    apart = miss(hit(miss(ConversationBuilder().session_start())))
    new_session = miss(miss(ConversationBuilder().session_start()).session_start())

    assert summary_of(looped.events).fallback_loop
    assert not summary_of(apart.events).fallback_loop
    assert summary_of(apart.events).fallback_hit
    assert not summary_of(new_session.events).fallback_loop


def test_a_fallback_action_after_a_recognised_intent_is_a_miss() -> None:
    builder = ConversationBuilder().session_start()
    builder.user("iets vaags", "faq", 0.5).action("action_default_fallback").listen()
    builder.user("nog iets vaags", "inform", 0.5).action("action_fallback").listen()

    facts = facts_of(builder)

    assert facts.summary.fallback_loop
    assert [(m.text, m.intent) for m in facts.missed] == [
        ("iets vaags", "faq"),
        ("nog iets vaags", "inform"),
    ]


def test_the_missed_messages_with_what_was_predicted() -> None:
    builder = ConversationBuilder().session_start()
    miss(builder, "Kan ik met BITCOIN betalen?!")
    hit(builder)
    miss(builder, "   ")

    facts = facts_of(builder)

    assert len(facts.missed) == 1
    message = facts.missed[0]
    assert (message.text, message.normalised) == (
        "Kan ik met BITCOIN betalen?!",
        "kan ik met bitcoin betalen",
    )
    assert (message.intent, message.confidence) == ("nlu_fallback", 0.3)
    assert message.event_id == 4  # after the three events of the session start


def test_faq_answers_are_counted_per_key() -> None:
    builder = ConversationBuilder().session_start()
    builder.bot("A", "utter_faq/kosten").bot("B", "utter_faq/kosten").bot("C", "utter_faq/dekking")
    builder.bot("D", "utter_greet")

    assert facts_of(builder).counts == {("faq", "kosten"): 2, ("faq", "dekking"): 1}


def test_form_questions_asked_and_asked_again() -> None:
    builder = ConversationBuilder().session_start()
    builder.action("advice_form").loop("advice_form")
    builder.ask("sector", "Sector?").user("weet ik niet", "inform", 0.5)
    builder.ask("sector", "Sector?").user("bakkerij", "inform")
    builder.slot("sector", "horeca").ask("employees", "Medewerkers?")
    builder.user("stop", "stop").action("action_stop_form").loop(None)
    # Started again: its first question is no re-ask.
    builder.action("advice_form").loop("advice_form").ask("employees", "Medewerkers?")

    facts = facts_of(builder)

    assert facts.counts == {
        ("asked", "advice_form.sector"): 2,
        ("reasked", "advice_form.sector"): 1,
        ("asked", "advice_form.employees"): 2,
    }
    assert facts.summary.dropoff_question == "advice_form.employees"


def test_requested_slot_outside_a_form_is_no_question() -> None:
    builder = ConversationBuilder().session_start().slot("requested_slot", "sector")

    assert facts_of(builder).counts == {}


@pytest.mark.parametrize(
    ("kind", "dropoff"),
    [("abandoned", "advice_form.sector"), ("advice", None), ("quote", None), ("faq", None)],
)
def test_where_the_visitor_left_a_form(kind: str, dropoff: str | None) -> None:
    assert summary_of(KINDS[kind]()).dropoff_question == dropoff


def test_the_latest_question_of_the_open_forms_is_the_dropoff() -> None:
    builder = ConversationBuilder().session_start()
    builder.action("advice_form").loop("advice_form").ask("revenue", "Omzet?")
    builder.loop("callback_form").ask("contact_name", "Naam?").loop(None)
    started_only = ConversationBuilder().session_start().loop("quote_form")

    assert summary_of(builder.events).dropoff_question == "callback_form.contact_name"
    assert summary_of(started_only.events).dropoff_question == "quote_form"


def test_the_model_is_that_of_the_first_message() -> None:
    builder = ConversationBuilder().session_start().user("hoi", "greet")
    builder.events[-2]["metadata"]["model_id"] = "first-model"
    builder.user("nog eens", "greet")
    builder.events[-2]["metadata"]["model_id"] = "second-model"

    assert summary_of(builder.events).model_id == "first-model"
    assert summary_of(ConversationBuilder().session_start().events).model_id is None


def test_an_faq_question_without_a_sure_answer_is_a_miss_and_an_answer_is_not() -> None:
    builder = ConversationBuilder().session_start()
    builder.user("en hoe zit het daarmee", "faq", 0.4).action("action_answer_faq")
    builder.bot("Bedoelt u een van deze onderwerpen?", "utter_faq_clarify").listen()
    builder.user("wat kost dat", "faq", 0.3).action("action_answer_faq")
    builder.bot("Daar heb ik geen zeker antwoord op.", "utter_faq_unknown").listen()
    builder.user("wat kost een cyberverzekering", "faq", 0.98).action("action_answer_faq")
    builder.bot("De premie hangt af van ...", "utter_faq/kosten").listen()

    facts = facts_of(builder)

    assert [m.text for m in facts.missed] == ["en hoe zit het daarmee", "wat kost dat"]
    assert facts.summary.fallback_loop and facts.summary.faq_answered
