"""Plausibility checks applied before anything is stored. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

# A provider's rate must sit within this band of the reference mid rate. An inverted
# quote (units per USD vs USD per unit) or a 10x slip lands far outside it.
RATE_BAND_LOW = Decimal("0.75")
RATE_BAND_HIGH = Decimal("1.05")


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def check_currency(code: str, field: str) -> list[Problem]:
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        return [Problem(field, f"{code!r} is not an ISO 4217 currency code")]
    return []


def check_quote(
    send_amount: Decimal, fee: Decimal, rate: Decimal, mid: Decimal | None
) -> list[Problem]:
    problems: list[Problem] = []
    if send_amount <= 0:
        problems.append(Problem("send_amount", "must be positive"))
    if fee < 0:
        problems.append(Problem("fee", "must not be negative"))
    if send_amount > 0 and fee >= send_amount:
        problems.append(Problem("fee", "is not smaller than the amount sent"))
    if rate <= 0:
        problems.append(Problem("rate", "must be positive"))
    elif mid is not None and mid > 0:
        ratio = rate / mid
        if not RATE_BAND_LOW <= ratio <= RATE_BAND_HIGH:
            problems.append(
                Problem(
                    "rate",
                    f"{rate} is implausible against the reference rate {mid} "
                    f"(ratio {ratio:.4f}, allowed {RATE_BAND_LOW}-{RATE_BAND_HIGH}; "
                    "inverted or 10x?)",
                )
            )
    return problems


def check_reference_rate(rate: Decimal, previous: Decimal | None) -> list[Problem]:
    """A new official rate more than 3x away from the previous one is a parsing slip."""
    if rate <= 0:
        return [Problem("rate", "must be positive")]
    if previous is not None and previous > 0:
        ratio = rate / previous
        if ratio > 3 or ratio < Decimal(1) / 3:
            return [Problem("rate", f"{rate} is implausible against the previous {previous}")]
    return []


# -- bounds shared by every ingestion path (feeds, mystery shopping, collectors, RPW) ----------

# A send amount is plausible for a corridor between 1/100 of its smallest ladder (or basket)
# point and 100x its largest: GBP 0.50-200,000 for the UK (ladder 50-2,000), PKR
# 200-30,000,000 for Pakistan-sending corridors. Wider than any transfer a person makes,
# tight enough that 10^18 or a 400-digit number never reaches the database.
AMOUNT_FLOOR_FACTOR = Decimal("0.01")
AMOUNT_CEILING_FACTOR = Decimal(100)
# Without ladder or basket (a corridor we cannot price) an amount still has to be a number a
# person could send: at most this many currency units.
AMOUNT_ABSOLUTE_CEILING = Decimal(10) ** 12
# Every number stored is exact, with at most this many digits before and after the point.
MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 16
# A price cannot have been captured in the future; allow this much clock skew.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class AmountRange:
    low: Decimal
    high: Decimal

    def __str__(self) -> str:
        return f"{self.low.normalize():f}-{self.high.normalize():f}"


def plausible_amounts(points: Iterable[Decimal | None]) -> AmountRange | None:
    """The plausible send amounts for a corridor from its ladder and basket amounts; None
    when it has neither (then only the absolute ceiling applies)."""
    known = [p for p in points if p is not None and p.is_finite() and p > 0]
    if not known:
        return None
    return AmountRange(min(known) * AMOUNT_FLOOR_FACTOR, max(known) * AMOUNT_CEILING_FACTOR)


def check_number(value: Decimal, field: str) -> list[Problem]:
    """A finite decimal of bounded size and precision (no NaN, Infinity, 10^400 or 1e-30)."""
    if not value.is_finite():
        return [Problem(field, f"{value} is not a finite number")]
    _, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    if len(digits) + exponent > MAX_INTEGER_DIGITS:
        return [Problem(field, f"has more than {MAX_INTEGER_DIGITS} digits before the point")]
    if exponent < -MAX_DECIMAL_PLACES:
        return [Problem(field, f"has more than {MAX_DECIMAL_PLACES} decimal places")]
    return []


def check_bounds(
    send_amount: Decimal,
    fee: Decimal,
    rate: Decimal,
    receive_fee: Decimal,
    amounts: AmountRange | None,
    currency: str,
) -> list[Problem]:
    """Numbers every quote must satisfy before it is priced or stored."""
    problems: list[Problem] = []
    for name, value in (
        ("send_amount", send_amount),
        ("fee", fee),
        ("rate", rate),
        ("receive_fee", receive_fee),
    ):
        problems += check_number(value, name)
    if problems:
        return problems
    if send_amount <= 0:
        problems.append(Problem("send_amount", "must be positive"))
    elif amounts is not None and not amounts.low <= send_amount <= amounts.high:
        problems.append(
            Problem(
                "send_amount",
                f"{send_amount} {currency} is outside the plausible range {amounts} {currency} "
                "for this corridor",
            )
        )
    elif send_amount > AMOUNT_ABSOLUTE_CEILING:
        problems.append(Problem("send_amount", f"{send_amount} {currency} is implausibly large"))
    if fee < 0:
        problems.append(Problem("fee", "must not be negative"))
    elif send_amount > 0 and fee >= send_amount:
        problems.append(Problem("fee", "is not smaller than the amount sent"))
    if rate <= 0:
        problems.append(Problem("rate", "must be positive"))
    if receive_fee < 0:
        problems.append(Problem("receive_fee", "must not be negative"))
    return problems


def check_not_future(when: datetime | None, now: datetime, field: str) -> list[Problem]:
    """A capture time later than now (beyond a small clock skew) is a typo or a bad clock."""
    if when is None or when.tzinfo is None:
        return []
    if when > now + CLOCK_SKEW:
        return [Problem(field, f"{when.isoformat()} is in the future")]
    return []


# A price in a feed or typed in by a researcher is a recent observation: older than this it
# is a wrong clock or a wrong file (1970-01-01), not a price to store.
CAPTURE_MAX_AGE = timedelta(days=366)


def check_capture_window(when: datetime, now: datetime, field: str) -> list[Problem]:
    """A capture time must lie between now - CAPTURE_MAX_AGE and now (+ clock skew)."""
    if when < now - CAPTURE_MAX_AGE:
        return [
            Problem(
                field,
                f"{when.isoformat()} is more than {CAPTURE_MAX_AGE.days} days before now "
                f"({now.date().isoformat()}): not a current price",
            )
        ]
    return check_not_future(when, now, field)


def utc_instant(moment: datetime) -> datetime | None:
    """`moment` in UTC, or None when that falls outside the years 1-9999
    (0001-01-01T00:00:00+05:00, 9999-12-31T23:59:59-05:00)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None
