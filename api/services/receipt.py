"""Receipt check: what did this transfer really cost, and what was the best alternative?

The reference rate is the one of the transfer's date (the newest published on or before
it). Before giving a verdict the figures must be plausible: an implied rate more than 25 %
away from every published rate, a negative total cost, or more received than the amount
sent converted at the reference rate, is a typing slip far more often than a bargain, so
the answer is a question (`Implausible`), never a negative cost. The sender can answer
"my figures are right" (`confirmed`): then the verdict comes, with a warning naming the
doubt (`warning`, the same reason codes).

When no published rate lies within 7 days of the transfer's date, that rate says little
about the day of the transfer: the transfer is then measured against the World Bank
survey of the route instead (its interbank rate of the survey day, the footing of the
route's published average), and only an implied rate far from it is questioned.

The verdict (`api.domain.verdict`) places the cost against the route's World Bank average
and the SDG 10.c 5 % limit, and names the best offer we know: a fresh live one, else the
cheapest surveyed service (always the survey when the reference rate is old).

Where a currency has several rates (the Iranian rial's official and market rates), the
result is given against each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from api.domain.costs import ReceiptCost, receipt_cost
from api.domain.ranking import FeesMode
from api.domain.verdict import Verdict, judge
from api.services.compare import (
    BadRequest,
    CompareRequest,
    CompareResult,
    RankedQuote,
    compare,
)
from api.storage.models import Corridor
from api.storage.pricebook import SURVEY
from api.storage.published import PublishedFigure, published_for
from api.storage.rates import RateView, rates_for_pair

# An implied rate further than this from the reference rate is not believed without asking.
PLAUSIBLE_BAND = Decimal("0.25")
# A reference rate further than this from the transfer's date is labelled with its own date.
OUTDATED_AFTER = timedelta(hours=48)
# Without a published rate this close to the transfer's date, the survey is the footing.
RECENT_WITHIN = timedelta(days=7)
BASIS_REFERENCE = "reference"
BASIS_SURVEY = "survey"
RATE_FAR = "rate_far"
NEGATIVE_COST = "negative_cost"
ABOVE_MID = "received_above_mid"


class Implausible(BadRequest):
    """Figures that cannot be right as typed: ask, do not judge."""

    def __init__(
        self, field: str, reason: str, message: str, implied: Decimal, reference: RateView
    ) -> None:
        super().__init__(field, message)
        self.reason = reason
        self.implied = implied
        self.reference = reference


@dataclass(frozen=True)
class ReceiptRequest:
    send_amount: Decimal
    send_currency: str
    fee: Decimal
    received_amount: Decimal
    receive_currency: str
    from_country: str | None = None
    to_country: str | None = None
    on: date | None = None  # the transfer's date; today when not given
    confirmed: bool = False  # "my figures are right": a verdict even for doubtful figures


@dataclass(frozen=True)
class Against:
    """The transfer measured against one published rate."""

    rate: RateView
    cost: ReceiptCost
    plausible: bool  # the implied rate is within 25 % of this rate


@dataclass(frozen=True)
class ReceiptResult:
    request: ReceiptRequest
    on: date
    mid: RateView
    cost: ReceiptCost
    corridor: Corridor | None
    best: RankedQuote | None
    sample: bool
    against: list[Against]  # one per rate type (interbank, official, market), mid's first
    benchmark: PublishedFigure | None  # the World Bank's average on this route
    basis: str = BASIS_REFERENCE  # what the cost is measured against: reference, or survey
    newest_rate: RateView | None = None  # the newest published rate on or before the day
    warning: str | None = None  # the doubt the sender overruled (RATE_FAR, ...)
    survey_received: tuple[Decimal, ...] = ()  # what each surveyed service delivers

    @property
    def verdict(self) -> Verdict:
        average = self.benchmark.average_pct if self.benchmark else None
        return judge(self.cost.total_cost_pct, average)

    @property
    def reference_recent(self) -> bool:
        """A published rate lies within 7 days of the transfer's date."""
        newest = self.newest_rate or self.mid
        return (self.on - newest.as_of) <= RECENT_WITHIN

    @property
    def reference_outdated(self) -> bool:
        """The reference rate is more than 48 h older than the transfer's date."""
        return (self.on - self.mid.as_of) > OUTDATED_AFTER

    @property
    def extra_with_best(self) -> Decimal | None:
        if self.best is None:
            return None
        return self.best.priced.cost.received_amount - self.request.received_amount


