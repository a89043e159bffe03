"""The benchmark's results: ``bench.json`` with the machine, every profile's figures, the
ratios to the reference and the goals, and ``bench.md``, the same as small tables."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tests.bench.load import Plan
from tests.bench.long_conversation import LongConversation
from tests.bench.stats import Summary

MIB = 2**20
ERROR_EXAMPLES = 10
REFERENCE = "reference"
ONE_REPLICA = "sqlite-1"
TWO_REPLICAS = "postgres-2"
# The goals: our cost within 1.3x of the reference, turn 100 within 1.5x of turn 5.
COST_LIMIT = 1.3
GROWTH_LIMIT = 1.5


@dataclass(frozen=True)
class CpuUse:
    """CPU time (core-seconds) used on the machine while a profile was measured."""

    processes: dict[str, float]  # the profile's own (Rasa, action servers, outbox worker)
    client: float  # the load generator
    others: float  # everything else: PostgreSQL, Redis, RabbitMQ, and other jobs


    @property
    def servers(self) -> float:
        return sum(self.processes.values())

    @classmethod
    def total(cls, uses: list[CpuUse]) -> CpuUse:
        """The CPU of one profile's rounds together."""
        return cls({name: sum(use.processes[name] for use in uses) for name in uses[0].processes},
                   sum(use.client for use in uses), sum(use.others for use in uses))


@dataclass(frozen=True)
class ProfileResult:
    name: str
    title: str
    summary: Summary
    cpu: CpuUse
    memory: dict[str, int | None]  # resident memory per process after the load, bytes
    errors: list[str]
    setup_seconds: dict[str, float]
    long_conversation: LongConversation | None
    # CPU ms per message of the profile's processes in each round, in order.
    cpu_ms_by_round: tuple[float, ...] = ()


@dataclass(frozen=True)
class BenchResult:
    plan: Plan
    profiles: list[ProfileResult]
    skipped: dict[str, str]  # profile name -> why it was not measured


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo")
         if line.startswith("model name")),
        platform.processor(),
    )
    memory_kib = next(
        (int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")),
        0,
    )
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory_total_gib": round(memory_kib / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "rasa": version("rasa"),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _round(value: float, digits: int = 2) -> float:
    return round(value, digits)


def profile_figures(result: ProfileResult, cores: int) -> dict[str, Any]:
    summary, seconds = result.summary, result.summary.seconds
    long = result.long_conversation
    return {
        "title": result.title,
        "messages": summary.messages,
        "errors": summary.errors,
        "seconds": _round(seconds, 1),
        "throughput_msg_s": _round(summary.throughput),
        "throughput_msg_s_per_core": _round(summary.throughput / cores),
        "p50_ms": _round(summary.p50_ms, 1),
        "p95_ms": _round(summary.p95_ms, 1),
        "p99_ms": _round(summary.p99_ms, 1),
        "cpu_ms_per_message": _round(result.cpu.servers * 1000 / summary.messages),
        "cpu_ms_per_message_by_round": [_round(value) for value in result.cpu_ms_by_round],
        "cpu_ms_per_message_by_process": {
            name: _round(used * 1000 / summary.messages)
            for name, used in result.cpu.processes.items()},
        "cpu_cores_busy": {
            "servers": _round(result.cpu.servers / seconds),
            "client": _round(result.cpu.client / seconds),
            "others": _round(result.cpu.others / seconds),
        },
        "memory_mib": {name: None if rss is None else _round(rss / MIB, 1)
                       for name, rss in result.memory.items()},
        "memory_total_mib": _round(sum(rss or 0 for rss in result.memory.values()) / MIB, 1),
        "setup_seconds": {name: _round(value, 1) for name, value in result.setup_seconds.items()},
        "error_examples": result.errors[:ERROR_EXAMPLES],
        "long_conversation": None if long is None else {
            **{name: _round(value) for name, value in vars(long.figures).items()},
            "errors": len(long.errors),
            "error_examples": long.errors[:ERROR_EXAMPLES],
        },
    }


def _versus(ours: dict[str, Any], reference: dict[str, Any]) -> dict[str, float]:
    return {
        "p50": _round(ours["p50_ms"] / reference["p50_ms"]),
        "throughput_per_core": _round(
            ours["throughput_msg_s_per_core"] / reference["throughput_msg_s_per_core"]),
        "cpu_per_message": _round(ours["cpu_ms_per_message"] / reference["cpu_ms_per_message"]),
    }


def _goal(goal: str, value: float, limit: float, *, at_most: bool = True) -> dict[str, Any]:
    return {"goal": goal, "value": value, "limit": limit,
            "met": value <= limit if at_most else value > limit}


def _goals(profiles: dict[str, Any], versus: dict[str, Any]) -> list[dict[str, Any]]:
    goals = []
    for name, ratios in versus.items():
        goals.append(_goal(f"p50 per message vs the reference ({name})", ratios["p50"],
                           COST_LIMIT))
        goals.append(_goal(f"CPU per message vs the reference ({name})",
                           ratios["cpu_per_message"], COST_LIMIT))
    if ONE_REPLICA in profiles and TWO_REPLICAS in profiles:
        scaling = (profiles[TWO_REPLICAS]["throughput_msg_s"]
                   / profiles[ONE_REPLICA]["throughput_msg_s"])
        goals.append(_goal("throughput of 2 replicas vs 1 (scales: above 1)",
                           _round(scaling), 1.0, at_most=False))
    long = profiles.get(ONE_REPLICA, {}).get("long_conversation")
    if long is not None:
        goals.append(_goal(f"turn 100 vs turn 5 ({ONE_REPLICA})",
                           long["turn_100_vs_5"], GROWTH_LIMIT))
        goals.append(_goal(f"turns 95-105 vs turns 1-10, medians ({ONE_REPLICA})",
                           long["late_vs_early_median"], GROWTH_LIMIT))
    return goals


def to_json(result: BenchResult, facts: dict[str, Any]) -> dict[str, Any]:
    cores = int(facts["cpu_count"] or 1)
    profiles = {p.name: profile_figures(p, cores) for p in result.profiles}
    versus = {}
    if REFERENCE in profiles:
        versus = {name: _versus(figures, profiles[REFERENCE])
                  for name, figures in profiles.items() if name != REFERENCE}
    return {
        "machine": facts,
        "load": {
            "users": result.plan.users,
            "warmup_s": result.plan.warmup,
            "duration_s": result.plan.duration,
            "conversations": result.plan.conversations,
            "rounds": result.plan.rounds,
        },
        "profiles": profiles,
        "versus_reference": versus,
        "goals": _goals(profiles, versus),
        "skipped": result.skipped,
    }


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
        "",
    ]


