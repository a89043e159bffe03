"""Optional: train and parse with spaCy's nl_core_news_sm where it is installed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import spacy.util

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not spacy.util.is_package("nl_core_news_sm"),
    reason="nl_core_news_sm is not installed (it cannot be downloaded on this machine); "
    "the default pipeline uses the locally built var/spacy/nl_lookups instead",
)


def test_trains_and_parses_with_nl_core_news_sm(tmp_path: Path) -> None:
    config = ROOT / "config.nl_core_news_sm.yml"
    rasa = str(Path(sys.executable).with_name("rasa"))
    subprocess.run(
        [rasa, "train", "nlu", "--config", str(config), "--nlu", "data",
         "--out", str(tmp_path), "--fixed-model-name", "sm"],
        cwd=ROOT, check=True,
    )
    from rasa.core.agent import Agent

    agent = Agent.load(str(tmp_path / "sm.tar.gz"))
    parsed = asyncio.run(agent.parse_message("Is een cyberverzekering verplicht?"))
    assert parsed["intent"]["name"] == "faq"
    assert parsed["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/verplicht"
