"""Writing quotes: validation, cost computation and idempotent insertion in one place.

Every path that stores a quote (collectors, feeds, mystery shopping, sample data) calls
`store_quote`, so the RPW numbers stored beside a quote always come from the cost engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from api.domain.costs import compute_cost
from api.domain.speed import Payin, Payout, Speed
from api.domain.validation import (
    Problem,
    check_bounds,
    check_currency,
    check_not_future,
    check_quote,
    plausible_amounts,
)
from api.storage.models import Corridor, Provider, ProviderCorridor, Quote, Service
from api.storage.outcome import Outcome
from api.storage.pricebook import after_quotes_stored
from api.storage.rates import NearestRates
from api.storage.rollups import update_rollups
from api.storage.types import utcnow


@dataclass(frozen=True)
class QuoteIn:
    provider: str  # slug
    corridor: str  # "GB-PK"
    send_amount: Decimal
    send_currency: str
    fee: Decimal
    rate: Decimal
    receive_currency: str
    payout_method: str
    speed: str
    collected_at: datetime
    source: str
    payin_method: str = "bank"
    receive_fee: Decimal = Decimal(0)
    source_captured_at: datetime | None = None
    payload_hash: str | None = None
    mid_rate: Decimal | None = None  # the source's own mid (e.g. Wise); else our reference
    mid_rate_type: str | None = None
    mid_rate_source: str | None = None
    markup_pct: Decimal | None = None
    delivery_min_s: Decimal | None = None  # the source's delivery estimate, in seconds
    delivery_max_s: Decimal | None = None
    sample: bool = False
    promotional: bool = False
    transparent: bool = True
    mid_rate_as_of: date | None = None  # the given mid's date (default: the capture date)
    access_point: str = ""  # internet, agent, call_centre where the source says so
    note: str | None = None
    variant: str = ""  # the source's number for services that otherwise look alike
    survey_period: str | None = None  # a survey price known only by its quarter ("2025Q1")


@dataclass
class StoreResult:
    outcome: Outcome
    problems: list[Problem] = field(default_factory=list)
    quote: Quote | None = None


def dedupe_key(q: QuoteIn) -> str:
    parts = [
        q.provider,
        q.corridor,
        q.payin_method,
        q.payout_method,
        q.receive_currency,
        q.speed,
        *([q.access_point] if q.access_point else []),
        *([f"variant={q.variant}"] if q.variant else []),
        format(q.send_amount.normalize(), "f"),
        format(q.fee.normalize(), "f"),
        # A quarter-only survey point's rate is estimated from the reference rate of the day
        # it was imported: the same surveyed service stays one quote whatever rate is newer.
        f"survey={q.survey_period}" if q.survey_period else format(q.rate.normalize(), "f"),
        (q.source_captured_at or q.collected_at).isoformat(),
        q.source,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass
class _Batch:
    """What one `store_quotes` call looks up once instead of once per quote (a demo load or
    a feed stores thousands of quotes on a few providers, services and rate days): the
    providers by slug, the reference rate by pair and capture day, the services by their
    key, and which of the batch's dedupe keys are stored already (one query per 500)."""

    rates: NearestRates
    providers: dict[str, Provider | None] = field(default_factory=dict)
    services: dict[tuple[object, ...], Service] = field(default_factory=dict)
    stored: set[str] = field(default_factory=set)  # keys already in the database
    keys: set[str] = field(default_factory=set)  # keys stored by this batch

    def provider(self, session: Session, slug: str) -> Provider | None:
        if slug not in self.providers:
            stmt = select(Provider).where(Provider.slug == slug)
            self.providers[slug] = session.exec(stmt).first()
        return self.providers[slug]

    def find_stored(self, session: Session, keys: list[str]) -> None:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found = session.exec(select(Quote.dedupe_key).where(col(Quote.dedupe_key).in_(chunk)))
            self.stored.update(found)


def validate(
    session: Session, q: QuoteIn, batch: _Batch | None = None
) -> tuple[list[Problem], Corridor | None, Provider | None]:
    problems: list[Problem] = []
    corridor = session.get(Corridor, q.corridor)
    if corridor is None:
        problems.append(Problem("corridor", f"unknown corridor {q.corridor!r}"))
    provider = (batch or _Batch(NearestRates(session))).provider(session, q.provider)
    if provider is None:
        problems.append(Problem("provider", f"unknown provider {q.provider!r}"))
    problems += check_currency(q.send_currency, "send_currency")
    problems += check_currency(q.receive_currency, "receive_currency")
    if corridor is not None:
        if q.send_currency != corridor.send_currency:
            problems.append(
                Problem(
                    "send_currency",
                    f"{q.corridor} sends {corridor.send_currency}, not {q.send_currency}",
                )
            )
        if q.receive_currency not in corridor.receive_currency_list():
            problems.append(
                Problem(
                    "receive_currency", f"{q.corridor} pays out in {corridor.receive_currencies}"
                )
            )
    for name, value, enum in (
        ("payout_method", q.payout_method, Payout),
        ("payin_method", q.payin_method, Payin),
        ("speed", q.speed, Speed),
    ):
        if value not in {e.value for e in enum}:
            allowed = ", ".join(e.value for e in enum)
            problems.append(Problem(name, f"{value!r} is not one of {allowed}"))
    if q.collected_at.tzinfo is None:
        problems.append(Problem("collected_at", "needs a timezone"))
    # The same bounds for every ingestion path (feeds, mystery shopping, collectors, RPW).
    amounts = (
        plausible_amounts([*corridor.ladder_amounts(), corridor.basket_200, corridor.basket_500])
        if corridor is not None
        else None
    )
    problems += check_bounds(q.send_amount, q.fee, q.rate, q.receive_fee, amounts, q.send_currency)
    now = utcnow()
    problems += check_not_future(q.collected_at, now, "collected_at")
    problems += check_not_future(q.source_captured_at, now, "captured_at")
    return problems, corridor, provider


