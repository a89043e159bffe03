"""One set of real servers for all end-to-end and browser tests: Rasa takes a minute to
start. Nothing starts unless a test asks for `bot` (or `site`, the demo site with the
operator console on the bot's databases)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.receiver import WebhookReceiver
from tests.e2e.servers import BotServers, running_site
from tests.postgres_support import fresh_postgres_database
from tests.whatsapp.fake_graph import FakeGraphAPI
from tests.whatsapp.settings import whatsapp_environment

SERVERS_GROUP = "servers"
# The session fixture that starts the shared Rasa and action servers.
SHARED_BOT = "bot"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tiers a developer can run alone (``pytest -m unit``, ``-m browser``, ...):
    browser and scale-out tests by their folder, unit tests for starting no server.

    Under pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``) the tests that
    start servers run in groups, each group on one worker: every test of the shared bot
    in one (it starts once), and every other module that starts its own servers (the
    scale-out cluster, the model gate, the dashboard's browser tests, the benchmark's
    smoke run) in a group of its own.
    xdist hands out the largest groups first, so one worker starts the shared bot while
    the other runs those modules, then the unit tests."""
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in ("browser", "scaleout"):
            item.add_marker(folder)
        if item.get_closest_marker("e2e") is None and item.get_closest_marker("bench") is None:
            item.add_marker("unit")
        else:
            item.add_marker(pytest.mark.xdist_group(server_group(item)))


def server_group(item: pytest.Item) -> str:
    """The xdist group of a test that starts servers: the shared bot's, or its module's."""
    if SHARED_BOT in getattr(item, "fixturenames", ()):
        return SERVERS_GROUP
    return Path(str(item.fspath)).stem


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each supported backend: a SQLite file, a fresh database on the
    local PostgreSQL server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leads.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    webhook = WebhookReceiver(secrets.token_hex(16))
    webhook.start()
    yield webhook
    webhook.stop()


@pytest.fixture(scope="session")
def graph() -> Iterator[FakeGraphAPI]:
    """A stand-in for Meta's Graph API that the bot's WhatsApp channel sends to."""
    with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture(scope="session")
def bot(
    tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver, graph: FakeGraphAPI
) -> Iterator[BotServers]:
    servers = BotServers(
        tmp_path_factory.mktemp("bot"),
        env={
            "CYBERBOT_WEBHOOK_URL": receiver.url,
            "CYBERBOT_WEBHOOK_SECRET": receiver.secret,
            "CYBERBOT_WEBHOOK_TIMEOUT": "5",
            "CYBERBOT_OUTBOX_POLL_SECONDS": "0.5",
            # Live chat whatever the time of day the tests run (office hours are tested
            # on their own); only the live-chat tests make an operator available.
            "CYBERBOT_LIVE_HOURS": "always",
            # The limits per conversation of security.yml: no test conversation is longer.
            # Per client they stay out of reach: every test talks from 127.0.0.1.
            "CYBERBOT_LIMIT_MESSAGES_PER_MINUTE_PER_CONVERSATION": "20",
            "CYBERBOT_LIMIT_LEADS_PER_HOUR_PER_CONVERSATION": "2",
            **whatsapp_environment(graph.url),
        },
    )
    try:
        servers.start_actions()
        servers.start_worker()
        servers.start_rasa()
        yield servers
    finally:
        servers.stop_all()
        for log in ("rasa.log", "actions.log", "worker.log"):
            path: Path = servers.workdir / log
            if path.exists():
                print(f"--- {log} (last lines) ---")
                print("\n".join(path.read_text(errors="replace").splitlines()[-30:]))


class Site:
    """The demo site and operator console, started on the bot's databases."""

    def __init__(self, url: str) -> None:
        self.url = url


@pytest.fixture(scope="session")
def site(bot: BotServers) -> Iterator[Site]:
    with running_site(bot.env, bot.workdir / "site.log", bot.url, port=bot.site_port) as url:
        yield Site(url)
