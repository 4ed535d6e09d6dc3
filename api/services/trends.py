"""Corridor cost trends at the RPW basket amounts, beside the World Bank's own figures.

Three series, never mixed:

- `ours`: from the quotes we store. Per corridor and period, one observation per service =
  its newest quote in the period made at exactly the corridor's basket amount (USD 200 or
  500 equivalent in the send currency); estimated quotes are left out. The statistics are
  the domain's `aggregate()` (simple mean over transparent services, median, min, SmaRT,
  share <= 5 %, by provider type). A period that includes SAMPLE quotes says so.
- `rpw`: the same statistics over imported World Bank RPW rows (cc1 = USD 200 basket,
  cc2 = USD 500), for the quarters we have imported.
- `published`: the World Bank's published aggregates from data/reference/, as published.
- `rpw_service_means`: quarterly means of RPW service rows at the USD 200 basket, 2016-2025,
  computed from the World Bank's dataset by a third party (data/reference/README.md); total
  cost = fee % + FX margin %. Beside each, the World Bank's published figure for the quarter.

Promotions never make a corridor meet SDG 10.c: the aggregates leave them out and count them
apart (`api.domain.aggregates`); a corridor on fewer than 3 services or 2 firms is `thin`.

Plus a cross-corridor average of our corridor averages weighted by each corridor's
bilateral flow (`corridor.flow_usd`, source in `corridor.flow_source`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlmodel import Session, col, select

from api.domain.aggregates import (
    SDG_CORRIDOR_MAX_PCT,
    SDG_TARGET_AVG_PCT,
    CorridorAggregate,
    Observation,
    aggregate,
    flow_weighted_average,
)
from api.domain.periods import PeriodKind, period_sort_key
from api.domain.provider_types import rpw_firm_type
from api.services.compare import SAMPLE_NOTICE, NotFound
from api.storage.models import Corridor, Country
from api.storage.published import (
    PublishedFigure,
    load_published,
    published_for,
    series_figures,
)
from api.storage.rollups import RPW_SOURCE, RollupRow, read_rollups
from api.storage.rpw_history import HistoryFigure, history_figures

Basket = Literal[200, 500]
BASKETS: tuple[Basket, ...] = (200, 500)

OURS = "silkroutes"
RPW_IMPORT = "rpw"
PUBLISHED = "world_bank_published"
HISTORY = "rpw_service_means"

SERIES_LABELS = {
    OURS: "silkroutes-remit quotes (our own collection)",
    RPW_IMPORT: "World Bank RPW survey rows imported into this service",
    PUBLISHED: "World Bank RPW published figures",
    HISTORY: "Means of World Bank RPW service rows (USD 200 basket), computed from the World "
    "Bank's dataset by a third party",
}

# What a headline figure rests on, said beside it.
BASIS_LABELS = {
    OURS: "our collected prices",
    RPW_IMPORT: "World Bank survey rows",
    "sample": "sample prices, not real",
}


METHODOLOGY = (
    "Corridor average = simple mean of total cost % (fee / amount + FX margin against the "
    "reference rate) over transparent services at the RPW basket amount (USD 200 or 500 "
    "equivalent in the send currency), one observation per service: its newest quote in the "
    "period at exactly that amount. Median, minimum and share at or below 5 % over the same "
    "observations. SmaRT = mean of the three cheapest transparent services arriving within "
    "5 days (every service we list is open to the public, so all count as accessible). "
    "SDG 10.c.1: average cost at or below 3 % by 2030 and no corridor above 5 %."
)


@dataclass(frozen=True)
class SdgCheck:
    """The SDG 10.c comparison of one corridor's figures: the 3 % target is tested with the
    average, "no corridor above 5 %" with the corridor's SmaRT, as the World Bank tests it
    (None when there is no average, no SmaRT, or for an average over many corridors)."""

    average_at_or_below_3: bool | None
    at_or_below_5: bool | None

    @property
    def text(self) -> str:
        if self.average_at_or_below_3 is None:
            return "no average: not enough observations to compare with SDG 10.c"
        three = "meets" if self.average_at_or_below_3 else "does not meet"
        target = f"{three} the SDG 10.c target of an average at or below {SDG_TARGET_AVG_PCT} %"
        if self.at_or_below_5 is None:
            return f"{target} (the {SDG_CORRIDOR_MAX_PCT} % ceiling applies to single corridors)"
        five = "is within" if self.at_or_below_5 else "is above"
        return f"{target}; its SmaRT {five} the {SDG_CORRIDOR_MAX_PCT} % corridor ceiling"


def sdg_check(
    average: Decimal | None, smart: Decimal | None = None, *, corridor: bool = True
) -> SdgCheck:
    """Compare a corridor's average (3 % target) and SmaRT (5 % ceiling) with SDG 10.c;
    `corridor=False` for averages over many corridors (no 5 % test)."""
    if average is None:
        return SdgCheck(None, None)
    five = smart <= SDG_CORRIDOR_MAX_PCT if corridor and smart is not None else None
    return SdgCheck(average <= SDG_TARGET_AVG_PCT, five)


@dataclass(frozen=True)
class PeriodStats:
    """Aggregates of one series for one corridor, basket and period."""

    series: str  # OURS or RPW_IMPORT
    corridor: str
    basket_usd: int
    period: str
    stats: CorridorAggregate
    providers: int
    observations: int  # before excluding non-transparent services
    sample_services: int
    sources: tuple[str, ...]
    newest: datetime | None  # newest collection time (ours) / survey date (rpw)
    inputs_sha256: str  # SHA-256 over the sorted payload hashes / row keys used

    @property
    def sample(self) -> bool:
        return self.sample_services > 0

    @property
    def average_pct(self) -> Decimal | None:
        return self.stats.average_pct

    @property
    def sdg(self) -> SdgCheck:
        return sdg_check(self.stats.average_pct, self.stats.smart_pct)


@dataclass(frozen=True)
class PeriodAverage:
    """Only the average of one corridor and period (what a cross-corridor average needs)."""

    corridor: str
    period: str
    average_pct: Decimal | None
    sample: bool


@dataclass(frozen=True)
class FlowWeightedPoint:
    basket_usd: int
    period: str
    average_pct: Decimal | None
    corridors: tuple[str, ...]  # corridors whose average and flow went into it
    corridors_without_flow: tuple[str, ...]
    flow_usd: Decimal
    flow_sources: tuple[str, ...]
    sample: bool

    @property
    def sdg(self) -> SdgCheck:
        return sdg_check(self.average_pct, corridor=False)


@dataclass(frozen=True)
class HistoryPoint:
    """One quarter of the third party's means, beside the World Bank's published average for
    the same corridor and quarter when there is one (both shown, never merged)."""

    figure: HistoryFigure
    published_pct: Decimal | None

    @property
    def period(self) -> str:
        return self.figure.period

    @property
    def total_cost_pct(self) -> Decimal:
        return self.figure.total_cost_pct

    @property
    def difference_pp(self) -> Decimal | None:
        if self.published_pct is None:
            return None
        return self.figure.total_cost_pct - self.published_pct


def history_series(
    figures: Sequence[HistoryFigure], published: Sequence[PublishedFigure]
) -> list[HistoryPoint]:
    at = {
        (f.corridor, f.period, f.basket_usd): f.average_pct
        for f in published
        if f.scope == "corridor" and f.average_pct is not None
    }
    return [
        HistoryPoint(f, at.get((f.corridor, f.period, f.basket_usd)))
        for f in sorted(figures, key=lambda f: (f.corridor, period_sort_key(f.period)))
    ]


@dataclass(frozen=True)
class Reconciliation:
    """Our recomputation over imported survey rows beside the World Bank's published figure
    for the same quarter, and why they differ (the rows behind each)."""

    period: str
    ours_pct: Decimal
    published_pct: Decimal
    services: int
    firms: int
    published_services: int | None
    published_firms: int | None

    @property
    def text(self) -> str:
        ours = f"our recomputation covers {self.services} services from {self.firms} firms"
        if self.published_services is None:
            theirs = "the World Bank's published figure covers all the services it surveyed"
        else:
            theirs = (
                f"the World Bank's published figure covers {self.published_services} services"
                + (f" from {self.published_firms} firms" if self.published_firms else "")
            )
        return (
            f"{self.period}: {self.ours_pct.quantize(Decimal('0.01'))} % (ours) vs "
            f"{self.published_pct.quantize(Decimal('0.01'))} % (published): the imported rows "
            f"are not the whole survey; {ours}, {theirs}"
        )


RECONCILE_TOLERANCE_PP = Decimal("0.01")


def reconcile(
    rpw: Sequence[PeriodStats], published: Sequence[PublishedFigure]
) -> list[Reconciliation]:
    """The quarters where our recomputation of imported survey rows differs from the World
    Bank's published corridor average by more than 0.01 pp."""
    at = {
        (f.corridor, f.period, f.basket_usd): f
        for f in published
        if f.scope == "corridor" and f.average_pct is not None
    }
    out = []
    for p in rpw:
        f = at.get((p.corridor, p.period, p.basket_usd))
        ours = p.stats.average_pct
        if f is None or ours is None or f.average_pct is None:
            continue
        if abs(ours - f.average_pct) > RECONCILE_TOLERANCE_PP:
            out.append(
                Reconciliation(
                    p.period,
                    ours,
                    f.average_pct,
                    p.stats.services,
                    p.stats.firms,
                    f.services,
                    f.firms,
                )
            )
    return out


