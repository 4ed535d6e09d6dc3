"""Provider price feeds: our own CSV/JSON upload format (docs/feed-format.md).

:func:`parse_feed` validates a feed row by row. Good rows become
:class:`FeedRow`; each problem in a bad row becomes a :class:`RejectedRow`
naming the line and the exact field, so the uploader can fix it. Problems with
the file as a whole (not UTF-8, not CSV/JSON, missing columns) raise
:class:`ParseError`.

Numbers are exact ``Decimal`` built from text (CSV cells, JSON strings, or the
text of JSON numbers); no value passes through ``float``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Literal, TypeVar, get_args

from api.ingestion.formats import ParseError

__all__ = [
    "FEED_FIELDS",
    "PAYIN_METHODS",
    "PAYOUT_METHODS",
    "REQUIRED_FIELDS",
    "SPEEDS",
    "FeedFormat",
    "FeedParseResult",
    "FeedRow",
    "PayinMethod",
    "PayoutMethod",
    "RejectedRow",
    "Speed",
    "detect_format",
    "feed_row_to_record",
    "parse_feed",
    "write_feed_csv",
    "write_feed_json",
]

FeedFormat = Literal["csv", "json"]
PayoutMethod = Literal["bank", "cash", "wallet", "home"]
PayinMethod = Literal["bank", "card", "cash", "wallet"]
Speed = Literal["minutes", "same_day", "next_day", "2_5_days", "over_5_days"]

PAYOUT_METHODS: tuple[PayoutMethod, ...] = get_args(PayoutMethod)
PAYIN_METHODS: tuple[PayinMethod, ...] = get_args(PayinMethod)
SPEEDS: tuple[Speed, ...] = get_args(Speed)

FEED_FIELDS: tuple[str, ...] = (
    "provider",
    "from",
    "to",
    "send_currency",
    "receive_currency",
    "send_amount",
    "fee",
    "rate",
    "receive_fee",
    "payout_method",
    "payin_method",
    "speed",
    "promotional",
    "captured_at",
)
OPTIONAL_FIELDS = frozenset({"receive_fee", "payin_method", "promotional"})
REQUIRED_FIELDS: tuple[str, ...] = tuple(f for f in FEED_FIELDS if f not in OPTIONAL_FIELDS)

_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_MAX_SLUG = 64
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_JSON_SPACE = " \t\n\r"

_L = TypeVar("_L", bound=str)


# -- public types ----------------------------------------------------------------


@dataclass(frozen=True)
class FeedRow:
    """One validated provider quote from a feed (captured_at in UTC)."""

    provider: str
    from_country: str
    to_country: str
    send_currency: str
    receive_currency: str
    send_amount: Decimal
    fee: Decimal
    rate: Decimal
    payout_method: PayoutMethod
    speed: Speed
    captured_at: datetime
    receive_fee: Decimal = Decimal(0)
    payin_method: PayinMethod | None = None
    promotional: bool = False
    line: int = field(default=0, compare=False)
    """Line of the feed the row started on (provenance; not part of equality)."""


@dataclass(frozen=True)
class RejectedRow:
    """One problem with one row: the line it starts on, the field, and why."""

    line: int
    field: str
    reason: str


@dataclass
class FeedParseResult:
    format: FeedFormat
    rows: list[FeedRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """File-level notes that did not reject anything (e.g. unknown columns)."""
    unknown_fields: set[str] = field(default_factory=set)
    """Every unknown column or key seen (the warnings name the first few)."""

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({r.line for r in self.rejected})


# -- parsing -------------------------------------------------------------------------


def parse_feed(content: bytes, *, filename: str) -> FeedParseResult:
    """Parse and validate a CSV or JSON feed (format from the extension or content)."""
    text = _decode(content)
    result = FeedParseResult(format=detect_format(text, filename=filename))
    records = _csv_records(text, result) if result.format == "csv" else _json_records(text, result)
    seen: dict[tuple[object, ...], int] = {}
    for line, record in records:
        row = _validate(line, record, result.rejected)
        if row is not None and _first_time(row, seen, result.rejected):
            result.rows.append(row)
    return result


def detect_format(text: str | bytes, *, filename: str) -> FeedFormat:
    """``.csv``/``.json`` by extension; otherwise JSON if it starts with ``[`` or ``{``."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


def _decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"feed is not UTF-8 text: byte 0x{content[exc.start]:02x} at offset {exc.start}"
        ) from exc
    if not text.strip():
        raise ParseError("feed is empty")
    return text


def _first_time(
    row: FeedRow, seen: dict[tuple[object, ...], int], rejected: list[RejectedRow]
) -> bool:
    key = (
        row.provider,
        row.from_country,
        row.to_country,
        row.send_currency,
        row.receive_currency,
        row.send_amount,
        row.payout_method,
        row.payin_method,
        row.speed,
        row.captured_at,
    )
    if key in seen:
        rejected.append(RejectedRow(row.line, "row", f"duplicate of line {seen[key]}"))
        return False
    seen[key] = row.line
    return True


# -- CSV --------------------------------------------------------------------------------


def _csv_records(text: str, result: FeedParseResult) -> Iterator[tuple[int, dict[str, object]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _csv_header(reader, result)
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ParseError(f"CSV error at line {reader.line_num}: {exc}") from exc
        line, previous_end = previous_end + 1, reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            reason = f"expected {len(header)} fields, found {len(cells)}"
            result.rejected.append(RejectedRow(line, "row", reason))
            continue
        yield line, dict(zip(header, cells, strict=True))


def _csv_header(reader: Iterator[list[str]], result: FeedParseResult) -> list[str]:
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:  # pragma: no cover - _decode rejects empty feeds
        raise ParseError("CSV feed has no header row") from None
    except csv.Error as exc:
        raise ParseError(f"CSV error in the header row: {exc}") from exc
    duplicates = sorted(name for name, n in Counter(header).items() if n > 1)
    if duplicates:
        raise ParseError(f"CSV header repeats column(s) {', '.join(duplicates)}")
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        raise ParseError(f"CSV header is missing required column(s) {', '.join(missing)}")
    _warn_unknown(header, result)
    return header


_KNOWN_FIELDS = frozenset(FEED_FIELDS)
MAX_UNKNOWN_WARNINGS = 20  # unknown fields named one by one; the rest are counted


def _warn_unknown(names: Iterable[str], result: FeedParseResult) -> None:
    """Note unknown fields once each, in linear time (a row may carry 60,000 of them)."""
    seen = result.unknown_fields
    before = len(seen)
    for name in names:
        if name in _KNOWN_FIELDS or name in seen:
            continue
        seen.add(name)
        if len(seen) <= MAX_UNKNOWN_WARNINGS:
            result.warnings.append(f"unknown field {name!r} ignored")
    if len(seen) > MAX_UNKNOWN_WARNINGS and len(seen) != before:
        more = f"and {len(seen) - MAX_UNKNOWN_WARNINGS} more unknown field(s) ignored"
        if before > MAX_UNKNOWN_WARNINGS:
            result.warnings[-1] = more
        else:
            result.warnings.append(more)


# -- JSON --------------------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in a feed")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)


def _json_records(text: str, result: FeedParseResult) -> Iterator[tuple[int, dict[str, object]]]:
    """Walk the top-level array item by item, so each item knows its line."""
    pos = _skip_space(text, 0)
    if text[pos : pos + 1] != "[":
        raise ParseError("JSON feed must be an array of objects")
    pos = _skip_space(text, pos + 1)
    line = 1 + text.count("\n", 0, pos)
    if text[pos : pos + 1] == "]":
        _expect_end(text, pos + 1)
        return
    while True:
        start = pos
        item, end = _decode_item(text, pos)
        if isinstance(item, dict):
            _warn_unknown(item, result)
            yield line, item
        else:
            result.rejected.append(RejectedRow(line, "row", "expected a JSON object"))
        pos = _skip_space(text, end)
        if text[pos : pos + 1] == "]":
            _expect_end(text, pos + 1)
            return
        if text[pos : pos + 1] != ",":
            raise ParseError(f"invalid JSON at {_where(text, pos)}: expected ',' or ']'")
        pos = _skip_space(text, pos + 1)
        line += text.count("\n", start, pos)


def _decode_item(text: str, pos: int) -> tuple[object, int]:
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except ValueError as exc:  # NaN / Infinity
        raise ParseError(f"invalid JSON at {_where(text, pos)}: {exc}") from exc
    except RecursionError:
        raise ParseError(f"invalid JSON at {_where(text, pos)}: nested too deeply") from None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _JSON_SPACE:
        pos += 1
    return pos


def _expect_end(text: str, pos: int) -> None:
    pos = _skip_space(text, pos)
    if pos != len(text):
        raise ParseError(f"invalid JSON at {_where(text, pos)}: extra data after the array")


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


# -- validation ------------------------------------------------------------------------


class _FieldError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Checker:
    """Reads typed values from one record, collecting every field's problem."""

    def __init__(self, line: int, record: Mapping[str, object]) -> None:
        self.line = line
        self.record = record
        self.errors: list[RejectedRow] = []

    def _fail(self, name: str, reason: str) -> None:
        self.errors.append(RejectedRow(self.line, name, reason))

    def _raw_text(self, name: str, *, required: bool) -> str | None:
        value = self.record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise _FieldError("required")
            return None
        if not isinstance(value, str):
            raise _FieldError(f"expected text, got {_json_type(value)}")
        return value.strip()

    def text(self, name: str, pattern: re.Pattern[str], hint: str, *, upper: bool) -> str:
        try:
            value = self._raw_text(name, required=True) or ""
            value = value.upper() if upper else value
            if not pattern.fullmatch(value) or len(value) > _MAX_SLUG:
                raise _FieldError(f"{value!r} is not {hint}")
            return value
        except _FieldError as error:
            self._fail(name, error.reason)
            return ""

    def choice(self, name: str, allowed: tuple[_L, ...], what: str) -> _L | None:
        try:
            value = self._raw_text(name, required=name not in OPTIONAL_FIELDS)
            if value is None:
                return None
            for option in allowed:
                if value.lower() == option:
                    return option
            raise _FieldError(f"unknown {what} {value!r} (expected one of {', '.join(allowed)})")
        except _FieldError as error:
            self._fail(name, error.reason)
            return None

    def amount(self, name: str, *, positive: bool) -> Decimal:
        try:
            value = _decimal(self.record.get(name), required=name not in OPTIONAL_FIELDS)
            if positive and value <= 0:
                raise _FieldError(f"must be positive, got {value}")
            if value < 0:
                raise _FieldError(f"must not be negative, got {value}")
            return value
        except _FieldError as error:
            self._fail(name, error.reason)
            return Decimal(0)

    def flag(self, name: str) -> bool:
        value = self.record.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self._fail(name, f"expected true or false, got {value!r}")
        return False

    def timestamp(self, name: str) -> datetime:
        try:
            text = self._raw_text(name, required=True) or ""
            return _aware_utc(text)
        except _FieldError as error:
            self._fail(name, error.reason)
            return datetime.min.replace(tzinfo=UTC)


def _validate(
    line: int, record: Mapping[str, object], rejected: list[RejectedRow]
) -> FeedRow | None:
    check = _Checker(line, record)
    slug_hint = "a provider slug (lower-case letters, digits, '-' or '_')"
    row = FeedRow(
        provider=check.text("provider", _SLUG, slug_hint, upper=False),
        from_country=check.text("from", _COUNTRY, "an ISO 3166 alpha-2 code like GB", upper=True),
        to_country=check.text("to", _COUNTRY, "an ISO 3166 alpha-2 code like PK", upper=True),
        send_currency=check.text("send_currency", _CURRENCY, "an ISO 4217 code", upper=True),
        receive_currency=check.text("receive_currency", _CURRENCY, "an ISO 4217 code", upper=True),
        send_amount=check.amount("send_amount", positive=True),
        fee=check.amount("fee", positive=False),
        rate=check.amount("rate", positive=True),
        receive_fee=check.amount("receive_fee", positive=False),
        payout_method=check.choice("payout_method", PAYOUT_METHODS, "payout method") or "bank",
        payin_method=check.choice("payin_method", PAYIN_METHODS, "pay-in method"),
        speed=check.choice("speed", SPEEDS, "speed") or "minutes",
        promotional=check.flag("promotional"),
        captured_at=check.timestamp("captured_at"),
        line=line,
    )
    if row.from_country and row.from_country == row.to_country:
        check.errors.append(RejectedRow(line, "to", "must differ from 'from'"))
    rejected.extend(check.errors)
    return None if check.errors else row


def _decimal(value: object, *, required: bool) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _FieldError("required")
        return Decimal(0)
    if isinstance(value, Decimal):  # a JSON number, parsed from its text
        if not value.is_finite():
            raise _FieldError(f"not a finite number: {value}")
        return value
    if not isinstance(value, str):
        raise _FieldError(f"expected a number, got {_json_type(value)}")
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        raise _FieldError(
            f"not a number: {value!r} (digits with '.' as decimal point, no separators)"
        )
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern guards this
        raise _FieldError(f"not a number: {value!r}") from exc


def _aware_utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _FieldError(f"not an ISO-8601 date-time: {text!r}") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _FieldError(f"missing timezone in {text!r} (add Z or an offset like +05:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise _FieldError(f"{text!r} is outside the range of dates in UTC") from None


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Decimal):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


# -- writing (exports, tests, examples) ------------------------------------------------------


def _plain(value: Decimal) -> str:
    return format(value, "f")


def feed_row_to_record(row: FeedRow) -> dict[str, str]:
    """A row as feed field -> text, the way both writers emit it."""
    return {
        "provider": row.provider,
        "from": row.from_country,
        "to": row.to_country,
        "send_currency": row.send_currency,
        "receive_currency": row.receive_currency,
        "send_amount": _plain(row.send_amount),
        "fee": _plain(row.fee),
        "rate": _plain(row.rate),
        "receive_fee": _plain(row.receive_fee),
        "payout_method": row.payout_method,
        "payin_method": row.payin_method or "",
        "speed": row.speed,
        "promotional": "true" if row.promotional else "false",
        "captured_at": row.captured_at.isoformat(),
    }


def write_feed_csv(rows: Iterable[FeedRow]) -> bytes:
    """Rows as a feed CSV (UTF-8, header row, CRLF line ends as RFC 4180 says)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=FEED_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(feed_row_to_record(row))
    return buffer.getvalue().encode("utf-8")


def write_feed_json(rows: Iterable[FeedRow]) -> bytes:
    """Rows as a feed JSON array; numbers written as strings to stay exact."""
    records = []
    for row in rows:
        record: dict[str, object] = dict(feed_row_to_record(row))
        record["promotional"] = row.promotional
        if row.payin_method is None:
            del record["payin_method"]
        records.append(record)
    return (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
