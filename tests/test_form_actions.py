"""The forms' custom actions, run directly with rasa-sdk trackers (no servers)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.advice import ActionRecommendInsurers
from actions.form_filling import ValidateAdviceForm, ValidateCallbackForm, ValidateQuoteForm
from actions.form_help import ActionExplainQuestion, ActionStopForm
from actions.form_questions import (
    QUESTION_ACTIONS,
    ActionAskConsent,
    ActionAskPreferredInsurer,
    ActionAskSector,
)
from actions.handoff import ActionSubmitCallback, ActionSubmitQuote
from actions.insurers import ActionInsurerInfo

ROOT = Path(__file__).resolve().parents[1]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text())
FORM_MESSAGES: dict[str, Any] = yaml.safe_load(
    (ROOT / "content" / "form_messages.yml").read_text(encoding="utf-8")
)
# Consent given in the current session (these trackers have no session_started event),
# for the form the test uses.
CONSENTED = {"consent": True, "consent_session": "quote_form@none"}
CONSENTED_TO_CALLBACK = {"consent": True, "consent_session": "callback_form@none"}
QUESTION_ACTIONS_BY_SLOT: dict[str, type[Action]] = {
    str(action.slot): action for action in QUESTION_ACTIONS
}


def make_tracker(
    text: str,
    intent: str = "inform",
    *,
    slots: dict[str, Any] | None = None,
    requested: str | None = None,
    form: str | None = "advice_form",
    entities: list[dict[str, Any]] | None = None,
    history: list[dict[str, Any]] | None = None,
    after_user: list[dict[str, Any]] | None = None,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
    }
    events = [
        *(history or []),
        {"event": "user", "text": text, "parse_data": message},
        *(after_user or []),
    ]
    all_slots: dict[str, Any] = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested
    return Tracker(
        sender_id="test-conversation",
        slots=all_slots,
        latest_message=message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def texts(messages: list[dict[str, Any]]) -> str:
    return " ".join(str(message.get("text")) for message in messages)


def test_details_given_when_asking_for_advice_fill_their_slots() -> None:
    tracker = make_tracker(
        "advies voor mijn webshop met 12 medewerkers en 1,2 miljoen omzet", "request_advice"
    )
    events, messages = run(ValidateAdviceForm(), tracker)
    assert slot_events(events) == {
        "sector": "detailhandel",
        "employees": 12,
        "revenue": 1_200_000,
        "online_sales": True,
    }
    assert texts(messages) == (
        "Genoteerd: Detailhandel en webwinkels, 12 medewerkers, een jaaromzet van "
        "€ 1,2 miljoen, u verkoopt online."
    )


def test_details_given_when_asking_for_a_quote_fill_their_slots() -> None:
    tracker = make_tracker(
        "Ik wil een offerte voor mijn webshop met 12 medewerkers en 1,2 miljoen omzet",
        "request_quote",
        form="quote_form",
    )
    events, messages = run(ValidateQuoteForm(), tracker)
    assert slot_events(events) == {
        "sector": "detailhandel",
        "employees": 12,
        "revenue": 1_200_000,
    }
    assert texts(messages).startswith("Genoteerd: Detailhandel en webwinkels, 12 medewerkers")


def test_contact_details_in_the_first_message_wait_for_consent() -> None:
    tracker = make_tracker("Ik wil een offerte, mail mij op jan@pixelwerk.nl of bel 0612345678",
                           "request_quote", form="quote_form")
    events, _ = run(ValidateQuoteForm(), tracker)
    assert "contact_email" not in slot_events(events)
    assert "contact_phone" not in slot_events(events)


@pytest.mark.parametrize(
    ("requested", "text"),
    [
        ("sector", "webshop, mailt u maar naar jan@pixelwerk.nl"),
        ("employees", "12, bel me op 0612345678"),
        ("revenue", "1 miljoen. jan@pixelwerk.nl"),
        ("preferred_insurer", "geen voorkeur, mijn nummer is +32 470 12 34 56"),
    ],
)
def test_a_contact_detail_typed_before_consent_fills_nothing(requested: str, text: str) -> None:
    tracker = make_tracker(text, requested=requested, form="quote_form")
    events, _ = run(ValidateQuoteForm(), tracker)
    filled = slot_events(events)
    assert not {"contact_email", "contact_phone", "callback_contact"} & filled.keys()
    assert requested in filled  # the answer to the question itself is read


def session_history(started_at: float) -> list[dict[str, Any]]:
    return [{"event": "action", "name": "action_session_start"},
            {"event": "session_started", "timestamp": started_at},
            {"event": "action", "name": "action_listen"}]


def test_a_consent_given_in_an_earlier_session_is_asked_again() -> None:
    earlier = {"consent": True, "consent_session": "quote_form@1700000000.000000",
               "contact_name": "Jan", "contact_email": "jan@pixelwerk.nl",
               "sector": "detailhandel"}
    tracker = make_tracker("/request_quote", "request_quote", form="quote_form", slots=earlier,
                           history=session_history(1800000000.0))
    events, _ = run(ValidateQuoteForm(), tracker)
    filled = slot_events(events)
    assert filled["consent"] is None and filled["consent_session"] is None
    assert filled["contact_name"] is None and filled["contact_email"] is None
    assert "sector" not in filled  # the business profile carries over


def test_a_consent_is_tied_to_the_session_that_gave_it() -> None:
    tracker = make_tracker("ja", "affirm", requested="consent", form="quote_form",
                           history=session_history(1800000000.5))
    events, _ = run(ValidateQuoteForm(), tracker)
    assert slot_events(events)["consent"] is True
    assert slot_events(events)["consent_session"] == "quote_form@1800000000.500000"


def test_an_email_address_with_digits_fills_no_phone_number() -> None:
    """An address such as jan.020-1234567@… holds no phone number: the phone question is
    still asked (found by make bench, whose e-mail addresses carry a run id)."""
    consented = {"consent": True, "consent_session": "quote_form@1800000000.000000",
                 "preferred_insurer": "hiscox", "contact_name": "Jan de Vries",
                 "company_name": "Pixelwerk"}
    tracker = make_tracker("jan.020-1234567@pixelwerk.nl", "inform", requested="contact_email",
                           form="quote_form", slots=consented,
                           history=session_history(1800000000.0))
    events, _ = run(ValidateQuoteForm(), tracker)
    filled = slot_events(events)
    assert filled["contact_email"] == "jan.020-1234567@pixelwerk.nl"
    assert filled.get("contact_phone") is None


def test_a_consent_for_a_call_back_does_not_cover_a_quote() -> None:
    slots = {**CONSENTED_TO_CALLBACK, "contact_name": "Fatima", "callback_contact": "+3291234567"}
    events, _ = run(ValidateQuoteForm(), make_tracker("/request_quote", "request_quote",
                                                      form="quote_form", slots=slots))
    filled = slot_events(events)
    assert filled["consent"] is None and filled["contact_name"] is None
    assert filled["callback_contact"] is None


def test_a_stored_lead_leaves_no_contact_detail_behind(leads_db: str) -> None:
    slots = {**CONSENTED_TO_CALLBACK, "contact_name": "Fatima",
             "callback_contact": "+32470123456", "contact_phone": "+32470123456",
             "callback_moment": "morgen"}
    events, _ = run(ActionSubmitCallback(), make_tracker("", slots=slots, form=None))
    filled = slot_events(events)
    assert filled["callback_reference"]
    for slot in ("consent", "consent_session", "contact_name", "callback_contact",
                 "contact_phone", "callback_moment"):
        assert filled[slot] is None, slot


def test_a_lead_is_never_made_from_an_earlier_sessions_details(leads_db: str) -> None:
    from cyberbot.db.engine import get_engine
    from cyberbot.leads.store import list_leads

    earlier = {"consent": True, "consent_session": "quote_form@1700000000.000000",
               "contact_name": "Jan", "contact_email": "jan@pixelwerk.nl"}
    events, messages = run(ActionSubmitQuote(), make_tracker(
        "", slots=earlier, form=None, history=session_history(1800000000.0)))
    assert list_leads(get_engine(leads_db)) == []
    assert slot_events(events)["contact_email"] is None
    assert texts(messages) == FORM_MESSAGES["consent"]["refused_cleared"]


@pytest.mark.parametrize(("answer", "country"), [("Nederland", "nl"), ("in België", "be"),
                                                 ("Gent", "be")])
def test_the_country_question_is_read(answer: str, country: str) -> None:
    tracker = make_tracker(answer, requested="country", form="advice_form")
    events, _ = run(ValidateAdviceForm(), tracker)
    assert slot_events(events)["country"] == country


def test_a_country_outside_nl_and_be_is_explained() -> None:
    tracker = make_tracker("Duitsland", requested="country", form="advice_form")
    events, messages = run(ValidateAdviceForm(), tracker)
    assert slot_events(events)["country"] is None
    assert "Nederland en België" in texts(messages)


def test_a_quote_asked_while_telling_of_an_incident_gets_the_warning_first() -> None:
    tracker = make_tracker("we zijn gisteren gehackt en ik wil nu snel een offerte",
                           "request_quote", form="quote_form")
    _, messages = run(ValidateQuoteForm(), tracker)
    assert "niet achteraf verzekeren" in texts(messages)
    assert messages[0]["buttons"][0]["payload"] == "/faq/incident_nu"
    _, calm = run(ValidateQuoteForm(), make_tracker("ik wil een offerte", "request_quote",
                                                    form="quote_form"))
    assert "achteraf" not in texts(calm)


def test_asking_for_a_quote_in_the_middle_of_the_advice_fills_no_answer() -> None:
    """The request switches forms; it is no answer to the advice form's question."""
    tracker = make_tracker("Ik wil liever meteen een offerte", "request_quote",
                           requested="usa_canada")
    events, _ = run(ValidateAdviceForm(), tracker)
    assert slot_events(events) == {}


