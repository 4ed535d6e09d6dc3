"""Every corridor against SDG 10.c at a glance: the latest figures of each corridor by
source, read from the rollups (never from the quote history), with the cross-corridor
averages a regulator asks for.

Per corridor, three series, never mixed:
- `ours` (series "silkroutes"): the latest period with an average, from our own quotes
  (source "rpw" excluded: those are World Bank survey rows).
- `rpw`: the latest quarter of World Bank RPW survey rows imported into this service.
- `published`: the World Bank's latest published corridor average (DataBank history
  2011-2020 and the 2025 figures in data/reference/), as published.

SDG 10.c.1, as the World Bank tests it: the average total cost at or below 3 % (the 2030
target) and no corridor above 5 %, tested with the corridor's SmaRT (mean of the three
cheapest transparent, accessible services arriving within 5 days) at or below 5 %.

Across corridors, for the latest period any corridor has: the simple mean of our corridor
averages, and the flow-weighted ("RPW-style") mean, each corridor's average weighted by its
bilateral remittance flow (`corridor.flow_usd`: CGD's 2024 update of the World Bank bilateral
matrix in data/reference/, the older World Bank/KNOMAD matrix where CGD has no figure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from api.domain.aggregates import SDG_CORRIDOR_MAX_PCT, SDG_TARGET_AVG_PCT, is_thin
from api.domain.periods import PeriodKind, period_sort_key
from api.services.compare import SAMPLE_NOTICE
from api.services.trends import (
    FlowWeightedPoint,
    PeriodStats,
    all_corridors,
    basket_amount,
    flow_weighted,
    our_series,
    rpw_series,
)
from api.storage.models import Corridor, Country
from api.storage.published import PublishedFigure, load_published, series_figures

MIN_SERVICES = 3  # fewer services than this: flagged as too few for a meaningful figure
SPARK_POINTS = 8


@dataclass(frozen=True)
class Sdg10c:
    """SDG 10.c.1 for one corridor: average <= 3 % and SmaRT <= 5 % (None: not known)."""

    average_at_or_below_3: bool | None
    smart_at_or_below_5: bool | None

    @property
    def meets(self) -> bool | None:
        if self.average_at_or_below_3 is False or self.smart_at_or_below_5 is False:
            return False
        if self.average_at_or_below_3 is None or self.smart_at_or_below_5 is None:
            return None
        return True

    @property
    def status(self) -> str:
        """meets | misses_3 | misses_5 | misses_both | no_smart | no_data"""
        a, s = self.average_at_or_below_3, self.smart_at_or_below_5
        if a is None:
            return "no_data"
        if a and s:
            return "meets"
        if s is None:
            return "no_smart" if a else "misses_3"
        if not a and not s:
            return "misses_both"
        return "misses_3" if not a else "misses_5"

    @property
    def text(self) -> str:
        return {
            "meets": f"meets SDG 10.c: average at or below {SDG_TARGET_AVG_PCT} % and SmaRT at "
            f"or below {SDG_CORRIDOR_MAX_PCT} %",
            "misses_3": f"average above the {SDG_TARGET_AVG_PCT} % target",
            "misses_5": f"SmaRT above the {SDG_CORRIDOR_MAX_PCT} % corridor ceiling",
            "misses_both": f"average above {SDG_TARGET_AVG_PCT} % and SmaRT above "
            f"{SDG_CORRIDOR_MAX_PCT} %",
            "no_smart": f"average at or below {SDG_TARGET_AVG_PCT} %; no SmaRT (fewer than "
            "three eligible services)",
            "no_data": "no average: not enough observations to compare with SDG 10.c",
        }[self.status]


def sdg10c(average: Decimal | None, smart: Decimal | None) -> Sdg10c:
    return Sdg10c(
        None if average is None else average <= SDG_TARGET_AVG_PCT,
        None if smart is None else smart <= SDG_CORRIDOR_MAX_PCT,
    )


@dataclass(frozen=True)
class SparkPoint:
    period: str
    average_pct: Decimal
    smart_pct: Decimal | None


@dataclass(frozen=True)
class CorridorSummary:
    corridor: Corridor
    from_name: str
    to_name: str
    basket_amount: Decimal | None
    ours: PeriodStats | None
    rpw: PeriodStats | None
    published: PublishedFigure | None
    history: tuple[SparkPoint, ...]  # our averages, oldest first (the sparkline)

    @property
    def code(self) -> str:
        return self.corridor.code

    @property
    def basis(self) -> PeriodStats | None:
        """The figures the corridor's SDG 10.c status rests on: ours, or where we have no
        average of our own the World Bank survey rows we imported (real, older; their
        period says how old)."""
        for series in (self.ours, self.rpw):
            if series is not None and series.stats.average_pct is not None:
                return series
        return None

    @property
    def sdg(self) -> Sdg10c:
        b = self.basis
        if b is None:
            return sdg10c(None, None)
        return sdg10c(b.stats.average_pct, b.stats.smart_pct)

    @property
    def thin(self) -> bool:
        """The figures shown rest on 3 services or fewer, or 2 firms or fewer (ours or the
        survey's; the published figure when it says how many)."""
        b, f = self.basis, self.published
        return (b is not None and b.stats.thin) or (f is not None and is_thin(f.services, f.firms))

    @property
    def few_services(self) -> bool:
        return self.ours is not None and self.ours.stats.services < MIN_SERVICES


@dataclass(frozen=True)
class TrendsSummary:
    basket_usd: int
    period_kind: PeriodKind
    period: str | None  # the latest period any corridor has our average for
    corridors: list[CorridorSummary]
    simple_average_pct: Decimal | None
    simple_average_corridors: tuple[str, ...]
    flow_weighted: FlowWeightedPoint | None
    newest: datetime | None  # newest observation behind our latest figures
    oldest: datetime | None  # oldest "newest observation" among the corridors' latest
    generated_at: datetime

    @property
    def sample(self) -> bool:
        return any(c.ours is not None and c.ours.sample for c in self.corridors)

    @property
    def notice(self) -> str | None:
        return SAMPLE_NOTICE if self.sample else None

    def _count(self, attr: str) -> tuple[int, int]:
        known = [getattr(c.sdg, attr) for c in self.corridors if getattr(c.sdg, attr) is not None]
        return sum(1 for k in known if k), len(known)

    @property
    def meeting_3(self) -> tuple[int, int]:
        """(corridors with average <= 3 %, corridors with an average)"""
        return self._count("average_at_or_below_3")

    @property
    def meeting_5(self) -> tuple[int, int]:
        """(corridors with SmaRT <= 5 %, corridors with a SmaRT)"""
        return self._count("smart_at_or_below_5")

    @property
    def meeting_both(self) -> tuple[int, int]:
        return self._count("meets")


def _latest(points: list[PeriodStats]) -> PeriodStats | None:
    return next((p for p in reversed(points) if p.stats.average_pct is not None), None)


def _latest_published(figures: list[PublishedFigure]) -> dict[str, PublishedFigure]:
    out: dict[str, PublishedFigure] = {}
    for f in figures:
        if f.scope != "corridor" or f.average_pct is None:
            continue
        cur = out.get(f.corridor)
        if cur is None or period_sort_key(f.period) > period_sort_key(cur.period):
            out[f.corridor] = f
    return out


def trends_summary(
    session: Session,
    basket: int = 200,
    kind: PeriodKind = PeriodKind.QUARTER,
    *,
    now: datetime,
) -> TrendsSummary:
    corridors = all_corridors(session)
    names = {c.code: c.name for c in session.exec(select(Country))}
    ours = our_series(session, corridors, basket, kind, last=SPARK_POINTS)
    rpw = rpw_series(session, None, basket)
    published = _latest_published(
        series_figures(session, None, basket)
        + [f for f in load_published() if f.basket_usd == basket]
    )
    rows = []
    for c in corridors:
        series = ours.get(c.code, [])
        with_avg = [p for p in series if p.stats.average_pct is not None]
        history = tuple(
            SparkPoint(p.period, p.stats.average_pct, p.stats.smart_pct)
            for p in with_avg[-SPARK_POINTS:]
            if p.stats.average_pct is not None
        )
        rows.append(
            CorridorSummary(
                corridor=c,
                from_name=names.get(c.from_country, c.from_country),
                to_name=names.get(c.to_country, c.to_country),
                basket_amount=basket_amount(c, basket),
                ours=_latest(series),
                rpw=_latest(rpw.get(c.code, [])),
                published=published.get(c.code),
                history=history,
            )
        )
    latest = [r.ours for r in rows if r.ours is not None]
    period = max((p.period for p in latest), key=period_sort_key, default=None)
    at_period = {p.corridor: p for p in latest if p.period == period}
    averages = {code: p.stats.average_pct for code, p in at_period.items()}
    values = [a for a in averages.values() if a is not None]
    simple = sum(sorted(values), Decimal(0)) / len(values) if values else None
    flow = None
    if period is not None:
        points = flow_weighted(corridors, {code: [p] for code, p in at_period.items()}, basket)
        flow = points[0] if points else None
    newest_each = [p.newest for p in latest if p.newest is not None]
    return TrendsSummary(
        basket_usd=basket,
        period_kind=kind,
        period=period,
        corridors=rows,
        simple_average_pct=simple,
        simple_average_corridors=tuple(sorted(averages)),
        flow_weighted=flow,
        newest=max(newest_each, default=None),
        oldest=min(newest_each, default=None),
        generated_at=now,
    )
