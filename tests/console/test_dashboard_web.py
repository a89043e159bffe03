"""The dashboard, its CSV export, the missed questions and GET /operator/api/stats over
HTTP (Sanic's test client): known conversations of every outcome give exactly the
expected numbers on the page and in the API, and the page, the API and the conversation
list agree."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cyberbot.console.corrections import all_corrections
from cyberbot.console.models import audit_log, corrections
from cyberbot.console.review_export import export_corrections
from tests.console.console_client import ROOT, Browser, Console, make_console
from tests.console.test_stats import EXPECTED_API_COUNTS, NEW_MODEL, record_all
from tests.console.tracker_fixtures import DEFAULT_START, ConversationBuilder

pytestmark = pytest.mark.usefixtures("cheap_hashing")

OPERATOR = "operator@voorbeeld.nl"
ADMIN = "beheer@voorbeeld.nl"
# The day of the recorded conversations, as the page's form and the API take it.
DAY = "2026-11-27"
PAGE = f"/operator/dashboard?periode=aangepast&from={DAY}&to={DAY}"
API = f"/operator/api/stats?from={DAY}&to=2026-11-28"
HTML_MISS = "<img src=x onerror=alert(1)> wat kost het?"


@pytest.fixture()
def console(tmp_path: Path) -> Console:
    console = make_console(tmp_path)
    record_all(console.tracker, console.engine)
    console.add(OPERATOR)
    console.add(ADMIN, "admin")
    return console


def logged_in(console: Console, email: str = OPERATOR) -> Browser:
    browser = Browser(console.app)
    assert browser.login(email).status == 302
    return browser


def api(console: Console, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    _, response = console.app.test_client.get(path, headers=headers)
    return response


def section(page: str, name: str) -> str:
    match = re.search(rf'data-chart-block="{name}">(.*?)</section>', page, re.S)
    assert match is not None, name
    return match.group(1)


def drawn(block: str) -> dict[tuple[str, str], str]:
    """(label, series) -> value of each bar of the block's chart."""
    return {
        (label, series): value
        for label, series, value in re.findall(
            r'<rect class="bar [^"]*" [^>]*data-label="([^"]*)" data-series="([^"]*)" '
            r'data-value="([^"]*)"', block)
    }


def tabled(block: str) -> dict[tuple[str, str], str]:
    """(row label, series) -> value of each number cell of the block's table."""
    found = {}
    for label, row in re.findall(r'<tr data-label="([^"]*)">(.*?)</tr>', block, re.S):
        for series, value in re.findall(r'data-series="([^"]*)" data-value="([^"]*)"', row):
            found[(label, series)] = value
    return found


def test_the_page_shows_exactly_the_expected_numbers(console: Console) -> None:
    page = logged_in(console).get(PAGE)

    assert page.status == 200
    assert re.search(r'data-figure="conversations">10<', page.text)
    funnel = tabled(section(page.text, "trechter"))
    assert {label: int(value) for (label, _), value in funnel.items()} == {
        "Gesprekken": 10,
        "FAQ beantwoord": 3,
        "Advies gestart": 2,
        "Advies gegeven": 1,
        "Offerte of terugbelverzoek": 2,
        "Afgeleverd bij adviseurs": 1,
    }
    assert "70,0%" in page.text  # containment: 7 of 10
    questions = tabled(section(page.text, "formulieren"))
    assert questions[("Advies: sector", "bad")] == "1"
    topics = tabled(section(page.text, "onderwerpen"))
    assert (topics[("Kosten", "main")], topics[("Verplicht", "main")]) == ("2", "1")
    for text in ("blabla qwerty", "Dekt dat mijn kassasysteem?", "mijn kassa systeem dus"):
        assert text in page.text


@pytest.mark.parametrize("block", ["trechter", "verloop", "modellen", "formulieren", "onderwerpen"])
def test_every_chart_draws_the_numbers_of_its_table(console: Console, block: str) -> None:
    page = logged_in(console).get(PAGE)
    content = section(page.text, block)

    assert drawn(content)
    assert drawn(content) == tabled(content)


def test_page_api_and_conversation_list_agree(console: Console) -> None:
    browser = logged_in(console)
    page = browser.get(PAGE).text
    body = api(console, API, console.token(OPERATOR)).json

    funnel = tabled(section(page, "trechter"))
    assert int(funnel[("Gesprekken", "main")]) == body["conversations"]
    assert int(funnel[("FAQ beantwoord", "main")]) == body["faq_answered"]
    assert int(funnel[("Advies gestart", "main")]) == body["advice_started"]
    assert int(funnel[("Advies gegeven", "main")]) == body["advice_completed"]
    # Each funnel step links to the list of its conversations: the same number.
    links = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a>',
                       section(page, "trechter"))
    assert len(links) == 5
    for href, label in links:
        listed = browser.get(href.replace("&amp;", "&")).text
        count = re.search(r"(\d+) gesprek(?:ken)? gevonden", listed)
        assert count is not None, label
        assert count.group(1) == funnel[(label, "main")], label


