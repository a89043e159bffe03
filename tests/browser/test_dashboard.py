"""The dashboard in a real browser on two months of realistic traffic: the charts draw
the numbers of their tables, nothing is blocked by the Content-Security-Policy, a group
of missed messages is labelled, and screenshots go to results/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from cyberbot.console.accounts import add_operator
from cyberbot.console.models import get_console_engine
from tests.browser.conftest import assert_accessible
from tests.console.realistic_traffic import write_traffic
from tests.console.tracker_fixtures import create_tracker_engine
from tests.e2e.servers import ROOT, running_site

pytestmark = pytest.mark.e2e
RESULTS = ROOT / "results"
OPERATOR = "dashboard@voorbeeld.nl"
PASSWORD = "een lang en sterk wachtwoord"
BLOCKS = ("trechter", "verloop", "modellen", "formulieren", "onderwerpen")

# Every bar and every number cell of a chart block: label, series, value, bar width.
READ_BLOCK = """block => ({
  bars: [...block.querySelectorAll('svg rect[data-value]')].map(r => [
    r.dataset.label, r.dataset.series, Number(r.dataset.value),
    Number(r.getAttribute(r.closest('svg').querySelector('line.axis') ? 'height' : 'width'))]),
  cells: [...block.querySelectorAll('tr[data-label] td[data-value]')].map(c => [
    c.closest('tr').dataset.label, c.dataset.series, Number(c.dataset.value)]),
})"""


@pytest.fixture(scope="module")
def dashboard_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console on its own databases holding the realistic traffic."""
    directory = tmp_path_factory.mktemp("dashboard")
    RESULTS.mkdir(exist_ok=True)
    tracker = create_tracker_engine(directory / "tracker.db")
    console = get_console_engine(f"sqlite:///{directory / 'leads.db'}")
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    write_traffic(tracker, console, today)
    add_operator(console, OPERATOR, "operator", PASSWORD)
    endpoints = directory / "endpoints.yml"
    endpoints.write_text(
        f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{directory / "tracker.db"}"\n')
    env = {**os.environ, "DATABASE_URL": str(console.url),
           "CYBERBOT_ENDPOINTS": str(endpoints)}
    try:
        with running_site(env, directory / "site.log") as url:
            yield url
    finally:
        tracker.dispose()


def logged_in(browser: Browser, site: str, **options: Any) -> Page:
    """A new page, logged in through the login form, on the dashboard."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL",
                                  timezone_id="Europe/Amsterdam", **options)
    page = context.new_page()
    page.goto(f"{site}/operator/dashboard")
    page.get_by_label("E-mailadres").fill(OPERATOR)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    return page


@pytest.fixture()
def operator_page(browser: Browser, dashboard_site: str) -> Iterator[Page]:
    page = logged_in(browser, dashboard_site)
    yield page
    page.context.close()


def read_block(page: Page, name: str) -> dict[str, Any]:
    block = page.locator(f'[data-chart-block="{name}"]')
    result: dict[str, Any] = block.evaluate(READ_BLOCK)
    return result


def test_the_charts_draw_the_numbers_of_their_tables(operator_page: Page) -> None:
    page = operator_page
    for name in BLOCKS:
        block = read_block(page, name)
        drawn = {(label, series): value for label, series, value, _ in block["bars"]}
        tabled = {(label, series): value for label, series, value in block["cells"]}
        assert drawn, name
        assert drawn == tabled, name
        # Bars in proportion: the largest value has the longest bar.
        top = max(value for _, _, value, _ in block["bars"])
        longest = max(size for _, _, _, size in block["bars"])
        for label, _series, value, size in block["bars"]:
            assert size == pytest.approx(value / top * longest, abs=0.2), (name, label)
    conversations = page.locator('[data-figure="conversations"]').inner_text()
    first_step = page.locator('[data-chart-block="trechter"] tbody tr').first
    expect(first_step.locator("td").first).to_have_text(conversations)
    assert int(conversations.replace(".", "")) > 500
    assert not [message.text for message in page.console_messages(filter="all")
                if "Content Security Policy" in message.text]


def test_a_funnel_step_opens_its_conversations(operator_page: Page) -> None:
    page = operator_page
    row = page.locator('[data-chart-block="trechter"] tr[data-label="Advies gegeven"]')
    count = row.locator("td").first.inner_text()
    row.get_by_role("link", name="Advies gegeven").click()

    expect(page.get_by_role("heading", name="Gesprekken")).to_be_visible()
    expect(page.locator("p.count")).to_contain_text(f"{count} gesprekken gevonden")


def test_label_the_largest_missed_question(operator_page: Page) -> None:
    page = operator_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(RESULTS / "dashboard.png"), full_page=True)
    first = page.locator("table.missed tbody tr").first
    text = first.locator("td.text").inner_text()
    first.get_by_role("link", name="Label geven").click()

    expect(page.get_by_role("heading", name="Gemiste vragen")).to_be_visible()
    group = page.locator("#groep-1")
    expect(group).to_contain_text(text.split(" (+")[0])
    group.get_by_label("Bedoeld").select_option("faq/kosten")
    group.get_by_role("button", name="Groep labelen").click()

    expect(page.get_by_role("status")).to_contain_text("gelabeld als faq/kosten")
    expect(page.locator("#groep-1")).to_contain_text("gelabeld als faq/kosten")
    page.screenshot(path=str(RESULTS / "dashboard-missed.png"), full_page=True)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Training").click()
    expect(page.get_by_role("cell", name="faq/kosten").first).to_be_visible()


def test_the_dashboard_on_a_phone(operator_page: Page) -> None:
    page = operator_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()

    expect(page.get_by_role("heading", name="Van gesprek tot lead")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=str(RESULTS / "dashboard-phone.png"), full_page=True)


def test_the_pages_pass_axe(browser: Browser, dashboard_site: str) -> None:
    """WCAG 2.1 A and AA as axe-core checks them. Only this page bypasses the CSP, to
    load axe; the CSP itself is checked above."""
    page = logged_in(browser, dashboard_site, bypass_csp=True)
    try:
        for path in ("/operator/dashboard", "/operator/dashboard/gemist"):
            page.goto(dashboard_site + path)
            assert_accessible(page, path)
    finally:
        page.context.close()
