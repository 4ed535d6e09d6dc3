"""Freshness, ladder estimates, the two amount modes, filters and ranking of quotes. Pure.

Two ways to state the amount (DESIGN.md section 2), one ranking for both:

- fees on top (`FeesMode.ON_TOP`, the RPW convention): the sender converts `A` and pays
  `A + fee`;
- fees included (`FeesMode.INCLUDED`): the sender pays `P` in total; the amount converted is
  the largest `A` with `A + fee(A) <= P`.

Either way an offer is ranked by its total cost in the source currency for the money paid
(cheapest first, ties by speed): in fees-included mode that is exactly "most received first"
when every offer is measured against the same mid rate. Never by `A x rate` alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from api.domain.costs import QuoteCost, compute_cost
from api.domain.speed import Speed

CENT = Decimal("0.01")


class SortKey(StrEnum):
    RECEIVED = "received"
    TOTAL_COST = "total_cost"
    SPEED = "speed"


class FeesMode(StrEnum):
    INCLUDED = "included"  # the amount is what the sender pays in total
    ON_TOP = "on_top"  # the amount is what is converted; the fee is paid on top


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
    send_amount: Decimal  # A, the amount converted
    fee: Decimal
    rate: Decimal
    cost: QuoteCost
    estimated: bool
    stale: bool

    @property
    def you_pay(self) -> Decimal:
        """What leaves the sender's pocket: A + fee."""
        return self.send_amount + self.fee

    @property
    def received(self) -> Decimal:
        """What the family receives: A x rate - receive fee."""
        return self.cost.received_amount


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


Found = tuple[PricePoint, Decimal, Decimal, bool]  # point, fee, rate, estimated


def price_at(points: Sequence[PricePoint], amount: Decimal) -> Found | None:
    """Fee and rate of one service at `amount`.

    An exact ladder point is used as collected. Between two points the estimate is
    conservative: the higher fee and the lower rate of the two neighbours, flagged
    estimated. Just below the lowest point (by at most that point's fee, which is what a
    fees-included amount needs) the lowest point's fee and rate are used, flagged
    estimated. Otherwise outside the collected range there is no estimate (None).
    """
    return _price_sorted(sorted(points, key=_amount), amount)


def _amount(p: PricePoint) -> Decimal:
    return p.send_amount


def _price_sorted(ordered: Sequence[PricePoint], amount: Decimal) -> Found | None:
    """`price_at` over points sorted by amount (one pass, no copies)."""
    lo: PricePoint | None = None
    for p in ordered:
        if p.send_amount == amount:
            return p, p.fee, p.rate, False
        if p.send_amount > amount:
            if lo is None:
                if amount > 0 and amount >= p.send_amount - p.fee:
                    return p, p.fee, p.rate, True
                return None
            older = lo if lo.collected_at <= p.collected_at else p
            return older, max(lo.fee, p.fee), min(lo.rate, p.rate), True
        lo = p
    return None


def _floor(value: Decimal, quantum: Decimal) -> Decimal:
    """Down to a multiple of `quantum` (a power of ten: a currency's minor unit)."""
    return value.quantize(quantum, rounding=ROUND_FLOOR)


def _largest_below(limit: Decimal, value: Decimal, quantum: Decimal) -> Decimal:
    """The largest multiple of `quantum` that is at most `limit` and strictly below
    `value`."""
    a = _floor(limit, quantum)
    return a if a < value else value.quantize(quantum, rounding=ROUND_CEILING) - quantum


def amount_for_total(
    points: Sequence[PricePoint],
    paid: Decimal,
    quantum: Decimal = CENT,
    *,
    presorted: bool = False,
) -> tuple[Decimal, Found] | None:
    """Fees included: the largest amount `A` (a multiple of `quantum`, the currency's minor
    unit, or an exact ladder point) with `A + fee(A) <= paid`, where fee(A) is the fee
    `price_at` gives at `A`.

    The fee is constant on each piece `price_at` defines (an exact point; between two
    neighbours; just below the lowest point), so each piece's largest affordable amount is
    found directly, and a piece further up beats every piece below it: the pieces are
    tried from the top and the first affordable one is the answer. `presorted`: the points
    are in amount order already (the price book keeps them so)."""
    ordered = points if presorted else sorted(points, key=_amount)
    i = len(ordered) - 1
    while i >= 0:
        amount = ordered[i].send_amount
        j = i  # ordered[j:i + 1] share this amount; the first observation counts
        while j > 0 and ordered[j - 1].send_amount == amount:
            j -= 1
        p = ordered[j]
        if amount + p.fee <= paid:  # the exact point
            return amount, (p, p.fee, p.rate, False)
        if j == 0:  # just below the lowest point, by at most its fee
            a = _largest_below(paid - p.fee, amount, quantum)
            if a > 0 and a >= amount - p.fee:
                return a, (p, p.fee, p.rate, True)
            return None
        lo = ordered[j - 1]  # strictly between lo and p
        if lo.send_amount < paid:
            fee = max(lo.fee, p.fee)
            a = _largest_below(paid - fee, amount, quantum)
            if a > lo.send_amount:
                older = lo if lo.collected_at <= p.collected_at else p
                return a, (older, fee, min(lo.rate, p.rate), True)
        i = j - 1
    return None


