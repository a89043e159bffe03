"""Figures from measured latencies: percentiles, throughput, and a long conversation's
early against late turns. Pure functions on seconds; figures come out in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between the closest ranks (as
    numpy's default does)."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


@dataclass(frozen=True)
class Summary:
    """The messages answered as expected and their latencies, and the failed ones."""

    messages: int
    errors: int
    seconds: float
    throughput: float  # messages answered per second
    p50_ms: float
    p95_ms: float
    p99_ms: float


def summarize(latencies: Sequence[float], errors: int, seconds: float) -> Summary:
    """`latencies` (seconds) of the messages answered within `seconds` of measurement."""
    if seconds <= 0:
        raise ValueError("the measurement took no time")
    if not latencies:
        raise ValueError("no message was answered")
    return Summary(
        messages=len(latencies),
        errors=errors,
        seconds=seconds,
        throughput=len(latencies) / seconds,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
    )


EARLY_TURNS = range(1, 11)
LATE_TURNS = range(95, 106)
TURN_EARLY = 5
TURN_LATE = 100


@dataclass(frozen=True)
class TurnFigures:
    """A long conversation: turn 5 against turn 100, and the medians around them."""

    turns: int
    turns_1_10_median_ms: float
    turns_95_105_median_ms: float
    turn_5_ms: float
    turn_100_ms: float
    turn_100_vs_5: float
    late_vs_early_median: float


def turn_figures(latencies: Sequence[float]) -> TurnFigures:
    """`latencies` (seconds) of one conversation's turns, the first turn first."""
    if len(latencies) < LATE_TURNS.stop - 1:
        raise ValueError(f"{len(latencies)} turns; at least {LATE_TURNS.stop - 1} are needed")

    def turns(numbers: range) -> list[float]:
        return [latencies[n - 1] for n in numbers]

    early = median(turns(EARLY_TURNS)) * 1000
    late = median(turns(LATE_TURNS)) * 1000
    turn_5 = latencies[TURN_EARLY - 1] * 1000
    turn_100 = latencies[TURN_LATE - 1] * 1000
    return TurnFigures(
        turns=len(latencies),
        turns_1_10_median_ms=early,
        turns_95_105_median_ms=late,
        turn_5_ms=turn_5,
        turn_100_ms=turn_100,
        turn_100_vs_5=turn_100 / turn_5,
        late_vs_early_median=late / early,
    )