def test_a_question_in_the_middle_of_the_form_fills_nothing() -> None:
    tracker = make_tracker("Is een cyberverzekering verplicht?", "faq", requested="employees")
    events, _ = run(ValidateAdviceForm(), tracker)
    assert slot_events(events) == {}


def test_the_same_message_is_not_read_again_after_an_interruption() -> None:
    tracker = make_tracker(
        "veertig", requested="employees", after_user=[{"event": "bot", "text": "antwoord"}]
    )
    events, _ = run(ValidateAdviceForm(), tracker)
    assert slot_events(events) == {}


def test_an_unreadable_answer_is_explained_and_asked_again() -> None:
    events, messages = run(ValidateAdviceForm(), make_tracker("heel veel", requested="revenue"))
    assert slot_events(events) == {"revenue": None}
    assert "bedrag" in texts(messages)


def test_weet_ik_niet_first_offers_an_estimate_then_leaves_the_question_out() -> None:
    first = make_tracker("weet ik niet", "deny", requested="revenue")
    events, messages = run(ValidateAdviceForm(), first)
    assert slot_events(events) == {"revenue": None, "unanswered_questions": ["revenue"]}
    assert messages == []  # the question comes again, with estimate ranges
    known = {"country": "nl", "sector": "ict", "employees": 4}
    again = make_tracker("weet ik niet", "deny", requested="revenue",
                         slots={**known, "unanswered_questions": ["revenue"]})
    [asked] = run(QUESTION_ACTIONS_BY_SLOT["revenue"](), again)[1]
    assert asked["text"].startswith("Een schatting is goed")
    assert [b["title"] for b in asked["buttons"]][-1] == "Sla over"
    events, messages = run(ValidateAdviceForm(), again)
    slots = slot_events(events)
    assert slots["skipped_questions"] == ["revenue"] and slots["revenue"] is None
    assert slots["requested_slot"] == "usa_canada"  # on to the next question
    assert "sla ik over" in texts(messages)


