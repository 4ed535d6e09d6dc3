"""The comparison: ranked offers for a corridor and amount, with filters. Routes, pages and
the widget all call `compare`, so they show the same numbers.

It reads only the price book (`current_price`) of one corridor and the corridor's reference
rates. What it loads depends on the data version of the corridor and of the rates, so it
is kept per process and reloaded only when a quote or rate for the corridor was stored
(`CorridorBook`); pricing at the asked amount is done per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from api.domain.money import minor_units
from api.domain.ranking import (
    FeesMode,
    Freshness,
    Priced,
    PricePoint,
    SortKey,
    freshness,
    price_one,
    rank,
)
from api.domain.speed import Speed
from api.settings import get_settings
from api.storage.models import Corridor, CurrentPrice, Provider, Quote, Service
from api.storage.pricebook import LIVE, RATES_SCOPE, SURVEY, data_versions
from api.storage.rates import RateView, rates_for_pair

SAMPLE_NOTICE = "sample data — not live prices"
SURVEY_NOTICE = (
    "World Bank survey prices: real but old, collected on the date shown — prices change; "
    "check with the provider"
)
RPW_ATTRIBUTION = "The World Bank: Remittance Prices Worldwide (CC BY 4.0)"
# A margin measured against a rate further than this from the quote's capture is labelled
# with the rate's date and never presented as current (DESIGN.md section 2).
REFERENCE_GAP = timedelta(hours=48)


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
    sort: SortKey = SortKey.TOTAL_COST
    fees: FeesMode = FeesMode.INCLUDED


@dataclass(frozen=True, slots=True)
class MarginReference:
    """The reference rate a margin was measured against, and how far it is from the quote."""

    rate: Decimal
    as_of: date | None
    rate_type: str
    source: str
    gap_hours: int | None  # None when the rate's date is unknown

    @property
    def outdated(self) -> bool:
        """More than 48 h from the quote's capture (or of unknown date): not current."""
        return self.gap_hours is None or self.gap_hours > REFERENCE_GAP.total_seconds() // 3600

    @property
    def comparable_with_rpw(self) -> bool:
        """RPW measures margins against interbank rates; official or market rates are not
        comparable with its figures."""
        return self.rate_type == "interbank"


