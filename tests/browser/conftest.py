"""A real browser (Debian's chromium driven by Playwright) on the demo site with the bot.

Playwright's own browser download cannot work here; the system chromium is used through
``executable_path``. A missing browser fails the tests loudly: `make test` installs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from tests.e2e.servers import ROOT, BotServers, free_port, stop, wait_for

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class Site:
    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.process = process


@pytest.fixture(scope="session")
def site(bot: BotServers) -> Iterator[Site]:
    port = free_port()
    log = (bot.workdir / "site.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "cyberbot.web.site", "--port", str(port), "--server", bot.url],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/", process, timeout=60)
        yield Site(url, process)
    finally:
        stop(process)


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
