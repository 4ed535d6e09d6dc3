"""Comparisons per segment of amounts: `compare()`'s answer without its bookkeeping, for the
amounts whose prices are found at the same points as an answer already given.

Each service's price at an amount is found at one of its price points, with one fee and one
rate (`price_service`); between the amounts where that changes, a comparison keeps all but
its figures and the order of its offers. So the first answer in such a *segment* (the
services' points, fees and rates found, for one fees mode, filter set and sort) comes from
`compare()`, and what the segment's other amounts share is kept with the corridor's book:
its offers (their rows and surveyed points), each price's margin, the answer's other fields,
and the times all that holds for (an offer turns stale, or an hour older, and a live price
expires, at known times). Another amount in the segment then costs the services' prices
found, each offer's `cost_at` and `rank`'s `order_key`: the arithmetic, with the functions
`compare()` uses. Presenters keep what they write of a segment in its `memo` (the compare
API's JSON: api/http/segments.py).

tests/core/test_segments.py checks the answers against `compare()`'s, and the API's bytes
against `compare_json(compare())`'s, on every corridor, both fee modes, payout filters,
ladder edges and times either side of each hour and staleness limit.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from sqlmodel import Session

from api.domain.costs import QuoteCost, cost_at
from api.domain.money import minor_unit
from api.domain.ranking import Exact, Freshness, Priced, freshness, order_key, price_service
from api.services.compare import (
    BOOK,
    MEMO_LIMIT,
    CompareRequest,
    CompareResult,
    RankedQuote,
    compare,
)
from api.settings import get_settings
from api.storage.pricebook import LIVE, SURVEY

# A segment's times are kept this far inside the hour and staleness limits they hold
# between, so that a float's rounding in an age in hours cannot matter.
GUARD = timedelta(milliseconds=1)
HOUR = timedelta(hours=1)


class KeptOffer(NamedTuple):
    place: int  # the service's place among the request's prices (`Segment.found`)
    first: RankedQuote  # as the segment's first answer gave it (its rows, its surveyed points)
    margin: Decimal  # of its price point, fee and rate
    stale: bool  # as ranked (a survey offer is shown as not stale, and ranked as it is)
    promotional: bool  # its price point's
    speed: int  # its price point's speed order
    receive_fee: Decimal  # its price point's
    memo: dict[Hashable, Any]  # what a presenter keeps for this offer in this segment


class Segment(NamedTuple):
    since: datetime  # the times it holds for
    until: datetime
    found: tuple[Exact | None, ...]  # its first answer's prices: keeps the key's ids theirs
    live: tuple[KeptOffer, ...]  # in the order `compare` ranks them from (the book's)
    survey: tuple[KeptOffer, ...]
    first: CompareResult  # the first answer: its fields but amount and offers are all's
    memo: dict[Hashable, Any]  # what a presenter keeps for this segment
    token: object  # names the segment in presenters' keys (and, held there, keeps its id)


Found = Sequence[Exact | None]
Offer = tuple[KeptOffer, Decimal, Decimal, QuoteCost]  # kept, amount converted, fee, cost


def segment_for(
    session: Session, req: CompareRequest, now: datetime, version: str
) -> tuple[Segment, Found] | CompareResult:
    """The request's segment and its prices; or, when none is kept for them at `now`,
    `compare()`'s answer (and its segment is kept when it can be)."""
    if not get_settings().price_book or req.currency or req.receive_currency or req.amount <= 0:
        return compare(session, req, now, version)
    book = BOOK.get(session, f"{req.from_country}-{req.to_country}".upper(), True, version)
    memo = book.memo
    receive = book.corridor.receive_currency_list()[0].upper()
    services = memo.get(("segment services", receive))
    if services is None:  # the services `compare` prices while no live price has expired
        live = book.services.get((receive, LIVE), ())
        real_live = {sb.provider.id for sb in live if not sb.all_sample}
        survey = book.services.get((receive, SURVEY), ())
        services = memo[("segment services", receive)] = (
            tuple(sb.points for sb in live),
            tuple(sb.points for sb in survey if sb.provider.id not in real_live),
            min((sb.oldest for sb in live), default=None),
        )
    live_points, survey_points, oldest_live = services
    amount, fees = req.amount, req.fees
    quantum = minor_unit(book.corridor.send_currency)
    found: list[Exact | None] = [
        price_service(points, amount, fees, quantum, presorted=True)
        for points in (*live_points, *survey_points)
    ]
    key: list[Hashable] = ["segment", fees, req.payout, req.sort, req.max_speed, req.provider_type]
    for f in found:
        if f is None:
            key.append(None)
        else:
            _a, (point, fee, rate, estimated), basis = f
            key += (id(point), id(fee), id(rate), estimated, basis)
    segment: Segment | None = memo.get(k := tuple(key))
    if segment is not None and segment.since <= now <= segment.until:
        return segment, found
    result = compare(session, req, now, version)
    made = _segment(result, now, tuple(found), len(live_points), oldest_live)
    if made is not None:
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        memo[k] = made
    return result


