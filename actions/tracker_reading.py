"""What the actions read from a conversation: the latest turn and earlier answers."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from cyberbot.reading.answers import Turn

REQUESTED_SLOT = "requested_slot"
CONSENT_SESSION = "consent_session"


def latest_turn(tracker: Tracker) -> Turn:
    """The latest user message with its intent, the question it answers and insurers named."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    insurers = tuple(
        str(entity.get("value"))
        for entity in message.get("entities") or []
        if entity.get("entity") == "insurer" and entity.get("value")
    )
    return Turn(
        text=str(message.get("text") or ""),
        intent=intent,
        requested_slot=tracker.get_slot(REQUESTED_SLOT),
        insurer_entities=insurers,
    )


def _latest_user_index(events: list[dict[str, Any]]) -> int | None:
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "user":
            return index
    return None


def is_fresh_answer(tracker: Tracker) -> bool:
    """Whether the latest user message is still unanswered by the bot.

    After an interruption (an FAQ answered in the middle of a form) the form runs again
    without a new user message; that message must not be read as an answer twice.
    """
    index = _latest_user_index(tracker.events)
    if index is None:
        return False
    return not any(event.get("event") == "bot" for event in tracker.events[index + 1 :])


def previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest user message (to notice corrections)."""
    index = _latest_user_index(tracker.events)
    events = tracker.events if index is None else tracker.events[:index]
    for event in reversed(events):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def session_marker(tracker: Tracker) -> str:
    """Names the current session: the time its ``session_started`` event was stored."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return f"{float(event.get('timestamp') or 0):.6f}"
    return "none"


def consent_scope(tracker: Tracker, form: str) -> str:
    """What a consent given now covers: this form's purpose, in this session."""
    return f"{form}@{session_marker(tracker)}"


def consent_is_current(tracker: Tracker, form: str) -> bool:
    """Consent was given for ``form`` (a quote, a call-back) in this session.

    Slots carry over to a new session (the business profile is worth keeping), but a
    consent and the contact details that followed it belong to the request and the
    session that gave them: for another request or in a later session they are asked
    again, never reused or repeated.
    """
    return tracker.get_slot("consent") is True and tracker.get_slot(
        CONSENT_SESSION
    ) == consent_scope(tracker, form)


def previous_user_text(tracker: Tracker) -> str | None:
    """The user message before the latest one."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if seen_latest:
            return str(event.get("text") or "")
        seen_latest = True
    return None


# Input-screen findings that get their own explanation (cyberbot.nlu.input_screen), in the
# fallback and in the forms; other findings, such as unknown words, are treated as a
# message that could not be read.
EXPLAINED_ISSUES = frozenset({"empty", "no_words", "foreign"})


def explained_input_issue(message: dict[str, Any]) -> str | None:
    """Why the input screen could not read ``message``: empty, no_words or foreign."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "input_issue" and entity.get("value") in EXPLAINED_ISSUES:
            return str(entity.get("value"))
    return None


def input_issue(tracker: Tracker) -> str | None:
    """The explained input-screen finding on the latest user message, if any."""
    return explained_input_issue(tracker.latest_message or {})
