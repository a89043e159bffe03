"""What the dashboard pages show: the period, channel and model read from the query
string, the numbers of ``cyberbot.console.stats``, and the charts drawn from the very
rows the tables show."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from cyberbot.console.charts import Row, Value, columns, horizontal_bars
from cyberbot.console.context import ConsoleContext
from cyberbot.console.dashboard_texts import load_dashboard_texts
from cyberbot.console.outcomes import CONTAINED, LEAD_REQUESTED, OUTCOME_TAGS
from cyberbot.console.rendering import dutch_date, nl_number, nl_percent
from cyberbot.console.stats import (
    LOCAL_ZONE,
    MAX_PERIOD_DAYS,
    ModelCounts,
    OutcomeCounts,
    Stats,
    StatsFilter,
    compute_stats,
)
from cyberbot.model_gate.store import KnownModel

PERIODS: Mapping[str, str] = {
    "7d": "Laatste 7 dagen",
    "30d": "Laatste 30 dagen",
    "maand": "Deze maand",
    "vorige-maand": "Vorige maand",
    "jaar": "Dit jaar",
    "aangepast": "Zelf kiezen",
}
DEFAULT_PERIOD = "30d"
CUSTOM = "aangepast"
MISSED_ON_DASHBOARD = 10
MISSED_ON_PAGE = 50
TOP_TOPICS = 10


class DashboardQueryError(ValueError):
    """A period the dashboard cannot use; the message is Dutch."""


@dataclass(frozen=True)
class DashboardQuery:
    period: str
    start: date
    # Exclusive, like the API's ``to``; the form shows the day before ("t/m").
    end: date
    channel: str | None = None
    model_id: str | None = None

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def stats_filter(self) -> StatsFilter:
        return StatsFilter(self.start, self.end, channel=self.channel, model_id=self.model_id)

    def args(self) -> list[tuple[str, str]]:
        """The query string that shows this selection again."""
        args = [("periode", self.period)]
        if self.period == CUSTOM:
            args += [("from", self.start.isoformat()), ("to", self.last_day.isoformat())]
        if self.channel:
            args.append(("channel", self.channel))
        if self.model_id:
            args.append(("model", self.model_id))
        return args

    def describe(self) -> str:
        """ "1 november 2026 t/m 30 november 2026"."""
        return f"{dutch_date(self.start)} t/m {dutch_date(self.last_day)}"


def parse_dashboard_query(
    args: Mapping[str, Sequence[str]], today: date
) -> DashboardQuery:
    """The selection in the query string; raises DashboardQueryError for a period it
    cannot use.

    ``periode`` names a period (the links above the form); ``from`` and ``to`` (both
    inclusive, as in the conversation list) are the form's days: days other than those
    of the named period make it a period of one's own choosing. ``channel`` and ``model``
    narrow it down.
    """

    def first(name: str) -> str:
        values = args.get(name) or [""]
        return values[0].strip()

    channel = first("channel")[:64] or None
    model_id = first("model")[:64] or None
    raw_from, raw_to = first("from"), first("to")
    period = first("periode") or DEFAULT_PERIOD
    if period not in PERIODS:
        raise DashboardQueryError("Kies een periode uit de lijst.")
    if period != CUSTOM:
        start, end = preset_period(period, today)
        chosen = (raw_from or start.isoformat(), raw_to or (end - timedelta(days=1)).isoformat())
        if chosen == (start.isoformat(), (end - timedelta(days=1)).isoformat()):
            return DashboardQuery(period, start, end, channel, model_id)
    last = _date(raw_to, "tot en met") if raw_to else today
    try:
        start = _date(raw_from, "vanaf") if raw_from else last - timedelta(days=29)
        end = last + timedelta(days=1)
    except OverflowError:
        raise DashboardQueryError("Kies datums tussen het jaar 1 en 9999.") from None
    if start > last:
        raise DashboardQueryError("De begindatum ligt na de einddatum.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DashboardQueryError("Kies een periode van hoogstens tien jaar.")
    return DashboardQuery(CUSTOM, start, end, channel, model_id)


def preset_period(period: str, today: date) -> tuple[date, date]:
    """The days of a named period: its first day and the day after its last."""
    tomorrow = today + timedelta(days=1)
    this_month = today.replace(day=1)
    starts: dict[str, tuple[date, date]] = {
        "7d": (today - timedelta(days=6), tomorrow),
        "30d": (today - timedelta(days=29), tomorrow),
        "maand": (this_month, tomorrow),
        "vorige-maand": ((this_month - timedelta(days=1)).replace(day=1), this_month),
        "jaar": (today.replace(month=1, day=1), tomorrow),
    }
    return starts[period]


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(LOCAL_ZONE)).astimezone(LOCAL_ZONE).date()


def read_stats(context: ConsoleContext, query: DashboardQuery, missed_limit: int) -> Stats:
    return compute_stats(
        context.engine,
        query.stats_filter(),
        load_dashboard_texts(context.settings.project_root),
        low_confidence_threshold=context.settings.low_confidence_threshold,
        abandoned_after=context.settings.abandoned_after,
        missed_limit=missed_limit,
    )


def dashboard_view(
    stats: Stats, query: DashboardQuery, known: Mapping[str, KnownModel]
) -> dict[str, Any]:
    """The template values of the dashboard page; ``known`` names the models."""
    totals = stats.totals
    link = _list_link(query)
    funnel = [
        _Step("conversations", "Gesprekken", totals.conversations, totals.conversations,
              link(None)),
        *(
            _Step(key, OUTCOME_TAGS[key], totals.counts[key], totals.conversations, link(key))
            for key in ("faq_answered", "advice_started", "advice_given")
        ),
        _Step(LEAD_REQUESTED, "Offerte of terugbelverzoek", totals.counts[LEAD_REQUESTED],
              totals.conversations, None),
        _Step("lead_delivered", "Afgeleverd bij adviseurs", totals.counts["lead_delivered"],
              totals.conversations, link("lead_delivered")),
    ]
    questions = [figures for figures in stats.questions if figures.asked or figures.dropoffs]
    topics = stats.faq_topics[:TOP_TOPICS]
    return {
        "stats": stats,
        "query": query,
        "totals": totals,
        "figures": _key_figures(totals, link),
        "funnel": funnel,
        "funnel_chart": horizontal_bars(
            "Trechter", "Van gesprek tot lead: gesprekken per stap in de periode.",
            [Row(step.label, (Value("main", step.count, nl_number(step.count)),))
             for step in funnel],
        ),
        "series_chart": columns(
            f"Gesprekken per {stats.series_unit}",
            f"Gesprekken en niet begrepen gesprekken per {stats.series_unit}.",
            [Row(period.label, (
                Value("main", period.conversations, nl_number(period.conversations)),
                Value("bad", period.not_understood, nl_number(period.not_understood)),
            )) for period in stats.series],
        ),
        "model_rows": [_model_row(model, known) for model in stats.by_model],
        "models_chart": horizontal_bars(
            "Per model", "Zelf afgehandeld en niet begrepen, in procenten, per model.",
            [Row(model_name(model.model_id, known), (
                Value("main", _percent(model.containment_rate), nl_percent(
                    model.containment_rate)),
                Value("bad", _percent(model.rate("fallback_hit")),
                      nl_percent(model.rate("fallback_hit"))),
            )) for model in stats.by_model],
        ),
        "questions": questions,
        "questions_chart": horizontal_bars(
            "Formuliervragen", "Per vraag: gesprekken die er afhaakten en keren opnieuw gevraagd.",
            [Row(figures.label, (
                Value("bad", figures.dropoffs, nl_number(figures.dropoffs)),
                Value("main", figures.reasks, nl_number(figures.reasks)),
            )) for figures in questions],
        ),
        "topics": topics,
        "topics_chart": horizontal_bars(
            "Meest gevraagde FAQ-onderwerpen", "Aantal FAQ-antwoorden per onderwerp.",
            [Row(topic.label, (Value("main", topic.answers, nl_number(topic.answers)),))
             for topic in topics],
        ),
        "missed": stats.missed,
        "missed_link": "/operator/dashboard/gemist?" + urlencode(query.args()),
        "csv_link": "/operator/dashboard/export.csv?" + urlencode(query.args()),
    }


@dataclass(frozen=True)
class _Step:
    key: str
    label: str
    count: int
    of: int
    href: str | None

    @property
    def share(self) -> str:
        return nl_percent(self.count / self.of if self.of else None)


def _key_figures(
    totals: OutcomeCounts, link: Callable[[str | None], str | None]
) -> list[dict[str, Any]]:
    def figure(key: str, label: str, show_rate: bool = True) -> dict[str, Any]:
        count = totals.counts[key]
        return {"label": label, "value": nl_number(count),
                "detail": nl_percent(totals.rate(key)) if show_rate else "",
                "href": link(key) if key in OUTCOME_TAGS else None}

    return [
        {"label": "Zelf afgehandeld", "value": nl_percent(totals.containment_rate),
         "detail": f"{nl_number(totals.counts[CONTAINED])} van {nl_number(totals.conversations)}",
         "href": None},
        figure("fallback_hit", "Niet begrepen"),
        figure("fallback_loop", "Herhaald niet begrepen"),
        figure("handoff", "Live gesprekken"),
        figure("quote_requested", "Offertes"),
        figure("callback_requested", "Terugbelverzoeken"),
        figure("abandoned", "Formulier afgebroken"),
        figure("low_confidence", "Lage zekerheid"),
    ]


def _model_row(model: ModelCounts, known: Mapping[str, KnownModel]) -> dict[str, Any]:
    return {
        "name": model_name(model.model_id, known),
        "model_id": model.model_id or "",
        "first_seen": model.first_seen,
        "last_seen": model.last_seen,
        "conversations": model.conversations,
        "faq_answered": model.counts["faq_answered"],
        "advice_given": model.counts["advice_given"],
        "leads": model.counts[LEAD_REQUESTED],
        "handoffs": model.counts["handoff"],
        "not_understood": model.counts["fallback_hit"],
        "not_understood_rate": nl_percent(model.rate("fallback_hit")),
        "not_understood_pct": _percent(model.rate("fallback_hit")),
        "containment_rate": nl_percent(model.containment_rate),
        "containment_pct": _percent(model.containment_rate),
    }


def model_name(model_id: str | None, known: Mapping[str, KnownModel]) -> str:
    """The model's file name when the gate knows it (and whether it serves now)."""
    if not model_id:
        return "Onbekend model"
    model = known.get(model_id)
    if model is None:
        return f"Model {model_id[:8]}"
    return model.name + (" (in gebruik)" if model.serving else "")


def _list_link(query: DashboardQuery) -> Callable[[str | None], str | None]:
    """Links to the conversation list with the same days and channel (and a tag). The
    list has no model filter: with one chosen, there are no links."""

    def link(tag: str | None) -> str | None:
        if query.model_id:
            return None
        args = [("from", query.start.isoformat()), ("to", query.last_day.isoformat())]
        if query.channel:
            args.append(("channel", query.channel))
        if tag:
            args.append(("tag", tag))
        return "/operator/conversations?" + urlencode(args)

    return link


def _percent(rate: float | None) -> float:
    return round(rate * 100, 1) if rate is not None else 0.0


def _date(raw: str, which: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DashboardQueryError(f"De datum '{which}' is ongeldig; gebruik jjjj-mm-dd.") from None
