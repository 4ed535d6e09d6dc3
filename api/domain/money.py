"""Money is `Decimal` end to end (never float), with the currency beside it; these helpers
build decimals from text and round them only for display."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

# ISO 4217 minor units for the currencies the service knows; others default to 2.
MINOR_UNITS: dict[str, int] = {
    "IQD": 0,
    "IRR": 0,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "BHD": 3,
}


def to_decimal(value: object, *, field: str = "value") -> Decimal:
    """Build a Decimal from text or an int (never from a float) and refuse NaN/infinity."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"{field}: expected a number, got a boolean")
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{field}: {value!r} is not a number") from None
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise ValueError(f"{field}: {value!r} is not a number")
    if not result.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return result


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> Decimal:
    """The currency's smallest unit as a Decimal: 0.01 for GBP, 1 for IQD."""
    return Decimal(1).scaleb(-minor_units(currency))


def quantize_display(amount: Decimal, currency: str) -> Decimal:
    """Round for display to the currency's minor units (banker's rounding)."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def plain(value: Decimal) -> str:
    """Decimal as plain text without exponent, e.g. 1E-7 -> '0.0000001'."""
    text = format(value, "f")
    return text