@dataclass
class CorridorTrends:
    corridor: Corridor
    from_name: str
    to_name: str
    basket_usd: int
    basket_amount: Decimal | None
    period_kind: PeriodKind
    ours: list[PeriodStats]
    rpw: list[PeriodStats]
    published: list[PublishedFigure]
    flow_weighted: list[FlowWeightedPoint]
    note: str | None = None
    quote_sources: tuple[str, ...] = field(default=())
    history: list[HistoryPoint] = field(default_factory=list)

    @property
    def sample(self) -> bool:
        return any(p.sample for p in self.ours) or any(p.sample for p in self.flow_weighted)

    @property
    def route_sample(self) -> bool:
        """This route's own figures rest on sample prices (the cross-route average says so
        on its own rows)."""
        return any(p.sample for p in self.ours)

    @property
    def headline(self) -> PeriodStats | None:
        """The newest figures with an average: ours, else the imported survey rows."""
        for series in (self.ours, self.rpw):
            latest = next((p for p in reversed(series) if p.average_pct is not None), None)
            if latest is not None:
                return latest
        return None

    @property
    def headline_basis(self) -> str | None:
        h = self.headline
        if h is None:
            return None
        return "sample" if h.sample else h.series

    @property
    def reconciliations(self) -> list[Reconciliation]:
        return reconcile(self.rpw, self.published)

    @property
    def notice(self) -> str | None:
        return SAMPLE_NOTICE if self.sample else None


