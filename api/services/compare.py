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
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.domain.money import minor_unit
from api.domain.periods import PeriodKind, period_of
from api.domain.ranking import (
    FeesMode,
    Priced,
    PricePoint,
    SortKey,
    price_one,
    rank,
)
from api.domain.speed import Speed
from api.settings import get_settings
from api.storage.models import Corridor, Country, CurrentPrice, Provider, Quote, Service
from api.storage.pricebook import LIVE, RATES_SCOPE, SURVEY, data_versions, total_data_version
from api.storage.rates import RateView, rates_for_pair
from api.storage.versionwatch import watch_for

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


def margin_reference(quote: Quote | QuoteView) -> MarginReference:
    captured = quote.source_captured_at or quote.collected_at
    gap: int | None = None
    if quote.survey_period and quote.mid_rate_as_of is not None:
        # A percentage-only survey point's rate was estimated from this very reference rate:
        # its margin is the survey's own figure, not one measured against an old rate.
        gap = 0
    elif quote.mid_rate_as_of is not None:
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


class RankedQuote(NamedTuple):
    """One offer of an answer. Immutable; a named tuple because one is built per offer per
    answer (a frozen dataclass costs four times as much to build)."""

    provider: ProviderView
    service: ServiceView
    quote: QuoteView  # the newest observation the price came from
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
        """The survey day; None for a price known only by its quarter (`survey_period`)."""
        if self.tier != SURVEY or self.quote.survey_period:
            return None
        return self.quote.collected_at.date()

    @property
    def survey_period(self) -> str | None:
        return self.quote.survey_period if self.tier == SURVEY else None


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
    excluded_out_of_range: int = 0  # services whose fee the amount does not cover
    filters: dict[str, str] = field(default_factory=dict)
    fees: FeesMode = FeesMode.INCLUDED
    survey: list[RankedQuote] = field(default_factory=list)
    data_version: str = ""
    country_names: tuple[str, str] = ("", "")  # sending, receiving country
    # How the family can collect on this route at this amount, whatever the payout filter
    # (the page offers these as choices).
    payouts: tuple[str, ...] = ()
    # What a presenter keeps for this corridor's data version (the book's `memo`), e.g.
    # api/http/present.py's JSON of what does not depend on the amount.
    memo: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)
    # From a kept segment of amounts (api/services/segments.py `compare_kept`): the
    # segment's token and its offers' places, in this answer's order (live, then survey).
    # All the answer holds but its amount and figures is the same for the same `kept`.
    kept: Hashable | None = field(default=None, repr=False, compare=False)

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

    @property
    def survey_periods(self) -> list[str]:
        """The survey quarters of prices known only by their quarter, oldest first."""
        return sorted({p for q in self.survey if (p := q.survey_period)})


# -- the per-corridor book ------------------------------------------------------------------


