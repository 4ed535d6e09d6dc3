"""The trends dataset: ours, imported RPW rows, World Bank published and flow-weighted rows."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from api.domain.money import plain
from api.domain.periods import PeriodKind
from api.services.compare import SAMPLE_NOTICE
from api.services.export_table import Column, ExportTable, Row
from api.services.trends import (
    HISTORY,
    OURS,
    PUBLISHED,
    SERIES_LABELS,
    FlowWeightedPoint,
    HistoryPoint,
    PeriodStats,
    TrendsTable,
    basket_amount,
    sdg_check,
    trends_table,
)
from api.storage.exports import (
    minor_units_map,
)
from api.storage.published import PublishedFigure
from api.storage.rpw_history import HISTORY_SOURCE, HISTORY_URL
from api.storage.types import utcnow

# The RPW aggregates of one corridor and period, in every trends dataset that lists them.
STAT_COLUMNS: tuple[Column, ...] = (
    Column("average_pct", "decimal", "pct"),
    Column("median_pct", "decimal", "pct"),
    Column("min_pct", "decimal", "pct"),
    Column("smart_pct", "decimal", "pct"),
    Column("share_at_or_below_5_pct", "decimal", "pct"),
)

TREND_EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("series", "str"),
    Column("scope", "str"),
    Column("corridor", "str"),
    Column("basket_usd", "int"),
    Column("basket_amount", "decimal", "money:basket_currency"),
    Column("basket_currency", "str"),
    Column("period", "str"),
    *STAT_COLUMNS,
    Column("by_provider_type", "str"),
    Column("services", "int"),
    Column("providers", "int"),
    Column("observations", "int"),
    Column("sdg_average_at_or_below_3", "bool"),
    Column("sdg_at_or_below_5", "bool"),
    Column("source", "str"),
    Column("source_url", "str"),
    Column("collected_at", "datetime"),
    Column("sample", "bool"),
    Column("payload_hash", "str"),
    Column("notice", "str"),
    Column("thin", "bool"),
    Column("promotions_excluded", "int"),
    Column("promotion_min_pct", "decimal", "pct"),
    Column("fee_pct", "decimal", "pct"),
    Column("fx_margin_pct", "decimal", "pct"),
    Column("published_same_quarter_pct", "decimal", "pct"),
)
_PCT4 = Decimal("0.0001")


def _by_type(values: dict[str, Decimal]) -> str:
    parts = (f"{k or 'unknown'}={plain(v.quantize(_PCT4))}" for k, v in sorted(values.items()))
    return "; ".join(parts)


def _stats_row(p: PeriodStats, table: TrendsTable) -> Row:
    corridor = next(c for c in table.corridors if c.code == p.corridor)
    s = p.stats
    return (
        p.series,
        "corridor",
        p.corridor,
        p.basket_usd,
        basket_amount(corridor, p.basket_usd) if p.series == OURS else None,
        corridor.send_currency if p.series == OURS else None,
        p.period,
        s.average_pct,
        s.median_pct,
        s.min_pct,
        s.smart_pct,
        s.share_at_or_below_5_pct,
        _by_type(s.by_provider_type),
        s.services,
        p.providers,
        p.observations,
        p.sdg.average_at_or_below_3,
        p.sdg.at_or_below_5,
        ",".join(p.sources) if p.series == OURS else SERIES_LABELS[p.series],
        None,
        p.newest,
        p.sample,
        p.inputs_sha256,
        SAMPLE_NOTICE if p.sample else None,
        s.thin,
        s.promotions,
        s.promotion_min_pct,
        None,
        None,
        None,
    )


def _published_row(f: PublishedFigure) -> Row:
    sdg = sdg_check(f.average_pct, f.smart_pct, corridor=f.scope == "corridor")
    return (
        PUBLISHED,
        f.scope,
        f.corridor,
        f.basket_usd,
        f.basket_amount,
        f.basket_currency,
        f.period,
        f.average_pct,
        f.median_pct,
        None,
        f.smart_pct,
        f.share_at_or_below_5_pct,
        None,
        f.services,
        f.firms,
        None,
        sdg.average_at_or_below_3,
        sdg.at_or_below_5,
        f.source + (f" ({', '.join(f.files)})" if f.files else ""),
        f.source_url,
        None,
        False,
        ";".join(f.file_sha256) or None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    )


def _flow_row(p: FlowWeightedPoint) -> Row:
    return (
        f"{OURS}_flow_weighted",
        "all_corridors",
        "ALL",
        p.basket_usd,
        None,
        None,
        p.period,
        p.average_pct,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        len(p.corridors),
        p.sdg.average_at_or_below_3,
        p.sdg.at_or_below_5,
        f"flow-weighted over {', '.join(p.corridors)}; weights: {'; '.join(p.flow_sources)}",
        None,
        None,
        p.sample,
        None,
        SAMPLE_NOTICE if p.sample else None,
        None,
        None,
        None,
        None,
        None,
        None,
    )


def _history_row(h: HistoryPoint) -> Row:
    f = h.figure
    sdg = sdg_check(f.total_cost_pct, None)
    return (
        HISTORY,
        "corridor",
        f.corridor,
        f.basket_usd,
        None,
        None,
        f.period,
        f.total_cost_pct,
        None,
        None,
        None,
        None,
        None,
        None,
        f.providers,
        None,
        sdg.average_at_or_below_3,
        None,
        f"{HISTORY_SOURCE} ({f.source_file})",
        HISTORY_URL,
        None,
        False,
        f.file_sha256,
        None,
        None,
        None,
        None,
        f.fee_pct,
        f.fx_margin_pct,
        h.published_pct,
    )


def trends_rows(table: TrendsTable) -> list[Row]:
    rows: list[Row] = [_stats_row(p, table) for p in table.ours]
    rows += [_stats_row(p, table) for p in table.rpw]
    rows += [_published_row(f) for f in table.published]
    rows += [_flow_row(p) for p in table.flow_weighted]
    rows += [_history_row(h) for h in table.history]
    return rows


def trends_export(
    session: Session, corridor: str | None = None, kind: PeriodKind = PeriodKind.QUARTER
) -> ExportTable:
    """Corridor trends (ours, imported RPW rows, World Bank published) for both baskets."""
    table = trends_table(session, corridor, kind)
    return ExportTable.of_rows(
        "trends",
        TREND_EXPORT_COLUMNS,
        trends_rows(table),
        sample=table.sample,
        minor_units=minor_units_map(session),
        meta={
            "query": f"trends corridor={corridor.upper() if corridor else 'all'} "
            f"period={kind.value}",
            "source": f"series {OURS}: our stored quotes; series rpw: imported World Bank RPW "
            f"rows; series {PUBLISHED}: published World Bank RPW figures (CC BY 4.0); series "
            f"{HISTORY}: {HISTORY_SOURCE}, total cost = fee_pct + fx_margin_pct, beside the "
            "published figure of the same quarter (published_same_quarter_pct); promotions "
            "(flagged or negative total cost) are left out of every statistic and counted in "
            "promotions_excluded; thin = fewer than 3 services or 2 firms",
            "corridor": corridor.upper() if corridor else "all",
            "period": kind.value,
            "payload_hash": "for computed rows, SHA-256 over the sorted payload hashes (or "
            "dedupe keys / RPW row keys) of the observations used; for published rows, "
            "SHA-256 of the reference file",
            "generated_at": utcnow().isoformat(),
        },
    )


def trends_stem(corridor: str | None, kind: PeriodKind) -> str:
    return f"trends-{corridor.upper() if corridor else 'all'}-{kind.value}"