def basket_amount(corridor: Corridor, basket: int) -> Decimal | None:
    return corridor.basket_200 if basket == 200 else corridor.basket_500


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


def _observation(r: RollupRow) -> Observation:
    # Provider types as RPW names them ("fintech" is ours; RPW says "Money Transfer
    # Operator"), so our breakdown lines up with the World Bank's; RPW rows pass unchanged.
    return Observation(
        r.total_cost_pct,
        r.transparent,
        r.within_5_days,
        r.accessible,
        rpw_firm_type(r.provider_type),
        promotional=r.promotional,
        firm=r.provider_key,
    )


def _stats(
    series: str,
    corridor: str,
    basket: int,
    period: str,
    obs: list[Observation],
    used: list[tuple[str, bool, str, datetime | None, str]],
) -> PeriodStats:
    """`used`: (provider, sample, source, when, provenance key) per observation, in step
    with `obs`; only transparent observations count towards providers, sample and sources."""
    kept = [u for o, u in zip(obs, used, strict=True) if o.transparent]
    return PeriodStats(
        series=series,
        corridor=corridor,
        basket_usd=basket,
        period=period,
        stats=aggregate(obs),
        providers=len({u[0] for u in kept}),
        observations=len(obs),
        sample_services=sum(1 for u in kept if u[1]),
        sources=tuple(sorted({u[2] for u in kept})),
        newest=max((u[3] for u in kept if u[3] is not None), default=None),
        inputs_sha256=_digest(u[4] for u in kept),
    )


def _rollup_stats(
    series: str, code: str, basket: int, period: str, rows: list[RollupRow]
) -> PeriodStats:
    rows = sorted(rows, key=lambda r: r.service_key)
    return _stats(
        series,
        code,
        basket,
        period,
        [_observation(r) for r in rows],
        [(r.provider_key, r.sample, r.source, r.observed_at, r.input_key) for r in rows],
    )


def _newest_per_service(rows: Iterable[RollupRow]) -> dict[tuple[str, str], list[RollupRow]]:
    """(corridor, period) -> one row per service: its newest observation over the sources
    given (a service seen by two of our sources in a period counts once)."""
    newest: dict[tuple[str, str, str], RollupRow] = {}
    for r in rows:
        key = (r.corridor_code, r.period, r.service_key)
        cur = newest.get(key)
        if cur is None or r.order > cur.order:
            newest[key] = r
    groups: dict[tuple[str, str], list[RollupRow]] = {}
    for (code, period, _), r in newest.items():
        groups.setdefault((code, period), []).append(r)
    return groups


