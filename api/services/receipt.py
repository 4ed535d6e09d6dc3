"""Receipt check: what did this transfer really cost, and what was the best alternative?

The reference rate is the one of the transfer's date (the newest published on or before
it). Before giving a verdict the figures must be plausible: an implied rate more than 25 %
away from every published rate, a negative total cost, or more received than the amount
sent converted at the reference rate, is a typing slip far more often than a bargain, so
the answer is a question (`Implausible`), never a negative cost.

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
from api.services.compare import BadRequest, CompareRequest, RankedQuote, compare
from api.storage.models import Corridor
from api.storage.published import PublishedFigure, published_for
from api.storage.rates import RateView, rates_for_pair

# An implied rate further than this from the reference rate is not believed without asking.
PLAUSIBLE_BAND = Decimal("0.25")
# A reference rate further than this from the transfer's date is labelled with its own date.
OUTDATED_AFTER = timedelta(hours=48)
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
    rates = _one_per_type(_rates_on(session, req, on))
    implied = req.received_amount / req.send_amount
    against = [
        Against(r, receipt_cost(req.send_amount, req.fee, req.received_amount, r.rate), False)
        for r in rates
    ]
    against = [Against(a.rate, a.cost, _plausible(implied, a.rate.rate)) for a in against]
    usable = [a for a in against if a.plausible]
    if not usable:
        ref = rates[0]
        raise Implausible(
            "received_amount",
            RATE_FAR,
            f"the amounts give 1 {req.send_currency} = {implied:.4f} {req.receive_currency}, "
            f"more than 25% from the reference rate {ref.rate:.4f} of {ref.as_of.isoformat()}: "
            "please check the amounts and currencies",
            implied,
            ref,
        )
    main = usable[0]
    if main.cost.total_cost < 0:
        raise Implausible(
            "received_amount",
            NEGATIVE_COST,
            "these amounts give a negative cost (more received than the amount sent and the "
            "fee are worth at the reference rate): please check them",
            implied,
            main.rate,
        )
    if main.cost.fx_margin_pct < 0:
        raise Implausible(
            "received_amount",
            ABOVE_MID,
            "your family received more than the amount sent converted at the reference rate: "
            "please check the amounts",
            implied,
            main.rate,
        )
    best, best_corridor, sample = _best_offer(session, req, now)
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
    )


def _best_offer(
    session: Session, req: ReceiptRequest, now: datetime
) -> tuple[RankedQuote | None, Corridor | None, bool]:
    """The best current offer for the same money paid (amount plus fee, fees included)."""
    best: RankedQuote | None = None
    best_corridor: Corridor | None = None
    sample = False
    found = _corridors(session, req)
    for corridor in found:
        result = compare(
            session,
            CompareRequest(
                corridor.from_country,
                corridor.to_country,
                req.send_amount + req.fee,
                receive_currency=req.receive_currency,
                fees=FeesMode.INCLUDED,
            ),
            now,
        )
        sample = sample or result.sample
        top = result.best
        if top and (
            best is None or top.priced.cost.received_amount > best.priced.cost.received_amount
        ):
            best, best_corridor = top, corridor
    if best_corridor is None:
        best_corridor = found[0] if len(found) == 1 else None
    return best, best_corridor, sample
