"""The benchmark's rounds: the profiles take turns, and each profile's rounds add up to the
measurement asked for (without servers: the load and the CPU meter are stood in for)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from tests.bench import __main__ as bench
from tests.bench.load import LoadRun, Plan, Sample
from tests.bench.report import CpuUse


def test_a_plan_is_cut_into_equal_rounds_with_the_warm_up_first() -> None:
    plan = Plan(users=10, warmup=12.0, duration=60.0, rounds=3)
    assert plan.slice(0) == Plan(users=10, warmup=12.0, duration=20.0)
    assert plan.slice(1) == plan.slice(2) == Plan(users=10, warmup=4.0, duration=20.0)
    counted = Plan(users=2, warmup=0.0, conversations=10, rounds=3)
    assert counted.slice(2).conversations == 4  # never fewer than asked for in all
    assert Plan(users=1, warmup=2.0, duration=8.0).slice(0) == Plan(1, 2.0, 8.0)
    with pytest.raises(ValueError):
        Plan(users=1, warmup=0.0, duration=1.0, rounds=0)


def test_rounds_are_joined_into_one_run_and_one_cpu_use() -> None:
    first = LoadRun([Sample("faq", 1, 0.5, 0.1, None)], 20.0)
    second = LoadRun([Sample("faq", 2, 0.2, 0.3, None), Sample("faq", 1, 0.1, 0.2, "HTTP 500")],
                     21.0)
    joined = LoadRun.joined([first, second])
    assert joined.seconds == 41.0 and len(joined.samples) == 3 and len(joined.errors) == 1
    total = CpuUse.total([CpuUse({"rasa": 1.0, "actions": 0.25}, 0.5, 0.125),
                          CpuUse({"rasa": 2.0, "actions": 0.5}, 0.25, 0.0)])
    assert total == CpuUse({"rasa": 3.0, "actions": 0.75}, 0.75, 0.125)


def target(name: str) -> bench.Target:
    return bench.Target(name, name, [f"http://{name}"], {"rasa": 1}, {"start": 1.0}, [], None)


def test_the_profiles_take_turns_round_after_round(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[tuple[str, float | None]] = []

    def fake_load(urls: Sequence[str], _scenarios: Any, plan: Plan,
                  on_warm: Callable[[], None] = lambda: None,
                  headers: Mapping[str, str] | None = None) -> LoadRun:
        order.append((urls[0], plan.duration))
        on_warm()
        samples = [Sample("faq", 1, 0.0, 0.05, None)] * 10
        return LoadRun([*samples, Sample("faq", 2, 0.0, 0.05, "HTTP 500")], plan.duration or 0.0)

    class FakeMeter:
        def __init__(self, pids: dict[str, int]) -> None:
            self.pids = pids

        def start(self) -> None:
            pass

        def stop(self) -> CpuUse:
            return CpuUse({"rasa": 0.5}, 0.0, 0.0)

    monkeypatch.setattr(bench, "run_load", fake_load)
    monkeypatch.setattr(bench, "CpuMeter", FakeMeter)
    monkeypatch.setattr(bench, "resident_memory", lambda pid: 100)
    results = bench.measure([target("a"), target("b")],
                            Plan(users=2, warmup=1.0, duration=30.0, rounds=3))
    assert order == [("http://a", 10.0), ("http://b", 10.0)] * 3
    for result in results:
        assert result.summary.messages == 30 and result.summary.errors == 3
        assert result.summary.seconds == 30.0
        assert result.cpu.processes == {"rasa": 1.5}
        # 0.5 s for 10 answered messages, as the total counts them (not the failed one).
        assert result.cpu_ms_by_round == (50.0, 50.0, 50.0)
    assert [result.name for result in results] == ["a", "b"]
