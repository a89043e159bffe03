"""The dashboard's SVG charts: bars in proportion, labels escaped, nothing the CSP blocks."""

from __future__ import annotations

import re

from cyberbot.console.charts import LABEL_WIDTH, WIDTH, Row, Value, columns, horizontal_bars

VALUE_WIDTH_OF_PLOT = WIDTH - LABEL_WIDTH - 70


def widths(svg: str) -> dict[str, float]:
    return {label: float(width) for width, label in
            re.findall(r'width="([\d.]+)" height="\d+" data-label="([^"]*)"', svg)}


def test_bars_are_in_proportion_to_their_values() -> None:
    svg = horizontal_bars("Trechter", "Uitleg", [
        Row("Gesprekken", (Value("main", 200, "200"),)),
        Row("FAQ", (Value("main", 50, "50"),)),
        Row("Niets", (Value("main", 0, "0"),)),
    ])

    assert widths(svg) == {"Gesprekken": VALUE_WIDTH_OF_PLOT, "FAQ": VALUE_WIDTH_OF_PLOT / 4,
                           "Niets": 0.0}
    assert '<svg class="chart"' in svg and 'role="img"' in svg
    assert "<title>Trechter</title><desc>Uitleg</desc>" in svg


def test_labels_are_escaped_and_long_ones_shortened_in_the_picture_only() -> None:
    label = "<script>alert(1)</script> een heel lange vraag over de dekking"
    svg = horizontal_bars("T", "D", [Row(label, (Value("main", 1, "1"),))])

    assert "<script>" not in svg
    assert 'data-label="&lt;script&gt;alert(1)&lt;/script&gt; een heel lange vraag' in svg
    assert "…</text>" in svg


def test_nothing_that_the_content_security_policy_would_block() -> None:
    svg = horizontal_bars("T", "D", [Row("a", (Value("main", 1, "1"), Value("bad", 2, "2")))])
    svg += columns("T", "D", [Row("1 nov", (Value("main", 3, "3"),))])

    assert "style" not in svg
    assert "<script" not in svg and "on" + "load" not in svg


def test_an_empty_chart_says_so() -> None:
    assert "Geen gegevens" in horizontal_bars("T", "D", [])
    assert "<rect" not in columns("T", "D", [])


def test_columns_one_per_value_in_proportion() -> None:
    svg = columns("Per dag", "D", [
        Row("1 nov", (Value("main", 10, "10"), Value("bad", 5, "5"))),
        Row("2 nov", (Value("main", 20, "20"), Value("bad", 0, "0"))),
    ])

    heights = re.findall(r'height="([\d.]+)" data-label="([^"]*)" data-series="([^"]*)"', svg)
    assert {(label, series): float(h) for h, label, series in heights} == {
        ("1 nov", "main"): 90.0, ("1 nov", "bad"): 45.0,
        ("2 nov", "main"): 180.0, ("2 nov", "bad"): 0.0,
    }
