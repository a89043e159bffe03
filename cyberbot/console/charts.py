"""Server-rendered SVG charts for the dashboard: no script, nothing the page's
Content-Security-Policy would block (no style attributes; colours come from
console.css through classes).

Every chart is drawn from the same rows its page shows as a table, and each bar carries
its label, series and value as ``data-`` attributes, so that a test can check that the
picture and the numbers agree. Screen readers get the table; the SVG is one image with a
title and a short description.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 70
ROW_HEIGHT = 26
BAR_HEIGHT = 16
LABEL_CHARS = 30
COLUMNS_HEIGHT = 200
AXIS_HEIGHT = 22


@dataclass(frozen=True)
class Value:
    # The series (a CSS class suffix, e.g. "conversations") and the number drawn.
    series: str
    value: float
    # The number as the table shows it ("1.234", "45%").
    display: str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Value, ...]


def horizontal_bars(title: str, description: str, rows: Sequence[Row]) -> Markup:
    """One group of bars per row, its label on the left and each value after its bar."""
    series_count = max((len(row.values) for row in rows), default=1)
    group_height = ROW_HEIGHT + (series_count - 1) * (BAR_HEIGHT + 2)
    height = max(group_height * len(rows), ROW_HEIGHT) + 4
    top = max((value.value for row in rows for value in row.values), default=0.0)
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [_open(title, description, height)]
    for index, row in enumerate(rows):
        y = 2 + index * group_height
        label = _short(row.label)
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 3}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for offset, value in enumerate(row.values):
            bar_y = y + offset * (BAR_HEIGHT + 2)
            width = _scaled(value.value, top, plot)
            parts.append(
                f'<rect class="bar bar-{escape(value.series)}" x="{LABEL_WIDTH}" y="{bar_y}" '
                f'width="{width}" height="{BAR_HEIGHT}" data-label="{escape(row.label)}" '
                f'data-series="{escape(value.series)}" data-value="{data_value(value.value)}">'
                f"<title>{escape(row.label)}: {escape(value.display)}</title></rect>"
                f'<text class="value" x="{LABEL_WIDTH + width + 6:.1f}" '
                f'y="{bar_y + BAR_HEIGHT - 3}">{escape(value.display)}</text>'
            )
    if not rows:
        parts.append(f'<text class="empty" x="{LABEL_WIDTH}" y="{BAR_HEIGHT}">Geen gegevens</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(title: str, description: str, rows: Sequence[Row]) -> Markup:
    """A column per row (a day or a month), series side by side, labels below a few."""
    count = max(len(rows), 1)
    series_count = max((len(row.values) for row in rows), default=1)
    slot = (WIDTH - 40) / count
    bar = max(min(slot * 0.8 / series_count, 28.0), 1.0)
    top = max((value.value for row in rows for value in row.values), default=0.0)
    parts = [_open(title, description, COLUMNS_HEIGHT + AXIS_HEIGHT)]
    parts.append(f'<text class="axis" x="0" y="12">{escape(data_value(top))}</text>')
    parts.append(
        f'<line class="axis" x1="36" y1="{COLUMNS_HEIGHT}" x2="{WIDTH}" y2="{COLUMNS_HEIGHT}"/>'
    )
    every = max(1, round(count / 8))
    for index, row in enumerate(rows):
        x0 = 40 + index * slot + (slot - bar * series_count) / 2
        for offset, value in enumerate(row.values):
            height = _scaled(value.value, top, COLUMNS_HEIGHT - 20)
            parts.append(
                f'<rect class="bar bar-{escape(value.series)}" x="{x0 + offset * bar:.1f}" '
                f'y="{COLUMNS_HEIGHT - height:.1f}" width="{bar:.1f}" height="{height}" '
                f'data-label="{escape(row.label)}" data-series="{escape(value.series)}" '
                f'data-value="{data_value(value.value)}">'
                f"<title>{escape(row.label)}: {escape(value.display)}</title></rect>"
            )
        if index % every == 0:
            parts.append(
                f'<text class="axis" x="{40 + index * slot + slot / 2:.1f}" '
                f'y="{COLUMNS_HEIGHT + 16}" text-anchor="middle">{escape(row.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, description: str, height: int) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )


def _scaled(value: float, top: float, length: float) -> float:
    if top <= 0 or value <= 0:
        return 0.0
    return round(value / top * length, 1)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def data_value(value: float) -> str:
    """A number as the ``data-value`` attributes hold it: 40, 18.75."""
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}".rstrip("0")
