"""parse_webhook: Meta's documented payloads, batches, and anything else a POST may carry."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, get_args

import pytest

from cyberbot.channels.whatsapp.inbound import (
    MAX_PROBLEMS,
    GraphErrorInfo,
    InboundMessage,
    MessageKind,
    ParsedDelivery,
    StatusUpdate,
    parse_webhook,
)
from tests.whatsapp import payloads
from tests.whatsapp.payloads import (
    CONTEXT_MESSAGE_ID,
    EXAMPLE_MESSAGE_ID,
    EXAMPLE_TIMESTAMP,
    PHONE_NUMBER_ID,
    PROFILE_NAME,
    SECOND_USER_WA_ID,
    USER_WA_ID,
    sample_payloads,
)

EXAMPLE_TIME = datetime(2025, 2, 12, 0, 43, 44, tzinfo=timezone.utc)
KINDS = set(get_args(MessageKind))

# sample -> (kind, text, title, original_type)
EXPECTED_MESSAGES = {
    "text": ("text", "Hallo", None, "text"),
    "empty_text": ("text", "", None, "text"),
    "button_reply": ("button", "cancel-button", "Cancel", "interactive"),
    "list_reply": ("list", "priority_express", "Priority Mail Express", "interactive"),
    "quick_reply_button": ("button", "Unsubscribe", "Unsubscribe", "button"),
    "image": ("unsupported", "", None, "image"),
    "audio": ("unsupported", "", None, "audio"),
    "location": ("unsupported", "", None, "location"),
    "sticker": ("unsupported", "", None, "sticker"),
    "reaction": ("unsupported", "", None, "reaction"),
    "reaction_removed": ("unsupported", "", None, "reaction"),
    "unsupported": ("unsupported", "", None, "unsupported"),
}


def only_message(body: Any) -> InboundMessage:
    delivery = parse_webhook(body)
    assert len(delivery.messages) == 1, delivery
    return delivery.messages[0]


def first_message(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


# ----- Meta's documented payloads ----------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_MESSAGES))
def test_documented_message_payloads(name: str) -> None:
    delivery = parse_webhook(sample_payloads()[name])
    assert delivery.statuses == ()
    assert delivery.problems == ()
    [message] = delivery.messages
    assert (message.kind, message.text, message.title, message.original_type) == (
        EXPECTED_MESSAGES[name]
    )
    assert message.sender == USER_WA_ID
    assert message.message_id.startswith("wamid.")
    assert message.timestamp == EXAMPLE_TIME
    assert message.timestamp.utcoffset() == timedelta(0)
    assert message.phone_number_id == PHONE_NUMBER_ID
    assert message.profile_name == PROFILE_NAME


def test_the_text_sample_keeps_metas_message_id() -> None:
    assert only_message(sample_payloads()["text"]).message_id == EXAMPLE_MESSAGE_ID


def test_every_sample_is_understood_without_problems() -> None:
    samples = sample_payloads()
    assert set(EXPECTED_MESSAGES) | {
        "status_sent",
        "status_delivered",
        "status_read",
        "status_failed",
        "batch",
    } == set(samples)
    for name, body in samples.items():
        assert parse_webhook(body).problems == (), name


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_documented_status_payloads(status: str) -> None:
    delivery = parse_webhook(sample_payloads()[f"status_{status}"])
    assert delivery.messages == ()
    assert delivery.statuses == (
        StatusUpdate(CONTEXT_MESSAGE_ID, status, EXAMPLE_TIME, USER_WA_ID, ()),
    )


def test_a_failed_status_carries_its_errors() -> None:
    [update] = parse_webhook(sample_payloads()["status_failed"]).statuses
    assert update.status == "failed"
    assert update.errors == (
        GraphErrorInfo(
            code=131047,
            title="Re-engagement message",
            message="Re-engagement message",
            details=(
                "Message failed to send because more than 24 hours have passed since the "
                "customer last replied to this number."
            ),
        ),
    )


def test_a_batch_is_parsed_in_delivery_order() -> None:
    delivery = parse_webhook(sample_payloads()["batch"])
    assert [(m.kind, m.text, m.sender, m.profile_name) for m in delivery.messages] == [
        ("text", "Goedemorgen", USER_WA_ID, PROFILE_NAME),
        ("button", "/affirm", USER_WA_ID, PROFILE_NAME),
        ("list", "hiscox", SECOND_USER_WA_ID, "Jan de Vries"),
    ]
    assert [m.timestamp for m in delivery.messages] == [
        EXAMPLE_TIME,
        EXAMPLE_TIME,
        EXAMPLE_TIME + timedelta(seconds=1),
    ]
    assert len({m.message_id for m in delivery.messages}) == 3
    assert [(s.status, s.timestamp) for s in delivery.statuses] == [
        ("read", EXAMPLE_TIME + timedelta(seconds=2))
    ]
    assert delivery.problems == ()


def test_a_batch_of_builders_keeps_every_message() -> None:
    body = payloads.batch_webhook(
        payloads.text_webhook("eerste"),
        payloads.webhook(payloads.button_reply_message("/deny", "Nee")),
        payloads.webhook(
            payloads.list_reply_message("beazley", "Beazley", sender=SECOND_USER_WA_ID)
        ),
        payloads.webhook(payloads.sticker_message()),
        payloads.failed_status_webhook(),
        payloads.text_webhook("laatste"),
    )
    delivery = parse_webhook(body)
    assert [(m.kind, m.text) for m in delivery.messages] == [
        ("text", "eerste"),
        ("button", "/deny"),
        ("list", "beazley"),
        ("unsupported", ""),
        ("text", "laatste"),
    ]
    assert [s.status for s in delivery.statuses] == ["failed"]


# ----- builders -----------------------------------------------------------------------


def test_builders_make_fresh_ids_and_current_timestamps() -> None:
    first, second = (only_message(payloads.text_webhook()) for _ in range(2))
    assert first.message_id != second.message_id
    now = datetime.now(timezone.utc)
    assert abs(first.timestamp - now) < timedelta(seconds=5)


def test_builder_parameters_reach_the_parsed_message() -> None:
    message = only_message(
        payloads.webhook(
            payloads.button_reply_message(
                "/affirm",
                "Ja, graag",
                sender="31687654321",
                message_id="wamid.custom",
                timestamp=1700000000,
            ),
            phone_number_id="555",
            profile_name="Piet",
        )
    )
    assert message == InboundMessage(
        message_id="wamid.custom",
        sender="31687654321",
        timestamp=datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
        kind="button",
        text="/affirm",
        title="Ja, graag",
        original_type="interactive",
        phone_number_id="555",
        profile_name="Piet",
    )


@pytest.mark.parametrize("kind", sorted(payloads.UNREADABLE_MESSAGES))
def test_every_unreadable_builder_gives_an_unsupported_message(kind: str) -> None:
    build = payloads.UNREADABLE_MESSAGES[kind]
    message = only_message(payloads.webhook(build(sender="31612340001")))
    assert (message.kind, message.original_type, message.sender) == (
        "unsupported", kind, "31612340001")


# ----- what is ignored and what is only noted ------------------------------------------


def test_other_objects_are_ignored_and_noted() -> None:
    body = sample_payloads()["text"]
    body["object"] = "page"
    delivery = parse_webhook(body)
    assert delivery.messages == ()
    assert delivery.problems == ("ignored object 'page'",)


def test_changes_of_other_fields_are_ignored_but_the_rest_is_kept() -> None:
    body = sample_payloads()["batch"]
    body["entry"][0]["changes"][0]["field"] = "account_update"
    delivery = parse_webhook(body)
    assert [m.text for m in delivery.messages] == ["hiscox"]
    assert [s.status for s in delivery.statuses] == ["read"]
    assert delivery.problems == ("entry 0 change 0: ignored field 'account_update'",)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": None}, "missing or malformed id"),
        ({"id": ""}, "missing or malformed id"),
        ({"id": 12345}, "missing or malformed id"),
        ({"id": "wamid." + "x" * 600}, "missing or malformed id"),
        ({"from": None}, "missing or malformed from"),
        ({"from": ["31612345678"]}, "missing or malformed from"),
        ({"timestamp": "yesterday"}, "missing or malformed timestamp"),
        ({"timestamp": "-5"}, "missing or malformed timestamp"),
        ({"timestamp": "1.5"}, "missing or malformed timestamp"),
        ({"timestamp": "\N{ARABIC-INDIC DIGIT ONE}" * 3}, "missing or malformed timestamp"),
        ({"timestamp": "9" * 30}, "missing or malformed timestamp"),
        ({"timestamp": 10**30}, "missing or malformed timestamp"),
        ({"timestamp": 1.5}, "missing or malformed timestamp"),
        ({"timestamp": True}, "missing or malformed timestamp"),
        ({"timestamp": None}, "missing or malformed timestamp"),
        ({"id": None, "from": None}, "missing or malformed id, from"),
    ],
)
def test_messages_without_a_usable_envelope_are_skipped(
    change: dict[str, Any], problem: str
) -> None:
    body = payloads.messages_webhook(
        payloads.text_message("eerste"), payloads.text_message("tweede")
    )
    first_message(body).update(change)
    delivery = parse_webhook(body)
    assert [m.text for m in delivery.messages] == ["tweede"]
    assert delivery.problems == (f"entry 0 change 0 message 0: skipped, {problem}",)


def test_an_integer_timestamp_is_accepted() -> None:
    body = payloads.text_webhook()
    first_message(body)["timestamp"] = EXAMPLE_TIMESTAMP
    assert only_message(body).timestamp == EXAMPLE_TIME


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"type": "text", "text": {}}, ("text", "", None, "text")),
        ({"type": "text", "text": {"body": None}}, ("unsupported", "", None, "text")),
        ({"type": "text", "text": {"body": 42}}, ("unsupported", "", None, "text")),
        ({"type": "text", "text": "Hallo"}, ("unsupported", "", None, "text")),
        ({"type": "text"}, ("unsupported", "", None, "text")),
        (
            {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {}}},
            ("unsupported", "", None, "interactive"),
        ),
        (
            {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": []}},
            ("unsupported", "", None, "interactive"),
        ),
        (
            {"type": "interactive", "interactive": {"type": ["button_reply"]}},
            ("unsupported", "", None, "interactive"),
        ),
        ({"type": "interactive"}, ("unsupported", "", None, "interactive")),
        (
            {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": "/x", "title": 3}},
            },
            ("button", "/x", None, "interactive"),
        ),
        ({"type": "button", "button": {"text": "Stop"}}, ("button", "Stop", "Stop", "button")),
        (
            {"type": "button", "button": {"payload": "", "text": ""}},
            ("unsupported", "", None, "button"),
        ),
        ({"type": "button", "button": None}, ("unsupported", "", None, "button")),
        ({"type": None}, ("unsupported", "", None, "unknown")),
        ({"type": ""}, ("unsupported", "", None, "unknown")),
        ({"type": "Image"}, ("unsupported", "", None, "unknown")),
        ({"type": "x" * 1000}, ("unsupported", "", None, "unknown")),
        ({"type": {"nested": "type"}}, ("unsupported", "", None, "unknown")),
    ],
)
def test_unreadable_content_still_gives_a_message_to_answer(
    message: dict[str, Any], expected: tuple[str, str, str | None, str]
) -> None:
    body = payloads.text_webhook()
    raw = first_message(body)
    del raw["text"], raw["type"]
    raw.update(message)
    delivery = parse_webhook(body)
    [parsed] = delivery.messages
    assert (parsed.kind, parsed.text, parsed.title, parsed.original_type) == expected
    assert len(delivery.problems) == (0 if expected[0] != "unsupported" else 1)


def test_other_interactive_replies_are_unsupported_without_a_problem() -> None:
    body = payloads.text_webhook()
    raw = first_message(body)
    del raw["text"]
    raw["type"] = "interactive"
    raw["interactive"] = {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}
    delivery = parse_webhook(body)
    assert [(m.kind, m.original_type) for m in delivery.messages] == [
        ("unsupported", "interactive")
    ]
    assert delivery.problems == ()


def test_profile_names_are_matched_to_senders() -> None:
    body = payloads.messages_webhook(
        payloads.text_message("a", sender="31600000111"),
        payloads.text_message("b", sender="31600000222"),
    )
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"] = [
        {"profile": {"name": "Een"}, "wa_id": "31600000111"},
        {"profile": {"name": "Twee"}, "wa_id": "31600000222"},
    ]
    assert [m.profile_name for m in parse_webhook(body).messages] == ["Een", "Twee"]
    value["contacts"] = [{"profile": {"name": "Een"}, "wa_id": "31600000111"}, "garbage"]
    assert [m.profile_name for m in parse_webhook(body).messages] == ["Een", None]
    value["contacts"] = [{"profile": {"name": "Enige"}, "wa_id": "31600000999"}]
    assert [m.profile_name for m in parse_webhook(body).messages] == ["Enige", "Enige"]
    for contacts in (None, [], "x", [{"profile": "x"}], [{"profile": {"name": 5}}]):
        value["contacts"] = contacts
        assert [m.profile_name for m in parse_webhook(body).messages] == [None, None]


def test_metadata_without_a_phone_number_id() -> None:
    body = payloads.text_webhook()
    body["entry"][0]["changes"][0]["value"]["metadata"] = {"phone_number_id": 106540352242922}
    assert only_message(body).phone_number_id is None
    del body["entry"][0]["changes"][0]["value"]["metadata"]
    assert only_message(body).phone_number_id is None


def test_statuses_tolerate_odd_parts() -> None:
    update = payloads.status_update("failed", timestamp=EXAMPLE_TIMESTAMP)
    del update["recipient_id"]
    update["errors"] = [
        {"code": "131026", "title": "Message undeliverable"},
        {"code": True, "error_data": "x", "message": 5},
        "not an error",
    ]
    skipped = payloads.status_update("read", timestamp=EXAMPLE_TIMESTAMP)
    skipped["status"] = None
    delivery = parse_webhook(payloads.statuses_webhook(update, skipped))
    assert delivery.statuses == (
        StatusUpdate(
            CONTEXT_MESSAGE_ID,
            "failed",
            EXAMPLE_TIME,
            None,
            (
                GraphErrorInfo(131026, "Message undeliverable", "", ""),
                GraphErrorInfo(None, "", "", ""),
            ),
        ),
    )
    assert delivery.problems == ("entry 0 change 0 status 1: skipped, missing or malformed status",)


def test_change_level_errors_are_noted() -> None:
    body = payloads.statuses_webhook()
    value = body["entry"][0]["changes"][0]["value"]
    del value["statuses"]
    value["errors"] = [payloads.graph_error(130429, "Rate limit hit", "Too many messages")]
    assert parse_webhook(body).problems == ("entry 0 change 0: Graph API error 130429",)


def test_a_change_with_nothing_to_handle_is_noted() -> None:
    body = payloads.statuses_webhook()
    del body["entry"][0]["changes"][0]["value"]["statuses"]
    assert parse_webhook(body).problems == ("entry 0 change 0: neither messages nor statuses",)


def test_problems_are_capped() -> None:
    body = payloads.messages_webhook(*[payloads.text_message() for _ in range(50)])
    for raw in body["entry"][0]["changes"][0]["value"]["messages"]:
        raw["timestamp"] = "garbage"
    problems = parse_webhook(body).problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == f"{50 - MAX_PROBLEMS} more problem(s) not listed"


# ----- hostile input ------------------------------------------------------------------

GARBAGE: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    float("nan"),
    10**40,
    "",
    "x",
    "9" * 5000,
    "\udcff",
    [],
    [None],
    [[[]]],
    {},
    {"": None},
    {"object": "whatsapp_business_account"},
    {"entry": [{"changes": [{}]}]},
    [{"field": "messages", "value": {"messages": [{}]}}],
]


# Scalars for random trees, with values the parser looks for among them.
LEAVES: list[Any] = [*GARBAGE[:12], "messages", "whatsapp_business_account", "text", "1"]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every position in a JSON tree, the root included."""
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from paths(child, (*prefix, index))