def _snapshot(cls: type[Any], obj: object) -> Any:
    """A plain, immutable copy of an ORM row (no instrumentation on the hot path)."""
    return cls(**{f.name: getattr(obj, f.name) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class QuoteView:
    """The stored quote behind an offer, as read from the price book."""

    id: int | None
    send_amount: Decimal
    send_currency: str
    fee: Decimal
    rate: Decimal
    receive_currency: str
    receive_fee: Decimal
    mid_rate: Decimal
    mid_rate_type: str
    mid_rate_source: str
    mid_rate_as_of: date | None
    fx_margin_pct: Decimal
    total_cost_pct: Decimal
    speed: str
    payout_method: str
    collected_at: datetime
    source_captured_at: datetime | None
    source: str
    payload_hash: str | None
    sample: bool
    promotional: bool
    transparent: bool
    markup_pct: Decimal | None
    delivery_min_s: Decimal | None
    delivery_max_s: Decimal | None
    note: str | None
    survey_period: str | None


@dataclass(frozen=True, slots=True)
class ServiceView:
    id: int | None
    provider_id: int
    corridor_code: str
    payin_method: str
    payout_method: str
    payout_currency: str
    speed: str
    access_point: str


@dataclass(frozen=True, slots=True)
class ProviderView:
    id: int | None
    slug: str
    name: str
    type: str
    website: str | None


@dataclass(frozen=True)
class _Row:
    quote: QuoteView
    service: ServiceView
    provider: ProviderView
    tier: str
    point: PricePoint

    @cached_property
    def survey_round(self) -> str:
        """The survey quarter of a survey row (its stated period, else its day's)."""
        return self.quote.survey_period or period_of(self.quote.collected_at, PeriodKind.QUARTER)


@dataclass(frozen=True)
class _ServiceBook:
    """One service's current prices: its rows and their price points in amount order
    (`rows[i]` is the row of `points[i]`), built once per data version."""

    rows: tuple[_Row, ...]
    points: tuple[PricePoint, ...]
    row_of: dict[int, _Row]  # id() of a point -> its row (the points live as long as this)
    provider: ProviderView
    service: ServiceView
    newest: datetime
    oldest: datetime
    sample: bool  # any row is sample
    all_sample: bool
    as_surveyed: tuple[Priced, ...] = ()  # survey tier: `points` priced as collected


# Entries a corridor book's `memo` keeps before it is cleared (what presenters keep there:
# JSON templates, answers around their offers, segments of amounts).
MEMO_LIMIT = 4096


@dataclass(frozen=True)
class _Book:
    corridor: Corridor
    # (receive currency, tier) -> the services' books
    services: dict[tuple[str, str], tuple[_ServiceBook, ...]]
    rates: dict[str, list[RateView]]  # receive currency -> rates, preferred first
    names: tuple[str, str]  # the sending and receiving countries' names
    version: str
    # Kept by presenters for this data version (CompareResult.memo); goes with the book.
    memo: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)


def _point(q: QuoteView, service_id: int | None) -> PricePoint:
    return PricePoint(
        str(service_id),
        q.send_amount,
        q.fee,
        q.rate,
        q.mid_rate,
        Speed(q.speed),
        q.collected_at,
        q.receive_fee,
        q.promotional,
    )


def _as_surveyed(points: Sequence[PricePoint]) -> tuple[Priced, ...]:
    """A survey service's points priced as collected (each at its own amount, fees on
    top): what the offer lists as surveyed. Survey prices are old by nature and never
    marked stale (as their offers), so this does not depend on the time asked and is
    computed once per book."""
    out = []
    for p in points:
        b = price_one([p], p.send_amount, p.collected_at, timedelta(0))
        if b is not None:
            out.append(b._replace(stale=False))
    return tuple(out)


def _load_services(session: Session, code: str) -> dict[tuple[str, str], tuple[_ServiceBook, ...]]:
    stmt = (
        select(CurrentPrice.tier, Quote, Service, Provider)
        .join(Quote, col(Quote.id) == CurrentPrice.quote_id)
        .join(Service, col(Service.id) == CurrentPrice.service_id)
        .join(Provider, col(Provider.id) == Quote.provider_id)
        .where(CurrentPrice.corridor_code == code)
    )
    grouped: dict[tuple[str, str], dict[int, list[_Row]]] = {}
    services: dict[int | None, ServiceView] = {}
    providers: dict[int | None, ProviderView] = {}
    for tier, q, s, p in session.exec(stmt).all():
        qv: QuoteView = _snapshot(QuoteView, q)
        sv = services.get(s.id) or services.setdefault(s.id, _snapshot(ServiceView, s))
        pv = providers.get(p.id) or providers.setdefault(p.id, _snapshot(ProviderView, p))
        row = _Row(qv, sv, pv, tier, _point(qv, s.id))
        grouped.setdefault((q.receive_currency, tier), {}).setdefault(s.id or 0, []).append(row)
    out: dict[tuple[str, str], tuple[_ServiceBook, ...]] = {}
    for key, by_service in grouped.items():
        books = []
        for unordered in by_service.values():
            rows = sorted(unordered, key=lambda r: r.point.send_amount)
            points = tuple(r.point for r in rows)
            collected = [r.quote.collected_at for r in rows]
            books.append(
                _ServiceBook(
                    tuple(rows),
                    points,
                    {id(r.point): r for r in rows},
                    rows[0].provider,
                    rows[0].service,
                    max(collected),
                    min(collected),
                    any(r.quote.sample for r in rows),
                    all(r.quote.sample for r in rows),
                    _as_surveyed(points) if key[1] == SURVEY else (),
                )
            )
        out[key] = tuple(books)
    return out


def _version_order(version: str) -> tuple[int, ...]:
    """Versions are "corridor.rates" counters; both only grow, so a tuple orders them."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


class CorridorBook:
    """What one corridor's comparison needs, kept in this process: ONE book per corridor,
    the newest data version seen. A book of an older version is dropped when the newer one
    is in place (keeping every version made memory grow with every stored quote, issue 23).

    A new version is built outside the shared lock, so readers of other corridors (and
    readers still holding the old book) never wait for it; requests for the same new
    version wait for the one build under way instead of each building their own."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[str, _Book] = OrderedDict()
        self._building: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def held(self) -> dict[str, str]:
        """The books held: corridor key -> data version (one per corridor)."""
        with self._lock:
            return {key: book.version for key, book in self._entries.items()}

    @staticmethod
    def _key(session: Session, code: str) -> str:
        return f"{session.get_bind().engine.url!r}/{code}"

    def holds(self, session: Session, from_country: str, to_country: str, version: str) -> bool:
        """Whether this version of the corridor's book is here already (no database
        read is needed to answer from it)."""
        key = self._key(session, f"{from_country.upper()}-{to_country.upper()}")
        with self._lock:
            book = self._entries.get(key)
            return book is not None and book.version == version

    def held_corridor(
        self, session: Session, from_country: str, to_country: str, version: str
    ) -> Corridor | None:
        """The corridor as this version's book read it, if the book is here (no database
        read); else None."""
        book = self._hit(self._key(session, f"{from_country}-{to_country}".upper()), version)
        return None if book is None else book.corridor

    def _hit(self, key: str, version: str) -> _Book | None:
        with self._lock:
            book = self._entries.get(key)
            if book is not None and book.version == version:
                self._entries.move_to_end(key)
                return book
            return None

    def get(self, session: Session, code: str, enabled: bool, version: str | None = None) -> _Book:
        if version is None:
            version = _version(session, code)
        if not enabled:
            return _build_book(session, code, version)
        key = self._key(session, code)
        hit = self._hit(key, version)
        if hit is not None:
            return hit
        with self._lock:
            building = self._building.setdefault((key, version), threading.Lock())
        try:
            with building:  # one build per (corridor, version); the others wait for it
                hit = self._hit(key, version)
                if hit is not None:
                    return hit
                book = _build_book(session, code, version)
                with self._lock:
                    held = self._entries.get(key)
                    # A slower reader that read an older version never replaces a newer book.
                    if held is None or _version_order(held.version) <= _version_order(version):
                        self._entries[key] = book
                        self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
                return book
        finally:
            with self._lock:
                if self._building.get((key, version)) is building:
                    del self._building[(key, version)]


def _build_book(session: Session, code: str, version: str) -> _Book:
    corridor = session.get(Corridor, code)
    if corridor is None:
        raise NotFound("corridor", f"unknown corridor {code}: see /api/v1/corridors")
    services = _load_services(session, code)
    rates = {
        ccy: rates_for_pair(session, corridor.send_currency, ccy)
        for ccy in corridor.receive_currency_list()
    }
    src, dst = (
        session.get(Country, corridor.from_country),
        session.get(Country, corridor.to_country),
    )
    names = (
        src.name if src else corridor.from_country,
        dst.name if dst else corridor.to_country,
    )
    if corridor in session:
        session.expunge(corridor)
    return _Book(corridor, services, rates, names, version)


BOOK = CorridorBook()


def _version(session: Session, code: str) -> str:
    scopes = [code, RATES_SCOPE]
    if get_settings().data_version_watch:
        # Read from the table only when it may have changed (api/storage/versionwatch.py).
        corridor_v, rates_v = watch_for(session.get_bind().engine).versions(session, scopes)
    else:
        corridor_v, rates_v = data_versions(session, scopes)
    return f"{corridor_v}.{rates_v}"


def known_corridor_version(session: Session, from_country: str, to_country: str) -> str | None:
    """`corridor_version` when it is known without reading the database (the version watch
    is on and saw no change since it last read the table), else None. Only for a session
    of its own (bound to the engine): one joined to a caller's connection may hold writes
    of its own that others must not be given."""
    bind = session.get_bind()
    if not get_settings().data_version_watch or not isinstance(bind, Engine):
        return None
    code = f"{from_country.upper()}-{to_country.upper()}"
    known = watch_for(bind).known([code, RATES_SCOPE])
    return None if known is None else f"{known[0]}.{known[1]}"


def all_data_version(session: Session) -> str:
    """One data version for pages that show every corridor (the home page) or any of them
    (a lesson's live example): it changes whenever any quote or rate is stored."""
    if get_settings().data_version_watch:
        return str(watch_for(session.get_bind().engine).total(session))
    return str(total_data_version(session))


def corridor_version(session: Session, from_country: str, to_country: str) -> str:
    """The data version of a corridor's comparison (changes whenever a quote of the
    corridor or any reference rate is stored): for ETags and caches."""
    return _version(session, f"{from_country.upper()}-{to_country.upper()}")


def version_without_waiting(session: Session, from_country: str, to_country: str) -> str | None:
    """The corridor's data version when reading it cannot wait on the network (for an
    answer on the event loop): on SQLite (a local file; in WAL mode a read never waits for
    a writer) read as always; on PostgreSQL only when the version watch knows it; else
    None."""
    if session.get_bind().dialect.name == "sqlite":
        return corridor_version(session, from_country, to_country)
    return known_corridor_version(session, from_country, to_country)


def _passes(req: CompareRequest, service: ServiceView, provider: ProviderView) -> bool:
    if req.payout != "any" and service.payout_method != req.payout:
        return False
    if req.max_speed is not None and Speed(service.speed).order > req.max_speed.order:
        return False
    return not (req.provider_type and provider.type != req.provider_type)


def compare(
    session: Session, req: CompareRequest, now: datetime, version: str | None = None
) -> CompareResult:
    """Rank the offers for `req` at `now`. `version` is the corridor's data version when the
    caller has just read it (`corridor_version`), to save reading it again."""
    code = f"{req.from_country.upper()}-{req.to_country.upper()}"
    book = BOOK.get(session, code, get_settings().price_book, version)
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
    quantum = minor_unit(currency)

    def price(sb: _ServiceBook, points: Sequence[PricePoint]) -> tuple[Priced, _Row] | None:
        pr = price_one(points, req.amount, now, fresh, req.fees, quantum, expiry, newest_only=True)
        return None if pr is None else (pr, sb.row_of[id(pr.point)])

    live_books = book.services.get((receive, LIVE), ())
    priced_live: list[tuple[Priced, _Row]] = []
    live_services = 0
    data_as_of: datetime | None = None
    sample = False
    real_live: set[int | None] = set()
    for sb in live_books:
        if now - sb.oldest <= expiry:  # the common case: nothing of it has expired
            points: Sequence[PricePoint] = sb.points
            newest, any_sample, all_sample = sb.newest, sb.sample, sb.all_sample
        else:
            rows = [r for r in sb.rows if now - r.quote.collected_at <= expiry]
            if not rows:
                continue
            points = [r.point for r in rows]
            newest = max(r.quote.collected_at for r in rows)
            any_sample = any(r.quote.sample for r in rows)
            all_sample = all(r.quote.sample for r in rows)
        live_services += 1
        data_as_of = newest if data_as_of is None else max(data_as_of, newest)
        sample = sample or any_sample
        if not all_sample:
            real_live.add(sb.provider.id)
        found = price(sb, points)
        if found is not None:
            priced_live.append(found)
    by_key = {p.point.service_key: row for p, row in priced_live}
    ranked: list[RankedQuote] = []
    for pr in rank([p for p, _ in priced_live], req.sort, req.fees):
        row = by_key[pr.point.service_key]
        if _passes(req, row.service, row.provider):
            ranked.append(RankedQuote(row.provider, row.service, row.quote, pr))

    # Survey prices only for providers without a real live quote on this corridor.
    priced_survey: list[tuple[Priced, _Row, tuple[Priced, ...]]] = []
    survey_unpriced = 0
    for sb in book.services.get((receive, SURVEY), ()):
        if sb.provider.id in real_live:
            continue
        found = price(sb, sb.points)
        if found is None:
            survey_unpriced += 1
            continue
        priced_survey.append((found[0], found[1], sb.as_surveyed))

    # A provider's newest survey only (the UK rows of Aug 2025 over the same firms' 2025 Q1
    # percentages): an older survey of the same provider is history, shown on /trends.
    newest_survey: dict[int | None, str] = {}
    for _p, row, _b in priced_survey:
        pid, q = row.provider.id, row.survey_round
        newest_survey[pid] = max(q, newest_survey.get(pid, q))
    priced_survey = [
        entry
        for entry in priced_survey
        if entry[1].survey_round == newest_survey[entry[1].provider.id]
    ]
    survey_by_key = {p.point.service_key: (row, b) for p, row, b in priced_survey}
    survey_ranked: list[RankedQuote] = []
    for pr in rank([p for p, _, _ in priced_survey], req.sort, req.fees):
        row, baskets = survey_by_key[pr.point.service_key]
        # Survey prices are old by nature: shown as survey, never as fresh or stale live.
        pr = Priced(
            pr.point, pr.send_amount, pr.fee, pr.rate, pr.cost, pr.estimated, False, pr.basis
        )
        if _passes(req, row.service, row.provider):
            survey_ranked.append(
                RankedQuote(row.provider, row.service, row.quote, pr, SURVEY, baskets)
            )

    rates = book.rates.get(receive, [])
    payouts = {row.service.payout_method for _, row in priced_live}
    payouts |= {row.service.payout_method for _, row, _ in priced_survey}
    return CompareResult(
        corridor=corridor,
        amount=req.amount,
        currency=currency,
        receive_currency=receive,
        reference_rate=rates[0] if rates else None,
        other_rates=rates[1:],
        quotes=ranked,
        data_as_of=data_as_of,
        sample=sample,
        no_provider_reason=corridor.no_provider_reason
        if not ranked and not survey_ranked
        else None,
        excluded_out_of_range=live_services - len(priced_live) + survey_unpriced,
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
        country_names=book.names,
        payouts=tuple(sorted(payouts)),
        memo=book.memo,
    )
