"""Reference rates: the latest rate of a pair from every source, cross rates derived
through USD or EUR (marked derived), and the one rate margins are measured against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.domain.validation import check_reference_rate
from api.storage.models import ReferenceRate
from api.storage.outcome import Outcome
from api.storage.pricebook import RATES_SCOPE, bump_versions

# Which rate a margin is measured against, best first.
RATE_TYPE_PREFERENCE = {"interbank": 0, "official": 1, "market": 2}
VARIANT_PREFERENCE = {"": 0, "transfer": 0, "cash": 1}
PIVOTS = ("USD", "EUR")
# Crossed only when no real rate exists through the pivots above: the Bank of Russia
# publishes official rates for currencies no other recorded source has (BDT, IRR).
FALLBACK_PIVOTS = ("RUB",)
# Not for IRR: Iran's official and market rates differ several-fold, and a third country's
# cross is neither (Iran's pages show its own official and market rates).
NO_FALLBACK = frozenset({"IRR"})


@dataclass(frozen=True, slots=True)
class RateView:
    base: str
    quote: str
    rate: Decimal
    rate_type: str
    source: str
    as_of: date
    derived: bool
    sample: bool
    variant: str = ""
    buy: Decimal | None = None
    sell: Decimal | None = None
    via: str | None = None


def _latest_rows(session: Session, currencies: set[str], on: date | None) -> list[ReferenceRate]:
    """Latest row per (base, quote, source, rate_type, variant) among the given currencies."""
    conds: list[ColumnElement[bool]] = [
        col(ReferenceRate.base).in_(currencies),
        col(ReferenceRate.quote).in_(currencies),
    ]
    if on is not None:
        conds.append(col(ReferenceRate.as_of) <= on)
    key = (
        col(ReferenceRate.base),
        col(ReferenceRate.quote),
        col(ReferenceRate.source),
        col(ReferenceRate.rate_type),
        col(ReferenceRate.variant),
    )
    latest = (
        sa_select(*key, func.max(ReferenceRate.as_of).label("as_of"))
        .where(*conds)
        .group_by(*key)
        .subquery()
    )
    stmt = select(ReferenceRate).join(
        latest,
        and_(
            col(ReferenceRate.base) == latest.c.base,
            col(ReferenceRate.quote) == latest.c.quote,
            col(ReferenceRate.source) == latest.c.source,
            col(ReferenceRate.rate_type) == latest.c.rate_type,
            col(ReferenceRate.variant) == latest.c.variant,
            col(ReferenceRate.as_of) == latest.c.as_of,
        ),
    )
    return list(session.exec(stmt).all())


def _view(r: ReferenceRate, *, invert: bool = False) -> RateView:
    if invert:
        return RateView(
            r.quote,
            r.base,
            Decimal(1) / r.rate,
            r.rate_type,
            r.source,
            r.as_of,
            True,
            r.sample,
            r.variant,
            via="inverse",
        )
    return RateView(
        r.base,
        r.quote,
        r.rate,
        r.rate_type,
        r.source,
        r.as_of,
        r.derived,
        r.sample,
        r.variant,
        r.buy,
        r.sell,
    )


def rates_for_pair(
    session: Session, base: str, quote: str, on: date | None = None, *, _chain: bool = True
) -> list[RateView]:
    """Every source's latest rate for base->quote: direct, inverted, or crossed through a pivot."""
    if base == quote:
        return []
    rows = _latest_rows(session, {base, quote, *PIVOTS}, on)
    out: list[RateView] = []
    seen: set[tuple[str, str, str]] = set()
    for r in rows:
        if r.base == base and r.quote == quote:
            out.append(_view(r))
            seen.add((r.source, r.rate_type, r.variant))
    for r in rows:
        if r.base == quote and r.quote == base and (r.source, r.rate_type, r.variant) not in seen:
            out.append(_view(r, invert=True))
            seen.add((r.source, r.rate_type, r.variant))
    _crossed(out, seen, rows, base, quote, PIVOTS)
    if all(v.sample for v in out) and not NO_FALLBACK & {base, quote}:
        fallback = _latest_rows(session, {base, quote, *FALLBACK_PIVOTS}, on)
        _crossed(out, seen, fallback, base, quote, FALLBACK_PIVOTS)
    if _chain and all(v.sample for v in out) and not NO_FALLBACK & {base, quote}:
        _chained(session, out, rows, base, quote, on)
    # A sample rate is shown only where no real rate of its type exists.
    real_types = {v.rate_type for v in out if not v.sample}
    return sorted((v for v in out if not v.sample or v.rate_type not in real_types), key=preference)


