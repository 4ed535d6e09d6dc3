"""Helpers shared by the parsers: exact decimals, dates, workbooks."""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from io import BytesIO
from typing import Any

import openpyxl

from scrapers.parsers import ParseError

logger = logging.getLogger("scrapers.parsers")

#: Significant digits kept when a rate has to be divided (inversions, units).
DIVISION_PRECISION = 28

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIAL_RANGE = (20_000, 80_000)  # 1954 .. 2119


def parse_decimal(text: str, *, what: str, decimal_comma: bool = False) -> Decimal:
    """Parse a number as written by the source, exactly.

    ``decimal_comma``: "53,8359" means 53.8359 (no thousands separators then).
    Otherwise "1,435.40" thousands grouping is accepted.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        if "." in cleaned:
            raise ParseError(f"{what}: expected a decimal comma, got {text!r}")
        cleaned = cleaned.replace(",", ".")
    elif _GROUPED_NUMBER.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        raise ParseError(f"{what}: not a number: {text!r}")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - regex guards this
        raise ParseError(f"{what}: not a number: {text!r}") from exc


def is_number_text(text: str) -> bool:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    return bool(_PLAIN_NUMBER.fullmatch(cleaned) or _GROUPED_NUMBER.fullmatch(cleaned))


def cell_decimal(value: object, *, what: str) -> Decimal | None:
    """A workbook cell as an exact Decimal; None for blanks and non-numeric text.

    xlsx stores numbers as IEEE doubles; ``repr`` gives the shortest decimal text
    that round-trips to the stored double (what Excel displays), so no binary
    expansion noise such as 724.34744999999998 leaks in.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(f"{what}: non-finite number {value!r}")
        return Decimal(repr(value))
    if isinstance(value, str):
        if not value.strip() or not is_number_text(value):
            return None
        return parse_decimal(value, what=what)
    return None


def divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Exact-as-possible division with :data:`DIVISION_PRECISION` digits."""
    if denominator == 0:
        raise ParseError("division by zero while normalising a rate")
    with localcontext() as ctx:
        ctx.prec = DIVISION_PRECISION
        return numerator / denominator


def midpoint(buy: Decimal, sell: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = DIVISION_PRECISION
        return (buy + sell) / 2


def consistent_pair(
    buy: Decimal, sell: Decimal, *, what: str, max_spread: Decimal | None = None
) -> bool:
    """False (and a warning) for an obviously mistyped buy/sell pair."""
    problem = ""
    if buy <= 0 or sell <= 0:
        problem = "non-positive price"
    elif sell < buy:
        problem = "sell below buy"
    elif max_spread is not None and (sell - buy) / buy > max_spread:
        problem = f"spread above {max_spread:%}"
    if problem:
        logger.warning("%s: skipped buy=%s sell=%s (%s)", what, buy, sell, problem)
        return False
    return True


def excel_date(value: object) -> date | None:
    """A header cell as a date: datetime/date, or an Excel serial number."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = _EXCEL_SERIAL_RANGE
        if low <= value < high and float(value).is_integer():
            return _EXCEL_EPOCH + timedelta(days=int(value))
    return None


def cell(row: Sequence[object], index: int) -> object:
    return row[index] if index < len(row) else None


def load_rows(content: bytes, *, what: str) -> dict[str, list[tuple[Any, ...]]]:
    """All rows (values only) of every sheet of an xlsx workbook, by sheet title."""
    if not content:
        raise ParseError(f"{what}: empty body")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            workbook = openpyxl.load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl fails in many ways on a broken zip
        raise ParseError(f"{what}: not a readable xlsx workbook ({exc})") from exc
    try:
        return {
            sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets
        }
    except Exception as exc:
        raise ParseError(f"{what}: unreadable worksheet ({exc})") from exc
    finally:
        workbook.close()


def decode_text(content: bytes, *, what: str, encoding: str = "utf-8-sig") -> str:
    if not content:
        raise ParseError(f"{what}: empty body")
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(f"{what}: body is not {encoding} text ({exc})") from exc


def require_iso_code(code: str, *, what: str) -> str:
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ParseError(f"{what}: {code!r} is not an ISO 4217 code")
    return code