def our_series(
    session: Session,
    corridors: list[Corridor],
    basket: int,
    kind: PeriodKind,
    *,
    last: int | None = None,
) -> dict[str, list[PeriodStats]]:
    """Our statistics per corridor code, oldest period first, read from the rollups. Quotes
    with source "rpw" (World Bank survey rows imported as quotes) are not ours: they form
    the `rpw` series."""
    codes = [c.code for c in corridors if basket_amount(c, basket) is not None]
    out: dict[str, list[PeriodStats]] = {c.code: [] for c in corridors}
    if not codes:
        return out
    # a few corridors: filter in SQL; many: read the kind and basket whole (one index range)
    rows = read_rollups(session, kind, basket, codes if len(codes) <= 8 else None)
    wanted = set(codes)
    groups = _newest_per_service(
        r for r in rows if r.source != RPW_SOURCE and r.corridor_code in wanted
    )
    if last is not None:  # only each corridor's newest `last` periods
        keep: dict[str, list[str]] = {}
        for code, period in groups:
            keep.setdefault(code, []).append(period)
        wanted_periods = {
            (code, p) for code, ps in keep.items() for p in sorted(ps, key=period_sort_key)[-last:]
        }
        groups = {k: v for k, v in groups.items() if k in wanted_periods}
    for (code, period), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], period_sort_key(kv[0][1]))
    ):
        out[code].append(_rollup_stats(OURS, code, basket, period, members))
    return out


def our_averages(
    session: Session, corridors: list[Corridor], basket: int, kind: PeriodKind
) -> dict[str, list[PeriodAverage]]:
    """Our corridor averages only (the same numbers as `our_series`' average_pct, without
    the other statistics), per corridor, oldest period first."""
    codes = [c.code for c in corridors if basket_amount(c, basket) is not None]
    out: dict[str, list[PeriodAverage]] = {c.code: [] for c in corridors}
    if not codes:
        return out
    rows = read_rollups(session, kind, basket, codes if len(codes) <= 8 else None)
    wanted = set(codes)
    groups = _newest_per_service(
        r for r in rows if r.source != RPW_SOURCE and r.corridor_code in wanted
    )
    for (code, period), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], period_sort_key(kv[0][1]))
    ):
        kept = [r for r in members if r.transparent and not _observation(r).promotion]
        costs = sorted(r.total_cost_pct for r in kept)
        average = sum(costs, Decimal(0)) / len(costs) if costs else None
        out[code].append(PeriodAverage(code, period, average, any(r.sample for r in kept)))
    return out


def rpw_series(
    session: Session, corridor_codes: list[str] | None, basket: int
) -> dict[str, list[PeriodStats]]:
    """Statistics over imported World Bank RPW observations per corridor, by quarter as
    surveyed: the imported RPW rows (`rpwobservation`, each its own observation) and, for
    quarters without those, survey rows stored as quotes (source "rpw", one per service)."""
    rows = read_rollups(session, PeriodKind.QUARTER, basket, corridor_codes, source=RPW_SOURCE)
    quotes = _newest_per_service(r for r in rows if not r.service_key.startswith("w:"))
    workbook: dict[tuple[str, str], list[RollupRow]] = {}
    for r in rows:
        if r.service_key.startswith("w:"):
            workbook.setdefault((r.corridor_code, r.period), []).append(r)
    # RPW observation rows (the workbook, and the survey file's own rows) win over survey
    # quotes of the same corridor and quarter: the same survey is never counted twice.
    groups = {**quotes, **workbook}
    out: dict[str, list[PeriodStats]] = {}
    for (code, period), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], period_sort_key(kv[0][1]))
    ):
        out.setdefault(code, []).append(_rollup_stats(RPW_IMPORT, code, basket, period, members))
    return out