def _rounds(rounds: int) -> str:
    if rounds == 1:
        return ""
    return (f", in {rounds} rounds in which the profiles take turns (a machine whose speed "
            "drifts during the run then weighs on every profile alike)")


def markdown(data: dict[str, Any]) -> str:
    facts, load, profiles = data["machine"], data["load"], data["profiles"]
    length = (f"{load['duration_s']:g} s" if load["duration_s"] is not None
              else f"{load['conversations']} conversations")
    lines = [
        "# Load benchmark",
        "",
        f"{facts['date']}: {facts['cpu_count']} x {facts['cpu_model']}, "
        f"{facts['memory_total_gib']} GiB, Python {facts['python']}, Rasa {facts['rasa']}. "
        f"{load['users']} simulated visitors per profile without pauses, {length} measured "
        f"after {load['warmup_s']:g} s of warm-up{_rounds(load['rounds'])}. "
        "CPU: core-seconds per second during the "
        "measurement, of the profile's own processes, the load generator, and everything "
        "else (PostgreSQL, Redis, RabbitMQ and other jobs on the machine).",
        "",
    ]
    lines += _table(
        ["profile", "msg/s", "msg/s per core", "p50 ms", "p95 ms", "p99 ms", "CPU ms/msg",
         "CPU servers / client / others", "messages", "errors", "memory MiB"],
        [[p["title"], p["throughput_msg_s"], p["throughput_msg_s_per_core"], p["p50_ms"],
          p["p95_ms"], p["p99_ms"], p["cpu_ms_per_message"],
          " / ".join(str(v) for v in p["cpu_cores_busy"].values()), p["messages"], p["errors"],
          p["memory_total_mib"]] for p in profiles.values()],
    )
    lines += [
        "Per process, memory MiB and CPU ms per message: " + "; ".join(
            f"{p['title']}: " + ", ".join(
                f"{name} {mib} / {p['cpu_ms_per_message_by_process'][name]}"
                for name, mib in p["memory_mib"].items())
            for p in profiles.values()) + ".",
        "",
    ]
    if any(len(p["cpu_ms_per_message_by_round"]) > 1 for p in profiles.values()):
        lines += [
            "CPU ms per message in each round: " + "; ".join(
                f"{p['title']}: " + ", ".join(str(v) for v in p["cpu_ms_per_message_by_round"])
                for p in profiles.values()) + ".",
            "",
        ]
    if data["versus_reference"]:
        lines += _table(
            ["versus the reference", "p50", "throughput per core", "CPU per message"],
            [[profiles[name]["title"], f"{r['p50']}x", f"{r['throughput_per_core']}x",
              f"{r['cpu_per_message']}x"] for name, r in data["versus_reference"].items()],
        )
    long_rows = [[p["title"], lc["turns_1_10_median_ms"], lc["turns_95_105_median_ms"],
                  lc["turn_5_ms"], lc["turn_100_ms"], f"{lc['turn_100_vs_5']}x",
                  f"{lc['late_vs_early_median']}x", lc["errors"]]
                 for p in profiles.values() if (lc := p["long_conversation"]) is not None]
    if long_rows:
        lines += _table(
            ["long conversation, one visitor", "turns 1-10 median ms", "turns 95-105 median ms",
             "turn 5 ms", "turn 100 ms", "turn 100 / turn 5", "95-105 / 1-10", "errors"],
            long_rows,
        )
    lines += _table(
        ["goal", "measured", "limit", "met"],
        [[g["goal"], g["value"], g["limit"], "yes" if g["met"] else "no"] for g in data["goals"]],
    )
    lines += [f"Not measured: {name}: {reason}" for name, reason in data["skipped"].items()]
    return "\n".join(lines).rstrip() + "\n"


def write(result: BenchResult, json_path: Path, markdown_path: Path) -> str:
    """Write both files; the Markdown is returned too."""
    data = to_json(result, machine())
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    text = markdown(data)
    markdown_path.write_text(text)
    return text
