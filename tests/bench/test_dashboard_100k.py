"""Benchmark (``make bench-dashboard``, not part of ``make test``): the dashboard and
``GET /operator/api/stats`` over the 100,000-conversation fixture of the paging test.

Measures, median of 5 runs after a warm-up, the wall time and the CPU time of the
process that answers: the stats queries for several periods and filters in-process, and
the pages, the API and the CSV export over HTTP from the real site process, logged in.
Writes results/dashboard_bench.json and .md. Nothing here is a timed assertion: it
checks that the numbers are right (they add up to the fixture), and reports the times.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from cyberbot.console.accounts import add_operator, create_api_token
from cyberbot.console.dashboard_texts import load_dashboard_texts
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.models import conversations, get_console_engine
from cyberbot.console.stats import StatsFilter, compute_missed, compute_stats
from cyberbot.db.rasa_tables import events
from cyberbot.leads.models import leads, outbox
from tests.bench.__main__ import cpu_seconds
from tests.bench.test_paging_100k import (
    CONVERSATIONS,
    FIRST_START,
    MIX,
    NOW,
    OPERATOR,
    PASSWORD,
    conversation,
    log_in,
)
from tests.console.tracker_fixtures import create_tracker_engine, event_row, with_model
from tests.e2e.servers import ROOT, free_port, stop, wait_for

pytestmark = pytest.mark.bench
RESULTS = ROOT / "results"
TEXTS = load_dashboard_texts(ROOT)
# The second half of the conversations is served by a newer model.
MODELS = ("5f1c0a8e6d9b4c2f", "9a3d7e2b1c6f4a08")
SETTINGS: dict[str, Any] = {"low_confidence_threshold": 0.5,
                            "abandoned_after": timedelta(minutes=30), "now": NOW}
YEAR = (date(2026, 1, 1), date(2027, 1, 1))
LAST_30 = (date(2026, 10, 15), date(2026, 11, 14))


@dataclass
class Fixture:
    engine: Engine
    directory: Path
    tracker_events: int
    index_seconds: float


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    directory = tmp_path_factory.mktemp("dashboard-bench")
    tracker = create_tracker_engine(directory / "tracker.db")
    count = 0
    with tracker.begin() as connection:
        rows: list[dict[str, Any]] = []
        for index in range(CONVERSATIONS):
            model = MODELS[index * 2 // CONVERSATIONS]
            rows.extend(event_row(f"conv-{index:06}", e)
                        for e in with_model(conversation(index), model))
            if len(rows) >= 50_000 or index == CONVERSATIONS - 1:
                connection.execute(insert(events), rows)
                count += len(rows)
                rows = []
    console = get_console_engine(f"sqlite:///{directory / 'leads.db'}")
    started = time.perf_counter()
    assert sync_conversations(tracker, console) == CONVERSATIONS
    index_seconds = time.perf_counter() - started
    _add_leads(console)
    yield Fixture(console, directory, count, index_seconds)
    tracker.dispose()


def _add_leads(console: Engine) -> None:
    """A lead for every quote and call-back, its webhook delivered for 9 in 10."""
    c = conversations.c
    with console.begin() as connection:
        wanted = connection.execute(
            select(c.conversation_id, c.quote_requested, c.started_at)
            .where((c.quote_requested.is_(True)) | (c.callback_requested.is_(True)))
        ).all()
        connection.execute(insert(leads), [
            {"reference": f"CV-2026-{n:06}", "kind": "quote" if quote else "callback",
             "created_at": started, "conversation_id": conversation_id, "channel": "rest",
             "contact_name": "Naam", "profile": {}, "recommendation": []}
            for n, (conversation_id, quote, started) in enumerate(wanted, 1)
        ])
        ids = connection.execute(select(leads.c.id, leads.c.created_at)).all()
        connection.execute(insert(outbox), [
            {"id": f"00000000-0000-4000-8000-{lead_id:012}", "lead_id": lead_id,
             "destination": "webhook", "status": "delivered" if lead_id % 10 else "pending",
             "attempts": 1, "next_attempt_at": created, "created_at": created}
            for lead_id, created in ids
        ])


def measure(run: Callable[[], Any], server_pid: int | None = None,
            repeats: int = 5) -> dict[str, float]:
    """Median wall time and median CPU time (of this process, or of the server) of a run
    after a warm-up, in ms. The CPU time does not grow when other work shares the cores,
    the wall time does."""

    def cpu() -> float:
        return cpu_seconds(server_pid) if server_pid else time.process_time()

    run()
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), cpu()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu() - cpu_started)
    return {"ms": round(statistics.median(walls) * 1000, 1),
            "cpu_ms": round(statistics.median(cpus) * 1000, 1)}


def test_the_stats_queries(fixture: Fixture) -> None:
    engine = fixture.engine

    def stats(period: tuple[date, date], **filters: Any) -> Callable[[], Any]:
        return lambda: compute_stats(engine, StatsFilter(*period, **filters), TEXTS, **SETTINGS)

    year = stats(YEAR)()
    share = {kind: count / 100 for kind, count in MIX.items()}
    assert year.totals.conversations == CONVERSATIONS
    assert year.totals.counts["quote_requested"] == CONVERSATIONS * share["quote"]
    assert year.totals.counts["abandoned"] == CONVERSATIONS * share["abandoned"]
    assert [model.conversations for model in year.by_model] == [CONVERSATIONS // 2] * 2
    cases = {
        "whole_fixture_year": stats(YEAR),
        "last_30_days": stats(LAST_30),
        "year_channel_whatsapp": stats(YEAR, channel="whatsapp"),
        "year_one_model": stats(YEAR, model_id=MODELS[1]),
        "missed_groups_year_top50": lambda: compute_missed(
            engine, StatsFilter(*YEAR), TEXTS, 50),
    }
    load = os.getloadavg()[0]
    figures = {name: measure(run) for name, run in cases.items()}
    write_report({
        "conversations": CONVERSATIONS,
        "tracker_events": fixture.tracker_events,
        "index_seconds": round(fixture.index_seconds, 1),
        "first_conversation": FIRST_START.isoformat(),
        "stats_in_process": figures,
        "stats_in_process_load_average": round(load, 1),
    })


def test_the_pages_and_the_api_over_http(fixture: Fixture) -> None:
    engine = fixture.engine
    add_operator(engine, OPERATOR, "operator", PASSWORD)
    token = create_api_token(engine, OPERATOR)
    endpoints = fixture.directory / "endpoints.yml"
    endpoints.write_text(
        f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{fixture.directory}/tracker.db"\n')
    environment = {**os.environ, "DATABASE_URL": str(engine.url),
                   "CYBERBOT_ENDPOINTS": str(endpoints), "CYBERBOT_LOW_CONFIDENCE": "0.5"}
    port = free_port()
    site = subprocess.Popen(
        [sys.executable, "-m", "cyberbot.console.server", "--port", str(port)],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/operator"
    bearer = {"Authorization": f"Bearer {token}"}
    try:
        wait_for(f"{base}/login", site, timeout=60)
        cookie = log_in(base)
        year = f"from={YEAR[0]}&to={YEAR[1]}"
        page_year = f"periode=aangepast&from={YEAR[0]}&to={YEAR[1] - timedelta(days=1)}"
        page_30 = f"periode=aangepast&from={LAST_30[0]}&to={LAST_30[1] - timedelta(days=1)}"
        requests_made = {
            "dashboard_whole_fixture": (f"/dashboard?{page_year}", cookie),
            "dashboard_last_30_days": (f"/dashboard?{page_30}", cookie),
            "dashboard_channel_filter": (f"/dashboard?{page_year}&channel=socketio", cookie),
            "missed_questions_page": (f"/dashboard/gemist?{page_year}", cookie),
            "dashboard_csv": (f"/dashboard/export.csv?{page_year}", cookie),
            "api_stats_whole_fixture": (f"/api/stats?{year}", bearer),
            "api_stats_last_30_days": (f"/api/stats?from={LAST_30[0]}&to={LAST_30[1]}", bearer),
            "api_stats_channel": (f"/api/stats?{year}&channel=whatsapp", bearer),
            "api_stats_csv": (f"/api/stats?{year}&format=csv", bearer),
        }
        figures = {}
        load = os.getloadavg()[0]
        for name, (path, headers) in requests_made.items():
            def get(path: str = path, headers: dict[str, str] = headers) -> None:
                reply = requests.get(base + path, headers=headers, timeout=60)
                assert reply.status_code == 200, (path, reply.status_code)
            figures[name] = measure(get, site.pid)
        body = requests.get(f"{base}/api/stats?{year}", headers=bearer, timeout=60).json()
        assert body["conversations"] == CONVERSATIONS
    finally:
        stop(site)
    write_report({"over_http": figures, "over_http_load_average": round(load, 1)})


def write_report(part: dict[str, Any]) -> None:
    """Merge ``part`` into results/dashboard_bench.json and rewrite the .md beside it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "dashboard_bench.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    report.update(part)
    report["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report["cpu_cores"] = os.cpu_count()
    path.write_text(json.dumps(report, indent=2) + "\n")
    lines = ["# Dashboard and stats API over 100,000 conversations", "",
             f"{report.get('conversations')} conversations, {report.get('tracker_events')} "
             f"tracker events; indexing took {report.get('index_seconds')} s. "
             f"Median of 5 runs after a warm-up, in ms: the wall time, and the CPU time "
             f"of the process that answers; {report['cpu_cores']} cores.", ""]
    for section in ("stats_in_process", "over_http"):
        if section in report:
            lines += [f"## {section} (load average {report.get(section + '_load_average')})",
                      "", "| what | wall ms | CPU ms |", "|---|---|---|"]
            lines += [f"| {name} | {figure['ms']} | {figure['cpu_ms']} |"
                      for name, figure in report[section].items()]
            lines.append("")
    (RESULTS / "dashboard_bench.md").write_text("\n".join(lines))
    print(json.dumps(part, indent=2))
