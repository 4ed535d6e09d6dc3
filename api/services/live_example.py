"""The worked example inside lessons 1–3: the learner's own corridor and amount, today's best
and worst offer from the comparison (the same `compare()` the API and the comparison page
use), the hidden margin in money, and what the difference adds up to over a year of monthly
transfers. No new cost formula: every figure is read from the ranked quotes.

When a corridor has no live offer, the example uses the World Bank survey prices that
compare() returns in their own tier (`CompareResult.survey`), and says so with the survey
date: they are real but old, never shown as today's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session

from api.domain.money import quantize_display
from api.services.compare import CompareRequest, CompareResult, RankedQuote, compare

TRANSFERS_PER_YEAR = 12


@dataclass(frozen=True)
class OfferFigures:
    """One offer, rounded for display exactly as the comparison shows it."""

    provider: str
    fee: Decimal  # send currency
    rate: Decimal
    mid_rate: Decimal
    fx_margin_pct: Decimal
    margin_money: Decimal  # send currency: what the rate gap costs
    total_cost: Decimal  # send currency
    total_cost_pct: Decimal
    received: Decimal  # receive currency
    estimated: bool
    stale: bool


@dataclass(frozen=True)
class WorkedExample:
    result: CompareResult
    best: OfferFigures | None
    worst: OfferFigures | None
    offers: int  # offers compared (fresh ones when there are any)
    difference_received: Decimal  # receive currency, per transfer
    difference_cost: Decimal  # send currency, per transfer
    yearly_received: Decimal  # receive currency, 12 monthly transfers
    yearly_cost: Decimal  # send currency, 12 monthly transfers
    survey: bool = False  # the figures are World Bank survey prices, not live offers

    @property
    def survey_date(self) -> date | None:
        return self.result.survey_date if self.survey else None

    @property
    def sample(self) -> bool:
        return self.result.sample

    @property
    def same(self) -> bool:
        """Only one offer (or all identical): there is no best-versus-worst difference."""
        return self.offers < 2


def figures(rq: RankedQuote) -> OfferFigures:
    p, send, receive = rq.priced, rq.quote.send_currency, rq.quote.receive_currency
    return OfferFigures(
        provider=rq.provider.name,
        fee=quantize_display(p.fee, send),
        rate=p.rate,
        mid_rate=p.point.mid,
        fx_margin_pct=p.cost.fx_margin_pct.quantize(Decimal("0.01")),
        margin_money=quantize_display(p.cost.total_cost - p.fee, send),
        total_cost=quantize_display(p.cost.total_cost, send),
        total_cost_pct=p.cost.total_cost_pct.quantize(Decimal("0.01")),
        received=quantize_display(p.cost.received_amount, receive),
        estimated=p.estimated,
        stale=p.stale,
    )


def best_and_worst(quotes: list[RankedQuote]) -> tuple[RankedQuote, RankedQuote, int] | None:
    """Most and least received among the fresh offers (all offers if none is fresh)."""
    fresh = [q for q in quotes if not q.priced.stale] or quotes
    if not fresh:
        return None
    best = max(fresh, key=lambda q: q.priced.cost.received_amount)
    worst = min(fresh, key=lambda q: q.priced.cost.received_amount)
    return best, worst, len(fresh)


def worked_example(
    session: Session, from_country: str, to_country: str, amount: Decimal, now: datetime
) -> WorkedExample:
    """Raises compare's NotFound / BadRequest for an unknown corridor or a bad amount."""
    result = compare(session, CompareRequest(from_country, to_country, amount), now)
    picked = best_and_worst(result.quotes)
    survey = picked is None and bool(result.survey)
    if survey:
        picked = best_and_worst(result.survey)
    zero = Decimal(0)
    if picked is None:
        return WorkedExample(result, None, None, 0, zero, zero, zero, zero)
    best_q, worst_q, count = picked
    best, worst = figures(best_q), figures(worst_q)
    diff_received = best_q.priced.cost.received_amount - worst_q.priced.cost.received_amount
    diff_cost = worst_q.priced.cost.total_cost - best_q.priced.cost.total_cost
    send, receive = result.currency, result.receive_currency
    return WorkedExample(
        result=result,
        best=best,
        worst=worst,
        offers=count,
        difference_received=quantize_display(diff_received, receive),
        difference_cost=quantize_display(diff_cost, send),
        yearly_received=quantize_display(diff_received * TRANSFERS_PER_YEAR, receive),
        yearly_cost=quantize_display(diff_cost * TRANSFERS_PER_YEAR, send),
        survey=survey,
    )
