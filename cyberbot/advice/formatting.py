"""Euro amounts the Dutch way, for the visitor: "€ 85.000", "€ 1,2 miljoen"."""

from __future__ import annotations

import math

MILLION = 1_000_000


def _with_dots(number: int) -> str:
    """12500 -> "12.500": Dutch thousands separators."""
    return f"{number:,}".replace(",", ".")


def format_euro(amount: float) -> str:
    """Whole euros below a million ("€ 85.000"), millions with at most two decimals above.

    ``format_euro(1_200_000) == "€ 1,2 miljoen"``; amounts that round to a million count
    as a million (``999_999.6`` gives "€ 1 miljoen").
    """
    if not math.isfinite(amount):
        raise ValueError(f"not an amount: {amount!r}")
    if amount < 0:
        return f"-{format_euro(-amount)}"
    euros = round(amount)
    if euros < MILLION:
        return f"€ {_with_dots(euros)}"
    hundredths = round(amount / (MILLION / 100))
    whole, fraction = divmod(hundredths, 100)
    decimals = f",{fraction:02d}".rstrip("0") if fraction else ""
    return f"€ {_with_dots(whole)}{decimals} miljoen"


def format_euro_range(low: float, high: float) -> str:
    """A range, "€ 500.000 tot € 1 miljoen"; one amount when both ends read the same."""
    if low > high:
        raise ValueError(f"range runs backwards: {low} > {high}")
    low_text, high_text = format_euro(low), format_euro(high)
    return low_text if low_text == high_text else f"{low_text} tot {high_text}"
