"""Stored leads as JSON or CSV, for the advisors' own tools. The output holds personal data."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from cyberbot.advice.ranking import PROFILE_SLOTS
from cyberbot.leads.models import leads

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
# Opened with another separator than the one written (Dutch and Belgian Excel split on
# ";"), a cell can start anywhere after a separator or a quote, so every such position is
# guarded with an apostrophe, and every field is quoted.
_FORMULA_AFTER_BOUNDARY = re.compile(r"(^|[,;\t\r\n\"'|])(\s*)([=+\-@\t\r])")


def leads_json(records: Sequence[dict[str, Any]]) -> str:
    """A JSON list of ``list_leads`` records."""
    return json.dumps(list(records), ensure_ascii=False, indent=2) + "\n"


def leads_csv(records: Sequence[dict[str, Any]]) -> str:
    """One row per lead; the profile spread over ``profile_<key>`` columns, the
    recommendation comma-separated, booleans as true/false and missing values empty."""
    extra = sorted(
        {key for record in records for key in record.get("profile") or {}} - set(PROFILE_SLOTS)
    )
    profile_keys = [*PROFILE_SLOTS, *extra]
    header: list[str] = []
    for column in leads.columns:
        if column.name == "profile":
            header += [f"profile_{key}" for key in profile_keys]
        else:
            header.append(column.name)
    header.append("delivery")
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=header, lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    for record in records:
        row = {key: value for key, value in record.items() if key != "profile"}
        row.update(
            {f"profile_{key}": (record.get("profile") or {}).get(key) for key in profile_keys}
        )
        row["recommendation"] = ",".join(record.get("recommendation") or [])
        writer.writerow({key: spreadsheet_cell(row.get(key)) for key in header})
    return buffer.getvalue()


def spreadsheet_cell(value: Any) -> str:
    """A value as one CSV cell that a spreadsheet shows as text and never runs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # Phone numbers too: "'+31…" stays text with its "+" where "+31…" would be a number.
    return neutralise_formulas(str(value))


def neutralise_formulas(text: str) -> str:
    """``text`` with an apostrophe before every formula start that follows the beginning,
    a separator, a quote or a line break: safe whichever separator a spreadsheet uses."""
    return _FORMULA_AFTER_BOUNDARY.sub(lambda m: f"{m[1]}{m[2]}'{m[3]}", text)