@pytest.mark.parametrize(
    ("form", "slot", "text", "expected"),
    [("advice", "sector", "weet ik niet", {"sector": "overig"}),
     ("advice", "usa_canada", "geen idee", {"skipped_questions": ["usa_canada"]}),
     ("advice", "country", "sla over", {"skipped_questions": ["country"]}),
     ("advice", "priority", "maakt niet uit", {"skipped_questions": ["priority"]}),
     ("quote", "preferred_insurer", "weet ik niet", {"preferred_insurer": "none"}),
     ("quote", "contact_phone", "sla over", {"phone_declined": True}),
     ("callback", "callback_moment", "maakt niet uit", {"callback_moment": "geen voorkeur"})],
)
def test_every_question_has_a_way_forward_without_an_answer(
    form: str, slot: str, text: str, expected: dict[str, Any]
) -> None:
    consented = {"consent": True, "consent_session": f"{form}_form@none"}
    tracker = make_tracker(text, "faq", requested=slot, form=f"{form}_form", slots=consented)
    events, _ = run(FORM_OF[form](), tracker)
    slots = slot_events(events)
    for name, value in expected.items():
        assert slots[name] == value, (slot, slots)
    assert slots.get("requested_slot") != slot  # never the same question again


def test_a_required_question_without_answer_is_explained_with_a_way_out() -> None:
    consented = {"consent": True, "consent_session": "quote_form@none",
                 "unanswered_questions": ["contact_email"]}
    tracker = make_tracker("geen idee", requested="contact_email", form="quote_form",
                           slots=consented)
    [asked] = run(QUESTION_ACTIONS_BY_SLOT["contact_email"](), tracker)[1]
    assert "zonder e-mailadres" in asked["text"]
    assert {b["payload"] for b in asked["buttons"]} == {"/request_human", "/stop"}


