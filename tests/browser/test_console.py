"""The operator console in a real browser, on a conversation held over REST in the test."""

from __future__ import annotations

import secrets

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.browser.conftest import Site
from tests.e2e.servers import ROOT, BotServers, rest_conversation

pytestmark = pytest.mark.e2e
RESULTS = ROOT / "results"
ADMIN = "browser-admin@voorbeeld.nl"
PASSWORD = "een lang en sterk wachtwoord"
MESSAGE = "Moet ik als zzp'er zo'n cyberpolis hebben van de wet?"


@pytest.fixture(scope="module")
def admin(bot: BotServers) -> str:
    """The first admin."""
    bot.add_operator(ADMIN, "admin", PASSWORD)
    return ADMIN


@pytest.mark.usefixtures("admin")
def test_log_in_review_a_conversation_correct_an_intent_and_export(
    page: Page, site: Site, bot: BotServers
) -> None:
    sender = f"browser-console-{secrets.token_hex(4)}"
    assert bot.say(sender, MESSAGE)
    assert bot.say(sender, "Bedankt!")

    page.goto(f"{site.url}/operator")
    expect(page).to_have_url(f"{site.url}/operator/login?next=%2Foperator")
    page.get_by_label("E-mailadres").fill(ADMIN)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Gesprekken")).to_be_visible()

    page.get_by_label("Zoeken in berichten").fill("cyberpolis")
    page.get_by_role("button", name="Filteren").click()
    link = page.locator(f'a[href="/operator/conversations/{rest_conversation(sender)}"]')
    expect(link).to_have_text(MESSAGE)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(RESULTS / "console-conversations.png"), full_page=True)
    link.click()

    expect(page.get_by_role("heading", name="Gesprek", exact=True)).to_be_visible()
    visitor = page.locator("li.user").filter(has_text=MESSAGE)
    expect(visitor.locator(".nlu")).to_contain_text("zekerheid")
    visitor.get_by_label("Juiste intentie").select_option("faq/verplicht")
    visitor.get_by_role("button", name="Corrigeren").click()
    expect(page.get_by_role("status")).to_have_text("De correctie is opgeslagen.")
    corrected = page.locator("li.user").filter(has_text=MESSAGE).locator(".corrected")
    expect(corrected).to_contain_text("faq/verplicht")
    page.screenshot(path=str(RESULTS / "console-transcript.png"), full_page=True)

    page.get_by_role("link", name="Training").click()
    expect(page.get_by_role("cell", name=MESSAGE)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporteren als NLU-bestand").click()
    exported = download_info.value
    path = RESULTS / "console-export.yml"
    exported.save_as(path)
    nlu = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
    examples = {block["intent"]: block["examples"] for block in nlu}
    assert f"- {MESSAGE}" in examples["faq/verplicht"]

    page.get_by_role("link", name="Auditlog").click()
    for action in ("Ingelogd", "Intentie gecorrigeerd", "Correcties geëxporteerd"):
        expect(page.get_by_role("cell", name=action).first).to_be_visible()


@pytest.mark.usefixtures("admin")
def test_the_console_on_a_tablet(page: Page, site: Site) -> None:
    """Usable at tablet width: the list and its filters fit without sideways scrolling."""
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{site.url}/operator/login")
    page.get_by_label("E-mailadres").fill(ADMIN)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Gesprekken")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768
    page.screenshot(path=str(RESULTS / "console-tablet.png"), full_page=True)
