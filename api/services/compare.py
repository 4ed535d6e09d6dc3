"""The comparison: ranked quotes for a corridor and amount, with filters. Routes and pages
both call `compare` so the API and the web show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from api.domain.ranking import Priced, PricePoint, SortKey, price_services, rank
from api.domain.speed import Speed
from api.storage.models import Corridor, Provider, Quote, Service
from api.storage.rates import RateView, rates_for_pair

SAMPLE_NOTICE = "sample data — not live prices"


class NotFound(LookupError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class BadRequest(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CompareRequest:
    from_country: str
    to_country: str
    amount: Decimal
    currency: str | None = None
    receive_currency: str | None = None
    payout: str = "any"
    max_speed: Speed | None = None
    provider_type: str | None = None
    sort: SortKey = SortKey.RECEIVED


@dataclass(frozen=True)
class RankedQuote:
    provider: Provider
    service: Service
    quote: Quote  # the newest observation the price came from
    priced: Priced


@dataclass
class CompareResult:
    corridor: Corridor
    amount: Decimal
    currency: str
    receive_currency: str
    reference_rate: RateView | None
    other_rates: list[RateView]
    quotes: list[RankedQuote]
    data_as_of: datetime | None
    sample: bool
    no_provider_reason: str | None
    excluded_out_of_range: int = 0
    filters: dict[str, str] = field(default_factory=dict)


def get_corridor(session: Session, from_country: str, to_country: str) -> Corridor:
    code = f"{from_country.upper()}-{to_country.upper()}"
    corridor = session.get(Corridor, code)
    if corridor is None:
        raise NotFound("corridor", f"unknown corridor {code}: see /api/v1/corridors")
    return corridor


def _quote_rows(
    session: Session, corridor: Corridor, since: datetime
) -> list[tuple[Quote, Service, Provider]]:
    stmt = (
        select(Quote, Service, Provider)
        .join(Service, col(Service.id) == Quote.service_id)
        .join(Provider, col(Provider.id) == Quote.provider_id)
        .where(Quote.corridor_code == corridor.code, col(Quote.collected_at) >= since)
    )
    return [(q, s, p) for q, s, p in session.exec(stmt).all()]


def compare(session: Session, req: CompareRequest, now: datetime) -> CompareResult:
    corridor = get_corridor(session, req.from_country, req.to_country)
    currency = (req.currency or corridor.send_currency).upper()
    if currency != corridor.send_currency:
        raise BadRequest(
            "currency", f"{corridor.code} is priced in {corridor.send_currency}, not {currency}"
        )
    if req.amount <= 0:
        raise BadRequest("amount", "must be greater than 0")
    receive = (req.receive_currency or corridor.receive_currency_list()[0]).upper()
    if receive not in corridor.receive_currency_list():
        raise BadRequest(
            "receive_currency", f"{corridor.code} pays out in {corridor.receive_currencies}"
        )
    fresh = timedelta(hours=corridor.fresh_hours)
    expiry = timedelta(hours=corridor.expiry_hours)
    rows = [
        r for r in _quote_rows(session, corridor, now - expiry) if r[0].receive_currency == receive
    ]
    by_service: dict[str, tuple[Service, Provider]] = {}
    newest_quote: dict[tuple[str, Decimal], Quote] = {}
    points: list[PricePoint] = []
    for q, s, p in rows:
        key = str(s.id)
        by_service[key] = (s, p)
        points.append(
            PricePoint(
                key,
                q.send_amount,
                q.fee,
                q.rate,
                q.mid_rate,
                Speed(q.speed),
                q.collected_at,
                q.receive_fee,
            )
        )
        cur = newest_quote.get((key, q.send_amount))
        if cur is None or q.collected_at > cur.collected_at:
            newest_quote[(key, q.send_amount)] = q
    priced = price_services(points, req.amount, now, fresh, expiry)
    services_seen = len(by_service)
    ranked: list[RankedQuote] = []
    for pr in rank(priced, req.sort):
        service, provider = by_service[pr.point.service_key]
        if req.payout != "any" and service.payout_method != req.payout:
            continue
        if req.max_speed is not None and Speed(service.speed).order > req.max_speed.order:
            continue
        if req.provider_type and provider.type != req.provider_type:
            continue
        quote = newest_quote[(pr.point.service_key, pr.point.send_amount)]
        ranked.append(RankedQuote(provider, service, quote, pr))
    rates = rates_for_pair(session, corridor.send_currency, receive)
    return CompareResult(
        corridor=corridor,
        amount=req.amount,
        currency=currency,
        receive_currency=receive,
        reference_rate=rates[0] if rates else None,
        other_rates=rates[1:],
        quotes=ranked,
        data_as_of=max((q.collected_at for q, _, _ in rows), default=None),
        sample=any(q.sample for q, _, _ in rows),
        no_provider_reason=corridor.no_provider_reason if not ranked else None,
        excluded_out_of_range=services_seen - len(priced),
        filters={
            "payout": req.payout,
            "speed": req.max_speed.value if req.max_speed else "any",
            "provider_type": req.provider_type or "any",
            "sort": req.sort.value,
        },
    )