@pytest.mark.parametrize(("form", "slot"), [("quote", "contact_email"), ("quote", "contact_name"),
                                          ("callback", "callback_contact"),
                                          ("callback", "consent")])
def test_a_contact_question_still_unanswered_after_the_help_withdraws_the_request(
    form: str, slot: str
) -> None:
    consented = {"consent": True, "consent_session": f"{form}_form@none",
                 "contact_name": "Eva Jansen"} if slot != "consent" else {}
    consented["unanswered_questions"] = [slot]
    tracker = make_tracker("weet ik echt niet", requested=slot, form=f"{form}_form",
                           slots=consented)
    events, _ = run(FORM_OF[form](), tracker)
    slots = slot_events(events)
    # As a refused consent: the form ends and the submit action files nothing.
    assert slots["consent"] is False
    assert slot == "consent" or slots[slot] is None
    assert slots["requested_slot"] is None


def test_geen_voorkeur_read_as_a_request_for_a_person_still_answers_the_question() -> None:
    consented = {"sector": "ict", "employees": 5, "revenue": 500_000, "country": "nl"}
    tracker = make_tracker("geen voorkeur", "request_human", requested="preferred_insurer",
                           form="quote_form", slots=consented)
    events, _ = run(ValidateQuoteForm(), tracker)
    assert slot_events(events)["preferred_insurer"] == "none"


def test_an_implausibly_low_revenue_is_questioned() -> None:
    events, messages = run(ValidateAdviceForm(), make_tracker("40", requested="revenue"))
    assert slot_events(events) == {"revenue": None}
    assert "€ 40" in texts(messages)


def test_a_correction_replaces_the_earlier_answer_and_says_so() -> None:
    history = [{"event": "slot", "name": "employees", "value": 12}]
    tracker = make_tracker(
        "nee, het zijn er 15", "deny", slots={"employees": 12}, requested="revenue", history=history
    )
    events, messages = run(ValidateAdviceForm(), tracker)
    assert slot_events(events) == {"employees": 15}
    assert "15 medewerkers" in texts(messages)


def test_unsure_sector_offers_the_close_ones_as_buttons() -> None:
    tracker = make_tracker("wij doen import en transport", requested="sector")
    _, messages = run(ActionAskSector(), tracker)
    titles = [button["title"] for button in messages[0]["buttons"]]
    assert 2 <= len(titles) <= 5
    assert messages[0]["text"].startswith("Die sector herken ik niet zeker")


def test_sector_question_without_an_earlier_answer_is_open() -> None:
    tracker = make_tracker("ik wil advies", "request_advice", requested=None)
    _, messages = run(ActionAskSector(), tracker)
    assert "sector" in messages[0]["text"] and not messages[0].get("buttons")