def _corridors(session: Session, req: ReceiptRequest) -> list[Corridor]:
    stmt = select(Corridor).where(Corridor.send_currency == req.send_currency)
    if req.from_country:
        stmt = stmt.where(Corridor.from_country == req.from_country.upper())
    if req.to_country:
        stmt = stmt.where(Corridor.to_country == req.to_country.upper())
    return [c for c in session.exec(stmt) if req.receive_currency in c.receive_currency_list()]


def _one_per_type(rates: list[RateView]) -> list[RateView]:
    seen: set[str] = set()
    out: list[RateView] = []
    for r in rates:  # preferred first
        if r.rate_type not in seen:
            seen.add(r.rate_type)
            out.append(r)
    return out


def _rates_on(session: Session, req: ReceiptRequest, on: date) -> list[RateView]:
    rates = rates_for_pair(session, req.send_currency, req.receive_currency, on=on)
    if rates:
        return rates
    if rates_for_pair(session, req.send_currency, req.receive_currency):
        raise BadRequest("transfer_date", f"no reference rate on or before {on.isoformat()}")
    raise BadRequest(
        "receive_currency", f"no reference rate for {req.send_currency}/{req.receive_currency}"
    )


def _plausible(implied: Decimal, rate: Decimal) -> bool:
    return abs(implied - rate) <= rate * PLAUSIBLE_BAND


def benchmark_for(corridor: Corridor | None) -> PublishedFigure | None:
    """The World Bank's newest published average for this corridor (USD 200 basket)."""
    if corridor is None:
        return None
    own = [
        f
        for f in published_for(corridor.code, 200)
        if f.scope == "corridor" and f.corridor == corridor.code and f.average_pct is not None
    ]
    return max(own, key=lambda f: f.period) if own else None


def check_receipt(session: Session, req: ReceiptRequest, now: datetime) -> ReceiptResult:
    if req.send_currency == req.receive_currency:
        raise BadRequest("receive_currency", "must differ from send_currency")
    on = req.on or now.date()
    if on > now.date():
        raise BadRequest("transfer_date", "must not be in the future")
    if req.send_amount <= 0:
        raise BadRequest("send_amount", "must be positive")
    if req.received_amount <= 0:
        raise BadRequest("received_amount", "must be positive")
    if req.fee < 0:
        raise BadRequest("fee", "must not be negative")
    published = _one_per_type(_rates_on(session, req, on))
    results = _compare_all(session, req, now)
    recent = (on - published[0].as_of) <= RECENT_WITHIN
    survey_rate = None if recent else _survey_rate(results)
    rates = [survey_rate, *published] if survey_rate is not None else published
    basis = BASIS_SURVEY if survey_rate is not None else BASIS_REFERENCE
    implied = req.received_amount / req.send_amount
    against = [
        Against(
            r,
            receipt_cost(req.send_amount, req.fee, req.received_amount, r.rate),
            _plausible(implied, r.rate),
        )
        for r in rates
    ]
    usable = [a for a in against if a.plausible]
    warning: str | None = None
    if not usable:
        ref = rates[0]
        if not req.confirmed:
            raise Implausible(
                "received_amount",
                RATE_FAR,
                f"the amounts give 1 {req.send_currency} = {implied:.4f} "
                f"{req.receive_currency}, more than 25% from the reference rate "
                f"{ref.rate:.4f} of {ref.as_of.isoformat()}: please check the amounts and "
                "currencies, or confirm them",
                implied,
                ref,
            )
        warning, main = RATE_FAR, against[0]
    else:
        main = usable[0]
    # Only a recent rate can show that a transfer "cost less than nothing"; an old one (or
    # the survey's) just shows that rates have moved since.
    if warning is None and recent and main.cost.total_cost < 0:
        warning = NEGATIVE_COST
    elif warning is None and recent and main.cost.fx_margin_pct < 0:
        warning = ABOVE_MID
    if warning in (NEGATIVE_COST, ABOVE_MID) and not req.confirmed:
        raise Implausible(
            "received_amount",
            warning,
            "these amounts give a negative cost (more received than the amount sent and the "
            "fee are worth at the reference rate): please check them, or confirm them"
            if warning == NEGATIVE_COST
            else "your family received more than the amount sent converted at the reference "
            "rate: please check the amounts, or confirm them",
            implied,
            main.rate,
        )
    best, best_corridor, sample = _best_offer(results, prefer_survey=basis == BASIS_SURVEY)
    survey = results[0][1].survey if len(results) == 1 else []
    ordered = [main, *[a for a in against if a is not main]]
    return ReceiptResult(
        req,
        on,
        main.rate,
        main.cost,
        best_corridor,
        best,
        sample,
        ordered,
        benchmark_for(best_corridor),
        basis,
        published[0],
        warning,
        tuple(q.received for q in survey if not q.quote.promotional),
    )


