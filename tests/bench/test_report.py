"""The benchmark's report from made-up measurements: the ratios to the reference, the goals
and what was not measured (the smoke run in make test measures one profile only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.bench import report
from tests.bench.load import Plan
from tests.bench.long_conversation import LongConversation
from tests.bench.stats import Summary, TurnFigures

FACTS = {"cpu_count": 2, "rasa": "3.6.21"}
PLAN = Plan(users=10, warmup=10.0, duration=60.0, conversations=None)


def profile(name: str, *, messages: int, p50_ms: float, server_cpu: float,
            long: LongConversation | None = None) -> report.ProfileResult:
    seconds = 60.0
    return report.ProfileResult(
        name=name, title=name,
        summary=Summary(messages, 0, seconds, messages / seconds, p50_ms, 2 * p50_ms,
                        3 * p50_ms),
        cpu=report.CpuUse({"rasa-1": server_cpu}, client=1.0, others=0.5),
        memory={"rasa-1": 900 * report.MIB}, errors=[], setup_seconds={"start": 20.0},
        long_conversation=long,
    )


def long_conversation(turn_5_ms: float, turn_100_ms: float) -> LongConversation:
    return LongConversation(TurnFigures(105, turn_5_ms, turn_100_ms, turn_5_ms, turn_100_ms,
                                        turn_100_ms / turn_5_ms, turn_100_ms / turn_5_ms), [])


def goals_of(data: dict[str, Any]) -> dict[str, tuple[float, bool]]:
    return {goal["goal"]: (goal["value"], goal["met"]) for goal in data["goals"]}


def test_every_profile_is_compared_with_the_reference() -> None:
    result = report.BenchResult(PLAN, [
        profile("sqlite-1", messages=600, p50_ms=60.0, server_cpu=30.0,
                long=long_conversation(50.0, 60.0)),
        profile("postgres-2", messages=1000, p50_ms=80.0, server_cpu=60.0),
        profile("reference", messages=1200, p50_ms=50.0, server_cpu=24.0,
                long=long_conversation(40.0, 41.0)),
    ], {})
    data = report.to_json(result, FACTS)
    # CPU per message: 50 ms (sqlite-1), 60 ms (postgres-2) against 20 ms.
    assert data["versus_reference"] == {
        "sqlite-1": {"p50": 1.2, "throughput_per_core": 0.5, "cpu_per_message": 2.5},
        "postgres-2": {"p50": 1.6, "throughput_per_core": 0.83, "cpu_per_message": 3.0},
    }
    assert goals_of(data) == {
        "p50 per message vs the reference (sqlite-1)": (1.2, True),
        "CPU per message vs the reference (sqlite-1)": (2.5, False),
        "p50 per message vs the reference (postgres-2)": (1.6, False),
        "CPU per message vs the reference (postgres-2)": (3.0, False),
        "throughput of 2 replicas vs 1 (scales: above 1)": (1.67, True),
        "turn 100 vs turn 5 (sqlite-1)": (1.2, True),
        "turns 95-105 vs turns 1-10, medians (sqlite-1)": (1.2, True),
    }


def test_without_the_reference_there_are_no_ratios_and_the_report_says_so(tmp_path: Path) -> None:
    result = report.BenchResult(
        PLAN, [profile("sqlite-1", messages=600, p50_ms=60.0, server_cpu=30.0)],
        {"reference": "not asked for (--profiles)"})
    data = report.to_json(result, FACTS)
    assert data["versus_reference"] == {} and data["goals"] == []
    assert data["profiles"]["sqlite-1"]["cpu_ms_per_message"] == 50.0
    report.write(result, tmp_path / "bench.json", tmp_path / "bench.md")
    assert "Not measured: reference: not asked for (--profiles)" in (
        tmp_path / "bench.md").read_text()