def test_each_plain_question_has_an_action() -> None:
    names = {action().name() for action in QUESTION_ACTIONS}
    declared = set(DOMAIN["actions"])
    assert names <= declared
    assert {"action_ask_employees", "action_ask_revenue", "action_ask_contact_email"} <= names
    _, messages = run(
        next(a for a in QUESTION_ACTIONS if a.slot == "usa_canada")(),
        make_tracker("", requested="usa_canada"),
    )
    assert "Verenigde Staten" in messages[0]["text"] and len(messages[0]["buttons"]) == 2


def test_why_is_answered_for_the_open_question() -> None:
    _, messages = run(
        ActionExplainQuestion(),
        make_tracker("waarom vraagt u dat?", "ask_why", requested="revenue"),
    )
    assert "omzet" in texts(messages)


def test_stop_ends_the_form_and_keeps_the_answers() -> None:
    tracker = make_tracker("stop", "stop", slots={"sector": "bouw"}, requested="employees")
    events, messages = run(ActionStopForm(), tracker)
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert "sector" not in slot_events(events)
    assert "onthoud" in texts(messages)


def test_recommendation_sets_the_ranked_insurers() -> None:
    slots = {
        "sector": "financiele_dienstverlening",
        "employees": 5,
        "revenue": 800_000,
        "usa_canada": False,
        "personal_data": True,
        "online_sales": False,
        "priority": "incident_help",
    }
    events, messages = run(ActionRecommendInsurers(), make_tracker("", slots=slots, form=None))
    ranked = slot_events(events)["recommended_insurers"]
    assert "hiscox" not in ranked and set(ranked) <= {"aig", "chubb"} and ranked
    assert "Hiscox" in texts(messages)  # says why it is left out
    # Right under the comparison: what it is and who answers for it, then the next steps.
    comparison, disclosure = messages
    assert comparison["text"].startswith("Vergelijking van AIG, Hiscox en Chubb")
    assert "Mijn advies" not in texts(messages) and "losgeld" not in texts(messages)
    assert "niet van de hele markt" in disclosure["text"]
    assert "geen persoonlijk advies" in disclosure["text"]
    assert any(b["payload"] == "/request_quote" for b in disclosure["buttons"])


def test_a_belgian_comparison_uses_belgian_facts_and_registration() -> None:
    from cyberbot.operator_info import operator_info

    slots = {"country": "be", "sector": "zorg", "employees": 4, "revenue": 400_000,
             "usa_canada": False, "personal_data": True, "online_sales": False,
             "priority": "incident_help"}
    _, messages = run(ActionRecommendInsurers(), make_tracker("", slots=slots, form=None))
    said = texts(messages)
    assert operator_info().belgium.registration in said
    assert operator_info().belgium.complaints in said
    assert "assurantiebelasting" not in said and "(NL)" not in said
    assert "makelaar" in said and "eigen risico" not in said


def test_insurer_info_compares_two_named_insurers() -> None:
    entities = [{"entity": "insurer", "value": "hiscox"}, {"entity": "insurer", "value": "chubb"}]
    _, messages = run(
        ActionInsurerInfo(),
        make_tracker("verschil Hiscox en Chubb", "ask_insurer", entities=entities, form=None),
    )
    assert "Hiscox" in texts(messages) and "Chubb" in texts(messages)


def test_preferred_insurer_question_puts_the_recommendation_first() -> None:
    tracker = make_tracker(
        "",
        slots={"recommended_insurers": ["chubb", "aig"]},
        requested="preferred_insurer",
        form="quote_form",
    )
    _, messages = run(ActionAskPreferredInsurer(), tracker)
    payloads = [button["payload"] for button in messages[0]["buttons"]]
    assert payloads == ["chubb", "aig", "hiscox", "none"]
    assert "Chubb" in messages[0]["text"]


def test_consent_question_links_the_privacy_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERBOT_PRIVACY_URL", "https://example.org/privacy")
    _, messages = run(ActionAskConsent(), make_tracker("", requested="consent", form="quote_form"))
    assert "(https://example.org/privacy)" in messages[0]["text"]


