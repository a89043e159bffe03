from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import BotServers


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServers]:
    servers = BotServers(tmp_path_factory.mktemp("bot"))
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        servers.stop_all()
        for log in ("rasa.log", "actions.log"):
            path: Path = servers.workdir / log
            if path.exists():
                print(f"--- {log} (last lines) ---")
                print("\n".join(path.read_text(errors="replace").splitlines()[-30:]))
