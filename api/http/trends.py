"""Corridor cost trends under /api/v1/trends, beside the World Bank RPW and SDG 10.c, and
the query parameters the trends, summary and export routes share. Thin: parse, call the
trends service, present."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.domain.aggregates import SDG_CORRIDOR_MAX_PCT, SDG_TARGET_AVG_PCT
from api.domain.periods import PeriodKind
from api.http.deps import SessionDep
from api.http.schemas import DecimalStr, pct
from api.services.export_table import ExportFormat
from api.services.trends import (
    BASIS_LABELS,
    HISTORY,
    METHODOLOGY,
    OURS,
    PUBLISHED,
    RPW_IMPORT,
    SERIES_LABELS,
    CorridorTrends,
    FlowWeightedPoint,
    HistoryPoint,
    PeriodStats,
    SdgCheck,
    corridor_trends,
    sdg_check,
)
from api.storage.published import RPW_URL, PublishedFigure
from api.storage.rpw_history import HISTORY_SOURCE, HISTORY_URL

router = APIRouter(prefix="/api/v1", tags=["trends and exports"])

CORRIDOR_PATTERN = r"^[A-Za-z]{2}-[A-Za-z]{2}$"
CorridorQ = Annotated[str, Query(pattern=CORRIDOR_PATTERN, description="Corridor code, e.g. GB-PK")]
OptCorridorQ = Annotated[
    str | None, Query(pattern=CORRIDOR_PATTERN, description="Corridor code, e.g. GB-PK")
]
BasketQ = Annotated[
    Literal["200", "500"], Query(description="RPW basket: USD 200 or USD 500 equivalent")
]
PeriodQ = Annotated[PeriodKind, Query(description="Group by calendar quarter or month (UTC)")]
FormatP = Annotated[ExportFormat, Path(alias="format", description="csv, xlsx, parquet or json")]
DateQ = Annotated[date | None, Query(description="UTC calendar day, YYYY-MM-DD (inclusive)")]


def pct_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else pct(value)


class SdgOut(BaseModel):
    average_at_or_below_3: bool | None = Field(
        description="SDG 10.c.1: average total cost at or below 3 %"
    )
    at_or_below_5: bool | None = Field(
        description="SDG 10.c.1: no corridor above 5 % (null for averages over many corridors)"
    )
    text: str


def sdg_out(check: SdgCheck) -> SdgOut:
    return SdgOut(
        average_at_or_below_3=check.average_at_or_below_3,
        at_or_below_5=check.at_or_below_5,
        text=check.text,
    )


class TrendPoint(BaseModel):
    period: str
    average_pct: DecimalStr | None
    median_pct: DecimalStr | None
    min_pct: DecimalStr | None
    smart_pct: DecimalStr | None
    share_at_or_below_5_pct: DecimalStr | None
    by_provider_type: dict[str, DecimalStr]
    services: int = Field(description="Transparent services averaged (promotions left out)")
    providers: int
    firms: int = Field(description="Firms behind the services averaged")
    thin: bool = Field(
        description="Fewer than 3 services or 2 firms: too few to stand for the route"
    )
    promotions_excluded: int = Field(
        description="Promotional services (flagged, or a negative total cost) left out of every "
        "figure, so a promotion never makes a route meet SDG 10.c"
    )
    promotion_min_pct: DecimalStr | None = Field(description="The lowest promotional cost, apart")
    observations: int = Field(description="Services observed, transparent or not")
    sample: bool
    sample_services: int
    sources: list[str]
    newest: datetime | None
    sdg: SdgOut
    inputs_sha256: str


class PublishedOut(BaseModel):
    scope: str
    corridor: str
    label: str
    period: str
    basket_usd: int
    basket_amount: DecimalStr | None
    basket_currency: str | None
    average_pct: DecimalStr | None
    median_pct: DecimalStr | None
    smart_pct: DecimalStr | None
    share_at_or_below_5_pct: DecimalStr | None
    services: int | None
    firms: int | None
    source: str
    source_url: str | None
    files: list[str]
    sdg: SdgOut


class FlowWeightedOut(BaseModel):
    period: str
    average_pct: DecimalStr | None
    corridors: list[str]
    corridors_without_flow: list[str]
    flow_usd: DecimalStr
    flow_sources: list[str]
    sample: bool
    sdg: SdgOut


class HistoryOut(BaseModel):
    period: str
    total_cost_pct: DecimalStr = Field(description="fee_pct + fx_margin_pct (RPW's definition)")
    fee_pct: DecimalStr
    fx_margin_pct: DecimalStr
    providers: int
    published_pct: DecimalStr | None = Field(
        description="The World Bank's published average for the same quarter, when there is one"
    )
    difference_pp: DecimalStr | None


class ReconciliationOut(BaseModel):
    period: str
    ours_pct: DecimalStr
    published_pct: DecimalStr
    services: int
    firms: int
    published_services: int | None
    published_firms: int | None
    text: str


class HeadlineOut(BaseModel):
    series: str
    basis: str = Field(
        description="What the figure rests on: silkroutes (ours), rpw (survey), sample"
    )
    basis_label: str
    period: str
    average_pct: DecimalStr | None
    smart_pct: DecimalStr | None
    thin: bool
    promotions_excluded: int


class SourceRef(BaseModel):
    series: str
    name: str
    detail: str | None = None
    url: str | None = None


class TrendsResponse(BaseModel):
    corridor: str
    from_name: str
    to_name: str
    basket_usd: int
    basket_amount: DecimalStr | None
    basket_currency: str
    period: str
    series: list[TrendPoint] = Field(description="Our own quotes (label: silkroutes)")
    rpw: list[TrendPoint] = Field(description="Imported World Bank RPW survey rows")
    published: list[PublishedOut] = Field(description="Published World Bank RPW figures")
    history: list[HistoryOut] = Field(
        description="Quarterly means of World Bank RPW service rows (USD 200 basket), computed "
        "from the World Bank's dataset by a third party; not published World Bank figures"
    )
    reconciliations: list[ReconciliationOut] = Field(
        description="Quarters where our recomputation of imported survey rows differs from the "
        "published figure, and why"
    )
    headline: HeadlineOut | None
    flow_weighted: list[FlowWeightedOut]
    sdg_target_average_pct: DecimalStr
    sdg_corridor_max_pct: DecimalStr
    sample: bool
    notice: str | None
    note: str | None
    methodology: str
    sources: list[SourceRef]
    downloads: dict[str, str]


def period_figures(p: PeriodStats) -> dict[str, Any]:
    """The figures of one corridor and period that the trends page and the summary share."""
    s = p.stats
    return {
        "period": p.period,
        "average_pct": pct_or_none(s.average_pct),
        "median_pct": pct_or_none(s.median_pct),
        "min_pct": pct_or_none(s.min_pct),
        "smart_pct": pct_or_none(s.smart_pct),
        "share_at_or_below_5_pct": pct_or_none(s.share_at_or_below_5_pct),
        "services": s.services,
        "providers": p.providers,
        "thin": s.thin,
        "promotions_excluded": s.promotions,
        "sample": p.sample,
        "newest": p.newest,
        "sources": list(p.sources),
    }


def point_out(p: PeriodStats) -> TrendPoint:
    s = p.stats
    return TrendPoint(
        **period_figures(p),
        by_provider_type={k or "unknown": pct(v) for k, v in sorted(s.by_provider_type.items())},
        firms=s.firms,
        promotion_min_pct=pct_or_none(s.promotion_min_pct),
        observations=p.observations,
        sample_services=p.sample_services,
        sdg=sdg_out(p.sdg),
        inputs_sha256=p.inputs_sha256,
    )


def published_out(f: PublishedFigure) -> PublishedOut:
    return PublishedOut(
        scope=f.scope,
        corridor=f.corridor,
        label=f.label,
        period=f.period,
        basket_usd=f.basket_usd,
        basket_amount=f.basket_amount,
        basket_currency=f.basket_currency,
        average_pct=f.average_pct,
        median_pct=f.median_pct,
        smart_pct=f.smart_pct,
        share_at_or_below_5_pct=f.share_at_or_below_5_pct,
        services=f.services,
        firms=f.firms,
        source=f.source,
        source_url=f.source_url,
        files=list(f.files),
        sdg=sdg_out(sdg_check(f.average_pct, f.smart_pct, corridor=f.scope == "corridor")),
    )


def history_out(h: HistoryPoint) -> HistoryOut:
    f = h.figure
    return HistoryOut(
        period=f.period,
        total_cost_pct=pct(f.total_cost_pct),
        fee_pct=pct(f.fee_pct),
        fx_margin_pct=pct(f.fx_margin_pct),
        providers=f.providers,
        published_pct=pct_or_none(h.published_pct),
        difference_pp=pct_or_none(h.difference_pp),
    )


def headline_out(t: CorridorTrends) -> HeadlineOut | None:
    h, basis = t.headline, t.headline_basis
    if h is None or basis is None:
        return None
    return HeadlineOut(
        series=h.series,
        basis=basis,
        basis_label=BASIS_LABELS[basis],
        period=h.period,
        average_pct=pct_or_none(h.stats.average_pct),
        smart_pct=pct_or_none(h.stats.smart_pct),
        thin=h.stats.thin,
        promotions_excluded=h.stats.promotions,
    )


def flow_out(p: FlowWeightedPoint) -> FlowWeightedOut:
    return FlowWeightedOut(
        period=p.period,
        average_pct=pct_or_none(p.average_pct),
        corridors=list(p.corridors),
        corridors_without_flow=list(p.corridors_without_flow),
        flow_usd=p.flow_usd,
        flow_sources=list(p.flow_sources),
        sample=p.sample,
        sdg=sdg_out(p.sdg),
    )


def download_links(corridor: str, period: PeriodKind) -> dict[str, str]:
    """Every export format for the trends of one corridor and for its quotes."""
    trends_q = urlencode({"corridor": corridor, "period": period.value})
    quotes_q = urlencode({"corridor": corridor})
    links = {}
    for f in ExportFormat:
        links[f"trends.{f.value}"] = f"/api/v1/exports/trends.{f.value}?{trends_q}"
        links[f"quotes.{f.value}"] = f"/api/v1/exports/quotes.{f.value}?{quotes_q}"
    return links


def sources_of(t: CorridorTrends) -> list[SourceRef]:
    out = [
        SourceRef(
            series=OURS,
            name=SERIES_LABELS[OURS],
            detail="quote sources: " + (", ".join(t.quote_sources) or "none in these periods"),
        )
    ]
    if t.rpw:
        out.append(SourceRef(series=RPW_IMPORT, name=SERIES_LABELS[RPW_IMPORT], url=RPW_URL))
    files = sorted({name for f in t.published for name in f.files})
    if t.published:
        out.append(
            SourceRef(
                series=PUBLISHED,
                name=SERIES_LABELS[PUBLISHED],
                detail="The World Bank: Remittance Prices Worldwide (CC BY 4.0)"
                + (f"; files: {', '.join(files)}" if files else ""),
                url=RPW_URL,
            )
        )
    if t.history:
        files = sorted({h.figure.source_file for h in t.history})
        out.append(
            SourceRef(
                series=HISTORY,
                name=SERIES_LABELS[HISTORY],
                detail=f"{HISTORY_SOURCE}; files: {', '.join(files)}",
                url=HISTORY_URL,
            )
        )
    flow_sources = sorted({s for p in t.flow_weighted for s in p.flow_sources})
    if flow_sources:
        out.append(
            SourceRef(
                series="flows",
                name="bilateral remittance flows (weights)",
                detail="; ".join(flow_sources),
            )
        )
    return out


def trends_public(t: CorridorTrends) -> TrendsResponse:
    return TrendsResponse(
        corridor=t.corridor.code,
        from_name=t.from_name,
        to_name=t.to_name,
        basket_usd=t.basket_usd,
        basket_amount=t.basket_amount,
        basket_currency=t.corridor.send_currency,
        period=t.period_kind.value,
        series=[point_out(p) for p in t.ours],
        rpw=[point_out(p) for p in t.rpw],
        published=[published_out(f) for f in t.published],
        history=[history_out(h) for h in t.history],
        reconciliations=[
            ReconciliationOut(
                period=r.period,
                ours_pct=pct(r.ours_pct),
                published_pct=pct(r.published_pct),
                services=r.services,
                firms=r.firms,
                published_services=r.published_services,
                published_firms=r.published_firms,
                text=r.text,
            )
            for r in t.reconciliations
        ],
        headline=headline_out(t),
        flow_weighted=[flow_out(p) for p in t.flow_weighted],
        sdg_target_average_pct=SDG_TARGET_AVG_PCT,
        sdg_corridor_max_pct=SDG_CORRIDOR_MAX_PCT,
        sample=t.sample,
        notice=t.notice,
        note=t.note,
        methodology=METHODOLOGY,
        sources=sources_of(t),
        downloads=download_links(t.corridor.code, t.period_kind),
    )


@router.get("/trends", response_model=TrendsResponse)
def trends(
    session: SessionDep,
    corridor: CorridorQ,
    basket: BasketQ = "200",
    period: PeriodQ = PeriodKind.QUARTER,
) -> TrendsResponse:
    """Corridor cost trends per period at an RPW basket, beside the World Bank's figures."""
    return trends_public(corridor_trends(session, corridor, int(basket), period))
