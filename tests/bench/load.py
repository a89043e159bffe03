"""The load generator: simulated visitors talking to the bot over the REST channel at once.

Each visitor goes through conversations one after another without pausing (a closed
loop: the next message leaves when the answer to the last one is in), every conversation
under a sender id of its own. Messages go round-robin over the replicas' URLs one by one,
as a load balancer without sticky sessions would send them. A message counts as failed
when the request fails, the status is not 200, or the replies lack the expected text;
the visitor then drops that conversation and starts the next one.

Messages sent during the warm-up are not measured.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import aiohttp

from tests.bench.scenarios import Scenario, Turn
from tests.bench.stats import Summary, summarize

REQUEST_TIMEOUT = 120.0


@dataclass(frozen=True)
class Plan:
    """`users` visitors for `duration` seconds or until `conversations` conversations were
    started, after `warmup` seconds that are not measured; in `rounds` slices, which the
    benchmark lets its profiles take turns at."""

    users: int
    warmup: float
    duration: float | None = None
    conversations: int | None = None
    rounds: int = 1

    def __post_init__(self) -> None:
        if (self.duration is None) == (self.conversations is None):
            raise ValueError("give either a duration or a number of conversations")
        if self.users < 1:
            raise ValueError("at least one visitor is needed")
        if self.rounds < 1:
            raise ValueError("at least one round is needed")

    def slice(self, round_number: int) -> Plan:
        """The load of one round (the first is 0): an equal share of the measurement,
        after the whole warm-up in the first round and a share of it in the others (the
        servers are warm by then; it only lets every visitor get going)."""
        return Plan(
            users=self.users,
            warmup=self.warmup if round_number == 0 else self.warmup / self.rounds,
            duration=None if self.duration is None else self.duration / self.rounds,
            conversations=None if self.conversations is None
            else -(-self.conversations // self.rounds),
        )


@dataclass(frozen=True)
class Sample:
    scenario: str
    turn: int  # 1 is the conversation's first message
    started: float  # seconds since the load started
    latency: float  # seconds until the whole answer was in
    error: str | None  # None: answered as expected


@dataclass(frozen=True)
class LoadRun:
    """The measured messages, sent from the end of the warm-up on, and `seconds` from
    the end of the warm-up until the last of them was answered."""

    samples: list[Sample]
    seconds: float

    @property
    def errors(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.error is not None]

    def summary(self) -> Summary:
        answered = [sample.latency for sample in self.samples if sample.error is None]
        return summarize(answered, len(self.errors), self.seconds)

    @classmethod
    def joined(cls, runs: Sequence[LoadRun]) -> LoadRun:
        """The rounds of one profile as one run."""
        return cls([sample for run in runs for sample in run.samples],
                   sum(run.seconds for run in runs))


async def say(
    session: aiohttp.ClientSession, url: str, sender: str, turn: Turn
) -> tuple[float, str | None]:
    """Send one message; the latency in seconds, and what went wrong (None: nothing)."""
    started = time.perf_counter()
    try:
        async with session.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": turn.message}
        ) as response:
            body = await response.text()
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return time.perf_counter() - started, f"{type(error).__name__}: {error}"
    latency = time.perf_counter() - started
    if response.status != 200:
        return latency, f"HTTP {response.status}: {body[:120]}"
    try:
        text = "\n".join(str(reply.get("text", "")) for reply in json.loads(body))
    except (ValueError, AttributeError, TypeError):
        return latency, f"not a list of replies: {body[:120]}"
    if turn.expect not in text:
        return latency, f"unexpected reply to {turn.message!r}: {text[:120]!r}"
    return latency, None


def client_session(
    connections: int, headers: Mapping[str, str] | None = None
) -> aiohttp.ClientSession:
    """A session for the REST channel; ``headers`` carry its token where one is needed."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(limit=connections),
        headers=dict(headers or {}),
    )


class _Load:
    def __init__(
        self,
        urls: Sequence[str],
        scenarios: Sequence[Scenario],
        plan: Plan,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not urls or not scenarios:
            raise ValueError("no URL or no scenario")
        self.headers = headers
        self.urls = itertools.cycle(urls)
        self.scenarios = scenarios
        self.plan = plan
        self.run = uuid.uuid4().hex[:8]
        self.origin = time.perf_counter()
        self.deadline = None if plan.duration is None else plan.warmup + plan.duration
        self.counted = 0
        self.samples: list[Sample] = []

    def now(self) -> float:
        return time.perf_counter() - self.origin

    def may_start_conversation(self) -> bool:
        now = self.now()
        if self.deadline is not None:
            return now < self.deadline
        if now < self.plan.warmup:
            return True
        assert self.plan.conversations is not None
        self.counted += 1
        return self.counted <= self.plan.conversations

    async def visitor(self, session: aiohttp.ClientSession, number: int) -> None:
        for n in itertools.count():
            if not self.may_start_conversation():
                return
            scenario = self.scenarios[(number + n) % len(self.scenarios)]
            token = f"{self.run}-{number}-{n}"
            for index, turn in enumerate(scenario.for_visitor(token), start=1):
                started = self.now()
                if self.deadline is not None and started >= self.deadline:
                    return
                latency, error = await say(session, next(self.urls), f"bench-{token}", turn)
                self.samples.append(Sample(scenario.name, index, started, latency, error))
                if error is not None:
                    break

    async def warm_up(self, on_warm: Callable[[], None]) -> None:
        await asyncio.sleep(self.plan.warmup)
        on_warm()

    async def drive(self, on_warm: Callable[[], None]) -> LoadRun:
        async with client_session(self.plan.users, self.headers) as session:
            visitors = [self.visitor(session, number) for number in range(self.plan.users)]
            await asyncio.gather(self.warm_up(on_warm), *visitors)
        measured = [sample for sample in self.samples if sample.started >= self.plan.warmup]
        if not measured:
            raise RuntimeError("no message was sent after the warm-up")
        last = max(sample.started + sample.latency for sample in measured)
        return LoadRun(measured, last - self.plan.warmup)


def run_load(
    urls: Sequence[str],
    scenarios: Sequence[Scenario],
    plan: Plan,
    on_warm: Callable[[], None] = lambda: None,
    headers: Mapping[str, str] | None = None,
) -> LoadRun:
    """Run the load; `on_warm` is called when the warm-up ends and measuring begins."""
    return asyncio.run(_Load(urls, scenarios, plan, headers).drive(on_warm))
