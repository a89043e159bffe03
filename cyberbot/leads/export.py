"""Stored leads as JSON or CSV, for the advisors' own tools. The output holds personal data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from cyberbot.advice.ranking import PROFILE_SLOTS
from cyberbot.leads.models import leads

# A spreadsheet would run a cell starting with one of these as a formula (CSV injection);
# visitors typed these values, so such cells get a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Validated E.164 numbers start with "+" and are safe as they are.
_NO_FORMULA_GUARD = {"contact_phone"}


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
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = {key: value for key, value in record.items() if key != "profile"}
        row.update(
            {f"profile_{key}": (record.get("profile") or {}).get(key) for key in profile_keys}
        )
        row["recommendation"] = ",".join(record.get("recommendation") or [])
        writer.writerow({key: _cell(key, row.get(key)) for key in header})
    return buffer.getvalue()


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if column not in _NO_FORMULA_GUARD and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text
