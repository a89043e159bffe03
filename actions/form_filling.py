"""How the three forms read and check answers; the forms themselves subclass this.

Every form slot has a custom mapping, so all reading happens here: the latest message
is read for the question that was asked and for details given in passing
(cyberbot.reading.answers), then each value is checked by its ``validate_<slot>``
method, which explains to the visitor what was wrong before the form asks again.
A message that is a question of its own yields no slot, so the form is rejected and
the dialogue rules answer it before the form resumes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.live_chat import offer_live_chat
from actions.messages import form_messages, text
from actions.tracker_reading import (
    CONSENT_SESSION,
    consent_is_current,
    consent_scope,
    input_issue,
    is_fresh_answer,
    latest_turn,
    previous_user_text,
    previous_value,
)
from cyberbot.advice.formatting import format_euro
from cyberbot.advice.no_answer import Step, next_step
from cyberbot.advice.sectors import load_sectors
from cyberbot.reading.answers import (
    ANSWER_INTENTS,
    CONTACT_DETAIL_SLOTS,
    declines_phone,
    is_interruption,
    read_context,
    read_direct,
    read_no_answer,
)
from cyberbot.reading.contact import check_email, check_phone, problem_message
from cyberbot.reading.country import COUNTRIES
from cyberbot.reading.incidents import mentions_incident

PHONE_DECLINED = "phone_declined"
UNANSWERED = "unanswered_questions"
SKIPPED = "skipped_questions"
# Extraction marks a refused phone number with this value; validation turns it into
# the phone_declined slot, which drops the question from the quote form.
_DECLINED = "__declined__"
# Extraction marks a question the visitor did not answer with this prefix and the step
# ("skip" or "help"); validation applies it (see _no_answer).
_NO_ANSWER = "__no_answer__:"
# The intents that start a form.
FORM_REQUESTS = frozenset({"request_advice", "request_quote", "request_human"})
MIN_PLAUSIBLE_REVENUE = 1000
MAX_PLAUSIBLE_EMPLOYEES = 1_000_000


class BusinessFormValidation(FormValidationAction, ABC):
    """Reading and validation shared by advice_form, quote_form and callback_form."""

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>"""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if "consent" in domain_slots and tracker.get_slot("consent") is False:
            # Refused: nothing more is asked. Consent stays required (and filled), so the
            # refusal itself is validated and the form ends without a rejection.
            return ["consent"]
        left_out = set(tracker.get_slot(SKIPPED) or [])
        if tracker.get_slot(PHONE_DECLINED):
            left_out.add("contact_phone")
        return [slot for slot in domain_slots if slot not in left_out]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Returned whole: rasa-sdk would pass on only the form's own slots.
        forgotten = []
        if "consent" in self.domain_slots(domain):
            forgotten = forget_earlier_consent(tracker, self.form_name())
            tracker.add_slots(forgotten)
        return [*forgotten, *await super().run(dispatcher, tracker, domain)]

    async def get_extraction_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        if not is_fresh_answer(tracker):
            return []
        slots = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        if not consent_is_current(tracker, self.form_name()):
            # Contact details only after consent, whatever question was asked: an
            # address typed earlier is not read, stored or passed on.
            slots = [slot for slot in slots if slot not in CONTACT_DETAIL_SLOTS]
        turn = latest_turn(tracker)
        asked = turn.requested_slot if turn.requested_slot in slots else None
        # Read as an answer to the question first, whatever the classifier thought.
        no_answer = read_no_answer(turn.text) if asked else None
        direct = read_direct(turn) if asked and no_answer is None else None
        refuses_phone = asked == "contact_phone" and declines_phone(turn)
        # The message that starts a form is read for details given in passing ("een
        # offerte voor mijn webshop met 12 medewerkers"); later, such a request switches
        # forms or interrupts and fills nothing.
        starting = asked is None and turn.intent in FORM_REQUESTS
        answered = direct is not None or refuses_phone or no_answer is not None
        if is_interruption(turn, answered) and not starting:
            return []
        if asked and no_answer is not None and not refuses_phone:
            step = next_step(no_answer_steps(), asked, no_answer,
                             list(tracker.get_slot(UNANSWERED) or []).count(asked))
            if step is not None and step.kind in ("skip", "help", "withdraw"):
                # Marked here, applied in validation: only the form's own slots get past
                # extraction (see get_validation_events).
                return [SlotSet(asked, _NO_ANSWER + step.kind)]
            if step is not None:
                direct = _answer_for(step, tracker)
                refuses_phone = step.kind == "decline"
        if starting and turn.intent == "request_quote" and mentions_incident(turn.text):
            # Said before any question: the quote cannot cover what already happened.
            incident = form_messages()["incident"]
            dispatcher.utter_message(text=incident["not_insurable"], buttons=incident["buttons"])
        values = read_context(turn, slots)
        if asked:
            if refuses_phone:
                values[asked] = _DECLINED
            elif direct is not None:
                values[asked] = direct
            elif not values:
                values[asked] = None  # nothing read: explained, then asked again
                issue = input_issue(tracker)
                if issue is not None:
                    dispatcher.utter_message(text=text("input_issue", issue))
        noted = noted_text(values) if asked is None else None
        if noted:
            dispatcher.utter_message(text=noted)
        return [SlotSet(slot, value) for slot, value in values.items()]

    # -- helpers ---------------------------------------------------------------------

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        for slot, value in tracker.slots_to_validate().items():
            if isinstance(value, str) and value.startswith(_NO_ANSWER):
                return self._no_answer(slot, value.removeprefix(_NO_ANSWER), dispatcher,
                                       tracker)
        events: list[EventType] = await super().get_validation_events(
            dispatcher, tracker, domain)
        return events

    @staticmethod
    def _no_answer(slot: str, step: str, dispatcher: CollectingDispatcher,
                   tracker: Tracker) -> list[EventType]:
        """Leaves the question out ("skip"), has it asked again with help ("help"), or
        withdraws the request ("withdraw": as a refused consent, so nothing is filed and
        the contact details are forgotten by the submit action)."""
        unanswered = [*(tracker.get_slot(UNANSWERED) or []), slot]
        events: list[EventType] = [SlotSet(slot, None), SlotSet(UNANSWERED, unanswered)]
        if step == "withdraw":
            events.append(SlotSet("consent", False))
        if step == "skip":
            skipped = form_messages()["no_answer"]["skipped"]
            dispatcher.utter_message(text=skipped.get(slot, skipped["default"]))
            events.append(SlotSet(SKIPPED, [*(tracker.get_slot(SKIPPED) or []), slot]))
        return events

    @staticmethod
    def _not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, key: str) -> None:
        """Say that an answer was not understood, if the message was meant as one (and the
        input screen has not said why already)."""
        if latest_turn(tracker).intent in ANSWER_INTENTS and input_issue(tracker) is None:
            dispatcher.utter_message(text=text("not_understood", key))

    @staticmethod
    def _acknowledge_change(
        dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, value: Any, shown: str
    ) -> None:
        before = previous_value(tracker, slot)
        if before is not None and before != value:
            dispatcher.utter_message(text=text("corrected", slot, value=shown))

    # -- the business profile ----------------------------------------------------------

    def validate_country(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value not in COUNTRIES:
            self._not_understood(dispatcher, tracker, "country")
            return {"country": None}
        return {"country": value}

    def validate_sector(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        labels = {sector.id: sector.label for sector in load_sectors()}
        if value not in labels:
            # action_ask_sector follows and offers the sectors that came close
            return {"sector": None}
        self._acknowledge_change(dispatcher, tracker, "sector", value, labels[value])
        return {"sector": value}

    def validate_employees(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "employees")
            return {"employees": None}
        count = int(value)
        if count < 1 or count > MAX_PLAUSIBLE_EMPLOYEES:
            dispatcher.utter_message(text=text("implausible", "employees_high", count=count))
            return {"employees": None}
        shown = text("noted", "employees_one") if count == 1 else f"{count} medewerkers"
        self._acknowledge_change(dispatcher, tracker, "employees", count, shown)
        return {"employees": count}

    def validate_revenue(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "revenue")
            return {"revenue": None}
        amount = int(value)
        if amount < MIN_PLAUSIBLE_REVENUE:
            dispatcher.utter_message(
                text=text("implausible", "revenue_low", amount=format_euro(amount))
            )
            return {"revenue": None}
        self._acknowledge_change(dispatcher, tracker, "revenue", amount, format_euro(amount))
        return {"revenue": amount}

    def _validate_yes_no(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "yes_no")
        return {slot: value}

    def validate_usa_canada(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_yes_no("usa_canada", value, dispatcher, tracker)

    def validate_personal_data(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_yes_no("personal_data", value, dispatcher, tracker)

    def validate_online_sales(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_yes_no("online_sales", value, dispatcher, tracker)

    def validate_priority(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "priority")
        return {"priority": value}

    # -- the quote and the call-back -----------------------------------------------------

    def validate_preferred_insurer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "preferred_insurer")
        return {"preferred_insurer": value}

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        checked = self._validate_yes_no("consent", value, dispatcher, tracker)
        if value is True:
            # What the consent covers: this request, in this session.
            checked[CONSENT_SESSION] = consent_scope(tracker, self.form_name())
        return checked

    def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "contact_name")
        return {"contact_name": value}

    def validate_company_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "company_name")
        return {"company_name": value}

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"contact_email": None}
        check = check_email(str(value))
        if check.ok:
            return {"contact_email": check.value}
        if check.problem == "typo_domain" and _typed_twice(tracker):
            # The visitor insists on an address we suspected of a typo: take it.
            return {"contact_email": str(value).strip()}
        dispatcher.utter_message(text=problem_message(check, "email"))
        return {"contact_email": None}

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == _DECLINED:
            dispatcher.utter_message(text=text("phone", "declined"))
            return {"contact_phone": None, PHONE_DECLINED: True}
        if value is None:
            if latest_turn(tracker).intent in ANSWER_INTENTS:
                dispatcher.utter_message(text=text("phone", "optional_hint"))
            return {"contact_phone": None}
        check = check_phone(str(value))
        if check.ok:
            return {"contact_phone": check.value, PHONE_DECLINED: None}
        dispatcher.utter_message(
            text=f"{problem_message(check, 'phone')} {text('phone', 'optional_hint')}"
        )
        return {"contact_phone": None}

    def validate_callback_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "callback_contact")
            return {"callback_contact": None}
        raw = str(value)
        if "@" in raw:
            check = check_email(raw)
            if check.ok or (check.problem == "typo_domain" and _typed_twice(tracker)):
                email = check.value or raw.strip()
                return {"callback_contact": email, "contact_email": email}
            dispatcher.utter_message(text=problem_message(check, "email"))
            return {"callback_contact": None}
        check = check_phone(raw)
        if check.ok:
            return {"callback_contact": check.value, "contact_phone": check.value}
        dispatcher.utter_message(text=problem_message(check, "phone"))
        return {"callback_contact": None}

    def validate_callback_moment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            self._not_understood(dispatcher, tracker, "callback_moment")
        return {"callback_moment": value}


