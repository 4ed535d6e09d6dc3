"""Two trends datasets for the export writers (api/services/exports.py):

- `summary_export`: the overview, one row per corridor (the same numbers as
  GET /api/v1/trends/summary and /trends), plus the cross-corridor averages, with each
  corridor's flow weight, so the flow-weighted average can be recomputed from the file.
- `chart_export`: exactly the numbers plotted on /trends/{from}-{to}, one row per series
  and period.

Series names say which source each number comes from: `silkroutes` (our quotes, source
"rpw" excluded), `rpw` (World Bank survey rows imported here), `world_bank_published`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from api.domain.periods import PeriodKind, period_sort_key
from api.services.export_table import Column, ExportTable
from api.services.export_trends import STAT_COLUMNS
from api.services.trends import HISTORY, OURS, PUBLISHED, RPW_IMPORT, SERIES_LABELS, CorridorTrends
from api.services.trends_summary import TrendsSummary
from api.storage.published import RPW_SOURCE

ATTRIBUTION = "The World Bank: Remittance Prices Worldwide, CC BY 4.0"

SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("row", "str"),  # corridor | simple_average | flow_weighted_average
    Column("corridor", "str"),
    Column("source_code", "str"),
    Column("destination_code", "str"),
    Column("basket_usd", "int"),
    Column("basket_amount", "decimal"),
    Column("basket_currency", "str"),
    Column("period", "str"),
    *STAT_COLUMNS,
    Column("services", "int"),
    Column("providers", "int"),
    Column("few_services", "bool"),
    Column("sdg_average_at_or_below_3", "bool"),
    Column("sdg_smart_at_or_below_5", "bool"),
    Column("sdg_status", "str"),
    Column("sdg_source", "str"),
    Column("sdg_period", "str"),
    Column("flow_usd", "decimal"),
    Column("flow_source", "str"),
    Column("in_averages", "bool"),
    Column("rpw_period", "str"),
    Column("rpw_average_pct", "decimal", "pct"),
    Column("rpw_smart_pct", "decimal", "pct"),
    Column("published_period", "str"),
    Column("published_average_pct", "decimal", "pct"),
    Column("published_source", "str"),
    Column("newest_observation", "datetime"),
    Column("sample", "bool"),
    Column("sources", "str"),
)


def summary_rows(s: TrendsSummary) -> list[tuple[object, ...]]:
    used = set(s.simple_average_corridors)
    rows: list[tuple[object, ...]] = []
    for c in sorted(s.corridors, key=lambda c: (c.corridor.to_country, c.code)):
        o = c.ours
        st = o.stats if o else None
        rows.append(
            (
                "corridor",
                c.code,
                c.corridor.from_country,
                c.corridor.to_country,
                s.basket_usd,
                c.basket_amount,
                c.corridor.send_currency,
                o.period if o else None,
                st.average_pct if st else None,
                st.median_pct if st else None,
                st.min_pct if st else None,
                st.smart_pct if st else None,
                st.share_at_or_below_5_pct if st else None,
                st.services if st else None,
                o.providers if o else None,
                c.few_services,
                c.sdg.average_at_or_below_3,
                c.sdg.smart_at_or_below_5,
                c.sdg.status,
                c.basis.series if c.basis else None,
                c.basis.period if c.basis else None,
                c.corridor.flow_usd,
                c.corridor.flow_source,
                c.code in used,
                c.rpw.period if c.rpw else None,
                c.rpw.stats.average_pct if c.rpw else None,
                c.rpw.stats.smart_pct if c.rpw else None,
                c.published.period if c.published else None,
                c.published.average_pct if c.published else None,
                c.published.source if c.published else None,
                o.newest if o else None,
                o.sample if o else False,
                f"{OURS}: {','.join(o.sources)}" if o else None,
            )
        )
    fw = s.flow_weighted
    for name, value, detail in (
        ("simple_average", s.simple_average_pct, "simple mean of the corridor averages"),
        (
            "flow_weighted_average",
            fw.average_pct if fw else None,
            "weights: " + "; ".join(fw.flow_sources) if fw else None,
        ),
    ):
        rows.append(
            (name, "ALL", None, None, s.basket_usd, None, None, s.period, value)
            + (None,) * 12  # median_pct .. sdg_period
            + (fw.flow_usd if fw and name == "flow_weighted_average" else None, detail)
            + (None,) * 8
            + (s.sample, ", ".join(s.simple_average_corridors))
        )
    return rows


def summary_export(s: TrendsSummary) -> ExportTable:
    return ExportTable.of_rows(
        "trends-summary",
        SUMMARY_COLUMNS,
        summary_rows(s),
        sample=s.sample,
        meta={
            "query": f"basket={s.basket_usd}; period={s.period_kind.value}",
            "latest_period": s.period or "",
            "source": f"series {OURS}: our stored quotes (source rpw excluded); rpw_*: World "
            f"Bank RPW survey rows imported here; published_*: {ATTRIBUTION}",
            "flow_weights": "corridor flow_usd: CGD update of the World Bank bilateral "
            "remittance matrix (2024), else the World Bank/KNOMAD matrix (data/reference/)",
            "attribution": ATTRIBUTION,
            "generated_at": s.generated_at.isoformat(),
        },
    )


@dataclass(frozen=True)
class ChartPoint:
    series: str  # ours_average | ours_smart | ours_min | rpw_average | published_average |
    # history_average
    source: str  # silkroutes | rpw | world_bank_published | rpw_service_means
    period: str
    value: Decimal


CHART_SERIES: tuple[tuple[str, str], ...] = (
    ("ours_average", OURS),
    ("ours_smart", OURS),
    ("ours_min", OURS),
    ("rpw_average", RPW_IMPORT),
    ("published_average", PUBLISHED),
    ("history_average", HISTORY),
)


def chart_points(t: CorridorTrends) -> list[ChartPoint]:
    """Exactly the numbers the corridor chart plots (and its table lists)."""
    out: list[ChartPoint] = []
    for p in t.ours:
        s = p.stats
        for name, value in (
            ("ours_average", s.average_pct),
            ("ours_smart", s.smart_pct),
            ("ours_min", s.min_pct),
        ):
            if value is not None:
                out.append(ChartPoint(name, OURS, p.period, value))
    if t.period_kind is PeriodKind.QUARTER:  # surveys and published figures are quarterly
        for p in t.rpw:
            if p.stats.average_pct is not None:
                out.append(ChartPoint("rpw_average", RPW_IMPORT, p.period, p.stats.average_pct))
        for f in t.published:
            if f.scope == "corridor" and f.average_pct is not None:
                out.append(ChartPoint("published_average", PUBLISHED, f.period, f.average_pct))
        for h in t.history:
            out.append(ChartPoint("history_average", HISTORY, h.period, h.total_cost_pct))
    out.sort(key=lambda c: (period_sort_key(c.period), c.series))
    return out


CHART_COLUMNS: tuple[Column, ...] = (
    Column("corridor", "str"),
    Column("basket_usd", "int"),
    Column("period_kind", "str"),
    Column("period", "str"),
    Column("series", "str"),
    Column("source", "str"),
    Column("value_pct", "decimal", "pct"),
)


def chart_export(t: CorridorTrends) -> ExportTable:
    rows = [
        (t.corridor.code, t.basket_usd, t.period_kind.value, c.period, c.series, c.source, c.value)
        for c in chart_points(t)
    ]
    return ExportTable.of_rows(
        "trends-chart",
        CHART_COLUMNS,
        rows,
        sample=t.sample,
        meta={
            "query": f"corridor={t.corridor.code}; basket={t.basket_usd}; "
            f"period={t.period_kind.value}",
            "source": f"{OURS}: our stored quotes (source rpw excluded); {RPW_IMPORT}: World "
            f"Bank RPW survey rows imported here; {PUBLISHED}: {RPW_SOURCE}; {HISTORY}: "
            f"{SERIES_LABELS[HISTORY]} (fee % + FX margin %)",
            "attribution": ATTRIBUTION,
        },
    )
