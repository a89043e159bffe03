"""``python -m tests.bench``: the load benchmark (``make bench``).

Runs the same load against, one after another: our assistant with 1 replica on SQLite;
with 2 replicas and 2 action servers on PostgreSQL, Redis and RabbitMQ (the production
profile); and a bare ``rasa init`` assistant as the reference, which trains while our first
servers start. One long conversation follows the load on the first profile and on the
reference. Every process is stopped, and the database and the RabbitMQ queue are dropped,
also when something fails.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from tests.bench import long_conversation, reference, report
from tests.bench.load import Plan, run_load
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
FULL = {"users": 10, "duration": 60.0, "warmup": 10.0}
SMOKE = {"users": 2, "duration": 8.0, "warmup": 2.0}
PROFILES = (report.ONE_REPLICA, report.TWO_REPLICAS, report.REFERENCE)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--users", type=int, help="simulated visitors at once (default 10)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--duration", type=float, help="seconds measured per profile (60)")
    length.add_argument("--conversations", type=int,
                        help="measure this many conversations per profile instead")
    parser.add_argument("--warmup", type=float, help="seconds not measured first (10)")
    parser.add_argument("--smoke", action="store_true",
                        help="2 visitors, 8 s; results in results/bench-smoke.json and .md")
    parser.add_argument("--profiles", nargs="+", choices=PROFILES, default=list(PROFILES),
                        metavar="PROFILE",
                        help=f"measure only these, in this order of {', '.join(PROFILES)} "
                             "(default: all)")
    return parser.parse_args(argv)


def plan_of(args: argparse.Namespace) -> Plan:
    defaults = SMOKE if args.smoke else FULL
    return Plan(
        users=args.users or int(defaults["users"]),
        warmup=defaults["warmup"] if args.warmup is None else args.warmup,
        duration=None if args.conversations else (args.duration or defaults["duration"]),
        conversations=args.conversations,
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
    """What the load goes to: the replicas' URLs and the processes serving them."""

    name: str
    title: str
    urls: list[str]
    pids: dict[str, int]
    setup_seconds: dict[str, float]
    # What the REST channel needs: our REST token; the bare reference needs nothing.
    headers: dict[str, str] = field(default_factory=dict)


def measure(target: Target, plan: Plan, scenarios: Sequence[Scenario],
            long_turns: Sequence[Turn] | None) -> ProfileResult:
    print(f"Measuring {target.title}: {plan.users} visitors", flush=True)
    meter = CpuMeter(target.pids)
    run = run_load(target.urls, scenarios, plan, on_warm=meter.start, headers=target.headers)
    cpu = meter.stop()
    memory = {name: resident_memory(pid) for name, pid in target.pids.items()}
    long = None
    if long_turns is not None:
        print(f"Long conversation on {target.title}", flush=True)
        long = long_conversation.measure(target.urls[0], long_turns, headers=target.headers)
    return ProfileResult(
        name=target.name, title=target.title, summary=run.summary(), cpu=cpu, memory=memory,
        errors=[f"{s.scenario} turn {s.turn}: {s.error}" for s in run.errors],
        setup_seconds=target.setup_seconds, long_conversation=long,
    )


@contextmanager
def running(cluster: Cluster, name: str, title: str) -> Iterator[Target]:
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
                     {"Authorization": f"Bearer {cluster.rest_token}"})
    finally:
        cluster.stop()


def one_replica(workdir: Path, plan: Plan, before_load: Callable[[], object]) -> ProfileResult:
    cluster = Cluster(workdir / report.ONE_REPLICA)
    with running(cluster, report.ONE_REPLICA, "1 replica, SQLite") as target:
        before_load()
        return measure(target, plan, OURS, LONG_CONVERSATION)


def two_replicas(workdir: Path, plan: Plan, before_load: Callable[[], object]) -> ProfileResult:
    with postgres_database() as database:
        environment = production_environment(database)
        cluster = Cluster(workdir / report.TWO_REPLICAS, rasa_replicas=2, action_replicas=2,
                          production_env=environment)
        try:
            title = "2 replicas, PostgreSQL + Redis + RabbitMQ"
            with running(cluster, report.TWO_REPLICAS, title) as target:
                before_load()
                return measure(target, plan, OURS, None)
        finally:
            delete_queue(environment)


def bare_rasa(project: ReferenceProject, plan: Plan) -> ProfileResult:
    print("Starting the reference", flush=True)
    started = time.monotonic()
    with reference.serve(project) as server:
        target = Target(report.REFERENCE, "reference: bare rasa init, in memory", [server.url],
                        {"rasa": server.process.pid},
                        {"rasa_init": project.init_seconds, "start": time.monotonic() - started})
        return measure(target, plan, REFERENCE, REFERENCE_LONG_CONVERSATION)


def profiles(workdir: Path, plan: Plan, names: Sequence[str]) -> list[ProfileResult]:
    """The named profiles, measured one after another in the order of ``PROFILES``."""
    if report.REFERENCE not in names:
        return _ours(workdir, plan, names, lambda: None)
    print("Creating and training the reference with `rasa init`, in the background", flush=True)
    with reference.initialising(workdir / report.REFERENCE) as initialisation:
        # It trains while our first servers start; our loads wait for it to finish.
        measured = _ours(workdir, plan, names, initialisation.wait)
        return [*measured, bare_rasa(initialisation.wait(), plan)]


def _ours(workdir: Path, plan: Plan, names: Sequence[str],
          before_load: Callable[[], object]) -> list[ProfileResult]:
    """Our profiles among ``names``; ``before_load`` is called before each load is sent."""
    measured = []
    if report.ONE_REPLICA in names:
        measured.append(one_replica(workdir, plan, before_load))
    if report.TWO_REPLICAS in names:
        measured.append(two_replicas(workdir, plan, before_load))
    return measured


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
