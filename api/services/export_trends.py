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


_COLUMN_NAMES = tuple(c.name for c in TREND_EXPORT_COLUMNS)


def _row(**values: object) -> Row:
    """One export row from its named values; a column not named is empty."""
    unknown = values.keys() - set(_COLUMN_NAMES)
    if unknown:
        raise KeyError(f"not a trends export column: {', '.join(sorted(unknown))}")
    return tuple(values.get(name) for name in _COLUMN_NAMES)


def _stats_row(p: PeriodStats, table: TrendsTable) -> Row:
    corridor = next(c for c in table.corridors if c.code == p.corridor)
    s = p.stats
    ours = p.series == OURS
    return _row(
        series=p.series,
        scope="corridor",
        corridor=p.corridor,
        basket_usd=p.basket_usd,
        basket_amount=basket_amount(corridor, p.basket_usd) if ours else None,
        basket_currency=corridor.send_currency if ours else None,
        period=p.period,
        average_pct=s.average_pct,
        median_pct=s.median_pct,
        min_pct=s.min_pct,
        smart_pct=s.smart_pct,
        share_at_or_below_5_pct=s.share_at_or_below_5_pct,
        by_provider_type=_by_type(s.by_provider_type),
        services=s.services,
        providers=p.providers,
        observations=p.observations,
        sdg_average_at_or_below_3=p.sdg.average_at_or_below_3,
        sdg_at_or_below_5=p.sdg.at_or_below_5,
        source=",".join(p.sources) if ours else SERIES_LABELS[p.series],
        collected_at=p.newest,
        sample=p.sample,
        payload_hash=p.inputs_sha256,
        notice=SAMPLE_NOTICE if p.sample else None,
        thin=s.thin,
        promotions_excluded=s.promotions,
        promotion_min_pct=s.promotion_min_pct,
    )


def _published_row(f: PublishedFigure) -> Row:
    sdg = sdg_check(f.average_pct, f.smart_pct, corridor=f.scope == "corridor")
    return _row(
        series=PUBLISHED,
        scope=f.scope,
        corridor=f.corridor,
        basket_usd=f.basket_usd,
        basket_amount=f.basket_amount,
        basket_currency=f.basket_currency,
        period=f.period,
        average_pct=f.average_pct,
        median_pct=f.median_pct,
        smart_pct=f.smart_pct,
        share_at_or_below_5_pct=f.share_at_or_below_5_pct,
        services=f.services,
        providers=f.firms,
        sdg_average_at_or_below_3=sdg.average_at_or_below_3,
        sdg_at_or_below_5=sdg.at_or_below_5,
        source=f.source + (f" ({', '.join(f.files)})" if f.files else ""),
        source_url=f.source_url,
        sample=False,
        payload_hash=";".join(f.file_sha256) or None,
    )


def _flow_row(p: FlowWeightedPoint) -> Row:
    return _row(
        series=f"{OURS}_flow_weighted",
        scope="all_corridors",
        corridor="ALL",
        basket_usd=p.basket_usd,
        period=p.period,
        average_pct=p.average_pct,
        observations=len(p.corridors),
        sdg_average_at_or_below_3=p.sdg.average_at_or_below_3,
        sdg_at_or_below_5=p.sdg.at_or_below_5,
        source=f"flow-weighted over {', '.join(p.corridors)}; weights: {'; '.join(p.flow_sources)}",
        sample=p.sample,
        notice=SAMPLE_NOTICE if p.sample else None,
    )


def _history_row(h: HistoryPoint) -> Row:
    f = h.figure
    sdg = sdg_check(f.total_cost_pct, None)
    return _row(
        series=HISTORY,
        scope="corridor",
        corridor=f.corridor,
        basket_usd=f.basket_usd,
        period=f.period,
        average_pct=f.total_cost_pct,
        providers=f.providers,
        sdg_average_at_or_below_3=sdg.average_at_or_below_3,
        source=f"{HISTORY_SOURCE} ({f.source_file})",
        source_url=HISTORY_URL,
        sample=False,
        payload_hash=f.file_sha256,
        fee_pct=f.fee_pct,
        fx_margin_pct=f.fx_margin_pct,
        published_same_quarter_pct=h.published_pct,
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