def _chained(
    session: Session,
    out: list[RateView],
    rows: list[ReferenceRate],
    base: str,
    quote: str,
    on: date | None,
) -> None:
    """base->pivot from a source that has base, pivot->quote crossed itself (KWD->USD from
    the IMF, USD->BDT through the Bank of Russia): the first real pair found."""
    for pivot in PIVOTS:
        if pivot in (base, quote):
            continue
        legs_b = [v for r in rows if (v := _as_from(r, pivot, base)) is not None and not v.sample]
        if not legs_b:
            continue
        legs_q = [
            v for v in rates_for_pair(session, pivot, quote, on, _chain=False) if not v.sample
        ]
        if not legs_q:
            continue
        b, q = min(legs_b, key=preference), legs_q[0]
        out.append(
            RateView(
                base,
                quote,
                q.rate / b.rate,
                q.rate_type,
                q.source if b.source == q.source else f"{q.source}+{b.source}",
                min(q.as_of, b.as_of),
                True,
                False,
                q.variant,
                via=pivot,
            )
        )
        return


def _crossed(
    out: list[RateView],
    seen: set[tuple[str, str, str]],
    rows: list[ReferenceRate],
    base: str,
    quote: str,
    pivots: tuple[str, ...],
) -> None:
    """Append base->quote rates crossed through each pivot (one per source and type)."""
    for pivot in pivots:
        if pivot in (base, quote):
            continue
        to_base = [_as_from(r, pivot, base) for r in rows]
        to_quote = [_as_from(r, pivot, quote) for r in rows]
        legs_b = [v for v in to_base if v is not None]
        legs_q = [v for v in to_quote if v is not None]
        for q in legs_q:
            if (q.source, q.rate_type, q.variant) in seen:
                continue
            b = _best_leg(legs_b, q.source)
            if b is None:
                continue
            source = q.source if b.source == q.source else f"{q.source}+{b.source}"
            out.append(
                RateView(
                    base,
                    quote,
                    q.rate / b.rate,
                    q.rate_type,
                    source,
                    min(q.as_of, b.as_of),
                    True,
                    q.sample or b.sample,
                    q.variant,
                    via=pivot,
                )
            )
            seen.add((q.source, q.rate_type, q.variant))


def _as_from(r: ReferenceRate, pivot: str, target: str) -> RateView | None:
    if r.base == pivot and r.quote == target:
        return _view(r)
    if r.base == target and r.quote == pivot:
        return _view(r, invert=True)
    return None


def _best_leg(legs: list[RateView], source: str) -> RateView | None:
    same = [v for v in legs if v.source == source]
    pool = same or legs
    return min(pool, key=preference) if pool else None


def preference(v: RateView) -> tuple[bool, bool, int, int, int]:
    return (
        v.sample,
        v.derived,
        RATE_TYPE_PREFERENCE.get(v.rate_type, 9),
        VARIANT_PREFERENCE.get(v.variant, 2),
        -v.as_of.toordinal(),
    )


def reference_rate(
    session: Session, base: str, quote: str, on: date | None = None
) -> RateView | None:
    """The rate margins are measured against: real before sample, direct before derived,
    interbank before official before market, newest first."""
    found = rates_for_pair(session, base, quote, on)
    return found[0] if found else None


