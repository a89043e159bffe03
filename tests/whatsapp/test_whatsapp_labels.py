"""Every button title the bot can send fits WhatsApp's limits or has a label written for it.

``button_groups`` gathers the bot's messages with buttons from the same sources the
responses and custom actions use; test_whatsapp_outbound.py sends them all through the
outbound bodies as well.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.fallback import fallback_messages
from actions.faq import ADVISER_BUTTON, topic_button
from actions.messages import form_messages, privacy_url, text
from cyberbot.advice.catalogue import load_catalogue
from cyberbot.advice.sectors import load_sectors
from cyberbot.channels.whatsapp.labels import (
    BUTTON_TITLE_MAX,
    LIST_BUTTON_MAX,
    ROW_TITLE_MAX,
    SECTION_TITLE_MAX,
    button_label,
    load_labels,
    row_label,
)
from cyberbot.content import load_content
from cyberbot.reading.answers import INSURER_IDS

ROOT = Path(__file__).resolve().parents[2]
LABELS_LOGGER = "cyberbot.channels.whatsapp.labels"

Button = dict[str, Any]
Group = tuple[str, list[Button]]  # a message's text and its buttons


def _groups_in(node: Any, text: str = "") -> Iterator[Group]:
    """The lists of {title, payload} buttons in parsed YAML, with their message's text."""
    if isinstance(node, dict):
        text = str(node.get("text", text))
        for value in node.values():
            yield from _groups_in(value, text)
    elif isinstance(node, list):
        if node and all(
            isinstance(item, dict) and {"title", "payload"} <= item.keys() for item in node
        ):
            yield text, node
        else:
            for item in node:
                yield from _groups_in(item, text)


def _response_groups() -> Iterator[Group]:
    """Buttons of the responses in domain.yml and in the training data (the FAQ answers)."""
    for path in [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        yield from _groups_in(data.get("responses") or {})


def _action_groups() -> Iterator[Group]:
    """Buttons the custom actions build from data (actions/form_questions.py)."""
    catalogue = load_catalogue()
    sectors = [{"title": sector.button, "payload": sector.label} for sector in load_sectors()]
    yield text("sector", "unknown"), sectors
    priorities = [
        {"title": priority.button, "payload": priority_id}
        for priority_id, priority in catalogue.priorities.items()
    ]
    yield text("priority", "ask"), priorities
    insurers = [
        {"title": catalogue.insurers[insurer].name, "payload": insurer} for insurer in INSURER_IDS
    ]
    none = {"title": text("preferred_insurer", "none_button"), "payload": "none"}
    yield text("preferred_insurer", "ask"), [*insurers, none]
    consent = [
        {"title": text("consent", "yes_button"), "payload": "/affirm"},
        {"title": text("consent", "no_button"), "payload": "/deny"},
    ]
    yield text("consent", "quote", privacy_url=privacy_url()), consent
    # "Bedoelt u …?" (actions/faq.py): any three topics and the adviser, in each country.
    keys = list(load_content("faq_topics.yml")["titles"])
    for country in ("nl", "be", None):
        topics = [topic_button(key, country) for key in keys]
        for start in range(0, len(topics), 3):
            yield "Bedoelt u een van deze onderwerpen?", [*topics[start:start + 3], ADVISER_BUTTON]


@lru_cache(maxsize=1)
def button_groups() -> tuple[Group, ...]:
    """Every message with buttons the bot can send, as (text, buttons)."""
    return (
        *_response_groups(),
        *_groups_in(form_messages()),
        *_groups_in(fallback_messages()),
        *_action_groups(),
    )


def all_titles() -> set[str]:
    return {str(button["title"]) for _, buttons in button_groups() for button in buttons}


def test_the_titles_come_from_every_source() -> None:
    titles = all_titles()
    expected = {
        "Wat is gedekt?",  # domain.yml
        "Wat is niet gedekt?",  # data/faq_*.yml
        "Alleen ikzelf",  # form questions
        "Offerte aanvragen",  # after the advice
        "Spreek een adviseur",  # fallback
        "Winkel of webshop",  # sectors
        "Hulp bij incidenten",  # priorities
        "Hiscox",  # insurers
        "Geen voorkeur",
        "Ja, ik geef toestemming",  # consent
    }
    assert expected <= titles


def test_every_title_fits_or_has_a_label(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LABELS_LOGGER)
    for title in sorted(all_titles()):
        assert 0 < len(button_label(title)) <= BUTTON_TITLE_MAX, title
        assert 0 < len(row_label(title)) <= ROW_TITLE_MAX, title
    # A warning means a title was cut: it needs a label in content/whatsapp_labels.yml.
    assert not caplog.records


def test_no_label_is_stale() -> None:
    labels = load_labels()
    titles = all_titles()
    for title, label in labels.buttons.items():
        assert title in titles, f"{title!r} is not a button title of the bot"
        assert len(title) > BUTTON_TITLE_MAX, f"{title!r} fits as it is"
        if labels.rows[title] != label:
            assert len(title) > ROW_TITLE_MAX, f"{title!r} fits a list row: use one label"


def test_a_label_reads_differently_from_a_cut() -> None:
    title = "Ja, ik geef toestemming"
    assert button_label(title) == "Ja, ik stem toe"
    assert row_label(title) == "Ja, ik stem toe"


def test_a_title_that_fits_is_kept() -> None:
    assert button_label("Wat kost het?") == "Wat kost het?"
    assert row_label("Vereniging/stichting") == "Vereniging/stichting"


def test_an_unknown_long_title_is_cut_after_a_word(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LABELS_LOGGER)
    title = "Onbekende knop met een veel te lange titel"
    assert button_label(title) == "Onbekende knop met…"
    assert row_label(title) == "Onbekende knop met een…"
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert all(str(len(title)) in message and title not in message for message in messages)


def test_the_channel_texts_fit() -> None:
    labels = load_labels()
    assert len(labels.list_button) <= LIST_BUTTON_MAX
    assert len(labels.section_title) <= SECTION_TITLE_MAX
    assert "tekst" in labels.unsupported
    assert labels.empty


VALID: dict[str, Any] = {
    "labels": {"Een titel die te lang is voor een knop": {"button": "Korte knop", "row": "Rij"}},
    "list": {"button": "Opties", "section": "Keuzes", "more": "Meer:", "choose": "Kies:"},
    "replies": {"unsupported": "Alleen tekst.", "empty": "Geen tekst."},
}


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "labels.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_label_file_with_both_kinds_of_entry_loads(tmp_path: Path) -> None:
    labels = load_labels(write(tmp_path, VALID))
    title = "Een titel die te lang is voor een knop"
    assert (labels.buttons[title], labels.rows[title]) == ("Korte knop", "Rij")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"labels": {"Te lange titel voor een knop": "Een label van ruim twintig tekens"}},
            "longer than 20",
        ),
        ({"labels": {"Te lange titel voor een knop": {"button": "Knop"}}}, "row"),
        ({"labels": {True: "Ja"}}, "quoted"),
        ({"list": {**VALID["list"], "button": "Een knop van meer dan twintig"}}, "list.button"),
        ({"replies": {"unsupported": "Alleen tekst."}}, "empty"),
        ({"replies": {**VALID["replies"], "empty": " "}}, "replies.empty"),
    ],
)
def test_an_invalid_label_file_names_the_problem(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as error:
        load_labels(write(tmp_path, {**VALID, **change}))
    assert "labels.yml" in str(error.value)
