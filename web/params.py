"""Reading query values for pages. Anything unexpected raises PageError (a friendly 400),
never a 500; the offending value is shown back to the visitor escaped by the template."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from starlette.datastructures import QueryParams

from web.amounts import Ambiguous, AmountError, canonical, parse_amount
from web.i18n import N_
from web.render import PageError

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")

# "Address" read as a postal address in Urdu and Bengali: the link is what is wrong.
BAD_VALUE = N_("Something in this link is not right")
AMBIGUOUS = N_("Did you mean %(first)s or %(second)s?")


def _one(q: QueryParams, name: str) -> str | None:
    values = q.getlist(name)
    if not values:
        return None
    value = values[-1].strip()
    return value or None


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


def read_amount(
    raw: str, locale: str = "en", *, currency: str | None = None, allow_zero: bool = False
) -> Decimal | Ambiguous:
    """What a person typed, read in the page's locale (see `web.amounts`)."""
    return parse_amount(raw[:80], locale, currency=currency, allow_zero=allow_zero)


def amount(
    q: QueryParams, name: str, locale: str = "en", currency: str | None = None
) -> Decimal | None:
    """An amount from the query for pages without a form of their own (widget, lessons):
    anything that is not one clear amount is a friendly 400."""
    raw = _one(q, name)
    if raw is None:
        return None
    try:
        found = read_amount(raw, locale, currency=currency)
    except AmountError as exc:
        error = PageError(400, BAD_VALUE, exc.msgid, field=name, value=raw)
        error.values.update(exc.values)
        raise error from None
    if isinstance(found, Ambiguous):
        raise PageError(
            400,
            BAD_VALUE,
            AMBIGUOUS,
            field=name,
            value=raw,
            first=canonical(found.as_thousands),
            second=canonical(found.as_decimal),
        )
    return found


def choice(q: QueryParams, name: str, allowed: Iterable[str], default: str) -> str:
    value = _one(q, name)
    if value is None:
        return default
    if value not in set(allowed):
        raise PageError(
            400, BAD_VALUE, N_("This is not one of the choices offered."), field=name, value=value
        )
    return value
