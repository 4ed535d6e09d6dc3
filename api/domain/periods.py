"""Reporting periods for trends: calendar quarters ("2026Q4", as RPW reports them), months
("2026-11"), ISO weeks ("2026-W48") and days ("2026-11-27"). Pure: UTC datetimes in, period
labels out. Within one kind the labels sort chronologically as plain strings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"


_QUARTER_FORMS = (
    (re.compile(r"(\d{4})Q([1-4])"), 1, 2),  # 2025Q3
    (re.compile(r"(\d{4})([1-4])Q"), 1, 2),  # 2025_3Q (RPW workbook)
    (re.compile(r"Q([1-4])(\d{4})"), 2, 1),  # Q3 2025
    (re.compile(r"([1-4])Q(\d{4})"), 2, 1),  # 3Q 2025
)


def period_of(moment: datetime, kind: PeriodKind) -> str:
    """The period a UTC moment falls in: "2026Q4", "2026-11", "2026-W48" or "2026-11-27"."""
    if moment.tzinfo is None:
        raise ValueError("period_of needs a timezone-aware datetime")
    utc = moment.astimezone(UTC)
    if kind is PeriodKind.MONTH:
        return f"{utc.year:04d}-{utc.month:02d}"
    if kind is PeriodKind.DAY:
        return utc.date().isoformat()
    if kind is PeriodKind.WEEK:
        year, week, _ = utc.date().isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{utc.year:04d}Q{(utc.month - 1) // 3 + 1}"


def quarter_label(text: str) -> str:
    """Normalise a published quarter label ("2025_3Q", "Q3 2025", "2025Q3") to "2025Q3"."""
    squeezed = re.sub(r"[\s_\-]+", "", text).upper()
    for pattern, year, quarter in _QUARTER_FORMS:
        match = pattern.fullmatch(squeezed)
        if match:
            return f"{match.group(year)}Q{match.group(quarter)}"
    raise ValueError(f"not a quarter: {text!r}")


def period_start(period: str) -> date:
    """The first day of a period, whatever its kind."""
    if "Q" in period:
        year, quarter = period.split("Q")
        return date(int(year), (int(quarter) - 1) * 3 + 1, 1)
    if "-W" in period:
        year, week = period.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    parts = [int(x) for x in period.split("-")]
    return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)


def period_sort_key(period: str) -> tuple[int, int, int]:
    """Chronological order for every label form ("2026Q4" < "2027-01" < "2027-W02")."""
    start = period_start(period)
    return start.year, start.month, start.day


_QUARTER_MONTHS = {"1": "Jan–Mar", "2": "Apr–Jun", "3": "Jul–Sep", "4": "Oct–Dec"}


def quarter_end(period: str) -> date:
    """The last day of a quarter: "2025Q1" -> 2025-03-31."""
    year, quarter = (int(x) for x in quarter_label(period).split("Q"))
    if quarter == 4:
        return date(year, 12, 31)
    return date.fromordinal(date(year, 3 * quarter + 1, 1).toordinal() - 1)


def quarter_months(period: str) -> str:
    """A quarter in words (English, for the API): "2025Q1" -> "Jan–Mar 2025"."""
    year, quarter = quarter_label(period).split("Q")
    return f"{_QUARTER_MONTHS[quarter]} {year}"