def test_refused_consent_ends_the_quote_form() -> None:
    tracker = make_tracker(
        "nee",
        "deny",
        requested="consent",
        form="quote_form",
        slots={"sector": "bouw", "employees": 3, "revenue": 200_000, "preferred_insurer": "none"},
    )
    events, _ = run(ValidateQuoteForm(), tracker)
    assert slot_events(events) == {"consent": False, "requested_slot": None}


def test_a_wrong_email_is_asked_again_with_the_reason() -> None:
    tracker = make_tracker(
        "jan.voorbeeld.nl", requested="contact_email", form="quote_form", slots=dict(CONSENTED)
    )
    events, messages = run(ValidateQuoteForm(), tracker)
    assert slot_events(events)["contact_email"] is None
    assert "@" in texts(messages)


def test_a_suspected_typo_is_accepted_when_typed_twice() -> None:
    first = make_tracker(
        "jan@gmial.com", requested="contact_email", form="quote_form", slots=dict(CONSENTED)
    )
    events, messages = run(ValidateQuoteForm(), first)
    assert slot_events(events)["contact_email"] is None
    assert "gmail.com" in texts(messages)
    history: list[dict[str, Any]] = [
        {"event": "user", "text": "jan@gmial.com", "parse_data": {}},
        {"event": "bot", "text": "Bedoelt u ...?"},
    ]
    again = make_tracker(
        "jan@gmial.com",
        requested="contact_email",
        form="quote_form",
        slots=dict(CONSENTED),
        history=history,
    )
    events, _ = run(ValidateQuoteForm(), again)
    assert slot_events(events)["contact_email"] == "jan@gmial.com"


def test_the_phone_number_is_normalised_or_may_be_declined() -> None:
    filled = {
        "country": "be",
        "sector": "bouw",
        "employees": 3,
        "revenue": 200_000,
        "preferred_insurer": "none",
        **CONSENTED,
        "contact_name": "Jan",
        "company_name": "Jan BV",
        "contact_email": "jan@example.org",
    }
    events, _ = run(
        ValidateQuoteForm(),
        make_tracker(
            "+32 470 12 34 56", requested="contact_phone", form="quote_form", slots=filled
        ),
    )
    assert slot_events(events)["contact_phone"] == "+32470123456"
    events, messages = run(
        ValidateQuoteForm(),
        make_tracker(
            "liever niet", "deny", requested="contact_phone", form="quote_form", slots=filled
        ),
    )
    assert slot_events(events) == {
        "contact_phone": None,
        "phone_declined": True,
        "requested_slot": None,
    }
    assert "zonder telefoonnummer" in texts(messages)


def test_callback_contact_accepts_a_phone_number_or_an_email() -> None:
    slots = {**CONSENTED_TO_CALLBACK, "contact_name": "Fatima"}
    events, _ = run(
        ValidateCallbackForm(),
        make_tracker(
            "bel me op 06-12345678", requested="callback_contact", form="callback_form", slots=slots
        ),
    )
    assert slot_events(events)["callback_contact"] == "+31612345678"
    events, _ = run(
        ValidateCallbackForm(),
        make_tracker(
            "fatima@example.be", requested="callback_contact", form="callback_form", slots=slots
        ),
    )
    assert slot_events(events)["callback_contact"] == "fatima@example.be"


@pytest.fixture()
def leads_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CYBERBOT_HANDOFF_CONFIG", str(tmp_path / "none.yml"))
    (tmp_path / "none.yml").write_text("{}\n")
    for variable in ("CYBERBOT_WEBHOOK_URL", "CYBERBOT_SMTP_HOST"):
        monkeypatch.delenv(variable, raising=False)
    return url


