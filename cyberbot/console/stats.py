"""The dashboard's numbers and those of ``GET /operator/api/stats``, from the index.

Every count is a count of conversations that started in the period (Dutch calendar
days; the end is exclusive) and hold an outcome condition of
``cyberbot.console.outcomes``: the very conditions the conversation list filters on, so
that the dashboard, the API, the CSV export and the list always agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import ColumnElement

from cyberbot.console.dashboard_texts import DashboardTexts, faq_label
from cyberbot.console.missed import Variant, group_missed
from cyberbot.console.models import conversation_counts, conversations, missed_messages
from cyberbot.console.outcomes import (
    ASKED_COUNT,
    CONTAINED,
    FAQ_COUNT,
    REASKED_COUNT,
    outcome_conditions,
)
from cyberbot.leads.export import spreadsheet_cell

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
# The API's counts and the outcome each one counts (cyberbot.console.outcomes).
API_COUNTS: Mapping[str, str] = {
    "faq_answered": "faq_answered",
    "advice_started": "advice_started",
    "advice_completed": "advice_given",
    "quotes": "quote_requested",
    "callbacks": "callback_requested",
    "handoffs": "handoff",
    "not_understood": "fallback_hit",
}
TOP_UNANSWERED = 10
# The longest period counted at once: ten years (of days, in months).
MAX_PERIOD_DAYS = 3660
# Longer periods are shown per month instead of per day.
MAX_DAYS_PER_DAY = 92


@dataclass(frozen=True)
class StatsFilter:
    # Dutch calendar days: from ``start`` up to, not including, ``end``.
    start: date
    end: date
    channel: str | None = None
    model_id: str | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from' (it is exclusive)")
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValueError(f"the period is at most {MAX_PERIOD_DAYS} days")


@dataclass(frozen=True)
class OutcomeCounts:
    """Conversations, and of them how many hold each outcome condition."""

    conversations: int
    # Every key of ``outcome_conditions``.
    counts: Mapping[str, int]

    @property
    def containment_rate(self) -> float | None:
        """Handled without a person, a call-back or a fallback loop; None without any."""
        if not self.conversations:
            return None
        return round(self.counts[CONTAINED] / self.conversations, 4)

    def rate(self, outcome: str) -> float | None:
        return self.counts[outcome] / self.conversations if self.conversations else None


@dataclass(frozen=True)
class ModelCounts(OutcomeCounts):
    # None: conversations without a message, or from before Rasa recorded model ids.
    model_id: str | None
    # The (UTC) hours of its first and its last conversation in the period.
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class QuestionFigures:
    question: str
    label: str
    # Conversations in which the question was asked; times it was asked right after
    # itself; conversations abandoned at it.
    asked: int
    reasks: int
    dropoffs: int


@dataclass(frozen=True)
class TopicFigures:
    key: str
    label: str
    answers: int
    conversations: int


@dataclass(frozen=True)
class MissedFigures:
    """A group of missed messages: its example's text and conversation, and its size."""

    text: str
    count: int
    # The normalised texts of the group, for labelling it.
    keys: tuple[str, ...]
    conversation_id: str
    event_id: int


@dataclass(frozen=True)
class PeriodFigures:
    start: date
    label: str
    conversations: int
    not_understood: int


@dataclass(frozen=True)
class Stats:
    filter: StatsFilter
    totals: OutcomeCounts
    by_model: tuple[ModelCounts, ...]
    questions: tuple[QuestionFigures, ...]
    faq_topics: tuple[TopicFigures, ...]
    missed: tuple[MissedFigures, ...]
    # Per day, or per month for long periods.
    series: tuple[PeriodFigures, ...]
    series_unit: str

    @property
    def form_dropoff(self) -> dict[str, int]:
        """Question -> conversations abandoned at it; every question of the forms."""
        return {figures.question: figures.dropoffs for figures in self.questions}


def compute_stats(
    engine: Engine,
    stats_filter: StatsFilter,
    texts: DashboardTexts,
    *,
    low_confidence_threshold: float,
    abandoned_after: timedelta,
    now: datetime | None = None,
    missed_limit: int = TOP_UNANSWERED,
) -> Stats:
    """Everything the dashboard shows for ``stats_filter``."""
    cutoff = (now or datetime.now(timezone.utc)) - abandoned_after
    outcomes = outcome_conditions(low_confidence_threshold, cutoff)
    where = period_conditions(stats_filter)
    with _snapshot(engine) as connection:
        grouped = _grouped(connection, where, outcomes)
        dropoffs = _dropoffs(connection, where, outcomes["abandoned"])
        counted = _counted(connection, where)
        missed = _missed(connection, where, texts, missed_limit)
    by_model = _per_model(grouped, outcomes)
    series, unit = _series(grouped, stats_filter)
    totals = OutcomeCounts(
        conversations=sum(model.conversations for model in by_model),
        counts={key: sum(model.counts[key] for model in by_model) for key in outcomes},
    )
    return Stats(
        filter=stats_filter,
        totals=totals,
        by_model=by_model,
        questions=_questions(texts, counted, dropoffs),
        faq_topics=_topics(counted),
        missed=missed,
        series=series,
        series_unit=unit,
    )


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One connection for all the queries of a request. On PostgreSQL (the production
    profile, where followers index while the dashboard reads) its repeatable-read
    transaction makes every query see the same data; SQLite's driver reads statement by
    statement."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def compute_missed(
    engine: Engine, stats_filter: StatsFilter, texts: DashboardTexts, limit: int
) -> tuple[MissedFigures, ...]:
    """Only the largest groups of missed messages (the page where they are labelled)."""
    with engine.connect() as connection:
        return _missed(connection, period_conditions(stats_filter), texts, limit)


