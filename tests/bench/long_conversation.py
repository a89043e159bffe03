"""One visitor, one long conversation on an otherwise idle server: does a turn get slower
as the conversation's history grows? The turns cycle through the given questions."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tests.bench.load import client_session, say
from tests.bench.scenarios import Turn
from tests.bench.stats import TurnFigures, turn_figures

TURNS = 120


@dataclass(frozen=True)
class LongConversation:
    figures: TurnFigures
    errors: list[str]


async def _converse(
    url: str, turns: Sequence[Turn], count: int, headers: Mapping[str, str] | None
) -> tuple[list[float], list[str]]:
    sender = f"bench-long-{uuid.uuid4().hex[:8]}"
    latencies: list[float] = []
    errors: list[str] = []
    async with client_session(1, headers) as session:
        for number, turn in enumerate(itertools.islice(itertools.cycle(turns), count), start=1):
            latency, error = await say(session, url, sender, turn)
            latencies.append(latency)
            if error is not None:
                errors.append(f"turn {number}: {error}")
    return latencies, errors


def measure(
    url: str,
    turns: Sequence[Turn],
    count: int = TURNS,
    headers: Mapping[str, str] | None = None,
) -> LongConversation:
    """`count` turns in one conversation at `url`; a failed turn is listed, not retried."""
    latencies, errors = asyncio.run(_converse(url, turns, count, headers))
    return LongConversation(turn_figures(latencies), errors)