def test_the_api_answers_with_the_expected_numbers(console: Console) -> None:
    response = api(console, API, console.token(OPERATOR))

    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json
    assert {key: body[key] for key in EXPECTED_API_COUNTS} == EXPECTED_API_COUNTS
    assert body["containment_rate"] == 0.7
    assert body["form_dropoff"]["advice_form.sector"] == 1
    assert {item["text"] for item in body["top_unanswered"]} == {
        "blabla qwerty", "Dekt dat mijn kassasysteem?", "mijn kassa systeem dus"}
    assert [model["conversations"] for model in body["by_model"]] == [5, 5]


def test_the_api_filters_on_channel_and_keeps_to_exclusive(console: Console) -> None:
    token = console.token(OPERATOR)

    assert api(console, API + "&channel=socketio", token).json["conversations"] == 2
    assert api(console, API + "&channel=whatsapp", token).json["conversations"] == 0
    before = api(console, f"/operator/api/stats?from=2026-11-20&to={DAY}", token).json
    assert before["conversations"] == 0
    assert before["containment_rate"] is None


def test_the_api_as_csv(console: Console) -> None:
    response = api(console, API + "&format=csv", console.token(OPERATOR))

    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    totals = {row["metric"]: row["value"] for row in rows if row["section"] == "totals"}
    assert totals["conversations"] == "10"
    assert totals["containment_rate"] == "0.7"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "'from' must be a date"),
        ("?from=2026-11-27", "'to' must be a date"),
        ("?from=27-11-2026&to=2026-11-28", "'from' must be a date"),
        ("?from=2026-11-28&to=2026-11-28", "'to' must be after 'from'"),
        (f"?from={DAY}&to=2026-11-28&format=xml", "format must be json or csv"),
        (f"?from={DAY}&to=2026-11-28&channel=" + "x" * 65, "at most 64"),
        ("?from=0001-01-01&to=9999-12-31", "the period is at most 3660 days"),
    ],
)
def test_the_api_refuses_bad_parameters(console: Console, query: str, message: str) -> None:
    response = api(console, "/operator/api/stats" + query, console.token(OPERATOR))

    assert response.status == 400
    assert response.json["error"] == "bad_request"
    assert message in response.json["message"]


@pytest.mark.parametrize("token", [None, "cbo_not-a-real-token"])
def test_the_api_refuses_anonymous_requests(console: Console, token: str | None) -> None:
    response = api(console, API, token)

    assert response.status == 401
    assert response.json["error"] == "unauthorized"


@pytest.mark.parametrize(
    "path",
    ["/operator/dashboard", "/operator/dashboard/export.csv", "/operator/dashboard/gemist"],
)
def test_the_pages_refuse_anonymous_requests(console: Console, path: str) -> None:
    response = Browser(console.app).get(path)

    assert response.status == 302
    assert response.headers["location"].startswith("/operator/login?next=")


def test_admins_see_the_same_dashboard(console: Console) -> None:
    operator_page = logged_in(console).get(PAGE).text
    admin_page = logged_in(console, ADMIN).get(PAGE).text

    assert tabled(section(admin_page, "trechter")) == tabled(section(operator_page, "trechter"))


def test_an_empty_period(console: Console) -> None:
    page = logged_in(console).get(
        "/operator/dashboard?periode=aangepast&from=2026-10-01&to=2026-10-31")

    assert page.status == 200
    assert re.search(r'data-figure="conversations">0<', page.text)
    assert "Geen gesprekken in deze periode." in page.text
    assert "Geen niet begrepen berichten in deze periode." in page.text
    assert "n.v.t." in page.text


def test_a_period_with_one_conversation(tmp_path: Path) -> None:
    console = make_console(tmp_path)
    console.record("conv-1", ConversationBuilder(DEFAULT_START).session_start()
                   .user("Kan ik met bitcoin betalen?", "nlu_fallback", 0.3)
                   .action("action_fallback").listen().events)
    console.add(OPERATOR)

    page = logged_in(console).get(PAGE).text

    assert re.search(r'data-figure="conversations">1<', page)
    assert tabled(section(page, "trechter"))[("Gesprekken", "main")] == "1"
    assert "Kan ik met bitcoin betalen?" in page
    assert "100,0%" in page  # not understood, yet contained: no loop, no person


def test_the_filters_of_the_page(console: Console) -> None:
    browser = logged_in(console)

    socketio = browser.get(PAGE + "&channel=socketio").text
    model = browser.get(PAGE + f"&model={NEW_MODEL}").text

    assert re.search(r'data-figure="conversations">2<', socketio)
    assert re.search(r'data-figure="conversations">5<', model)
    # The conversation list has no model filter: no links to it then.
    assert "/operator/conversations?" not in section(model, "trechter")


