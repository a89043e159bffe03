"""Server-rendered HTML of the console: Jinja2 templates with autoescaping on.

Visitor text reaches these pages (messages, names, notes); autoescaping makes every
value plain text, and the Content-Security-Policy forbids scripts altogether.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console.charts import data_value
from cyberbot.console.outcomes import OUTCOME_TAGS

TEMPLATES = Path(__file__).with_name("templates")
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def dutch_time(value: datetime | None, seconds: bool = False) -> str:
    """27-11-2026 14:05 (or 14:05:09) in Dutch and Belgian time."""
    if value is None:
        return ""
    return value.astimezone(LOCAL_ZONE).strftime("%d-%m-%Y %H:%M" + (":%S" if seconds else ""))


def percentage(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


def dutch_day(value: datetime) -> str:
    """27-11-2026: the Dutch day of a moment."""
    return value.astimezone(LOCAL_ZONE).strftime("%d-%m-%Y")


def nl_number(value: int) -> str:
    """12345 -> "12.345"."""
    return f"{value:,}".replace(",", ".")


def nl_percent(rate: float | None) -> str:
    """0.4567 -> "45,7%"; None (nothing to divide by) -> "n.v.t."."""
    if rate is None:
        return "n.v.t."
    return f"{rate * 100:.1f}%".replace(".", ",")


_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")


def dutch_date(day: date) -> str:
    """ "27 november 2026"."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["nltime"] = dutch_time
    environment.filters["pct"] = percentage
    environment.filters["nlnumber"] = nl_number
    environment.filters["nldate"] = dutch_date
    environment.filters["nlday"] = dutch_day
    environment.filters["datavalue"] = data_value
    environment.globals["outcome_tags"] = OUTCOME_TAGS
    return environment


_ENVIRONMENT = _environment()


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTTPResponse:
    identity = getattr(request.ctx, "identity", None)
    page = _ENVIRONMENT.get_template(template).render(
        operator=identity.operator if identity else None,
        csrf_token=identity.csrf_token if identity else None,
        path=request.path,
        **values,
    )
    return response.html(page, status=status, headers=SECURITY_HEADERS)