def replaced(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(tree)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copied


def removed(tree: Any, path: tuple[Any, ...]) -> Any:
    copied = copy.deepcopy(tree)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return copied


def random_json(rng: random.Random, depth: int = 0) -> Any:
    if depth > 5 or rng.random() < 0.3:
        return rng.choice(LEAVES)
    if rng.random() < 0.5:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = [
        "object",
        "entry",
        "changes",
        "field",
        "value",
        "messages",
        "statuses",
        "contacts",
        "metadata",
        "id",
        "from",
        "timestamp",
        "type",
        "text",
        "body",
        "interactive",
        "button_reply",
        "list_reply",
        "button",
        "errors",
    ]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def assert_well_formed(delivery: ParsedDelivery) -> None:
    assert isinstance(delivery, ParsedDelivery)
    for message in delivery.messages:
        assert isinstance(message.message_id, str) and message.message_id
        assert isinstance(message.sender, str) and message.sender
        assert message.timestamp.tzinfo is not None
        assert message.kind in KINDS
        assert isinstance(message.text, str)
        assert message.title is None or isinstance(message.title, str)
        assert isinstance(message.original_type, str) and message.original_type
        if message.kind in ("button", "list"):
            assert message.text
    for update in delivery.statuses:
        assert isinstance(update.message_id, str) and update.message_id
        assert isinstance(update.status, str) and update.status
        assert update.timestamp.tzinfo is not None
        assert all(isinstance(error, GraphErrorInfo) for error in update.errors)
    assert all(isinstance(problem, str) for problem in delivery.problems)
    assert len(delivery.problems) <= MAX_PROBLEMS + 1


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_bodies_never_raise(body: Any) -> None:
    delivery = parse_webhook(body)
    assert_well_formed(delivery)
    assert delivery.messages == ()


@pytest.mark.parametrize("name", sorted(sample_payloads()))
def test_every_part_of_every_sample_replaced_by_garbage(name: str) -> None:
    sample = sample_payloads()[name]
    for path in list(paths(sample)):
        for value in GARBAGE:
            assert_well_formed(parse_webhook(replaced(sample, path, value)))
        if path:
            assert_well_formed(parse_webhook(removed(sample, path)))


def test_random_json_trees_never_raise() -> None:
    rng = random.Random(20250212)
    for _ in range(3000):
        assert_well_formed(parse_webhook(random_json(rng)))
        body = {"object": "whatsapp_business_account", "entry": random_json(rng)}
        assert_well_formed(parse_webhook(body))


def test_random_mutations_of_the_batch_never_raise() -> None:
    rng = random.Random(31)
    for _ in range(2000):
        body = sample_payloads()["batch"]
        for _ in range(rng.randint(1, 4)):
            body = replaced(body, rng.choice(list(paths(body))), random_json(rng, depth=3))
        assert_well_formed(parse_webhook(body))


def test_problems_never_repeat_personal_data() -> None:
    """Problems are logged: no text, number, name or message id may leak into them."""
    private = [USER_WA_ID, SECOND_USER_WA_ID, PROFILE_NAME, "Jan de Vries", "wamid", "Goedemorgen"]
    private += ["Hallo", "hiscox", "/affirm", "cancel-button", "Priority", "Philz"]
    for sample in sample_payloads().values():
        for path in list(paths(sample)):
            replacements: tuple[Any, ...] = (None, 5, "leak-31699999999", [], {})
            for value in replacements:
                for problem in parse_webhook(replaced(sample, path, value)).problems:
                    assert "31699999999" not in problem
                    assert not any(word in problem for word in private), problem