def flow_weighted(
    corridors: list[Corridor],
    series: Mapping[str, Sequence[PeriodStats | PeriodAverage]],
    basket: int,
) -> list[FlowWeightedPoint]:
    """Per period: our corridor averages weighted by each corridor's bilateral flow."""
    by_code = {c.code: c for c in corridors}
    periods: dict[str, dict[str, PeriodStats | PeriodAverage]] = {}
    for code, points in series.items():
        for p in points:
            if p.average_pct is not None:
                periods.setdefault(p.period, {})[code] = p
    out: list[FlowWeightedPoint] = []
    for period in sorted(periods, key=period_sort_key):
        at = periods[period]
        averages = {c: a for c, p in at.items() if (a := p.average_pct) is not None}
        flows = {c: f for c in at if (f := by_code[c].flow_usd) is not None and f > 0}
        used = sorted(c for c in at if c in flows)
        value = flow_weighted_average(averages, flows)
        out.append(
            FlowWeightedPoint(
                basket_usd=basket,
                period=period,
                average_pct=value,
                corridors=tuple(used),
                corridors_without_flow=tuple(sorted(c for c in at if c not in flows)),
                flow_usd=sum((flows[c] for c in used), Decimal(0)),
                flow_sources=tuple(sorted({by_code[c].flow_source or "unknown" for c in used})),
                sample=any(at[c].sample for c in used),
            )
        )
    return out


def all_corridors(session: Session) -> list[Corridor]:
    return list(session.exec(select(Corridor).order_by(col(Corridor.code))))


def find_corridor(session: Session, code: str) -> Corridor:
    corridor = session.get(Corridor, code.upper())
    if corridor is None:
        raise NotFound("corridor", f"unknown corridor {code.upper()}: see /api/v1/corridors")
    return corridor


def corridor_trends(
    session: Session,
    code: str,
    basket: int = 200,
    kind: PeriodKind = PeriodKind.QUARTER,
    *,
    with_flow_weighted: bool = True,
) -> CorridorTrends:
    corridor = find_corridor(session, code)
    names = {c.code: c.name for c in session.exec(select(Country))}
    ours = our_series(session, [corridor], basket, kind).get(corridor.code, [])
    corridors = all_corridors(session) if with_flow_weighted else [corridor]
    amount = basket_amount(corridor, basket)
    published = series_figures(session, [corridor.code], basket) + published_for(
        corridor.code, basket
    )
    note = None
    if amount is None:
        note = (
            f"{corridor.code} has no USD {basket} basket amount in {corridor.send_currency} "
            "(no published reference rate), so no RPW-comparable average can be computed"
        )
    return CorridorTrends(
        corridor=corridor,
        from_name=names.get(corridor.from_country, corridor.from_country),
        to_name=names.get(corridor.to_country, corridor.to_country),
        basket_usd=basket,
        basket_amount=amount,
        period_kind=kind,
        ours=ours,
        rpw=rpw_series(session, [corridor.code], basket).get(corridor.code, []),
        published=published,
        flow_weighted=flow_weighted(
            corridors, our_averages(session, corridors, basket, kind), basket
        )
        if with_flow_weighted
        else [],
        note=note,
        quote_sources=tuple(sorted({s for p in ours for s in p.sources})),
        history=history_series(history_figures(session, [corridor.code], basket), published),
    )


@dataclass(frozen=True)
class TrendsTable:
    """Everything the trends export holds, for one corridor or all of them."""

    corridors: list[Corridor]
    period_kind: PeriodKind
    ours: list[PeriodStats]
    rpw: list[PeriodStats]
    published: list[PublishedFigure]
    flow_weighted: list[FlowWeightedPoint]
    history: list[HistoryPoint] = field(default_factory=list)

    @property
    def sample(self) -> bool:
        return any(p.sample for p in self.ours) or any(p.sample for p in self.flow_weighted)


def trends_table(
    session: Session, corridor: str | None, kind: PeriodKind = PeriodKind.QUARTER
) -> TrendsTable:
    """Both baskets; with `corridor`, that corridor only (and no cross-corridor average)."""
    if corridor is not None:
        chosen = [find_corridor(session, corridor)]
        codes: list[str] | None = [chosen[0].code]
    else:
        chosen, codes = all_corridors(session), None
    ours: list[PeriodStats] = []
    rpw: list[PeriodStats] = []
    flows: list[FlowWeightedPoint] = []
    for basket in BASKETS:
        series = our_series(session, chosen, basket, kind)
        ours += [p for code in sorted(series) for p in series[code]]
        imported = rpw_series(session, codes, basket)
        rpw += [p for code in sorted(imported) for p in imported[code]]
        if corridor is None:
            flows += flow_weighted(chosen, series, basket)
    if corridor is None:
        published = [f for b in BASKETS for f in series_figures(session, None, b)]
        published += list(load_published())
    else:
        published = [
            f
            for b in BASKETS
            for f in series_figures(session, [chosen[0].code], b) + published_for(chosen[0].code, b)
        ]
    history = [
        p for b in BASKETS for p in history_series(history_figures(session, codes, b), published)
    ]
    return TrendsTable(chosen, kind, ours, rpw, published, flows, history)
