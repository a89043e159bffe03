"""``python -m tests.bench``: the load benchmark (``make bench``).

Runs the same load against our assistant with 1 replica on SQLite; with 2 replicas and 2
action servers on PostgreSQL, Redis and RabbitMQ (the production profile); and a bare
``rasa init`` assistant as the reference, which trains while our servers start. All are
started first; then the profiles take turns, in rounds, so that a machine whose speed
drifts during the run (a shared host does) weighs on each alike. One long conversation
follows the load on the first profile and on the reference. Every process is stopped,
and the database and the RabbitMQ queue are dropped, also when something fails.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from tests.bench import long_conversation, reference, report
from tests.bench.load import LoadRun, Plan, run_load
from tests.bench.reference import ReferenceProject
from tests.bench.report import BenchResult, CpuUse, ProfileResult
from tests.bench.scenarios import (
    LONG_CONVERSATION,
    OURS,
    REFERENCE,
    REFERENCE_LONG_CONVERSATION,
    Scenario,
    Turn,
)
from tests.harness.cluster import (
    ROOT,
    Cluster,
    delete_queue,
    postgres_database,
    production_environment,
    resident_memory,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FULL = {"users": 10, "duration": 60.0, "warmup": 10.0, "rounds": 3}
SMOKE = {"users": 2, "duration": 8.0, "warmup": 2.0, "rounds": 1}
PROFILES = (report.ONE_REPLICA, report.TWO_REPLICAS, report.REFERENCE)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--users", type=int, help="simulated visitors at once (default 10)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--duration", type=float, help="seconds measured per profile (60)")
    length.add_argument("--conversations", type=int,
                        help="measure this many conversations per profile instead")
    parser.add_argument("--warmup", type=float, help="seconds not measured first (10)")
    parser.add_argument("--rounds", type=int,
                        help="rounds the measurement is cut into, the profiles taking turns (3)")
    parser.add_argument("--smoke", action="store_true",
                        help="2 visitors, 8 s; results in results/bench-smoke.json and .md")
    parser.add_argument("--profiles", nargs="+", choices=PROFILES, default=list(PROFILES),
                        metavar="PROFILE",
                        help=f"measure only these, of {', '.join(PROFILES)} (default: all)")
    return parser.parse_args(argv)


def plan_of(args: argparse.Namespace) -> Plan:
    defaults = SMOKE if args.smoke else FULL
    return Plan(
        users=args.users or int(defaults["users"]),
        warmup=defaults["warmup"] if args.warmup is None else args.warmup,
        duration=None if args.conversations else (args.duration or defaults["duration"]),
        conversations=args.conversations,
        rounds=args.rounds or int(defaults["rounds"]),
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def busy_seconds() -> float:
    """CPU time all cores spent on anything but idling and waiting, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


@dataclass(frozen=True)
class CpuReading:
    processes: dict[str, float]
    client: float
    busy: float


class CpuMeter:
    """The CPU used by some processes, by this one (the load generator) and by the rest."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.begin = self.read()

    def read(self) -> CpuReading:
        own = os.times()
        return CpuReading({name: cpu_seconds(pid) for name, pid in self.pids.items()},
                          own.user + own.system, busy_seconds())

    def start(self) -> None:
        self.begin = self.read()

    def stop(self) -> CpuUse:
        end = self.read()
        processes = {name: end.processes[name] - self.begin.processes[name]
                     for name in self.pids}
        client = end.client - self.begin.client
        others = end.busy - self.begin.busy - sum(processes.values()) - client
        return CpuUse(processes, client, max(others, 0.0))


@dataclass(frozen=True)
class Target:
    """What the load goes to: the replicas' URLs and the processes serving them, and what
    is said to them."""

    name: str
    title: str
    urls: list[str]
    pids: dict[str, int]
    setup_seconds: dict[str, float]
    scenarios: Sequence[Scenario]
    long_turns: Sequence[Turn] | None  # the long conversation, where it is measured
    # What the REST channel needs: our REST token; the bare reference needs nothing.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Slices:
    """A target's measured rounds so far."""

    runs: list[LoadRun] = field(default_factory=list)
    cpu: list[CpuUse] = field(default_factory=list)


def measure_round(target: Target, plan: Plan, round_number: int, slices: Slices) -> None:
    print(f"Measuring {target.title}, round {round_number + 1} of {plan.rounds}: "
          f"{plan.users} visitors", flush=True)
    meter = CpuMeter(target.pids)
    slices.runs.append(run_load(target.urls, target.scenarios, plan.slice(round_number),
                                on_warm=meter.start, headers=target.headers))
    slices.cpu.append(meter.stop())


