"""Trends and exports under /api/v1: corridor cost trends beside the World Bank RPW and
SDG 10.c, and downloads of quotes and trends (CSV, XLSX, Parquet, JSON). Thin: parse, call
the trends / exports services, present."""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.responses import Response

from api.domain.aggregates import SDG_CORRIDOR_MAX_PCT, SDG_TARGET_AVG_PCT
from api.domain.periods import PeriodKind
from api.http.deps import NowDep, SessionDep
from api.http.schemas import DecimalStr, pct
from api.services.coverage import LIVE_SHARE, NOTHING, SURVEY_SHARE, Coverage, coverage
from api.services.exports import (
    ExportFormat,
    ExportTable,
    about_csv,
    chunks,
    quotes_export,
    quotes_stem,
    trends_export,
    trends_stem,
    write_file,
)
from api.services.trends import (
    METHODOLOGY,
    OURS,
    PUBLISHED,
    RPW_IMPORT,
    SERIES_LABELS,
    CorridorTrends,
    FlowWeightedPoint,
    PeriodStats,
    SdgCheck,
    corridor_trends,
    sdg_check,
)
from api.services.trends_datasets import ATTRIBUTION, chart_export, summary_export
from api.services.trends_summary import TrendsSummary, trends_summary
from api.storage.published import RPW_URL, PublishedFigure

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


def _pct(value: Decimal | None) -> Decimal | None:
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
    services: int = Field(description="Transparent services averaged")
    providers: int
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
    flow_weighted: list[FlowWeightedOut]
    sdg_target_average_pct: DecimalStr
    sdg_corridor_max_pct: DecimalStr
    sample: bool
    notice: str | None
    note: str | None
    methodology: str
    sources: list[SourceRef]
    downloads: dict[str, str]


def point_out(p: PeriodStats) -> TrendPoint:
    s = p.stats
    return TrendPoint(
        period=p.period,
        average_pct=_pct(s.average_pct),
        median_pct=_pct(s.median_pct),
        min_pct=_pct(s.min_pct),
        smart_pct=_pct(s.smart_pct),
        share_at_or_below_5_pct=_pct(s.share_at_or_below_5_pct),
        by_provider_type={k or "unknown": pct(v) for k, v in sorted(s.by_provider_type.items())},
        services=s.services,
        providers=p.providers,
        observations=p.observations,
        sample=p.sample,
        sample_services=p.sample_services,
        sources=list(p.sources),
        newest=p.newest,
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


def flow_out(p: FlowWeightedPoint) -> FlowWeightedOut:
    return FlowWeightedOut(
        period=p.period,
        average_pct=_pct(p.average_pct),
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


def export_response(table: ExportTable, fmt: ExportFormat, stem: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{table.filename(fmt, stem)}"',
        "X-Remit-Sample": "true" if table.sample else "false",
        "Cache-Control": "no-store",
    }
    if table.sample:
        headers["X-Remit-Notice"] = "sample data - not live prices"
    if fmt.streams:
        return StreamingResponse(chunks(table, fmt), media_type=fmt.media_type, headers=headers)
    fd, name = tempfile.mkstemp(prefix=f"remit-{table.name}-", suffix=f".{fmt.value}")
    os.close(fd)
    path = FsPath(name)
    try:
        write_file(table, fmt, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=fmt.media_type,
        headers=headers,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


EXPORT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The export file (CSV and JSON streamed as rows are read). Headers: "
        "X-Remit-Sample (true/false) and, with sample rows, X-Remit-Notice.",
        "content": {f.media_type.split(";")[0]: {} for f in ExportFormat},
    }
}


ABOUT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The CSV export's sidecar: field,value rows with the query, generation "
        "time, sources, licences (CC BY 4.0 attribution for RPW) and rounding rules.",
        "content": {"text/csv": {}},
    }
}


