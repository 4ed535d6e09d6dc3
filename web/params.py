"""Reading query values for pages. Anything unexpected raises PageError (a friendly 400),
never a 500; the offending value is shown back to the visitor escaped by the template."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from starlette.datastructures import QueryParams

from api.domain.money import to_decimal
from web.i18n import N_
from web.render import PageError

MAX_AMOUNT = Decimal(1_000_000_000)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
# Separators people type: Arabic decimal/thousands signs, spaces and NBSPs.
_SEPARATORS = {"\u066b": ".", "\u066c": ",", "\u060c": ",", " ": "", "\u00a0": "", "\u202f": ""}

BAD_VALUE = N_("Something in the address is not right")


def _one(q: QueryParams, name: str) -> str | None:
    values = q.getlist(name)
    if not values:
        return None
    value = values[-1].strip()
    return value or None


def ascii_digits(text: str) -> str:
    """'۲۰۰' or '২০০' -> '200': any Unicode decimal digit becomes its ASCII digit."""
    out = []
    for ch in text:
        if ch in _SEPARATORS:
            out.append(_SEPARATORS[ch])
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None and not ch.isascii() else ch)
    return "".join(out)


def country(q: QueryParams, name: str, *, required: bool = True) -> str | None:
    value = _one(q, name)
    if value is None:
        if required:
            raise PageError(400, BAD_VALUE, N_("Please choose a country."), field=name, value="")
        return None
    if not _COUNTRY.match(value):
        raise PageError(
            400, BAD_VALUE, N_("This is not a country code we know."), field=name, value=value
        )
    return value.upper()


def currency(q: QueryParams, name: str) -> str | None:
    value = _one(q, name)
    if value is None:
        return None
    if not _CURRENCY.match(value):
        raise PageError(
            400, BAD_VALUE, N_("This is not a currency code we know."), field=name, value=value
        )
    return value.upper()


def parse_amount(raw: str, *, allow_zero: bool = False, limit: Decimal = MAX_AMOUNT) -> Decimal:
    """A positive amount from what a person typed; ValueError with a msgid when it is not."""
    text = ascii_digits(raw.strip())
    if len(text) > 40:
        raise ValueError(N_("Please enter an amount as a number, for example 200."))
    try:
        value = to_decimal(text)
    except ValueError:
        raise ValueError(N_("Please enter an amount as a number, for example 200.")) from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(N_("The amount must be more than zero."))
    if value > limit:
        raise ValueError(N_("This amount is too large."))
    try:
        exact = value == value.quantize(Decimal("0.001"))
    except InvalidOperation:
        exact = False
    if not exact:
        raise ValueError(N_("Please use at most three decimal places."))
    return value


def amount(q: QueryParams, name: str) -> Decimal | None:
    raw = _one(q, name)
    if raw is None:
        return None
    try:
        return parse_amount(raw)
    except ValueError as exc:
        raise PageError(400, BAD_VALUE, str(exc), field=name, value=raw) from None


def choice(q: QueryParams, name: str, allowed: Iterable[str], default: str) -> str:
    value = _one(q, name)
    if value is None:
        return default
    if value not in set(allowed):
        raise PageError(
            400, BAD_VALUE, N_("This is not one of the choices offered."), field=name, value=value
        )
    return value
