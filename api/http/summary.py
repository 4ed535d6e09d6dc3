"""The overview under /api/v1/trends/summary: every corridor against SDG 10.c, by source.
Thin: parse, call the trends summary service, present."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.domain.aggregates import SDG_CORRIDOR_MAX_PCT, SDG_TARGET_AVG_PCT
from api.domain.periods import PeriodKind
from api.http.deps import NowDep, SessionDep
from api.http.schemas import DecimalStr, pct
from api.http.trends import (
    BasketQ,
    FlowWeightedOut,
    PeriodQ,
    flow_out,
    pct_or_none,
    period_figures,
)
from api.services.coverage import LIVE_SHARE, NOTHING, SURVEY_SHARE, Coverage, coverage
from api.services.export_table import ExportFormat
from api.services.trends import (
    METHODOLOGY,
    OURS,
    PUBLISHED,
    RPW_IMPORT,
    PeriodStats,
)
from api.services.trends_datasets import ATTRIBUTION
from api.services.trends_summary import TrendsSummary, trends_summary

router = APIRouter(prefix="/api/v1", tags=["trends and exports"])


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
    thin: bool
    promotions_excluded: int
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
    thin: bool = Field(
        description="The figures shown (or the published figure) rest on 3 services or fewer, "
        "or 2 firms or fewer"
    )
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
    return SeriesFigures(source=source, **period_figures(p))


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
                thin=c.thin,
                current=c.ours is not None and c.ours.period == s.period,
                flow_usd=c.corridor.flow_usd,
                flow_source=c.corridor.flow_source,
                history=[
                    {
                        "period": h.period,
                        "average_pct": pct(h.average_pct),
                        "smart_pct": pct_or_none(h.smart_pct),
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
        simple_average_pct=pct_or_none(s.simple_average_pct),
        simple_average_corridors=list(s.simple_average_corridors),
        flow_weighted_average_pct=pct_or_none(fw.average_pct) if fw else None,
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