def _service(session: Session, provider_id: int, q: QuoteIn, batch: _Batch) -> Service:
    key = (
        provider_id,
        q.corridor,
        q.payin_method,
        q.payout_method,
        q.receive_currency,
        q.speed,
        q.access_point,
        q.variant,
    )
    found = batch.services.get(key)
    if found is None:
        found = batch.services[key] = _find_or_add_service(session, provider_id, q)
    return found


def _find_or_add_service(session: Session, provider_id: int, q: QuoteIn) -> Service:
    stmt = select(Service).where(
        Service.provider_id == provider_id,
        Service.corridor_code == q.corridor,
        Service.payin_method == q.payin_method,
        Service.payout_method == q.payout_method,
        Service.payout_currency == q.receive_currency,
        Service.speed == q.speed,
        Service.access_point == q.access_point,
        Service.variant == q.variant,
    )
    service = session.exec(stmt).first()
    if service is None:
        service = Service(
            provider_id=provider_id,
            corridor_code=q.corridor,
            payin_method=q.payin_method,
            payout_method=q.payout_method,
            payout_currency=q.receive_currency,
            speed=q.speed,
            access_point=q.access_point,
            variant=q.variant,
        )
        session.add(service)
        session.flush()
        link = session.get(ProviderCorridor, (provider_id, q.corridor))
        if link is None:
            session.add(ProviderCorridor(provider_id=provider_id, corridor_code=q.corridor))
    return service


def store_quote(session: Session, q: QuoteIn) -> StoreResult:
    """Validate, price and insert one quote inside the caller's transaction."""
    return store_quotes(session, [q])[0]


def store_quotes(session: Session, quotes: Iterable[QuoteIn]) -> list[StoreResult]:
    """Validate, price and insert quotes inside the caller's transaction. Duplicates of
    stored quotes, and of quotes earlier in the same batch, are ignored."""
    batch = _Batch(NearestRates(session))
    todo = list(quotes)
    results: list[StoreResult] = []
    with session.no_autoflush:
        batch.find_stored(session, [dedupe_key(q) for q in todo])
        for q in todo:
            result = _store_one(session, q, batch)
            results.append(result)
    session.flush()
    stored = [r.quote for r in results if r.quote is not None]
    after_quotes_stored(session, stored)
    update_rollups(session, stored)
    return results


def _store_one(session: Session, q: QuoteIn, batch: _Batch) -> StoreResult:
    problems, corridor, provider = validate(session, q, batch)
    if problems or corridor is None or provider is None or provider.id is None:
        return StoreResult(Outcome.REJECTED, problems)
    captured = (q.source_captured_at or q.collected_at).date()
    mid, mid_type, mid_source = q.mid_rate, q.mid_rate_type, q.mid_rate_source
    mid_as_of = q.mid_rate_as_of or captured
    if mid is None:
        # The reference rate nearest the capture: the newest on or before its day, else the
        # oldest after it (a rate collected later than the quote).
        ref = batch.rates.get(q.send_currency, q.receive_currency, captured)
        if ref is None:
            return StoreResult(
                Outcome.REJECTED,
                [Problem("rate", f"no reference rate for {q.send_currency}/{q.receive_currency}")],
            )
        mid, mid_type, mid_source, mid_as_of = ref.rate, ref.rate_type, ref.source, ref.as_of
    problems = check_quote(q.send_amount, q.fee, q.rate, mid)
    if problems:
        return StoreResult(Outcome.REJECTED, problems)
    key = dedupe_key(q)
    if key in batch.keys or key in batch.stored:
        return StoreResult(Outcome.DUPLICATE)
    batch.keys.add(key)
    cost = compute_cost(q.send_amount, q.fee, q.rate, mid, q.receive_fee)
    service = _service(session, provider.id, q, batch)
    assert service.id is not None
    quote = Quote(
        service_id=service.id,
        provider_id=provider.id,
        corridor_code=q.corridor,
        send_amount=q.send_amount,
        send_currency=q.send_currency,
        fee=q.fee,
        rate=q.rate,
        receive_currency=q.receive_currency,
        receive_fee=q.receive_fee,
        mid_rate=mid,
        mid_rate_type=mid_type or "official",
        mid_rate_source=mid_source or q.source,
        mid_rate_as_of=mid_as_of,
        note=q.note,
        survey_period=q.survey_period,
        fx_margin_pct=cost.fx_margin_pct,
        total_cost_pct=cost.total_cost_pct,
        total_cost=cost.total_cost,
        received_amount=cost.received_amount,
        markup_pct=q.markup_pct,
        delivery_min_s=q.delivery_min_s,
        delivery_max_s=q.delivery_max_s,
        speed=q.speed,
        payout_method=q.payout_method,
        collected_at=q.collected_at,
        source_captured_at=q.source_captured_at,
        source=q.source,
        payload_hash=q.payload_hash,
        sample=q.sample,
        promotional=q.promotional,
        transparent=q.transparent,
        dedupe_key=key,
    )
    session.add(quote)
    return StoreResult(Outcome.STORED, quote=quote)


__all__ = ["Outcome", "QuoteIn", "StoreResult", "dedupe_key", "store_quote", "store_quotes"]
