"""Live chat in two real browsers: an operator's console and a visitor's widget."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cyberbot.live.config import live_text
from tests.browser.conftest import Site, assert_accessible
from tests.browser.test_widget import ANSWER_TIMEOUT, ask, open_widget, send, wait_for_bot_text
from tests.e2e.servers import ROOT, BotServers

pytestmark = pytest.mark.e2e
RESULTS = ROOT / "results"
OPERATOR = "eva@voorbeeld.nl"
PASSWORD = "een lang en sterk wachtwoord"


@pytest.fixture()
def console(browser: Browser, site: Site, bot: BotServers) -> Iterator[Page]:
    """Eva's live page; bypassing the CSP only to load axe-core, as the dashboard test does."""
    if bot.cli("operators", "list").stdout.find(OPERATOR) < 0:
        bot.add_operator(OPERATOR, "operator", PASSWORD)
    context: BrowserContext = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="nl-NL",
        timezone_id="Europe/Amsterdam", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site.url}/operator/login")
    page.get_by_label("E-mailadres").fill(OPERATOR)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Live chat").click()
    expect(page.get_by_role("heading", name="Live chat")).to_be_visible()
    try:
        yield page
    finally:
        toggle = page.locator("#live-toggle")
        if toggle.inner_text() == "Niet meer beschikbaar":
            toggle.click()
            expect(toggle).to_have_text("Beschikbaar worden")
        context.close()


def test_an_operator_takes_over_a_widget_conversation_and_hands_it_back(
    console: Page, page: Page, site: Site
) -> None:
    console.get_by_role("button", name="Beschikbaar worden").click()
    expect(console.locator("#live-availability")).to_have_text(
        "U bent beschikbaar voor live gesprekken als Eva.")

    open_widget(page, site)
    wait_for_bot_text(page, "digitale assistent")
    ask(page, "Ik wil graag een adviseur spreken", "verbind u met een adviseur")

    # The request appears on the console without a reload, with a count in the title.
    waiting = console.locator("#live-queue li.waiting")
    expect(waiting).to_have_count(1, timeout=ANSWER_TIMEOUT)
    expect(console).to_have_title(re.compile(r"^\(1\) Live chat"))
    console.screenshot(path=str(RESULTS / "live-console-queue.png"), full_page=True)
    waiting.get_by_role("button").click()
    console.get_by_role("button", name="Overnemen").click()
    wait_for_bot_text(page, "U chat nu met Eva")
    expect(console.locator("#live-holder")).to_have_text("U heeft dit gesprek.")
    expect(console.get_by_role("button", name="Overnemen")).to_be_hidden()
    expect(console.locator("#live-profile")).to_contain_text("Sector")

    console.get_by_label("Uw bericht aan de bezoeker").fill(
        "Goedemiddag, u spreekt met Eva. Waarmee kan ik u helpen?")
    console.get_by_role("button", name="Versturen").click()
    wait_for_bot_text(page, "u spreekt met Eva")
    send(page, "Ik twijfel tussen Hiscox en AIG.")
    expect(console.locator("#live-messages li.user").last).to_contain_text(
        "Ik twijfel tussen Hiscox en AIG.", timeout=ANSWER_TIMEOUT)
    console.get_by_label("Uw bericht aan de bezoeker").fill(
        "Beide dekken dataherstel; ik stuur u een vergelijking.")
    console.get_by_role("button", name="Versturen").click()
    wait_for_bot_text(page, "ik stuur u een vergelijking")
    expect(console.locator("#live-messages li.operator")).to_have_count(3)
    console.screenshot(path=str(RESULTS / "live-console-conversation.png"), full_page=True)
    page.screenshot(path=str(RESULTS / "live-widget.png"))

    assert_accessible(console, "/operator/live/")

    console.get_by_role("button", name="Teruggeven aan de assistent").click()
    wait_for_bot_text(page, re.escape(live_text("released", name="Eva")[:40]))
    ask(page, "Is een cyberverzekering verplicht?", "niet verplicht")
