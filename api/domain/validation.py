"""Plausibility checks applied before anything is stored. Pure."""

from __future__ import annotations

from dataclasses import dataclass
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
