"""One set of real servers for all end-to-end and browser tests: Rasa takes a minute to
start. Nothing starts unless a test asks for `bot`."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.receiver import WebhookReceiver
from tests.e2e.servers import BotServers


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    webhook = WebhookReceiver(secrets.token_hex(16))
    webhook.start()
    yield webhook
    webhook.stop()


@pytest.fixture(scope="session")
def bot(
    tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver
) -> Iterator[BotServers]:
    servers = BotServers(
        tmp_path_factory.mktemp("bot"),
        env={
            "CYBERBOT_WEBHOOK_URL": receiver.url,
            "CYBERBOT_WEBHOOK_SECRET": receiver.secret,
            "CYBERBOT_WEBHOOK_TIMEOUT": "5",
            "CYBERBOT_OUTBOX_POLL_SECONDS": "0.5",
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
