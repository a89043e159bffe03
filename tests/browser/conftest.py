"""A real browser (Debian's chromium driven by Playwright) on the demo site with the bot,
and on the operator console the site serves from the bot's databases.

Playwright's own browser download cannot work here; the system chromium is used through
``executable_path``. A missing browser fails the tests loudly: `make test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from tests.conftest import Site

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def assert_accessible(page: Page, where: str = "") -> None:
    """No WCAG 2.1 A or AA violation on ``page`` as axe-core finds them (the page must
    have been opened with ``bypass_csp=True``, so that axe can be loaded)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: make test installs it (npm ci)", pytrace=False)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                  for v in result["violations"]]
    assert violations == [], where
    assert len(result["passes"]) > 10, where  # axe ran its checks


# Module scope: while Playwright's sync API is open, an event loop runs in this thread,
# and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"No chromium at {CHROMIUM}: the browser tests need Debian's chromium package "
            "(make test installs it with apt-get; or set CHROMIUM to its path).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL",
                                  timezone_id="Europe/Amsterdam")
    tab = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:  # alert(), confirm(): injected code ran
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.dialogs = dialogs  # type: ignore[attr-defined]
    yield tab
    context.close()