def api_body(stats: Stats) -> dict[str, Any]:
    """The JSON of ``GET /operator/api/stats``: exactly the fields of its contract."""
    totals = stats.totals
    return {
        "conversations": totals.conversations,
        **_api_counts(totals),
        "containment_rate": totals.containment_rate,
        "form_dropoff": stats.form_dropoff,
        "top_unanswered": [{"text": group.text, "count": group.count} for group in stats.missed],
        "by_model": [
            {"model_id": model.model_id, "conversations": model.conversations,
             **_api_counts(model), "containment_rate": model.containment_rate}
            for model in stats.by_model
        ],
    }


def stats_csv(stats: Stats) -> str:
    """The API's numbers as CSV rows ``section,key,metric,value`` (one value a row)."""
    body = api_body(stats)
    period = stats.filter
    rows: list[tuple[str, str, str, Any]] = [
        ("period", "", "from", period.start.isoformat()),
        ("period", "", "to", period.end.isoformat()),
        ("period", "", "channel", period.channel or ""),
        ("period", "", "model", period.model_id or ""),
    ]
    rows += [
        ("totals", "", name, value)
        for name, value in body.items()
        if not isinstance(value, (dict, list))
    ]
    rows += [("form_dropoff", question, "count", count)
             for question, count in body["form_dropoff"].items()]
    rows += [("top_unanswered", item["text"], "count", item["count"])
             for item in body["top_unanswered"]]
    rows += [
        ("by_model", model["model_id"] or "", name, value)
        for model in body["by_model"]
        for name, value in model.items()
        if name != "model_id"
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "key", "metric", "value"])
    for section, key, metric, value in rows:
        writer.writerow([section, spreadsheet_cell(key), metric,
                         spreadsheet_cell(value)])
    return buffer.getvalue()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_ZONE)


def _api_counts(counts: OutcomeCounts) -> dict[str, int]:
    return {name: counts.counts[outcome] for name, outcome in API_COUNTS.items()}


def period_conditions(stats_filter: StatsFilter) -> list[ColumnElement[bool]]:
    """Conversations that started in the period, on the channel, served by the model."""
    c = conversations.c
    where = [
        c.started_at >= local_midnight(stats_filter.start),
        c.started_at < local_midnight(stats_filter.end),
    ]
    if stats_filter.channel is not None:
        where.append(c.channel == stats_filter.channel)
    if stats_filter.model_id is not None:
        where.append(c.model_id == stats_filter.model_id)
    return where


@dataclass(frozen=True)
class _Group:
    """The conversations of one model that started in one UTC hour."""

    model_id: str | None
    hour: datetime
    conversations: int
    counts: Mapping[str, int]


def _grouped(
    connection: Connection,
    where: list[ColumnElement[bool]],
    outcomes: Mapping[str, ColumnElement[bool]],
) -> list[_Group]:
    """Counts per model and UTC hour, in one pass: the models' figures and the series.

    Grouped by UTC hour, which every database can; the hours go to their Dutch day
    later (Dutch time differs from UTC by whole hours).
    """
    c = conversations.c
    hour = _utc_hour(connection)
    keys = list(outcomes)
    sums = [func.sum(case((outcomes[key], 1), else_=0)) for key in keys]
    query = (
        select(c.model_id, hour, func.count(), *sums)
        .where(*where)
        .group_by(c.model_id, hour)
    )
    hours: dict[str, datetime] = {}
    groups = []
    for model_id, bucket, count, *counted in connection.execute(query):
        text = str(bucket)
        moment = hours.get(text)
        if moment is None:
            # "2026-11-27 09", as both databases give it.
            moment = hours[text] = datetime(int(text[:4]), int(text[5:7]), int(text[8:10]),
                                            int(text[11:13]), tzinfo=timezone.utc)
        groups.append(_Group(model_id, moment, int(count),
                             dict(zip(keys, (int(n or 0) for n in counted), strict=True))))
    return groups


def _per_model(groups: list[_Group], outcomes: Mapping[str, Any]) -> tuple[ModelCounts, ...]:
    by_id: dict[str | None, list[_Group]] = {}
    for group in groups:
        by_id.setdefault(group.model_id, []).append(group)
    models = [
        ModelCounts(
            conversations=sum(group.conversations for group in mine),
            counts={key: sum(group.counts[key] for group in mine) for key in outcomes},
            model_id=model_id,
            first_seen=min(group.hour for group in mine),
            last_seen=max(group.hour for group in mine),
        )
        for model_id, mine in by_id.items()
    ]
    return tuple(sorted(models, key=lambda model: (model.first_seen, model.model_id or "")))


