"""Percentiles, throughput and the long conversation's figures (pure functions)."""

from __future__ import annotations

import pytest

from tests.bench.stats import median, percentile, summarize, turn_figures


def test_percentiles_interpolate_between_ranks_as_numpy_does() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile(values, 100) == 4.0
    assert median([5.0, 1.0, 3.0]) == 3.0


def test_percentile_of_one_value_is_that_value() -> None:
    assert percentile([0.25], 99) == 0.25


@pytest.mark.parametrize("q", [-1, 101])
def test_percentile_outside_0_to_100_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], q)


def test_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_summary_gives_throughput_and_percentiles_in_milliseconds() -> None:
    latencies = [n / 1000 for n in range(1, 101)]  # 1 ms .. 100 ms
    summary = summarize(latencies, errors=3, seconds=4.0)
    assert summary.messages == 100
    assert summary.errors == 3
    assert summary.throughput == 25.0
    assert summary.p50_ms == pytest.approx(50.5)
    assert summary.p95_ms == pytest.approx(95.05)
    assert summary.p99_ms == pytest.approx(99.01)


def test_summary_needs_answered_messages_and_time() -> None:
    with pytest.raises(ValueError, match="no message"):
        summarize([], errors=2, seconds=1.0)
    with pytest.raises(ValueError, match="no time"):
        summarize([0.1], errors=0, seconds=0.0)


def test_turn_figures_compare_turn_5_with_turn_100_and_the_medians_around_them() -> None:
    # Turn n takes n ms: early turns are fast, late ones slow.
    figures = turn_figures([n / 1000 for n in range(1, 121)])
    assert figures.turns == 120
    assert figures.turn_5_ms == pytest.approx(5.0)
    assert figures.turn_100_ms == pytest.approx(100.0)
    assert figures.turn_100_vs_5 == pytest.approx(20.0)
    assert figures.turns_1_10_median_ms == pytest.approx(5.5)
    assert figures.turns_95_105_median_ms == pytest.approx(100.0)
    assert figures.late_vs_early_median == pytest.approx(100.0 / 5.5)


def test_turn_figures_of_a_flat_conversation_are_one() -> None:
    figures = turn_figures([0.05] * 110)
    assert figures.turn_100_vs_5 == pytest.approx(1.0)
    assert figures.late_vs_early_median == pytest.approx(1.0)


def test_turn_figures_need_105_turns() -> None:
    with pytest.raises(ValueError, match="104 turns"):
        turn_figures([0.05] * 104)
