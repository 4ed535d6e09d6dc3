"""Freshness, ladder estimates, filters and ranking of quotes. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from api.domain.costs import QuoteCost, compute_cost
from api.domain.speed import Speed


class SortKey(StrEnum):
    RECEIVED = "received"
    TOTAL_COST = "total_cost"
    SPEED = "speed"


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One collected quote of one service at one amount."""

    service_key: str
    send_amount: Decimal
    fee: Decimal
    rate: Decimal
    mid: Decimal
    speed: Speed
    collected_at: datetime
    receive_fee: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Priced:
    point: PricePoint
    send_amount: Decimal
    fee: Decimal
    rate: Decimal
    cost: QuoteCost
    estimated: bool
    stale: bool


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    EXPIRED = "expired"


def freshness(
    collected_at: datetime, now: datetime, fresh: timedelta, expiry: timedelta
) -> Freshness:
    age = now - collected_at
    if age > expiry:
        return Freshness.EXPIRED
    if age > fresh:
        return Freshness.STALE
    return Freshness.FRESH


def price_at(
    points: Sequence[PricePoint], amount: Decimal
) -> tuple[PricePoint, Decimal, Decimal, bool] | None:
    """Fee and rate of one service at `amount`.

    An exact ladder point is used as collected. Between two points the estimate is
    conservative: the higher fee and the lower rate of the two neighbours, flagged
    estimated. Outside the collected range there is no estimate (None).
    """
    ordered = sorted(points, key=lambda p: p.send_amount)
    for p in ordered:
        if p.send_amount == amount:
            return p, p.fee, p.rate, False
    below = [p for p in ordered if p.send_amount < amount]
    above = [p for p in ordered if p.send_amount > amount]
    if not below or not above:
        return None
    lo, hi = below[-1], above[0]
    older = lo if lo.collected_at <= hi.collected_at else hi
    return older, max(lo.fee, hi.fee), min(lo.rate, hi.rate), True


def price_services(
    points: Iterable[PricePoint],
    amount: Decimal,
    now: datetime,
    fresh: timedelta,
    expiry: timedelta,
) -> list[Priced]:
    """Price every service at `amount`, dropping expired quotes."""
    by_service: dict[str, list[PricePoint]] = {}
    for p in points:
        if freshness(p.collected_at, now, fresh, expiry) is Freshness.EXPIRED:
            continue
        by_service.setdefault(p.service_key, []).append(p)
    priced: list[Priced] = []
    for service_points in by_service.values():
        # Only the newest observation per amount point counts.
        newest: dict[Decimal, PricePoint] = {}
        for p in service_points:
            cur = newest.get(p.send_amount)
            if cur is None or p.collected_at > cur.collected_at:
                newest[p.send_amount] = p
        found = price_at(list(newest.values()), amount)
        if found is None:
            continue
        point, fee, rate, estimated = found
        cost = compute_cost(amount, fee, rate, point.mid, point.receive_fee)
        stale = freshness(point.collected_at, now, fresh, expiry) is Freshness.STALE
        priced.append(Priced(point, amount, fee, rate, cost, estimated, stale))
    return priced


def rank(quotes: Iterable[Priced], sort: SortKey = SortKey.RECEIVED) -> list[Priced]:
    """Rank quotes. Stale quotes always come after fresh ones (never ranked first).

    RECEIVED: most received first, ties by speed. TOTAL_COST: lowest total cost %
    first, ties by speed. SPEED: fastest first, ties by received.
    """

    def key(q: Priced) -> tuple[bool, int, Decimal, int]:
        if sort is SortKey.SPEED:
            return (q.stale, q.point.speed.order, -q.cost.received_amount, 0)
        if sort is SortKey.TOTAL_COST:
            return (q.stale, 0, q.cost.total_cost_pct, q.point.speed.order)
        return (q.stale, 0, -q.cost.received_amount, q.point.speed.order)

    return sorted(quotes, key=key)