def _dropoffs(
    connection: Connection, where: list[ColumnElement[bool]], abandoned: ColumnElement[bool]
) -> dict[str, int]:
    c = conversations.c
    query = (
        select(c.dropoff_question, func.count())
        .where(*where, abandoned, c.dropoff_question.is_not(None))
        .group_by(c.dropoff_question)
    )
    return {question: int(count) for question, count in connection.execute(query)}


def _counted(
    connection: Connection, where: list[ColumnElement[bool]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, name) -> (conversations, sum of counts), for every kind of count."""
    k = conversation_counts.c
    query = (
        select(k.kind, k.name, func.count(), func.sum(k.count))
        .select_from(conversations.join(
            conversation_counts, k.conversation_id == conversations.c.conversation_id))
        .where(*where)
        .group_by(k.kind, k.name)
    )
    return {(kind, name): (int(number), int(total or 0))
            for kind, name, number, total in connection.execute(query)}


def _questions(
    texts: DashboardTexts,
    counted: Mapping[tuple[str, str], tuple[int, int]],
    dropoffs: Mapping[str, int],
) -> tuple[QuestionFigures, ...]:
    seen = {name for kind, name in counted if kind in (ASKED_COUNT, REASKED_COUNT)}
    questions = sorted({*texts.questions, *seen, *dropoffs}, key=texts.question_rank)
    return tuple(
        QuestionFigures(
            question=question,
            label=texts.question_label(question),
            asked=counted.get((ASKED_COUNT, question), (0, 0))[0],
            reasks=counted.get((REASKED_COUNT, question), (0, 0))[1],
            dropoffs=dropoffs.get(question, 0),
        )
        for question in questions
    )


def _topics(counted: Mapping[tuple[str, str], tuple[int, int]]) -> tuple[TopicFigures, ...]:
    topics = [
        TopicFigures(key=name, label=faq_label(name), answers=total, conversations=number)
        for (kind, name), (number, total) in counted.items()
        if kind == FAQ_COUNT
    ]
    return tuple(sorted(topics, key=lambda topic: (-topic.answers, topic.key)))


def _missed(
    connection: Connection, where: list[ColumnElement[bool]], texts: DashboardTexts, limit: int
) -> tuple[MissedFigures, ...]:
    m = missed_messages.c
    joined = conversations.join(missed_messages,
                                m.conversation_id == conversations.c.conversation_id)
    query = (
        select(m.normalised, func.count(), func.max(m.event_id))
        .select_from(joined)
        .where(*where)
        .group_by(m.normalised)
    )
    variants = [Variant(normalised, int(count), int(latest))
                for normalised, count, latest in connection.execute(query)]
    groups = group_missed(variants, texts.filler_words, limit)
    if not groups:
        return ()
    examples = {
        row.event_id: row
        for row in connection.execute(
            select(m.event_id, m.conversation_id, m.text)
            .where(m.event_id.in_([group.example_event_id for group in groups]))
        )
    }
    return tuple(
        MissedFigures(
            text=examples[group.example_event_id].text,
            count=group.count,
            keys=tuple(group.keys),
            conversation_id=examples[group.example_event_id].conversation_id,
            event_id=group.example_event_id,
        )
        for group in groups
        if group.example_event_id in examples
    )


def _series(
    groups: list[_Group], stats_filter: StatsFilter
) -> tuple[tuple[PeriodFigures, ...], str]:
    """Conversations and not understood per Dutch day (per month for long periods)."""
    per_day = (stats_filter.end - stats_filter.start).days <= MAX_DAYS_PER_DAY
    buckets: dict[date, list[int]] = {}
    for group in groups:
        day = group.hour.astimezone(LOCAL_ZONE).date()
        figures = buckets.setdefault(day if per_day else day.replace(day=1), [0, 0])
        figures[0] += group.conversations
        figures[1] += group.counts["fallback_hit"]
    starts = _period_starts(stats_filter, per_day)
    return tuple(
        PeriodFigures(start, _period_label(start, per_day), *buckets.get(start, [0, 0]))
        for start in starts
    ), ("dag" if per_day else "maand")


def _utc_hour(connection: Connection) -> ColumnElement[str]:
    started = conversations.c.started_at
    if connection.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", started), "YYYY-MM-DD HH24")
    # SQLite keeps UTC as text, "2026-11-27 09:00:00.000000".
    return func.substr(started, 1, 13)


def _period_starts(stats_filter: StatsFilter, per_day: bool) -> list[date]:
    starts: list[date] = []
    day = stats_filter.start if per_day else stats_filter.start.replace(day=1)
    while day < stats_filter.end:
        starts.append(day)
        if per_day:
            day += timedelta(days=1)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _period_label(start: date, per_day: bool) -> str:
    if per_day:
        return f"{start.day} {_MONTHS[start.month - 1]}"
    return f"{_MONTHS[start.month - 1]} {start.year}"