def margin_reference(quote: Quote) -> MarginReference:
    captured = quote.source_captured_at or quote.collected_at
    gap: int | None = None
    if quote.mid_rate_as_of is not None:
        start = datetime.combine(quote.mid_rate_as_of, time(0), tzinfo=UTC)
        end = start + timedelta(days=1)
        if captured < start:
            delta = start - captured
        elif captured >= end:
            delta = captured - end
        else:
            delta = timedelta(0)
        gap = int(delta.total_seconds() // 3600)
    return MarginReference(
        quote.mid_rate, quote.mid_rate_as_of, quote.mid_rate_type, quote.mid_rate_source, gap
    )


@dataclass(frozen=True)
class RankedQuote:
    provider: Provider
    service: Service
    quote: Quote  # the newest observation the price came from
    priced: Priced
    tier: str = LIVE  # live, or survey (World Bank RPW survey prices)
    baskets: tuple[Priced, ...] = ()  # survey tier: the surveyed points, as collected

    @property
    def send_amount(self) -> Decimal:
        return self.priced.send_amount

    @property
    def fee(self) -> Decimal:
        return self.priced.fee

    @property
    def you_pay(self) -> Decimal:
        return self.priced.you_pay

    @property
    def received(self) -> Decimal:
        return self.priced.received

    @property
    def reference(self) -> MarginReference:
        return margin_reference(self.quote)

    @property
    def survey_date(self) -> date | None:
        return self.quote.collected_at.date() if self.tier == SURVEY else None


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
    fees: FeesMode = FeesMode.INCLUDED
    survey: list[RankedQuote] = field(default_factory=list)
    data_version: str = ""

    @property
    def best(self) -> RankedQuote | None:
        """The first fresh live offer: what the page's summary names."""
        for q in self.quotes:
            if not q.priced.stale:
                return q
        return None

    @property
    def survey_date(self) -> date | None:
        dates = [d for q in self.survey if (d := q.survey_date) is not None]
        return max(dates) if dates else None


# -- the per-corridor book ------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    quote: Quote
    service: Service
    provider: Provider
    tier: str

    def point(self) -> PricePoint:
        q = self.quote
        return PricePoint(
            str(self.service.id),
            q.send_amount,
            q.fee,
            q.rate,
            q.mid_rate,
            Speed(q.speed),
            q.collected_at,
            q.receive_fee,
        )


@dataclass(frozen=True)
class _Book:
    corridor: Corridor
    rows: tuple[_Row, ...]
    rates: dict[str, list[RateView]]  # receive currency -> rates, preferred first
    version: str


def _load_rows(session: Session, code: str) -> tuple[_Row, ...]:
    stmt = (
        select(CurrentPrice.tier, Quote, Service, Provider)
        .join(Quote, col(Quote.id) == CurrentPrice.quote_id)
        .join(Service, col(Service.id) == CurrentPrice.service_id)
        .join(Provider, col(Provider.id) == Quote.provider_id)
        .where(CurrentPrice.corridor_code == code)
    )
    rows = []
    for tier, q, s, p in session.exec(stmt).all():
        rows.append(_Row(q, s, p, tier))
    for r in rows:  # kept across sessions: detach, so a commit cannot expire them
        for obj in (r.quote, r.service, r.provider):
            if obj in session:
                session.expunge(obj)
    return tuple(rows)


class CorridorBook:
    """What one corridor's comparison needs, per data version, kept in this process."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[tuple[str, str], _Book] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, session: Session, code: str, enabled: bool) -> _Book:
        corridor_v, rates_v = data_versions(session, [code, RATES_SCOPE])
        version = f"{corridor_v}.{rates_v}"
        bind = session.get_bind()
        key = (f"{bind.engine.url!r}/{code}", version)
        if enabled:
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None:
                    self._entries.move_to_end(key)
                    return hit
        corridor = session.get(Corridor, code)
        if corridor is None:
            raise NotFound("corridor", f"unknown corridor {code}: see /api/v1/corridors")
        rows = _load_rows(session, code)
        rates = {
            ccy: rates_for_pair(session, corridor.send_currency, ccy)
            for ccy in corridor.receive_currency_list()
        }
        if corridor in session:
            session.expunge(corridor)
        book = _Book(corridor, rows, rates, version)
        if enabled:
            with self._lock:
                self._entries[key] = book
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return book


BOOK = CorridorBook()


def get_corridor(session: Session, from_country: str, to_country: str) -> Corridor:
    code = f"{from_country.upper()}-{to_country.upper()}"
    corridor = session.get(Corridor, code)
    if corridor is None:
        raise NotFound("corridor", f"unknown corridor {code}: see /api/v1/corridors")
    return corridor


def corridor_version(session: Session, from_country: str, to_country: str) -> str:
    """The data version of a corridor's comparison (changes whenever a quote of the
    corridor or any reference rate is stored): for ETags and caches."""
    code = f"{from_country.upper()}-{to_country.upper()}"
    corridor_v, rates_v = data_versions(session, [code, RATES_SCOPE])
    return f"{corridor_v}.{rates_v}"


def _passes(req: CompareRequest, service: Service, provider: Provider) -> bool:
    if req.payout != "any" and service.payout_method != req.payout:
        return False
    if req.max_speed is not None and Speed(service.speed).order > req.max_speed.order:
        return False
    return not (req.provider_type and provider.type != req.provider_type)


def compare(session: Session, req: CompareRequest, now: datetime) -> CompareResult:
    code = f"{req.from_country.upper()}-{req.to_country.upper()}"
    book = BOOK.get(session, code, get_settings().compare_cache_s > 0)
    corridor = book.corridor
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
    quantum = Decimal(1).scaleb(-minor_units(currency))

    live: dict[int, list[_Row]] = {}
    survey: dict[int, list[_Row]] = {}
    for row in book.rows:
        if row.quote.receive_currency != receive:
            continue
        if row.tier == SURVEY:
            survey.setdefault(row.service.id or 0, []).append(row)
        elif freshness(row.quote.collected_at, now, fresh, expiry) is not Freshness.EXPIRED:
            live.setdefault(row.service.id or 0, []).append(row)

    def price(rows: list[_Row]) -> tuple[Priced, _Row] | None:
        points = [r.point() for r in rows]
        row_of = dict(zip(points, rows, strict=True))
        pr = price_one(points, req.amount, now, fresh, req.fees, quantum, expiry)
        return None if pr is None else (pr, row_of[pr.point])

    priced_live: list[tuple[Priced, _Row]] = []
    for rows in live.values():
        found = price(rows)
        if found is not None:
            priced_live.append(found)
    by_key = {p.point.service_key: row for p, row in priced_live}
    ranked: list[RankedQuote] = []
    for pr in rank([p for p, _ in priced_live], req.sort):
        row = by_key[pr.point.service_key]
        if _passes(req, row.service, row.provider):
            ranked.append(RankedQuote(row.provider, row.service, row.quote, pr))

    # Survey prices only for providers without a real live quote on this corridor.
    real_live = {r.provider.id for rows in live.values() for r in rows if not r.quote.sample}
    priced_survey: list[tuple[Priced, _Row, tuple[Priced, ...]]] = []
    for rows in survey.values():
        if rows[0].provider.id in real_live:
            continue
        found = price(rows)
        if found is None:
            continue
        baskets = tuple(
            b
            for r in sorted(rows, key=lambda r: r.quote.send_amount)
            if (b := price_one([r.point()], r.quote.send_amount, now, fresh)) is not None
        )
        priced_survey.append((found[0], found[1], baskets))
    survey_by_key = {p.point.service_key: (row, b) for p, row, b in priced_survey}
    survey_ranked: list[RankedQuote] = []
    for pr in rank([p for p, _, _ in priced_survey], req.sort):
        row, baskets = survey_by_key[pr.point.service_key]
        # Survey prices are old by nature: never flagged stale-vs-fresh, shown as survey.
        pr = Priced(pr.point, pr.send_amount, pr.fee, pr.rate, pr.cost, pr.estimated, False)
        if _passes(req, row.service, row.provider):
            survey_ranked.append(
                RankedQuote(row.provider, row.service, row.quote, pr, SURVEY, baskets)
            )

    live_rows = [r for rows in live.values() for r in rows]
    rates = book.rates.get(receive, [])
    return CompareResult(
        corridor=corridor,
        amount=req.amount,
        currency=currency,
        receive_currency=receive,
        reference_rate=rates[0] if rates else None,
        other_rates=rates[1:],
        quotes=ranked,
        data_as_of=max((r.quote.collected_at for r in live_rows), default=None),
        sample=any(r.quote.sample for r in live_rows),
        no_provider_reason=corridor.no_provider_reason
        if not ranked and not survey_ranked
        else None,
        excluded_out_of_range=len(live) - len(priced_live),
        filters={
            "payout": req.payout,
            "speed": req.max_speed.value if req.max_speed else "any",
            "provider_type": req.provider_type or "any",
            "sort": req.sort.value,
            "fees": req.fees.value,
        },
        fees=req.fees,
        survey=survey_ranked,
        data_version=book.version,
    )