def nearest_reference_rate(session: Session, base: str, quote: str, day: date) -> RateView | None:
    """The reference rate for a moment on `day`: the preferred rate among those on or before
    that day, else (every rate is newer) the preferred rate of the earliest later day."""
    found = reference_rate(session, base, quote, on=day)
    if found is not None:
        return found
    later = rates_for_pair(session, base, quote)
    if not later:
        return None
    best = later[0]  # real before sample
    first = min(v.as_of for v in later if v.sample == best.sample)
    found = reference_rate(session, base, quote, on=first)
    # A crossed rate is as old as its older leg: on that day the newer leg may not exist yet.
    return best if found is None or found.sample > best.sample else found


class NearestRates:
    """`nearest_reference_rate` read once per pair and day, for one batch of writes that
    stores no rate meanwhile (a demo load, a feed or survey import)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._found: dict[tuple[str, str, date], RateView | None] = {}

    def get(self, base: str, quote: str, day: date) -> RateView | None:
        key = (base, quote, day)
        if key not in self._found:
            self._found[key] = nearest_reference_rate(self.session, base, quote, day)
        return self._found[key]


def latest_stored(
    session: Session, base: str, quote: str, source: str, rate_type: str, variant: str = ""
) -> ReferenceRate | None:
    stmt = (
        select(ReferenceRate)
        .where(
            ReferenceRate.base == base,
            ReferenceRate.quote == quote,
            ReferenceRate.source == source,
            ReferenceRate.rate_type == rate_type,
            ReferenceRate.variant == variant,
        )
        .order_by(col(ReferenceRate.as_of).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


__all__ = [
    "NearestRates",
    "RateView",
    "latest_stored",
    "nearest_reference_rate",
    "rates_for_pair",
    "reference_rate",
]


@dataclass(frozen=True, slots=True)
class RateIn:
    base: str
    quote: str
    rate: Decimal
    rate_type: str
    source: str
    as_of: date
    buy: Decimal | None = None
    sell: Decimal | None = None
    variant: str = ""
    derived: bool = False
    sample: bool = False
    payload_hash: str | None = None


def store_rate(session: Session, r: RateIn, collected_at: datetime) -> Outcome:
    """Insert one reference rate (see `store_rates`)."""
    return store_rates(session, [r], collected_at)[0]


Series = tuple[str, str, str, str, str]  # base, quote, source, rate_type, variant


def _series(r: RateIn | ReferenceRate) -> Series:
    return (r.base, r.quote, r.source, r.rate_type, r.variant)


def store_rates(session: Session, rates: Sequence[RateIn], collected_at: datetime) -> list[Outcome]:
    """Insert reference rates unless the same (pair, source, type, variant, day) exists.

    A rate more than 3x away from the series' previous rate is rejected as a parsing slip
    (an inverted quote, a 10x typo). One query loads what is stored for the sources
    involved, so a whole file is checked without a query per row.
    """
    sources = {r.source for r in rates}
    known: dict[Series, dict[date, Decimal]] = {}
    if sources:
        stmt = select(ReferenceRate).where(col(ReferenceRate.source).in_(sources))
        for row in session.exec(stmt):
            known.setdefault(_series(row), {})[row.as_of] = row.rate
    outcomes: list[Outcome] = [Outcome.REJECTED] * len(rates)
    for i in sorted(range(len(rates)), key=lambda k: rates[k].as_of):
        r = rates[i]
        series = known.setdefault(_series(r), {})
        if r.as_of in series:
            outcomes[i] = Outcome.DUPLICATE
            continue
        earlier = [d for d in series if d < r.as_of]
        previous = series[max(earlier)] if earlier else None
        if check_reference_rate(r.rate, previous):
            continue
        series[r.as_of] = r.rate
        session.add(
            ReferenceRate(
                base=r.base,
                quote=r.quote,
                rate=r.rate,
                buy=r.buy,
                sell=r.sell,
                rate_type=r.rate_type,
                source=r.source,
                variant=r.variant,
                as_of=r.as_of,
                derived=r.derived,
                sample=r.sample,
                collected_at=collected_at,
                payload_hash=r.payload_hash,
            )
        )
        outcomes[i] = Outcome.STORED
    if Outcome.STORED in outcomes:
        bump_versions(session, [RATES_SCOPE])
    return outcomes