def test_submitting_a_quote_stores_the_lead_and_gives_a_reference(leads_db: str) -> None:
    from cyberbot.db.engine import get_engine
    from cyberbot.leads.store import list_leads

    slots = {
        "sector": "detailhandel",
        "employees": 12,
        "revenue": 1_200_000,
        "preferred_insurer": "hiscox",
        **CONSENTED,
        "contact_name": "Jan de Vries",
        "company_name": "Pixelwerk",
        "contact_email": "jan@pixelwerk.nl",
        "recommended_insurers": ["hiscox", "aig", "chubb"],
    }
    events, messages = run(ActionSubmitQuote(), make_tracker("", slots=slots, form=None))
    reference = slot_events(events)["quote_reference"]
    assert reference.startswith("CV-") and reference in texts(messages)
    [lead] = list_leads(get_engine(leads_db))
    assert lead["reference"] == reference and lead["kind"] == "quote"
    assert lead["conversation_id"] == "test-conversation"
    assert lead["recommendation"] == ["hiscox", "aig", "chubb"]


def test_the_action_server_stores_a_lead_without_knowing_where_leads_go(
    leads_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Destinations and their secrets are the outbox worker's: even a hand-off
    configuration the worker would refuse (a webhook without its secret) does not stop
    the action server, which only stores the lead for the worker to dispatch."""
    from cyberbot.db.engine import get_engine
    from cyberbot.leads.store import list_leads

    monkeypatch.setenv("CYBERBOT_WEBHOOK_URL", "https://crm.example.nl/hook")
    monkeypatch.delenv("CYBERBOT_WEBHOOK_SECRET", raising=False)
    slots = {**CONSENTED_TO_CALLBACK, "contact_name": "Fatima",
             "callback_contact": "+32470123456", "callback_moment": "morgenochtend"}
    events, _ = run(ActionSubmitCallback(), make_tracker("", slots=slots, form=None))
    [lead] = list_leads(get_engine(leads_db))
    assert lead["reference"] == slot_events(events)["callback_reference"]
    assert lead["delivery"] == "pending"  # until the worker dispatches it


def test_without_consent_nothing_is_stored(leads_db: str) -> None:
    from cyberbot.db.engine import get_engine
    from cyberbot.leads.store import list_leads

    events, messages = run(
        ActionSubmitQuote(),
        make_tracker("", slots={"consent": False, "contact_name": "Jan"}, form=None),
    )
    # The name given earlier in the conversation is forgotten, and the visitor told so.
    assert slot_events(events) == {"consent": None, "contact_name": None, "requested_slot": None}
    assert texts(messages) == FORM_MESSAGES["consent"]["refused_cleared"]
    assert list_leads(get_engine(leads_db)) == []


def test_a_callback_is_stored_with_the_expected_contact_moment(leads_db: str) -> None:
    from cyberbot.db.engine import get_engine
    from cyberbot.leads.store import list_leads

    slots = {
        **CONSENTED_TO_CALLBACK,
        "contact_name": "Fatima",
        "callback_contact": "+32470123456",
        "callback_moment": "morgenochtend",
    }
    events, messages = run(ActionSubmitCallback(), make_tracker("", slots=slots, form=None))
    reference = slot_events(events)["callback_reference"]
    assert reference in texts(messages) and "kantoor" in texts(messages)
    [lead] = list_leads(get_engine(leads_db))
    assert lead["kind"] == "callback" and lead["contact_phone"] == "+32470123456"
    assert lead["callback_moment"] == "morgenochtend"
    # The basis of the demands-and-needs statement travels with the lead.
    basis = lead["advice_basis"]
    assert [entry["insurer"] for entry in basis["ranking"]] == lead["recommendation"]
    assert all(entry["reasons"] for entry in basis["ranking"])


FORM_OF = {
    "advice": ValidateAdviceForm,
    "quote": ValidateQuoteForm,
    "callback": ValidateCallbackForm,
}


@pytest.mark.parametrize(
    ("form", "slot", "text", "expected"),
    [
        ("advice", "sector", "accountantskantoor", "zakelijke_dienstverlening"),
        ("advice", "sector", "Zorg en welzijn", "zorg"),
        ("advice", "sector", "blablabla", None),
        ("advice", "employees", "vijftien man", 15),
        ("advice", "employees", "alleen ikzelf", 1),
        ("advice", "employees", "veel", None),
        ("advice", "employees", "2000000", None),
        ("advice", "revenue", "anderhalf miljoen", 1_500_000),
        ("advice", "revenue", "750k", 750_000),
        ("advice", "revenue", "een hoop", None),
        ("advice", "revenue", "40", None),
        ("advice", "usa_canada", "ja, een paar klanten in Canada", True),
        ("advice", "usa_canada", "nee hoor", False),
        ("advice", "usa_canada", "misschien", None),
        ("advice", "personal_data", "jazeker", True),
        ("advice", "online_sales", "nee", False),
        ("advice", "priority", "risicoscans", "risk_scan"),
        ("advice", "priority", "incident_help", "incident_help"),
        ("advice", "priority", "de laagste prijs", None),
        ("quote", "preferred_insurer", "Chubb", "chubb"),
        ("quote", "preferred_insurer", "maakt niet uit", "none"),
        ("quote", "preferred_insurer", "Allianz", None),
        ("quote", "consent", "ja, ik geef toestemming", True),
        ("quote", "consent", "misschien later", None),
        ("quote", "contact_name", "Mijn naam is Els Peeters", "Els Peeters"),
        ("quote", "contact_name", "12345", None),
        ("quote", "company_name", "Bakkerij De Korenbloem", "Bakkerij De Korenbloem"),
        ("quote", "company_name", "!!!", None),
        ("quote", "contact_email", "els@peeters.be", "els@peeters.be"),
        ("quote", "contact_email", "els@peeters", None),
        ("quote", "contact_phone", "020-1234567", "+31201234567"),
        ("quote", "contact_phone", "12345", None),
        ("quote", "contact_phone", "+49 30 1234567", None),
        ("callback", "callback_contact", "els@peeters.be", "els@peeters.be"),
        ("callback", "callback_contact", "+32 9 123 45 67", "+3291234567"),
        ("callback", "callback_moment", "dinsdagmiddag", "dinsdagmiddag"),
        ("callback", "callback_moment", "?!", None),
    ],
)
def test_each_slot_accepts_good_values_and_explains_bad_ones(
    form: str, slot: str, text: str, expected: Any
) -> None:
    consented = {"consent": True, "consent_session": f"{form}_form@none"}
    slots = consented if slot != "consent" else {}
    tracker = make_tracker(text, "inform", requested=slot, form=f"{form}_form", slots=slots)
    events, messages = run(FORM_OF[form](), tracker)
    assert slot_events(events)[slot] == expected
    if expected is None and slot == "sector":
        # the sector question itself explains, with every sector as a button
        _, asked = run(ActionAskSector(), tracker)
        assert asked[0]["text"].startswith("Die sector herken ik niet zeker")
        assert len(asked[0]["buttons"]) == 13
    elif expected is None:
        assert messages, "a refused answer is explained before the question comes again"
    else:
        assert messages == []


def test_an_empty_answer_says_so_once_and_asks_again() -> None:
    issue = [{"entity": "input_issue", "value": "empty"}]
    tracker = make_tracker("", "nlu_fallback", requested="revenue", entities=issue)
    events, messages = run(ValidateAdviceForm(), tracker)
    assert slot_events(events) == {"revenue": None}
    assert texts(messages) == "Ik heb geen tekst ontvangen."


def test_insurer_info_reads_both_names_when_the_extractor_found_one() -> None:
    entities = [{"entity": "insurer", "value": "chubb"}]
    tracker = make_tracker(
        "verschil tussen Hiscox en Chubb", "ask_insurer", entities=entities, form=None
    )
    _, messages = run(ActionInsurerInfo(), tracker)
    assert "Hiscox" in texts(messages) and "Chubb" in texts(messages)


def test_unknown_words_count_as_an_answer_that_could_not_be_read() -> None:
    issue = [{"entity": "input_issue", "value": "unknown_words"}]
    tracker = make_tracker("x" * 3000, "nlu_fallback", requested="sector", entities=issue)
    _, asked = run(ActionAskSector(), tracker)
    assert asked[0]["text"].startswith("Die sector herken ik niet zeker")


def test_every_explained_input_issue_has_a_form_message() -> None:
    from actions.messages import form_messages
    from actions.tracker_reading import EXPLAINED_ISSUES

    assert set(form_messages()["input_issue"]) == EXPLAINED_ISSUES
