"""Freshness, ladder estimates, the two amount modes, filters and ranking of quotes. Pure.

Two ways to state the amount (DESIGN.md section 2), one ranking for both:

- fees on top (`FeesMode.ON_TOP`, the RPW convention): the sender converts `A` and pays
  `A + fee`;
- fees included (`FeesMode.INCLUDED`): the sender pays `P` in total; the amount converted is
  the largest `A` with `A + fee(A) <= P`.

Every offer prices exactly the amount asked (`price_service`): between two amounts checked
the estimate is conservative (the higher fee, the lower rate); above the largest amount
checked it uses that point's fee and rate, below the smallest likewise; each priced offer
says which it did (`Basis`). Only an amount that does not cover a service's fee leaves the
service out.

Ranking (`rank`): in fees-included mode by what the family receives, receive-side fees
included (everyone pays the same amount, so that is the whole story even when offers were
measured against different reference rates); in fees-on-top mode by total cost in the
source currency (RPW). Ties by speed; never by `A x rate` alone. Stale quotes come after
fresh ones and promotions after regular prices, so neither leads the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import NamedTuple

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


class Basis(StrEnum):
    """How an offer's price at the amount asked was found."""

    CHECKED = "checked"  # a price collected at exactly this amount
    BETWEEN = "between_checked"  # between two amounts checked: higher fee, lower rate
    ABOVE = "above_checked"  # above the largest amount checked: that point's fee and rate
    BELOW = "below_checked"  # below the smallest amount checked: that point's fee and rate


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
    promotional: bool = False


class Priced(NamedTuple):
    """One service priced at one amount. Immutable; a named tuple because one is built
    per offer per answer (a frozen dataclass costs four times as much to build)."""

    point: PricePoint
    send_amount: Decimal  # A, the amount converted
    fee: Decimal
    rate: Decimal
    cost: QuoteCost
    estimated: bool
    stale: bool
    basis: Basis = Basis.CHECKED

    @property
    def checked_amount(self) -> Decimal | None:
        """The amount checked an estimate beyond the checked range rests on."""
        return self.point.send_amount if self.basis in (Basis.ABOVE, Basis.BELOW) else None

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


Exact = tuple[Decimal, Found, Basis]  # A, (point, fee, rate, estimated), basis


def _basis(ordered: Sequence[PricePoint], a: Decimal, found: Found) -> Basis:
    if not found[3]:
        return Basis.CHECKED
    if a < ordered[0].send_amount:
        return Basis.BELOW
    if a > ordered[-1].send_amount:
        return Basis.ABOVE
    return Basis.BETWEEN


def _exact_total(ordered: Sequence[PricePoint], paid: Decimal, quantum: Decimal) -> Exact | None:
    """Fees included, exactly: an `A` and a fee with `A + fee == paid`.

    The largest affordable amount (`amount_for_total`) when it uses all the money; above
    the largest point checked that point's fee and rate; where the money falls between
    what one point costs and what the piece above it costs, the piece above's conservative
    fee and rate (the family is told no more than it would get); below everything the
    smallest point's fee and rate. None only when the money does not cover the fee."""
    top, low = ordered[-1], ordered[0]
    j = len(ordered) - 1  # the first observation of the top amount counts
    while j > 0 and ordered[j - 1].send_amount == top.send_amount:
        j -= 1
    top = ordered[j]
    if paid - top.fee >= top.send_amount:
        a = paid - top.fee
        if a == top.send_amount:
            return a, (top, top.fee, top.rate, False), Basis.CHECKED
        return a, (top, top.fee, top.rate, True), Basis.ABOVE
    found = amount_for_total(ordered, paid, quantum, presorted=True)
    if found is None:
        a = paid - low.fee
        return (a, (low, low.fee, low.rate, True), Basis.BELOW) if a > 0 else None
    a, (point, fee, rate, estimated) = found
    if a + fee == paid:
        return a, found[1], _basis(ordered, a, found[1])
    if not estimated:  # an exact point with money left over: the piece above it
        above = next(p for p in ordered if p.send_amount > a)
        older = point if point.collected_at <= above.collected_at else above
        fee, rate, point = max(point.fee, above.fee), min(point.rate, above.rate), older
    a = paid - fee
    if a <= 0:
        return None
    return a, (point, fee, rate, True), _basis(ordered, a, (point, fee, rate, True))