def _compare_all(
    session: Session, req: ReceiptRequest, now: datetime
) -> list[tuple[Corridor, CompareResult]]:
    """The offers for the same money paid (amount plus fee, fees included), per corridor."""
    return [
        (
            corridor,
            compare(
                session,
                CompareRequest(
                    corridor.from_country,
                    corridor.to_country,
                    req.send_amount + req.fee,
                    receive_currency=req.receive_currency,
                    fees=FeesMode.INCLUDED,
                ),
                now,
            ),
        )
        for corridor in _corridors(session, req)
    ]


def _survey_rate(results: list[tuple[Corridor, CompareResult]]) -> RateView | None:
    """The interbank rate of the newest survey day on the route (the rate the survey's
    margins, and the route's published average, are measured against)."""
    if len(results) != 1:
        return None
    dated = [
        q.quote
        for q in results[0][1].survey
        if q.quote.mid_rate_as_of is not None and q.quote.mid_rate > 0
    ]
    if not dated:
        return None
    q = max(dated, key=lambda v: (v.mid_rate_as_of or date.min, v.mid_rate))
    assert q.mid_rate_as_of is not None
    return RateView(
        q.send_currency,
        q.receive_currency,
        q.mid_rate,
        q.mid_rate_type,
        q.mid_rate_source,
        q.mid_rate_as_of,
        False,
        q.sample,
    )


def _cheapest_survey(result: CompareResult) -> RankedQuote | None:
    """The surveyed service that delivers the most (promotions are not offers to count on)."""
    offers = [q for q in result.survey if not q.quote.promotional]
    return max(offers, key=lambda q: q.received) if offers else None


def _best_offer(
    results: list[tuple[Corridor, CompareResult]], *, prefer_survey: bool
) -> tuple[RankedQuote | None, Corridor | None, bool]:
    """The best offer we know for the same money: a fresh live one, else the cheapest
    surveyed service; the survey first when the transfer is measured against it."""
    best: RankedQuote | None = None
    best_corridor: Corridor | None = None
    sample = False
    for corridor, result in results:
        live, surveyed = result.best, _cheapest_survey(result)
        top = (surveyed or live) if prefer_survey else (live or surveyed)
        if top is not None and top.tier != SURVEY:
            sample = sample or result.sample
        if top and (best is None or top.received > best.received):
            best, best_corridor = top, corridor
    if best_corridor is None:
        best_corridor = results[0][0] if len(results) == 1 else None
    return best, best_corridor, sample
