"""Wise Comparison API: multi-provider bank-to-bank quotes, with markup and speed.

Live: ``GET https://api.wise.com/v4/comparisons?sourceCurrency=GBP&targetCurrency=PKR&
sendAmount=120`` for every corridor whose currencies Wise compares and every amount point
of the corridor's ladder (corridors sharing a currency pair share the request).

Mapping to our model (DESIGN.md section 2):

- the parser already normalises the fee to "on top of the amount" (Wise deducts it);
- ``dateCollected`` becomes the source capture time, ``markup`` is kept, and the mid rate
  implied by rate and markup is the mid the margin is measured against, so the stored
  ``fx_margin_pct`` equals Wise's ``markup``;
- pay-in and payout are bank transfers (the only ones Wise estimates);
- the delivery estimate keeps the spec's min/max semantics (``None`` is an open end) and
  gives the speed band from the slower bound known;
- quotes are matched to a corridor by their source/target country (``None`` matches any),
  and for each provider the most specific quote is kept.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from api.domain.speed import Speed
from api.storage.quotes import QuoteIn
from scrapers.http import Fetched
from scrapers.parsers import ParseError, wise
from scrapers.parsers.types import ProviderQuote
from scrapers.sources.base import (
    CollectContext,
    Collected,
    CorridorTarget,
    Payload,
    QuoteObservation,
    Source,
)

PATH = "/v4/comparisons"
SOURCE = "wise"

#: Currencies Wise lets customers send from (of those our corridors use).
SEND_CURRENCIES = frozenset(
    {"GBP", "EUR", "USD", "CAD", "AED", "MYR", "SEK", "AUD", "CHF", "NZD", "SGD", "JPY"}
    | {"DKK", "NOK", "PLN", "CZK", "HUF", "RON", "HKD"}
)
#: Currencies Wise pays out in (none of AFN, IQD, IRR).
RECEIVE_CURRENCIES = frozenset(
    {"PKR", "BDT", "INR", "LKR", "NPR", "TRY", "EGP", "MAD", "PHP", "IDR", "MYR", "AED"}
    | {"GBP", "EUR", "USD", "CAD", "AUD", "CHF", "SEK", "NOK", "DKK", "PLN", "JPY", "SGD"}
)

#: Wise provider aliases that are spelled differently in our provider list.
ALIASES = {"transferwise": "wise", "westernunion": "western-union", "riamoneytransfer": "ria"}
#: Wise provider types -> ours.
PROVIDER_TYPES = {"bank": "bank", "moneyTransferProvider": "mto", "travelMoney": "exchange_house"}

HOUR = timedelta(hours=1)
#: Upper bound of each speed band, fastest first.
SPEED_BANDS: tuple[tuple[timedelta, Speed], ...] = (
    (HOUR, Speed.MINUTES),
    (12 * HOUR, Speed.SAME_DAY),
    (36 * HOUR, Speed.NEXT_DAY),
    (120 * HOUR, Speed.DAYS_2_5),
)

Route = tuple[str, str, Decimal]  # send currency, receive currency, amount


def provider_slug(alias: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", alias.strip().lower()).strip("-")
    return ALIASES.get(slug.replace("-", ""), slug)[:64] or "unknown"


def speed_band(low: timedelta | None, high: timedelta | None) -> Speed:
    """The band of the slower known bound ("up to X": X; "from X": X); unknown: 2-5 days."""
    duration = high if high is not None else low
    if duration is None:
        return Speed.DAYS_2_5
    for limit, band in SPEED_BANDS:
        if duration <= limit:
            return band
    return Speed.OVER_5_DAYS


def seconds(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    whole = Decimal(value.days * 86_400 + value.seconds)
    return whole + Decimal(value.microseconds).scaleb(-6)


def supported(corridor: CorridorTarget) -> list[str]:
    """The corridor's local payout currency, if Wise compares it. Only the local currency:
    a GBP->USD comparison is about US accounts, not USD paid out in Afghanistan."""
    local = corridor.receive_currencies[:1]
    if corridor.send_currency not in SEND_CURRENCIES:
        return []
    return [c for c in local if c in RECEIVE_CURRENCIES]


def plan(corridors: tuple[CorridorTarget, ...]) -> dict[Route, list[CorridorTarget]]:
    """One request per (send currency, receive currency, amount), with the corridors it serves."""
    routes: dict[Route, list[CorridorTarget]] = defaultdict(list)
    for corridor in corridors:
        for receive in supported(corridor):
            for amount in corridor.ladder:
                routes[(corridor.send_currency, receive, amount)].append(corridor)
    return dict(routes)


def _specificity(q: ProviderQuote) -> int:
    return (q.target_country is not None) * 2 + (q.source_country is not None)


def for_corridor(quotes: list[ProviderQuote], corridor: CorridorTarget) -> list[ProviderQuote]:
    """The quotes that apply to the corridor: one per provider, the most specific."""
    best: dict[str, ProviderQuote] = {}
    for q in quotes:
        if q.source_country not in (None, corridor.from_country):
            continue
        if q.target_country not in (None, corridor.to_country):
            continue
        current = best.get(q.provider_alias)
        if current is None or _specificity(q) > _specificity(current):
            best[q.provider_alias] = q
    return list(best.values())


def observation(
    q: ProviderQuote, corridor: CorridorTarget, payload_hash: str, now: datetime
) -> QuoteObservation:
    quote = QuoteIn(
        provider=provider_slug(q.provider_alias),
        corridor=corridor.code,
        send_amount=q.send_amount,
        send_currency=q.source_currency,
        fee=q.fee,
        rate=q.rate,
        receive_currency=q.target_currency,
        payout_method="bank",
        payin_method="bank",
        speed=speed_band(q.delivery_min, q.delivery_max).value,
        collected_at=now,
        source=SOURCE,
        source_captured_at=q.date_collected,
        payload_hash=payload_hash,
        mid_rate=q.mid_rate,
        mid_rate_type="interbank" if q.mid_rate is not None else None,
        mid_rate_source=SOURCE if q.mid_rate is not None else None,
        markup_pct=q.markup_pct,
        delivery_min_s=seconds(q.delivery_min),
        delivery_max_s=seconds(q.delivery_max),
    )
    return QuoteObservation(
        quote=quote,
        provider_name=q.provider_name,
        provider_type=PROVIDER_TYPES.get(q.provider_type, "mto"),
    )


def check_route(quotes: list[ProviderQuote], route: Route, url: str) -> None:
    send, receive, amount = route
    for q in quotes:
        if (q.source_currency, q.target_currency) != (send, receive) or q.send_amount != amount:
            raise ParseError(
                f"Wise: asked {send}->{receive} {amount}, answered "
                f"{q.source_currency}->{q.target_currency} {q.send_amount} ({url})"
            )


class WiseSource(Source):
    name = "wise"
    title = "Wise Comparison API (provider quotes)"
    kind = "quotes"
    interval = timedelta(hours=1)  # Wise re-collects providers' prices about hourly
    timeout = timedelta(minutes=20)

    def params(self, route: Route) -> dict[str, str]:
        send, receive, amount = route
        return {"sourceCurrency": send, "targetCurrency": receive, "sendAmount": f"{amount:f}"}

    async def fetch_route(
        self, ctx: CollectContext, route: Route, headers: dict[str, str] | None
    ) -> tuple[Fetched, list[ProviderQuote]]:
        """Fetch one comparison and parse it as soon as it arrives."""
        fetched = await self.get(ctx, PATH, params=self.params(route), headers=headers)
        quotes = await self.parse(wise.parse, fetched.content)
        check_route(quotes, route, fetched.url)
        return fetched, quotes

    async def collect(self, ctx: CollectContext) -> Collected:
        routes = plan(ctx.corridors)
        token = ctx.settings.wise_api_token
        headers = {"Authorization": f"Bearer {token}"} if token else None
        tasks: dict[Route, asyncio.Task[tuple[Fetched, list[ProviderQuote]]]] = {}
        async with asyncio.TaskGroup() as group:  # one failure cancels the rest
            for route in routes:
                tasks[route] = group.create_task(self.fetch_route(ctx, route, headers))
        collected = Collected()
        for route, task in tasks.items():
            fetched, quotes = task.result()
            payload = Payload.of(self.name, fetched)
            collected.payloads.append(payload)
            for corridor in routes[route]:
                for q in for_corridor(quotes, corridor):
                    collected.quotes.append(observation(q, corridor, payload.sha256, ctx.now))
        if not routes:
            collected.notes.append("no corridor with currencies Wise compares")
        return collected
