"""Reporting periods for trends: calendar quarters ("2026Q4", as RPW reports them) and
months ("2026-11"). Pure: UTC datetimes in, period labels out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"


_QUARTER_FORMS = (
    (re.compile(r"(\d{4})Q([1-4])"), 1, 2),  # 2025Q3
    (re.compile(r"(\d{4})([1-4])Q"), 1, 2),  # 2025_3Q (RPW workbook)
    (re.compile(r"Q([1-4])(\d{4})"), 2, 1),  # Q3 2025
    (re.compile(r"([1-4])Q(\d{4})"), 2, 1),  # 3Q 2025
)


def period_of(moment: datetime, kind: PeriodKind) -> str:
    """The period a UTC moment falls in: "2026Q4" or "2026-11"."""
    if moment.tzinfo is None:
        raise ValueError("period_of needs a timezone-aware datetime")
    utc = moment.astimezone(UTC)
    if kind is PeriodKind.MONTH:
        return f"{utc.year:04d}-{utc.month:02d}"
    return f"{utc.year:04d}Q{(utc.month - 1) // 3 + 1}"


def quarter_label(text: str) -> str:
    """Normalise a published quarter label ("2025_3Q", "Q3 2025", "2025Q3") to "2025Q3"."""
    squeezed = re.sub(r"[\s_\-]+", "", text).upper()
    for pattern, year, quarter in _QUARTER_FORMS:
        match = pattern.fullmatch(squeezed)
        if match:
            return f"{match.group(year)}Q{match.group(quarter)}"
    raise ValueError(f"not a quarter: {text!r}")


def period_sort_key(period: str) -> tuple[int, int]:
    """Chronological order for both label forms ("2026Q4" < "2027-01")."""
    if "Q" in period:
        year, quarter = period.split("Q")
        return int(year), (int(quarter) - 1) * 3 + 1
    year, month = period.split("-")
    return int(year), int(month)