def about_response(table: ExportTable, stem: str) -> Response:
    name = table.filename(ExportFormat.CSV, stem).removesuffix(".csv") + ".about.csv"
    return Response(
        about_csv(table),
        media_type=ExportFormat.CSV.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/exports/quotes.about.csv", response_class=Response, responses=ABOUT_RESPONSES)
def export_quotes_about(
    session: SessionDep,
    corridor: OptCorridorQ = None,
    from_date: DateQ = None,
    to_date: DateQ = None,
) -> Response:
    """What the quotes CSV with the same query holds (the XLSX export's "about" sheet)."""
    table = quotes_export(session, corridor, from_date, to_date, typed=False)
    return about_response(table, quotes_stem(corridor, from_date, to_date))


@router.get("/exports/trends.about.csv", response_class=Response, responses=ABOUT_RESPONSES)
def export_trends_about(
    session: SessionDep,
    corridor: OptCorridorQ = None,
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """What the trends CSV with the same query holds (the XLSX export's "about" sheet)."""
    table = trends_export(session, corridor, period)
    return about_response(table, trends_stem(corridor, period))


@router.get("/exports/quotes.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_quotes(
    session: SessionDep,
    fmt: FormatP,
    corridor: OptCorridorQ = None,
    from_date: DateQ = None,
    to_date: DateQ = None,
) -> Response:
    """Every stored quote (with provenance) as CSV/JSON (streamed), XLSX or Parquet."""
    table = quotes_export(session, corridor, from_date, to_date, typed=not fmt.streams)
    return export_response(table, fmt, quotes_stem(corridor, from_date, to_date))


@router.get("/exports/trends.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_trends(
    session: SessionDep,
    fmt: FormatP,
    corridor: OptCorridorQ = None,
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """Corridor trends (ours, imported RPW rows, World Bank published figures) for both
    baskets, for one corridor or all."""
    table = trends_export(session, corridor, period)
    return export_response(table, fmt, trends_stem(corridor, period))


# -- the overview: every corridor against SDG 10.c -----------------------------------------


class Sdg10cOut(BaseModel):
    average_at_or_below_3: bool | None = Field(description="Average total cost <= 3 %")
    smart_at_or_below_5: bool | None = Field(
        description="SmaRT <= 5 % (the World Bank's test of 'no corridor above 5 %')"
    )
    meets: bool | None
    status: str = Field(description="meets, misses_3, misses_5, misses_both, no_smart, no_data")
    text: str
    source: str | None = Field(
        default=None,
        description="The figures tested: silkroutes (ours) or, where we have none, rpw (the "
        "World Bank survey rows imported); null when neither has an average",
    )
    period: str | None = Field(default=None, description="The period of those figures")


class SeriesFigures(BaseModel):
    source: str = Field(description="silkroutes (ours), rpw (imported survey rows)")
    period: str
    average_pct: DecimalStr | None
    median_pct: DecimalStr | None
    min_pct: DecimalStr | None
    smart_pct: DecimalStr | None
    share_at_or_below_5_pct: DecimalStr | None
    services: int
    providers: int
    sample: bool
    newest: datetime | None
    sources: list[str]


class PublishedLatest(BaseModel):
    source: str = PUBLISHED
    period: str
    average_pct: DecimalStr | None
    attribution: str
    source_url: str | None
    files: list[str]


class CorridorSummaryOut(BaseModel):
    corridor: str
    from_country: str
    to_country: str
    from_name: str
    to_name: str
    basket_amount: DecimalStr | None
    basket_currency: str
    ours: SeriesFigures | None
    rpw: SeriesFigures | None
    published: PublishedLatest | None
    sdg: Sdg10cOut
    few_services: bool = Field(description="Fewer than 3 services: too few to be meaningful")
    current: bool = Field(description="Our latest figures are of the summary's latest period")
    flow_usd: DecimalStr | None
    flow_source: str | None
    history: list[dict[str, DecimalStr | str | None]]


class TargetShare(BaseModel):
    met: int
    of: int = Field(description="Corridors for which the test can be made")


class CoverageOut(BaseModel):
    """`remit coverage`: shares of the money sent into AF, BD, IQ, IR, PK by what its route
    has (each route counted once, in the first that applies)."""

    live_pct: DecimalStr | None = Field(description="(a) a real price collected in 7 days")
    survey_pct: DecimalStr | None = Field(
        description="(b) a World Bank survey price at most 2 years old"
    )
    nothing_pct: DecimalStr | None = Field(description="(c) nothing real")
    flows_usd: DecimalStr = Field(description="Yearly flows on the routes counted, USD")
    routes: dict[str, list[str]]
    without_flow: list[str] = Field(description="Routes without a flow figure (not counted)")


class SummaryResponse(BaseModel):
    basket_usd: int
    period_kind: str
    period: str | None = Field(description="The latest period any corridor has our figures for")
    generated_at: datetime
    data_newest: datetime | None
    data_oldest: datetime | None = Field(
        description="Oldest 'newest observation' among the corridors' latest figures"
    )
    data_age_hours: DecimalStr | None
    corridors: list[CorridorSummaryOut]
    simple_average_pct: DecimalStr | None
    simple_average_corridors: list[str]
    flow_weighted_average_pct: DecimalStr | None
    flow_weighted: FlowWeightedOut | None
    meeting_average_target: TargetShare
    meeting_smart_ceiling: TargetShare
    meeting_both: TargetShare
    sdg_target_average_pct: DecimalStr
    sdg_corridor_max_pct: DecimalStr
    sample: bool
    notice: str | None
    methodology: str
    attribution: str
    downloads: dict[str, str]
    coverage: CoverageOut | None = None


def _series_out(p: PeriodStats | None, source: str) -> SeriesFigures | None:
    if p is None:
        return None
    s = p.stats
    return SeriesFigures(
        source=source,
        period=p.period,
        average_pct=_pct(s.average_pct),
        median_pct=_pct(s.median_pct),
        min_pct=_pct(s.min_pct),
        smart_pct=_pct(s.smart_pct),
        share_at_or_below_5_pct=_pct(s.share_at_or_below_5_pct),
        services=s.services,
        providers=p.providers,
        sample=p.sample,
        newest=p.newest,
        sources=list(p.sources),
    )


SUMMARY_METHODOLOGY = (
    METHODOLOGY
    + " SDG status per corridor: average at or below 3 % and SmaRT at or below 5 % (the World "
    "Bank tests 'no corridor above 5 %' with the corridor's SmaRT). Cross-corridor averages are "
    "over the corridors with our figures in the latest period: a simple mean, and an RPW-style "
    "mean weighted by each corridor's bilateral remittance flow (CGD update of the World Bank "
    "bilateral matrix, 2024; the World Bank/KNOMAD matrix where CGD has none). Quotes with "
    "source 'rpw' are World Bank survey rows and are reported as the rpw series, not ours."
)


def summary_public(s: TrendsSummary) -> SummaryResponse:
    age = None
    if s.newest is not None:
        age = pct(Decimal((s.generated_at - s.newest).total_seconds()) / 3600)
    corridors = []
    for c in s.corridors:
        sdg = c.sdg
        corridors.append(
            CorridorSummaryOut(
                corridor=c.code,
                from_country=c.corridor.from_country,
                to_country=c.corridor.to_country,
                from_name=c.from_name,
                to_name=c.to_name,
                basket_amount=c.basket_amount,
                basket_currency=c.corridor.send_currency,
                ours=_series_out(c.ours, OURS),
                rpw=_series_out(c.rpw, RPW_IMPORT),
                published=PublishedLatest(
                    period=c.published.period,
                    average_pct=c.published.average_pct,
                    attribution=ATTRIBUTION,
                    source_url=c.published.source_url,
                    files=list(c.published.files),
                )
                if c.published
                else None,
                sdg=Sdg10cOut(
                    average_at_or_below_3=sdg.average_at_or_below_3,
                    smart_at_or_below_5=sdg.smart_at_or_below_5,
                    meets=sdg.meets,
                    status=sdg.status,
                    text=sdg.text,
                    source=c.basis.series if c.basis else None,
                    period=c.basis.period if c.basis else None,
                ),
                few_services=c.few_services,
                current=c.ours is not None and c.ours.period == s.period,
                flow_usd=c.corridor.flow_usd,
                flow_source=c.corridor.flow_source,
                history=[
                    {
                        "period": h.period,
                        "average_pct": pct(h.average_pct),
                        "smart_pct": _pct(h.smart_pct),
                    }
                    for h in c.history
                ],
            )
        )
    query = urlencode({"basket": s.basket_usd, "period": s.period_kind.value})
    fw = s.flow_weighted
    return SummaryResponse(
        basket_usd=s.basket_usd,
        period_kind=s.period_kind.value,
        period=s.period,
        generated_at=s.generated_at,
        data_newest=s.newest,
        data_oldest=s.oldest,
        data_age_hours=age,
        corridors=corridors,
        simple_average_pct=_pct(s.simple_average_pct),
        simple_average_corridors=list(s.simple_average_corridors),
        flow_weighted_average_pct=_pct(fw.average_pct) if fw else None,
        flow_weighted=flow_out(fw) if fw else None,
        meeting_average_target=TargetShare(met=s.meeting_3[0], of=s.meeting_3[1]),
        meeting_smart_ceiling=TargetShare(met=s.meeting_5[0], of=s.meeting_5[1]),
        meeting_both=TargetShare(met=s.meeting_both[0], of=s.meeting_both[1]),
        sdg_target_average_pct=SDG_TARGET_AVG_PCT,
        sdg_corridor_max_pct=SDG_CORRIDOR_MAX_PCT,
        sample=s.sample,
        notice=s.notice,
        methodology=SUMMARY_METHODOLOGY,
        attribution=ATTRIBUTION,
        downloads={
            f"summary.{f.value}": f"/api/v1/exports/trends-summary.{f.value}?{query}"
            for f in ExportFormat
        },
    )


@router.get("/trends/summary", response_model=SummaryResponse)
def trends_summary_route(
    session: SessionDep,
    now: NowDep,
    basket: BasketQ = "200",
    period: PeriodQ = PeriodKind.QUARTER,
) -> SummaryResponse:
    """Every corridor's latest figures by source (ours, imported RPW rows, World Bank
    published), its SDG 10.c status, the simple and flow-weighted averages, and the
    coverage of the flows by real prices (`remit coverage`)."""
    out = summary_public(trends_summary(session, int(basket), period, now=now))
    out.coverage = coverage_public(coverage(session, now))
    return out


def coverage_public(c: Coverage) -> CoverageOut:
    return CoverageOut(
        live_pct=c.share_pct(LIVE_SHARE),
        survey_pct=c.share_pct(SURVEY_SHARE),
        nothing_pct=c.share_pct(NOTHING),
        flows_usd=c.total_usd,
        routes=c.routes,
        without_flow=c.without_flow,
    )


@router.get("/exports/trends-summary.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_trends_summary(
    session: SessionDep,
    now: NowDep,
    fmt: FormatP,
    basket: BasketQ = "200",
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """The overview (GET /api/v1/trends/summary) as a table, one row per corridor, with each
    corridor's flow weight."""
    table = summary_export(trends_summary(session, int(basket), period, now=now))
    return export_response(table, fmt, f"trends-summary-{basket}-{period.value}")


@router.get("/exports/trends-chart.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_trends_chart(
    session: SessionDep,
    fmt: FormatP,
    corridor: CorridorQ,
    basket: BasketQ = "200",
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """Exactly the numbers plotted on /trends/{from}-{to}: one row per series and period."""
    t = corridor_trends(session, corridor, int(basket), period, with_flow_weighted=False)
    return export_response(
        chart_export(t), fmt, f"trends-chart-{t.corridor.code}-{basket}-{period.value}"
    )
