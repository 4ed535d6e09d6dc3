"""The compare API's answer per price segment: what the lean path (api/http/lean.py) writes.

Each service's price at an amount is found at one of its price points, with one fee and one
rate (`price_service`); between the amounts where that changes, the answer keeps everything
but its figures and the order of its offers. So the first answer in such a *segment* (the
services' points, fees and rates found, for one fees mode, payout filter and sort) is
written as always (`compare` and `compare_json`), and what it shares with the segment's
other amounts is kept with the corridor's book: each offer's JSON template and its price's
margin, the answer around the offers, and how long all that holds (an offer turns stale,
or an hour older, at a known time). Another amount in the segment then costs: finding the
services' prices, each offer's cost (`cost_at`) and figures (`amount_figures`), and the
order (`order_key`, `rank`'s): the arithmetic, with the same functions as `compare`.

tests/core/test_segments.py checks the bytes against `compare_json(compare(...))` for every
corridor, both fee modes, each payout filter, amounts across the ladders and times across
the hours and the staleness limits; tests/core/test_lean_compare.py against the full route.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from sqlmodel import Session

from api.domain.costs import cost_at
from api.domain.money import minor_unit
from api.domain.ranking import Exact, Freshness, freshness, order_key, price_service
from api.http.present import (
    MEMO_LIMIT,
    _age_hours,
    amount_figures,
    answer_around,
    answer_bytes,
    compare_json,
    filled,
    offer_template,
)
from api.services.compare import BOOK, CompareRequest, CompareResult, RankedQuote, compare
from api.settings import get_settings
from api.storage.pricebook import LIVE, SURVEY

# An answer's times are kept this far inside the hour and staleness limits they hold
# between, so a float's rounding in the age in hours cannot matter.
GUARD = timedelta(milliseconds=1)
HOUR = timedelta(hours=1)


class _Offer(NamedTuple):
    place: int  # the service's place among the request's prices (`_Segment.found`)
    template: bytes  # the offer's JSON but its figures (`offer_template`)
    margin: Decimal  # of its price point, fee and rate
    receive_fee: Decimal
    promotional: bool
    speed: int
    stale: bool  # as ranked (a survey offer is shown as not stale, and ranked as it is)
    send_unit: Decimal  # the currencies' minor units
    receive_unit: Decimal


class _Segment(NamedTuple):
    since: datetime  # the times it holds for
    until: datetime
    found: tuple[Exact | None, ...]  # its first answer's prices: keeps the key's ids theirs
    live: tuple[_Offer, ...]  # in the order `compare` ranks them from (the book's)
    survey: tuple[_Offer, ...]
    around: tuple[bytes, ...]


def segment_json(session: Session, req: CompareRequest, now: datetime, version: str) -> bytes:
    """`compare_json(req, compare(session, req, now, version), now)`, from the kept segment
    when the request has one."""
    if not get_settings().price_book or req.currency or req.receive_currency or req.amount <= 0:
        return compare_json(req, compare(session, req, now, version), now)
    code = f"{req.from_country}-{req.to_country}".upper()
    book = BOOK.get(session, code, True, version)
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
    segment: _Segment | None = memo.get(k := tuple(key))
    if segment is None or not segment.since <= now <= segment.until:
        result = compare(session, req, now, version)
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        made = _segment(req, result, now, tuple(found), len(live_points), oldest_live)
        if made is not None:
            memo[k] = made
        return compare_json(req, result, now)
    rank = order_key(req.sort, fees)

    def offers(kept: tuple[_Offer, ...]) -> bytes:
        priced = []
        for o in kept:
            a, (_point, fee, rate, _estimated), _basis = found[o.place]  # type: ignore[misc]
            cost = cost_at(a, fee, rate, o.margin, o.receive_fee)
            order = rank(o.stale, o.promotional, o.speed, cost.total_cost, cost.received_amount)
            priced.append((order, a, fee, cost, o))
        priced.sort(key=itemgetter(0))  # stable, as `rank`'s sorted()
        return b",".join(
            filled(o.template, amount_figures(a, fee, cost, o.send_unit, o.receive_unit))
            for _order, a, fee, cost, o in priced
        )

    return answer_bytes(req, segment.around, offers(segment.live), offers(segment.survey))


def _segment(
    req: CompareRequest,
    result: CompareResult,
    now: datetime,
    found: tuple[Exact | None, ...],
    live_count: int,
    oldest_live: datetime | None,
) -> _Segment | None:
    """What `result`'s answer shares with the other amounts of its segment, and the times
    that holds for; None when a live price has expired (then `compare` leaves it out, and
    the services priced are not the ones `segment_json` found)."""
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
    offers: dict[str, list[_Offer]] = {LIVE: [], SURVEY: []}
    for q in (*result.quotes, *result.survey):
        p = q.priced
        point = p.point
        at = index.get((q.tier, point.service_key))
        f = None if at is None else found[at]
        if at is None or f is None or f[1][0] is not point:
            return None  # not the prices found (another book was read meanwhile)
        stale = freshness(point.collected_at, now, fresh, expiry) is not Freshness.FRESH
        collected = point.collected_at
        if stale:
            since = max(since, collected + limit + GUARD)
        else:
            until = min(until, collected + limit - GUARD)
        hours = _age_hours(q, now)
        if hours is not None:
            since = max(since, collected + hours * HOUR + GUARD)
            until = min(until, collected + (hours + 1) * HOUR - GUARD)
        offers[q.tier].append(_offer(q, now, at, stale))
    if not since <= now <= until:
        return None
    return _Segment(
        since,
        until,
        found,
        tuple(sorted(offers[LIVE], key=lambda o: o.place)),
        tuple(sorted(offers[SURVEY], key=lambda o: o.place)),
        answer_around(req, result),
    )


def _offer(q: RankedQuote, now: datetime, index: int, stale: bool) -> _Offer:
    p = q.priced
    return _Offer(
        index,
        offer_template(q, now),
        p.cost.fx_margin_pct,
        p.point.receive_fee,
        p.point.promotional,
        p.point.speed.order,
        stale,
        minor_unit(q.quote.send_currency),
        minor_unit(q.quote.receive_currency),
    )