def no_answer_steps() -> dict[str, Any]:
    steps: dict[str, Any] = form_messages()["no_answer"]["steps"]
    return steps


def _answer_for(step: Step, tracker: Tracker) -> Any:
    """The answer a non-answer stands for: a fixed value, another slot's, or declining."""
    if step.kind == "value":
        return step.value
    if step.kind == "copy":
        return tracker.get_slot(str(step.value))
    return None


def forget_earlier_consent(tracker: Tracker, form: str) -> list[EventType]:
    """Clears a consent given for another request or in an earlier session, with the
    contact details it allowed."""
    if tracker.get_slot("consent") is not True or consent_is_current(tracker, form):
        return []
    return clear_contact_events(tracker)


def clear_contact_events(tracker: Tracker) -> list[EventType]:
    """Events that forget the consent and every contact detail that is set."""
    slots = ["consent", CONSENT_SESSION, *sorted(CONTACT_DETAIL_SLOTS), PHONE_DECLINED]
    return [SlotSet(slot, None) for slot in slots if tracker.get_slot(slot) is not None]


def noted_text(values: dict[str, Any]) -> str | None:
    """Confirms the business details read from the message that started the form."""
    noted = form_messages()["noted"]
    labels = {sector.id: sector.label for sector in load_sectors()}
    details: list[str] = []
    for slot in ("sector", "employees", "revenue", "online_sales", "usa_canada", "personal_data",
                 "country"):
        value = values.get(slot)
        if value is None:
            continue
        if slot == "country":
            details.append(noted["country"][value])
        elif slot == "sector":
            details.append(noted["sector"].format(value=labels.get(value, value)))
        elif slot == "employees":
            key = "employees_one" if value == 1 else "employees"
            details.append(noted[key].format(value=value))
        elif slot == "revenue":
            details.append(noted["revenue"].format(value=format_euro(value)))
        else:
            details.append(noted[slot][bool(value)])
    if not details:
        return None
    return str(noted["intro"]).format(details=", ".join(details))


def _typed_twice(tracker: Tracker) -> bool:
    """The visitor sent the same text as in their previous message."""
    turn_text = latest_turn(tracker).text.strip().casefold()
    before = previous_user_text(tracker)
    return before is not None and before.strip().casefold() == turn_text


class ValidateAdviceForm(BusinessFormValidation):
    def name(self) -> str:
        return "validate_advice_form"


class ValidateQuoteForm(BusinessFormValidation):
    def name(self) -> str:
        return "validate_quote_form"


class ValidateCallbackForm(BusinessFormValidation):
    def name(self) -> str:
        return "validate_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Starting: a person answers now when one is free (actions/live_chat.py).
        if (tracker.active_loop or {}).get("name") != self.form_name():
            live = await offer_live_chat(dispatcher, tracker)
            if live is not None:
                return live
        return await super().run(dispatcher, tracker, domain)
