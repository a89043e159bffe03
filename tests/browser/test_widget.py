"""The chat widget in a real browser against the real bot (the e2e servers)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Site
from tests.e2e.servers import ROOT, BotServers, user_texts

pytestmark = pytest.mark.e2e
RESULTS = ROOT / "results"
ANSWER_TIMEOUT = 60_000  # ms; the first answers of a fresh server take a while
COMPARISON = "Vergelijking van AIG, Hiscox en Chubb"  # the header of the advice


def open_widget(page: Page, site: Site) -> None:
    page.goto(site.url)
    page.locator("[data-testid=launcher]").click()
    expect(page.locator("[data-testid=panel]")).to_be_visible()
    expect(page.locator("[data-testid=panel]")).to_have_attribute(
        "data-state", "online", timeout=ANSWER_TIMEOUT
    )


def bot_messages(page: Page) -> Locator:
    return page.locator("[data-testid=message][data-from=bot]")


def user_messages(page: Page) -> Locator:
    return page.locator("[data-testid=message][data-from=user]")


def send(page: Page, text: str) -> None:
    page.locator("[data-testid=input]").fill(text)
    page.locator("[data-testid=input]").press("Enter")


def wait_for_bot_text(page: Page, pattern: str, after: int = 0) -> Locator:
    """The newest bot message matching ``pattern`` among those after the first ``after``,
    once the widget shows one (Playwright's assertion waits for it)."""
    regex = re.compile(pattern, re.IGNORECASE)
    earlier = sum(1 for index in range(min(after, bot_messages(page).count()))
                  if regex.search(bot_messages(page).nth(index).inner_text()))
    matching = bot_messages(page).filter(has_text=regex)
    expect(matching).not_to_have_count(earlier, timeout=ANSWER_TIMEOUT)
    return matching.last


def ask(page: Page, text: str, pattern: str) -> Locator:
    """Send ``text`` and wait for a new answer matching ``pattern``."""
    before = bot_messages(page).count()
    send(page, text)
    return wait_for_bot_text(page, pattern, after=before)


def choose(page: Page, title: str, pattern: str) -> Locator:
    """Click the newest enabled quick reply ``title`` and wait for a new answer."""
    before = bot_messages(page).count()
    click_reply(page, title)
    return wait_for_bot_text(page, pattern, after=before)


def click_reply(page: Page, title: str) -> None:
    button = page.locator("[data-testid=quick-reply]:not([disabled])", has_text=title).last
    expect(button).to_be_enabled(timeout=ANSWER_TIMEOUT)
    button.click()


def session_id(page: Page) -> Any:
    """The session id the widget keeps: the server's signed token, "web-<hex>.<signature>"."""
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.endsWith(':session'))"
        ".map(k => localStorage.getItem(k))[0]"
    )


def conversation_of(page: Page) -> str:
    return str(session_id(page)).split(".")[0]


def test_faq_answer_and_a_quick_reply(page: Page, site: Site) -> None:
    open_widget(page, site)
    expect(page.locator("[data-testid=privacy]")).to_be_visible()
    greeting = wait_for_bot_text(page, "digitale assistent")  # the initial /greet payload
    ask(page, "Is een cyberverzekering verplicht?", "niet verplicht")
    replies = greeting.locator("[data-testid=quick-reply]")
    before = bot_messages(page).count()
    replies.filter(has_text="Wat kost het?").click()
    wait_for_bot_text(page, "premie", after=before)
    expect(user_messages(page).last).to_have_text(re.compile("Wat kost het?"))
    for index in range(replies.count()):
        expect(replies.nth(index)).to_be_disabled()


def test_advice_with_buttons_then_reload_and_continue(
    page: Page, site: Site, bot: BotServers
) -> None:
    open_widget(page, site)
    wait_for_bot_text(page, "digitale assistent")
    ask(page, "Ik wil advies", "Nederland of in België")
    choose(page, "België", "sector")
    ask(page, "bouwbedrijf", "Hoeveel mensen")
    choose(page, "2 tot 10", "jaaromzet")
    ask(page, "3 ton", "Verenigde Staten")
    choose(page, "Nee", "persoonsgegevens")
    choose(page, "Ja", "online")
    choose(page, "Nee", "belangrijkst")
    choose(page, "Risicoscans", COMPARISON)
    # Every answer of that turn shown: the turn with the comparison is saved, and the
    # widget shows all the bot sent.
    tracker = bot.saved_tracker(conversation_of(page),
                                lambda t: t["slots"].get("recommended_insurers"),
                                what="the turn with the comparison saved")
    sent = [e for e in tracker["events"] if e["event"] == "bot"]
    expect(bot_messages(page)).to_have_count(len(sent), timeout=ANSWER_TIMEOUT)
    before = bot_messages(page).count() + user_messages(page).count()
    sender = session_id(page)
    slots = tracker["slots"]
    assert slots["country"] == "be"
    assert slots["sector"] == "bouw" and slots["employees"] == 10
    assert slots["recommended_insurers"][0] == "chubb"  # risk scans are Chubb's strength

    page.reload()
    panel = page.locator("[data-testid=panel]")
    expect(panel).to_be_visible()  # it was open, so it opens again
    expect(panel).to_have_attribute("data-state", "online", timeout=ANSWER_TIMEOUT)
    expect(bot_messages(page).filter(has_text=COMPARISON)).to_have_count(1)
    assert bot_messages(page).count() + user_messages(page).count() == before
    assert session_id(page) == sender
    ask(page, "Wat kost een cyberverzekering?", "premie")
    users = user_texts(bot.saved_tracker(
        conversation_of(page), lambda t: user_texts(t)[-1] == "Wat kost een cyberverzekering?",
        what="the question after the reload saved"))
    assert "Ik wil advies" in users


