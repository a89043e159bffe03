"""The demo site: its pages, the widget script and the security headers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

from cyberbot.web.site import content_security_policy
from tests.e2e.servers import running_site

SERVER = 'http://127.0.0.1:5999/"><script>alert(1)</script>'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("site") / "site.log"
    with running_site(dict(os.environ), log, SERVER) as url:
        yield url


def test_home_carries_the_three_insurers_and_the_widget(site: str) -> None:
    page = requests.get(f"{site}/", timeout=10)
    assert page.status_code == 200
    for insurer in ("AIG", "Hiscox", "Chubb"):
        assert f"<h2>{insurer}</h2>" in page.text
    assert '<script src="/widget.js"' in page.text
    assert "<script>alert(1)</script>" not in page.text  # the server URL is escaped
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_privacy_statement_and_widget_script(site: str) -> None:
    privacy = requests.get(f"{site}/privacy", timeout=10)
    assert privacy.status_code == 200 and "Privacyverklaring" in privacy.text
    assert "Gegevensbeschermingsautoriteit" in privacy.text
    widget = requests.get(f"{site}/widget.js", timeout=10)
    assert widget.status_code == 200
    assert widget.headers["Content-Type"].startswith("application/javascript")
    assert "session_request" in widget.text
    assert requests.get(f"{site}/nope", timeout=10).status_code == 404


def test_the_widget_may_only_connect_to_the_rasa_server() -> None:
    policy = content_security_policy("https://bot.example.nl")
    assert "connect-src 'self' https://bot.example.nl wss://bot.example.nl;" in policy
    assert "ws://localhost:5005" in content_security_policy("http://localhost:5005")


def test_every_page_has_the_site_header(site: str) -> None:
    for path in ("/", "/privacy"):
        text = requests.get(f"{site}{path}", timeout=10).text
        assert '<header class="site-header">' in text and "{{" not in text


@pytest.mark.parametrize("path", ["/", "/privacy"])
def test_every_page_says_who_runs_the_site_and_where_to_complain(site: str, path: str) -> None:
    from cyberbot.operator_info import operator_info

    page = requests.get(f"{site}{path}", timeout=10).text
    info = operator_info()
    footer = page[page.index("<footer"):]
    for text in (info.name, info.netherlands.registration, info.belgium.registration,
                 "Kifid", "Ombudsman van de Verzekeringen", "niet de hele markt",
                 "geen persoonlijk advies"):
        assert text.replace("(", "(") in footer.replace("&#x27;", "'"), text
