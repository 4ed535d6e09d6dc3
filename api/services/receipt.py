"""Receipt check: what did this transfer really cost, and what was the best alternative?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from api.domain.costs import ReceiptCost, receipt_cost
from api.services.compare import BadRequest, CompareRequest, RankedQuote, compare
from api.storage.models import Corridor
from api.storage.rates import RateView, reference_rate


@dataclass(frozen=True)
class ReceiptRequest:
    send_amount: Decimal
    send_currency: str
    fee: Decimal
    received_amount: Decimal
    receive_currency: str
    from_country: str | None = None
    to_country: str | None = None


@dataclass(frozen=True)
class ReceiptResult:
    request: ReceiptRequest
    mid: RateView
    cost: ReceiptCost
    corridor: Corridor | None
    best: RankedQuote | None
    sample: bool


def _corridors(session: Session, req: ReceiptRequest) -> list[Corridor]:
    stmt = select(Corridor).where(Corridor.send_currency == req.send_currency)
    if req.from_country:
        stmt = stmt.where(Corridor.from_country == req.from_country.upper())
    if req.to_country:
        stmt = stmt.where(Corridor.to_country == req.to_country.upper())
    return [c for c in session.exec(stmt) if req.receive_currency in c.receive_currency_list()]


def check_receipt(session: Session, req: ReceiptRequest, now: datetime) -> ReceiptResult:
    if req.send_currency == req.receive_currency:
        raise BadRequest("receive_currency", "must differ from send_currency")
    mid = reference_rate(session, req.send_currency, req.receive_currency)
    if mid is None:
        raise BadRequest(
            "receive_currency",
            f"no reference rate for {req.send_currency}/{req.receive_currency}",
        )
    try:
        cost = receipt_cost(req.send_amount, req.fee, req.received_amount, mid.rate)
    except ValueError as exc:
        field, _, msg = str(exc).partition(": ")
        raise BadRequest(field, msg) from None
    best: RankedQuote | None = None
    best_corridor: Corridor | None = None
    sample = False
    for corridor in _corridors(session, req):
        result = compare(
            session,
            CompareRequest(
                corridor.from_country,
                corridor.to_country,
                req.send_amount,
                receive_currency=req.receive_currency,
            ),
            now,
        )
        sample = sample or result.sample
        top = result.quotes[0] if result.quotes else None
        if top and (
            best is None or top.priced.cost.received_amount > best.priced.cost.received_amount
        ):
            best, best_corridor = top, corridor
    if best_corridor is None:
        found = _corridors(session, req)
        best_corridor = found[0] if len(found) == 1 else None
    return ReceiptResult(req, mid, cost, best_corridor, best, sample)
