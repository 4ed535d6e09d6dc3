"""Wise Comparison API (``GET /v4/comparisons``, also the deprecated v3 shape).

Normalised to our cost model (DESIGN.md §2): the sender pays ``fee`` on top of
``send_amount`` and the recipient gets ``send_amount * rate``. Wise's own
``receivedAmount`` is ``(send - fee) * rate`` (fee taken out of the amount) and
is kept as ``wise_received_amount``. ``markup`` is Wise's percentage
``(mid - rate) / mid * 100``, so the implied mid is ``rate / (1 - markup/100)``.

The API returns several quotes per provider (one per country / speed / price
combination). As the spec suggests, they are reduced to one quote per provider
*and target country*: the cheapest in our model (``fee + send * markup / 100``),
then the fastest, then the most recently collected.

A well-formed response with an empty ``providers`` list (a corridor nobody
serves) parses to ``[]``; anything malformed raises :class:`ParseError`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from scrapers.parsers import ParseError
from scrapers.parsers._common import divide, require_iso_code
from scrapers.parsers.types import ProviderQuote

SEND = "SEND"
_DURATION = re.compile(
    r"P(?!$)(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)
_MICROSECONDS = {
    "weeks": 7 * 86_400_000_000,
    "days": 86_400_000_000,
    "hours": 3_600_000_000,
    "minutes": 60_000_000,
    "seconds": 1_000_000,
}
_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})",
    re.IGNORECASE,
)

Json = dict[str, object]


# ------------------------------------------------------------ small parsers


def parse_duration(text: str) -> timedelta:
    """ISO-8601 duration ``PnWnDTnHnMnS`` (fractions allowed) -> timedelta.

    Years and months have no fixed length and are rejected.
    """
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groupdict().values()):
        raise ParseError(f"Wise: unsupported ISO-8601 duration {text!r}")
    total = Decimal(0)
    for unit, amount in match.groupdict().items():
        if amount is not None:
            total += Decimal(amount.replace(",", ".")) * _MICROSECONDS[unit]
    return timedelta(microseconds=int(total.to_integral_value(rounding=ROUND_HALF_EVEN)))


def parse_timestamp(text: str) -> datetime:
    """ISO-8601 timestamp with an offset (``Z`` or ``+hh:mm``) -> aware UTC.

    Fractions beyond microseconds (Wise sends nanoseconds) are truncated.
    """
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise ParseError(f"Wise: {text!r} is not an ISO-8601 timestamp with a UTC offset")
    day, clock, fraction, offset = match.groups()
    micro = f".{(fraction or '0')[:6].ljust(6, '0')}"
    offset = "+00:00" if offset.upper() == "Z" else offset
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}{micro}{offset}")
    except ValueError as exc:
        raise ParseError(f"Wise: invalid timestamp {text!r}") from exc
    return parsed.astimezone(UTC)


# ------------------------------------------------------------ JSON access


def _fail(obj: Json, key: str, where: str, expected: str) -> ParseError:
    return ParseError(f"Wise: {where}.{key} is {obj.get(key)!r}, expected {expected}")


def _str(obj: Json, key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _fail(obj, key, where, "a string")
    return value


def _optional_str(obj: Json, key: str, where: str) -> str | None:
    return None if obj.get(key) is None else _str(obj, key, where)


def _optional_bool(obj: Json, key: str, where: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise _fail(obj, key, where, "a boolean")


def _decimal(obj: Json, key: str, where: str) -> Decimal:
    value = obj.get(key)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _fail(obj, key, where, "a number")
    return value


def _optional_decimal(obj: Json, key: str, where: str) -> Decimal | None:
    return None if obj.get(key) is None else _decimal(obj, key, where)


def _object(obj: Json, key: str, where: str) -> Json:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParseError(f"Wise: {where}.{key} is not an object")
    return value


def _list(obj: Json, key: str, where: str) -> list[Json]:
    value = obj.get(key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ParseError(f"Wise: {where}.{key} is not a list of objects")
    return value


# ------------------------------------------------------------ the response


def parse(content: bytes) -> list[ProviderQuote]:
    """One :class:`ProviderQuote` per provider and target country."""
    document = _document(content)
    source = require_iso_code(_str(document, "sourceCurrency", "response"), what="Wise")
    target = require_iso_code(_str(document, "targetCurrency", "response"), what="Wise")
    amount_type = document.get("amountType", SEND)  # v3 has no amountType: always a send
    if amount_type != SEND:
        raise ParseError(f"Wise: amountType {amount_type!r} not supported (request sendAmount)")
    send_amount = _decimal(document, "amount", "response")
    if send_amount <= 0:
        raise ParseError(f"Wise: non-positive amount {send_amount}")
    quotes: list[ProviderQuote] = []
    for index, provider in enumerate(_list(document, "providers", "response")):
        where = f"providers[{index}]"
        candidates = [
            _quote(provider, quote, (source, target, send_amount), (where, f"{where}.quotes[{n}]"))
            for n, quote in enumerate(_list(provider, "quotes", where))
        ]
        quotes.extend(_reduce(candidates))
    return quotes  # [] only when the response itself lists no quotes (e.g. no provider)


def _document(content: bytes) -> Json:
    try:
        document = json.loads(content, parse_float=Decimal, parse_int=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParseError(f"Wise: malformed or truncated JSON ({exc})") from exc
    except RecursionError:
        raise ParseError("Wise: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise ParseError("Wise: response is not a JSON object")
    return document


def _implied_mid(rate: Decimal, markup: Decimal | None) -> Decimal | None:
    if markup is None:
        return None
    if markup >= 100:
        raise ParseError(f"Wise: markup {markup} % leaves no mid rate")
    return divide(rate, 1 - markup / 100)


def _durations(quote: Json, where: str) -> tuple[timedelta | None, timedelta | None]:
    duration = _object(_object(quote, "deliveryEstimation", where), "duration", where)
    low = _optional_str(duration, "min", f"{where}.duration")
    high = _optional_str(duration, "max", f"{where}.duration")
    return (
        parse_duration(low) if low is not None else None,
        parse_duration(high) if high is not None else None,
    )


def _quote(
    provider: Json,
    quote: Json,
    route: tuple[str, str, Decimal],
    wheres: tuple[str, str],
) -> ProviderQuote:
    source, target, send_amount = route
    provider_where, where = wheres
    rate = _decimal(quote, "rate", where)
    fee = _decimal(quote, "fee", where)
    if rate <= 0 or fee < 0:
        raise ParseError(f"Wise: {where} has rate {rate} and fee {fee}")
    markup = _optional_decimal(quote, "markup", where)
    delivery_min, delivery_max = _durations(quote, where)
    estimation = _object(quote, "deliveryEstimation", where)
    return ProviderQuote(
        provider_alias=_str(provider, "alias", provider_where),
        provider_name=_str(provider, "name", provider_where),
        provider_type=_str(provider, "type", provider_where),
        source_currency=source,
        target_currency=target,
        send_amount=send_amount,
        fee=fee,
        rate=rate,
        received_amount=send_amount * rate,
        wise_received_amount=_optional_decimal(quote, "receivedAmount", where),
        markup_pct=markup,
        mid_rate=_implied_mid(rate, markup),
        date_collected=parse_timestamp(_str(quote, "dateCollected", where)),
        delivery_min=delivery_min,
        delivery_max=delivery_max,
        target_country=_optional_str(quote, "targetCountry", where),
        source_country=_optional_str(quote, "sourceCountry", where),
        partner=_optional_bool(provider, "partner", provider_where),
        is_mid_market_rate=_optional_bool(quote, "isConsideredMidMarketRate", where),
        delivery_duration_type=_optional_str(estimation, "durationType", where),
        provider_gives_estimate=_optional_bool(estimation, "providerGivesEstimate", where),
    )


def _cost_key(quote: ProviderQuote) -> tuple[int, Decimal, timedelta, float]:
    """Cheapest in our model, then fastest, then freshest."""
    if quote.markup_pct is not None:
        known, cost = 0, quote.fee + quote.send_amount * quote.markup_pct / 100
    else:  # no markup: compare what the recipient gets per unit of outlay
        known, cost = 1, -(quote.received_amount / (quote.send_amount + quote.fee))
    slowest = quote.delivery_max or quote.delivery_min or timedelta.max
    return known, cost, slowest, -quote.date_collected.timestamp()


def _reduce(quotes: list[ProviderQuote]) -> list[ProviderQuote]:
    best: dict[str | None, ProviderQuote] = {}
    for quote in quotes:
        current = best.get(quote.target_country)
        if current is None or _cost_key(quote) < _cost_key(current):
            best[quote.target_country] = quote
    return list(best.values())