def test_html_from_the_visitor_is_shown_as_text_and_never_run(page: Page, site: Site) -> None:
    open_widget(page, site)
    wait_for_bot_text(page, "digitale assistent")
    hostile = "<img src=x onerror=alert(1)>"
    send(page, hostile)
    expect(user_messages(page).last).to_contain_text(hostile)
    bot_count = bot_messages(page).count()
    expect(bot_messages(page)).to_have_count(bot_count + 1, timeout=ANSWER_TIMEOUT)
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_keyboard_only(page: Page, site: Site) -> None:
    page.goto(site.url)
    launcher = page.locator("[data-testid=launcher]")
    for _ in range(30):
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=panel]")).to_be_visible()
    expect(page.locator("[data-testid=input]")).to_be_focused()
    wait_for_bot_text(page, "digitale assistent")
    before = bot_messages(page).count()
    page.keyboard.type("Wat is gedekt?")
    page.keyboard.press("Enter")
    wait_for_bot_text(page, "gedekt|dekt|dekking", after=before)
    reply = page.locator("[data-testid=quick-reply]:not([disabled])").first
    for _ in range(40):
        page.keyboard.press("Tab")
        if reply.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("no quick reply can be reached with Tab")
    outline = reply.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focus must be visible"
    count = user_messages(page).count()
    page.keyboard.press("Enter")
    expect(user_messages(page)).to_have_count(count + 1)
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=panel]")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_clearing_starts_a_fresh_conversation(page: Page, site: Site) -> None:
    open_widget(page, site)
    wait_for_bot_text(page, "digitale assistent")
    ask(page, "Is een cyberverzekering verplicht?", "niet verplicht")
    old = session_id(page)
    page.locator("[data-testid=clear]").click()
    page.locator("[data-testid=clear-confirm]").click()
    expect(user_messages(page)).to_have_count(0)
    wait_for_bot_text(page, "digitale assistent")
    assert session_id(page) not in (None, old)


def test_a_session_id_the_server_did_not_issue_starts_afresh(
    page: Page, site: Site, bot: BotServers
) -> None:
    open_widget(page, site)
    wait_for_bot_text(page, "digitale assistent")
    ask(page, "Is een cyberverzekering verplicht?", "niet verplicht")
    # Another visitor's conversation id, or an old unsigned one, put in by hand.
    page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.endsWith(':session'))"
        ".forEach(k => localStorage.setItem(k, '31612345678'))"
    )
    page.reload()
    expect(page.locator("[data-testid=panel]")).to_have_attribute(
        "data-state", "online", timeout=ANSWER_TIMEOUT)
    expect(user_messages(page)).to_have_count(0)
    wait_for_bot_text(page, "digitale assistent")
    assert str(session_id(page)).startswith("web-")
    users = [e["text"] for e in bot.tracker(conversation_of(page))["events"]
             if e["event"] == "user"]
    assert "Is een cyberverzekering verplicht?" not in users


def test_offline_state_and_recovery(page: Page, site: Site, bot: BotServers) -> None:
    open_widget(page, site)
    wait_for_bot_text(page, "digitale assistent")
    bot.stop_rasa()
    try:
        offline = page.locator("[data-testid=offline]")
        expect(offline).to_be_visible(timeout=30_000)
        expect(offline).to_contain_text("Verbinding verbroken")
        before = bot_messages(page).count()
        send(page, "Wat kost het?")  # typed while offline: kept, sent once back
    finally:
        bot.start_rasa()
    expect(page.locator("[data-testid=offline]")).to_be_hidden(timeout=90_000)
    wait_for_bot_text(page, "premie", after=before)


@pytest.mark.parametrize(
    ("name", "viewport", "mobile"),
    [("desktop", {"width": 1280, "height": 800}, False),
     ("phone", {"width": 390, "height": 844}, True)],
)
def test_screenshots_of_the_open_widget(
    browser: Any, site: Site, name: str, viewport: dict[str, int], mobile: bool
) -> None:
    context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile,
                                  locale="nl-NL", timezone_id="Europe/Amsterdam")
    try:
        page = context.new_page()
        open_widget(page, site)
        wait_for_bot_text(page, "digitale assistent")
        ask(page, "Wat kost een cyberverzekering?", "premie")
        # The widget scrolls its conversation to the newest message.
        # (the widget lives in a shadow root: a handle from a locator reaches into it).
        body = page.locator("[data-testid=panel] .body").element_handle()
        page.wait_for_function(
            "body => body.scrollHeight - body.scrollTop - body.clientHeight < 2",
            arg=body, timeout=ANSWER_TIMEOUT)
        box = page.locator("[data-testid=panel]").bounding_box()
        assert box is not None
        if mobile:  # full screen on phones, with a 16 px input (no zoom on iOS)
            assert box["width"] >= viewport["width"] - 1
            assert box["height"] >= viewport["height"] - 1
        font = page.locator("[data-testid=input]").evaluate("el => getComputedStyle(el).fontSize")
        assert font == "16px"
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / f"widget-{name}.png"))
    finally:
        context.close()