def result_of(target: Target, slices: Slices) -> ProfileResult:
    """The target's rounds as one result, with its memory after them and its long
    conversation."""
    run = LoadRun.joined(slices.runs)
    memory = {name: resident_memory(pid) for name, pid in target.pids.items()}
    long = None
    if target.long_turns is not None:
        print(f"Long conversation on {target.title}", flush=True)
        long = long_conversation.measure(target.urls[0], target.long_turns,
                                         headers=target.headers)
    return ProfileResult(
        name=target.name, title=target.title, summary=run.summary(),
        cpu=CpuUse.total(slices.cpu), memory=memory,
        errors=[f"{s.scenario} turn {s.turn}: {s.error}" for s in run.errors],
        setup_seconds=target.setup_seconds, long_conversation=long,
        # Per answered message, as the total (``Summary.messages``) counts them.
        cpu_ms_by_round=tuple(use.servers * 1000 / max(len(part.samples) - len(part.errors), 1)
                              for part, use in zip(slices.runs, slices.cpu, strict=True)),
    )


def measure(targets: Sequence[Target], plan: Plan) -> list[ProfileResult]:
    """Every target, the rounds taking turns: a machine that gets faster or slower during
    the run weighs on every profile, not on the one measured at the time."""
    slices = {target.name: Slices() for target in targets}
    for round_number in range(plan.rounds):
        for target in targets:
            measure_round(target, plan, round_number, slices[target.name])
    return [result_of(target, slices[target.name]) for target in targets]


@contextmanager
def running(cluster: Cluster, name: str, title: str,
            long_turns: Sequence[Turn] | None) -> Iterator[Target]:
    """The cluster started (and stopped on leaving, also when it did not fully start)."""
    print(f"Starting {title}", flush=True)
    started = time.monotonic()
    try:
        cluster.start()
        pids = {replica.name: replica.process.pid for replica in [*cluster.rasa, *cluster.actions]
                if replica.process is not None}
        if cluster.worker_process is not None:
            pids["worker"] = cluster.worker_process.pid
        yield Target(name, title, cluster.urls, pids, {"start": time.monotonic() - started},
                     OURS, long_turns, {"Authorization": f"Bearer {cluster.rest_token}"})
    finally:
        cluster.stop()


@contextmanager
def one_replica(workdir: Path) -> Iterator[Target]:
    cluster = Cluster(workdir / report.ONE_REPLICA)
    with running(cluster, report.ONE_REPLICA, "1 replica, SQLite", LONG_CONVERSATION) as target:
        yield target


@contextmanager
def two_replicas(workdir: Path) -> Iterator[Target]:
    with postgres_database() as database:
        environment = production_environment(database)
        cluster = Cluster(workdir / report.TWO_REPLICAS, rasa_replicas=2, action_replicas=2,
                          production_env=environment)
        try:
            title = "2 replicas, PostgreSQL + Redis + RabbitMQ"
            with running(cluster, report.TWO_REPLICAS, title, None) as target:
                yield target
        finally:
            delete_queue(environment)


@contextmanager
def bare_rasa(project: ReferenceProject) -> Iterator[Target]:
    print("Starting the reference", flush=True)
    started = time.monotonic()
    with reference.serve(project) as server:
        yield Target(report.REFERENCE, "reference: bare rasa init, in memory", [server.url],
                     {"rasa": server.process.pid},
                     {"rasa_init": project.init_seconds, "start": time.monotonic() - started},
                     REFERENCE, REFERENCE_LONG_CONVERSATION)


def profiles(workdir: Path, plan: Plan, names: Sequence[str]) -> list[ProfileResult]:
    """The named profiles, all started one after another in the order of ``PROFILES``,
    then measured taking turns."""
    starters = {report.ONE_REPLICA: one_replica, report.TWO_REPLICAS: two_replicas}
    with ExitStack() as stack:
        initialisation = None
        if report.REFERENCE in names:
            print("Creating and training the reference with `rasa init`, in the background",
                  flush=True)
            # It trains while our servers start.
            initialisation = stack.enter_context(
                reference.initialising(workdir / report.REFERENCE))
        targets = [stack.enter_context(starters[name](workdir))
                   for name in PROFILES if name in names and name in starters]
        if initialisation is not None:
            targets.append(stack.enter_context(bare_rasa(initialisation.wait())))
        return measure(targets, plan)


def print_logs(workdir: Path) -> None:
    for log in sorted(workdir.rglob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        print(f"--- {log.relative_to(workdir)} (last lines) ---")
        print("\n".join(lines[-15:]))


def terminate(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM ends the run like Ctrl-C: every process is stopped on the way out."""
    sys.exit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    plan = plan_of(args)
    signal.signal(signal.SIGTERM, terminate)
    stem = "bench-smoke" if args.smoke else "bench"
    skipped = {name: "not asked for (--profiles)" for name in PROFILES
               if name not in args.profiles}
    with tempfile.TemporaryDirectory(prefix="cyberbot-bench-") as folder:
        workdir = Path(folder)
        try:
            measured = profiles(workdir, plan, args.profiles)
        except BaseException:
            print_logs(workdir)
            raise
    result = BenchResult(plan, measured, skipped)
    results = ROOT / "results"
    print(report.write(result, results / f"{stem}.json", results / f"{stem}.md"))
    failed = sum(p.summary.errors for p in measured)
    failed += sum(len(p.long_conversation.errors) for p in measured if p.long_conversation)
    if failed:
        print(f"{failed} messages failed: see the examples in results/{stem}.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