def test_named_periods_and_bad_dates(console: Console) -> None:
    browser = logged_in(console)

    week = browser.get("/operator/dashboard?periode=7d")
    wrong = browser.get("/operator/dashboard?periode=aangepast&from=2026-13-01&to=2026-11-27")
    backwards = browser.get("/operator/dashboard?from=2026-11-28&to=2026-11-27")
    unknown = browser.get("/operator/dashboard?periode=eeuwig")

    assert week.status == 200 and "Laatste 7 dagen:" in week.text
    assert "De datum &#39;vanaf&#39; is ongeldig" in wrong.text
    assert "De begindatum ligt na de einddatum." in backwards.text
    assert "Kies een periode uit de lijst." in unknown.text
    for page in (wrong, backwards, unknown):
        assert page.status == 200
        assert "Laatste 30 dagen:" in page.text


def test_the_csv_export_is_audited(console: Console) -> None:
    browser = logged_in(console)
    response = browser.get(f"/operator/dashboard/export.csv?periode=aangepast&from={DAY}&to={DAY}")

    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="dashboard-2026-11-27-2026-11-27.csv"' in response.headers[
        "content-disposition"]
    assert response.text == api(console, API + "&format=csv", console.token(OPERATOR)).text
    with console.engine.connect() as connection:
        actions = [row.action for row in connection.execute(select(audit_log))]
    assert "export_stats" in actions


def test_visitor_html_is_shown_as_text(tmp_path: Path) -> None:
    console = make_console(tmp_path)
    console.record("conv-1", ConversationBuilder(DEFAULT_START).session_start()
                   .user(HTML_MISS, "nlu_fallback", 0.3).action("action_fallback").listen().events)
    console.add(OPERATOR)
    browser = logged_in(console)

    for path in (PAGE, PAGE.replace("/dashboard?", "/dashboard/gemist?")):
        page = browser.get(path).text
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt; wat kost het?" in page


def missed_form(page: str, text: str) -> dict[str, list[str]]:
    """The hidden fields of the labelling form of the group shown as ``text``."""
    item = re.search(rf"<li id=\"groep-\d+\">\s*<p class=\"text\"><strong>{re.escape(text)}"
                     r"</strong>.*?</form>", page, re.S)
    assert item is not None
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                                  item.group(0)):
        fields.setdefault(name, []).append(value)
    return fields


def test_label_a_group_of_missed_messages_and_export_it(console: Console) -> None:
    browser = logged_in(console)
    page = browser.get(PAGE.replace("/dashboard?", "/dashboard/gemist?")).text
    fields = missed_form(page, "blabla qwerty")
    assert fields["key"] == ["blabla qwerty"]

    response = browser.post("/operator/dashboard/gemist/label",
                            {**{name: values for name, values in fields.items()
                                if name != "csrf_token"}, "label": "out_of_scope"})

    assert response.status == 302
    after = browser.get(response.headers["location"]).text
    assert "1 bericht gelabeld als out_of_scope." in after
    assert "1 gelabeld als <code>out_of_scope</code>" in after
    with console.engine.connect() as connection:
        stored = connection.execute(select(corrections)).one()
    assert (stored.conversation_id, stored.text, stored.corrected, stored.predicted) == (
        "conv-fallback", "blabla qwerty", "out_of_scope", "nlu_fallback")
    export = export_corrections(all_corrections(console.engine), ROOT / "data",
                                labels=console.context.labels())
    assert "- blabla qwerty" in export.yaml_text


@pytest.mark.parametrize(
    "form",
    [
        {"label": "geen_label", "key": ["blabla qwerty"]},
        {"label": "out_of_scope"},
        {"label": "out_of_scope", "key": [f"k{n}" for n in range(101)]},
        {"label": "out_of_scope", "key": ["blabla qwerty"], "periode": "eeuwig"},
    ],
    ids=["unknown-label", "no-keys", "too-many-keys", "bad-period"],
)
def test_labelling_refuses_bad_input(console: Console, form: dict[str, Any]) -> None:
    browser = logged_in(console)
    browser.get("/operator/dashboard/gemist")

    response = browser.post("/operator/dashboard/gemist/label",
                            {"periode": "aangepast", "from": DAY, "to": DAY, **form})

    assert response.status == 400
    with console.engine.connect() as connection:
        assert connection.execute(select(corrections)).all() == []


def test_labelling_needs_the_csrf_token(console: Console) -> None:
    browser = logged_in(console)

    response = browser.post("/operator/dashboard/gemist/label",
                            {"label": "out_of_scope", "key": "blabla qwerty"}, csrf=False)

    assert response.status == 403


def test_models_are_named_as_the_model_gate_knows_them(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "gate.json").write_text(json.dumps({
        "serving": ["20261120-090000-new.tar.gz"],
        "models": {"20261120-090000-new.tar.gz": {"model_id": NEW_MODEL,
                                                  "trained_at": "2026-11-20T09:00:00"}},
    }))
    console = make_console(tmp_path, models_dir=models)
    record_all(console.tracker, console.engine)
    console.add(OPERATOR)

    page = logged_in(console).get(PAGE).text

    models_block = section(page, "modellen")
    assert "20261120-090000-new (in gebruik)" in models_block
    assert "Model 5f1c0a8e" in models_block  # not known to the gate
    assert '<option value="7d2e9b1c4a5f4e3d" >20261120-090000-new (in gebruik)</option>' in page