def price_service(
    points: Sequence[PricePoint],
    amount: Decimal,
    fees: FeesMode = FeesMode.ON_TOP,
    quantum: Decimal = CENT,
    *,
    presorted: bool = False,
) -> tuple[Decimal, Found] | None:
    """(A, found) for one service at the stated amount in either mode. `presorted`: the
    points are in amount order already."""
    if fees is FeesMode.INCLUDED:
        return amount_for_total(points, amount, quantum, presorted=presorted)
    found = _price_sorted(points, amount) if presorted else price_at(points, amount)
    return (amount, found) if found is not None else None


def newest_per_amount(points: Iterable[PricePoint]) -> list[PricePoint]:
    """Only the newest observation per amount point counts."""
    newest: dict[Decimal, PricePoint] = {}
    for p in points:
        cur = newest.get(p.send_amount)
        if cur is None or p.collected_at > cur.collected_at:
            newest[p.send_amount] = p
    return list(newest.values())


def price_one(
    points: Sequence[PricePoint],
    amount: Decimal,
    now: datetime,
    fresh: timedelta,
    fees: FeesMode = FeesMode.ON_TOP,
    quantum: Decimal = CENT,
    expiry: timedelta | None = None,
    *,
    newest_only: bool = False,
) -> Priced | None:
    """Price one service's newest points at `amount` (None when out of range).
    `newest_only`: the points are already one per amount and in amount order (the price
    book's)."""
    if newest_only:
        found = price_service(points, amount, fees, quantum, presorted=True)
    else:
        found = price_service(newest_per_amount(points), amount, fees, quantum)
    if found is None:
        return None
    a, (point, fee, rate, estimated) = found
    cost = compute_cost(a, fee, rate, point.mid, point.receive_fee)
    stale = (
        freshness(point.collected_at, now, fresh, expiry or timedelta.max) is not Freshness.FRESH
    )
    return Priced(point, a, fee, rate, cost, estimated, stale)


def price_services(
    points: Iterable[PricePoint],
    amount: Decimal,
    now: datetime,
    fresh: timedelta,
    expiry: timedelta,
    fees: FeesMode = FeesMode.ON_TOP,
    quantum: Decimal = CENT,
) -> list[Priced]:
    """Price every service at `amount`, dropping expired quotes."""
    by_service: dict[str, list[PricePoint]] = {}
    for p in points:
        if freshness(p.collected_at, now, fresh, expiry) is Freshness.EXPIRED:
            continue
        by_service.setdefault(p.service_key, []).append(p)
    priced: list[Priced] = []
    for service_points in by_service.values():
        one = price_one(service_points, amount, now, fresh, fees, quantum, expiry)
        if one is not None:
            priced.append(one)
    return priced


def rank(quotes: Iterable[Priced], sort: SortKey = SortKey.TOTAL_COST) -> list[Priced]:
    """Rank quotes. Stale quotes always come after fresh ones (never ranked first).

    TOTAL_COST (the default): lowest total cost in the source currency for the money paid
    first, ties by speed. RECEIVED: most received first, ties by speed. SPEED: fastest
    first, ties by total cost.
    """

    def key(q: Priced) -> tuple[bool, int, Decimal, int]:
        if sort is SortKey.SPEED:
            return (q.stale, q.point.speed.order, q.cost.total_cost, 0)
        if sort is SortKey.RECEIVED:
            return (q.stale, 0, -q.cost.received_amount, q.point.speed.order)
        return (q.stale, 0, q.cost.total_cost, q.point.speed.order)

    return sorted(quotes, key=key)