def _exact_on_top(ordered: Sequence[PricePoint], amount: Decimal) -> Exact:
    """Fees on top: the amount asked is converted, priced by `price_at` inside the range
    checked and by the nearest end's fee and rate outside it."""
    found = _price_sorted(ordered, amount)
    if found is not None:
        return amount, found, _basis(ordered, amount, found)
    if amount > ordered[-1].send_amount:
        top = ordered[-1]
        return amount, (top, top.fee, top.rate, True), Basis.ABOVE
    low = ordered[0]
    return amount, (low, low.fee, low.rate, True), Basis.BELOW


def price_service(
    points: Sequence[PricePoint],
    amount: Decimal,
    fees: FeesMode = FeesMode.ON_TOP,
    quantum: Decimal = CENT,
    *,
    presorted: bool = False,
) -> Exact | None:
    """(A, found, basis) for one service at exactly the stated amount: in fees-included
    mode `A + fee == amount`, in fees-on-top mode `A == amount`. None when there are no
    points, the amount is not positive, or (fees included) it does not cover the fee.
    `presorted`: the points are in amount order already."""
    if not points or amount <= 0:
        return None
    ordered = points if presorted else sorted(points, key=_amount)
    if fees is FeesMode.INCLUDED:
        return _exact_total(ordered, amount, quantum)
    return _exact_on_top(ordered, amount)


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
    a, (point, fee, rate, estimated), basis = found
    cost = compute_cost(a, fee, rate, point.mid, point.receive_fee)
    stale = (
        freshness(point.collected_at, now, fresh, expiry or timedelta.max) is not Freshness.FRESH
    )
    return Priced(point, a, fee, rate, cost, estimated, stale, basis)


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


def rank(
    quotes: Iterable[Priced],
    sort: SortKey = SortKey.TOTAL_COST,
    fees: FeesMode = FeesMode.ON_TOP,
) -> list[Priced]:
    """Rank quotes. Stale quotes always come after fresh ones, promotions after regular
    prices (shown and labelled, never first).

    TOTAL_COST (the default): the best deal for the money paid first, ties by speed. With
    fees included everyone pays the same, so that is the most received first, receive-side
    fees included; with fees on top the lowest total cost in the source currency. RECEIVED:
    most received first, ties by speed. SPEED: fastest first, ties by total cost.
    """
    key = order_key(sort, fees)
    return sorted(
        quotes,
        key=lambda q: key(
            q.stale,
            q.point.promotional,
            q.point.speed.order,
            q.cost.total_cost,
            q.cost.received_amount,
        ),
    )


OrderKey = tuple[bool, bool, int, Decimal, int]


def order_key(
    sort: SortKey, fees: FeesMode
) -> Callable[[bool, bool, int, Decimal, Decimal], OrderKey]:
    """`rank`'s sort key, from (stale, promotional, speed order, total cost, received):
    for a caller that ranks prices it holds in another form (api/services/segments.py)."""
    by_received = sort is SortKey.RECEIVED or (
        sort is SortKey.TOTAL_COST and fees is FeesMode.INCLUDED
    )
    if sort is SortKey.SPEED:
        return lambda stale, promo, speed, total, _received: (stale, promo, speed, total, 0)
    if by_received:
        return lambda stale, promo, speed, _total, received: (stale, promo, 0, -received, speed)
    return lambda stale, promo, speed, total, _received: (stale, promo, 0, total, speed)