def ranked(offers: tuple[KeptOffer, ...], found: Found, req: CompareRequest) -> list[Offer]:
    """A segment's offers (of one tier) priced at the request's amount, in `rank`'s order."""
    key = order_key(req.sort, req.fees)
    priced = []
    for o in offers:
        a, (_point, fee, rate, _estimated), _basis = found[o.place]  # type: ignore[misc]
        cost = cost_at(a, fee, rate, o.margin, o.receive_fee)
        order = key(o.stale, o.promotional, o.speed, cost.total_cost, cost.received_amount)
        priced.append((order, o, a, fee, cost))
    priced.sort(key=itemgetter(0))  # stable, as `rank`'s sorted()
    return [(o, a, fee, cost) for _order, o, a, fee, cost in priced]


def compare_kept(
    session: Session, req: CompareRequest, now: datetime, version: str
) -> CompareResult:
    """`compare(session, req, now, version)`, from the kept segment if there is one."""
    got = segment_for(session, req, now, version)
    if isinstance(got, CompareResult):
        return got
    segment, found = got

    places: list[int] = []

    def offers(kept: tuple[KeptOffer, ...]) -> list[RankedQuote]:
        out = []
        for o, a, fee, cost in ranked(kept, found, req):
            _a, (point, _fee, rate, estimated), basis = found[o.place]  # type: ignore[misc]
            q = o.first
            priced = Priced(point, a, fee, rate, cost, estimated, q.priced.stale, basis)
            out.append(RankedQuote(q.provider, q.service, q.quote, priced, q.tier, q.baskets))
            places.append(o.place)
        return out

    live, survey = offers(segment.live), offers(segment.survey)
    kept = (segment.token, tuple(places))
    return replace(segment.first, amount=req.amount, quotes=live, survey=survey, kept=kept)


def _segment(
    result: CompareResult,
    now: datetime,
    found: tuple[Exact | None, ...],
    live_count: int,
    oldest_live: datetime | None,
) -> Segment | None:
    """What `result`'s answer shares with the other amounts of its segment, and the times
    that holds for; None when a live price has expired (then `compare` leaves it out, and
    the services priced are not the ones `segment_for` found) or another book was read."""
    corridor = result.corridor
    fresh = timedelta(hours=corridor.fresh_hours)
    expiry = timedelta(hours=corridor.expiry_hours)
    limit = min(fresh, expiry)  # stale beyond it (`freshness`)
    since = datetime.min.replace(tzinfo=now.tzinfo)
    until = datetime.max.replace(tzinfo=now.tzinfo)
    if oldest_live is not None:
        until = oldest_live + expiry - GUARD
    index: dict[tuple[str, str], int] = {}
    for i, f in enumerate(found):
        if f is not None:
            index[(LIVE if i < live_count else SURVEY, f[1][0].service_key)] = i
    offers: dict[str, list[KeptOffer]] = {LIVE: [], SURVEY: []}
    for q in (*result.quotes, *result.survey):
        p = q.priced
        point = p.point
        at = index.get((q.tier, point.service_key))
        f = None if at is None else found[at]
        if at is None or f is None or f[1][0] is not point:
            return None
        stale = freshness(point.collected_at, now, fresh, expiry) is not Freshness.FRESH
        collected = point.collected_at
        if stale:
            since = max(since, collected + limit + GUARD)
        else:
            until = min(until, collected + limit - GUARD)
        hours = (now - collected) // HOUR  # its age in whole hours, as presenters show it
        since = max(since, collected + hours * HOUR + GUARD)
        until = min(until, collected + (hours + 1) * HOUR - GUARD)
        kept = KeptOffer(
            at,
            q,
            p.cost.fx_margin_pct,
            stale,
            point.promotional,
            point.speed.order,
            point.receive_fee,
            {},
        )
        offers[q.tier].append(kept)
    if not since <= now <= until:
        return None
    return Segment(
        since,
        until,
        found,
        tuple(sorted(offers[LIVE], key=itemgetter(0))),
        tuple(sorted(offers[SURVEY], key=itemgetter(0))),
        result,
        {},
        object(),
    )
