"""Published World Bank RPW figures from `data/reference/` (real, third-party, read-only).

These are the World Bank's numbers, not ours: each figure keeps the file it came from, that
file's SHA-256 and the publisher's own source line, so pages and exports can cite it.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from api.domain.periods import period_sort_key, quarter_label
from api.settings import DATA_DIR
from api.storage.keyed_points import KeyedPoint, SeriesStoreCounts, upsert_points
from api.storage.models import PublishedSeriesPoint

RPW_SOURCE = "The World Bank: Remittance Prices Worldwide (CC BY 4.0)"
RPW_URL = "https://datacatalog.worldbank.org/search/dataset/0037898/remittance-prices-worldwide"
OFFICIAL_CORRIDORS = "official-corridors_UK_Q3_2025_silkroutes_extract.csv"
UK_PK_BENCHMARK = "uk_pk_benchmark_q3_2025.csv"
UK_OUTBOUND_TREND = "uk_outbound_rpw_trend_cc1.csv"
DATABANK_FILE = "databank_corridors_atcr_2011q1_2020q3_silkroutes.csv"
DATABANK_URL = "https://databank.worldbank.org/source/remittance-prices-worldwide-(corridors)"
DATABANK_SERIES = "ATCR.CORR"
UK_OUTBOUND = "GB-*"  # every corridor sending from the United Kingdom
GLOBAL = "*"

# Published global averages for the USD 200 basket (World Bank RPW reports, as quoted in
# shared/reference/README.md): (period, average, SmaRT).
GLOBAL_FIGURES: tuple[tuple[str, str, str | None], ...] = (
    ("2023Q3", "6.18", "3.36"),
    ("2025Q1", "6.49", None),
    ("2025Q3", "6.36", None),
)
GLOBAL_FIGURES_NOTE = "World Bank RPW report, global average (as quoted in reference/README.md)"


@dataclass(frozen=True)
class PublishedFigure:
    """One published figure set: a corridor (or UK outbound / global) in a quarter."""

    corridor: str  # "GB-PK", "GB-*" (UK outbound, all destinations) or "*" (global)
    scope: str  # corridor | uk_outbound | global
    period: str  # "2025Q3"
    basket_usd: int  # 200 or 500
    label: str
    average_pct: Decimal | None = None
    median_pct: Decimal | None = None
    smart_pct: Decimal | None = None
    share_at_or_below_5_pct: Decimal | None = None
    services: int | None = None
    firms: int | None = None
    basket_amount: Decimal | None = None
    basket_currency: str | None = None
    source: str = RPW_SOURCE
    source_url: str | None = RPW_URL
    files: tuple[str, ...] = ()
    file_sha256: tuple[str, ...] = field(default=())


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_ISO3 = {
    "GBR": ("GB", "United Kingdom"),
    "PAK": ("PK", "Pakistan"),
    "BGD": ("BD", "Bangladesh"),
    "AFG": ("AF", "Afghanistan"),
    "IND": ("IN", "India"),
    "IRQ": ("IQ", "Iraq"),
    # The other countries of the DataBank corridor history (ISO 3166 alpha-3 -> alpha-2).
    "ARE": ("AE", "United Arab Emirates"),
    "AUS": ("AU", "Australia"),
    "BHR": ("BH", "Bahrain"),
    "CAN": ("CA", "Canada"),
    "DEU": ("DE", "Germany"),
    "ITA": ("IT", "Italy"),
    "KWT": ("KW", "Kuwait"),
    "MYS": ("MY", "Malaysia"),
    "NOR": ("NO", "Norway"),
    "OMN": ("OM", "Oman"),
    "QAT": ("QA", "Qatar"),
    "SAU": ("SA", "Saudi Arabia"),
    "SGP": ("SG", "Singapore"),
    "USA": ("US", "United States"),
}


def iso2(iso3: str) -> str | None:
    entry = _ISO3.get(iso3)
    return entry[0] if entry else None


def _corridor_from_rpw(code: str) -> tuple[str, str]:
    """Map "GBR->PAK" to ("GB-PK", "United Kingdom → Pakistan")."""
    src, dst = (part.strip() for part in code.split("->"))
    (s2, s_name), (d2, d_name) = _ISO3.get(src, (src, src)), _ISO3.get(dst, (dst, dst))
    return f"{s2}-{d2}", f"{s_name} → {d_name}"


def _merge(into: PublishedFigure, extra: PublishedFigure) -> PublishedFigure:
    """Fill the gaps of one figure set from another file's figures for the same key."""
    return replace(
        into,
        average_pct=into.average_pct if into.average_pct is not None else extra.average_pct,
        median_pct=into.median_pct if into.median_pct is not None else extra.median_pct,
        share_at_or_below_5_pct=into.share_at_or_below_5_pct
        if into.share_at_or_below_5_pct is not None
        else extra.share_at_or_below_5_pct,
        services=into.services if into.services is not None else extra.services,
        firms=into.firms if into.firms is not None else extra.firms,
        files=into.files + tuple(f for f in extra.files if f not in into.files),
        file_sha256=into.file_sha256
        + tuple(h for h in extra.file_sha256 if h not in into.file_sha256),
    )


@lru_cache(maxsize=4)
def load_published(data_dir: Path = DATA_DIR) -> tuple[PublishedFigure, ...]:
    ref = data_dir / "reference"
    figures: dict[tuple[str, str, int], PublishedFigure] = {}

    def add(fig: PublishedFigure) -> None:
        key = (fig.corridor, fig.period, fig.basket_usd)
        figures[key] = _merge(figures[key], fig) if key in figures else fig

    path = ref / OFFICIAL_CORRIDORS
    digest = _sha(path)
    for row in _rows(path):
        if row["source_country"] != "United Kingdom":
            continue
        add(
            PublishedFigure(
                corridor=f"GB-{row['destination_code']}",
                scope="corridor",
                period=quarter_label(row["period"]),
                basket_usd=int(row["world_bank_standard_basket_usd"]),
                label=f"United Kingdom → {row['destination_country']}",
                average_pct=Decimal(row["average_total_cost_pct"]),
                services=int(row["service_observations"]),
                firms=int(row["distinct_firms"]),
                basket_amount=Decimal(row["source_amount_gbp"]),
                basket_currency="GBP",
                source_url=row["source_url"] or RPW_URL,
                files=(OFFICIAL_CORRIDORS,),
                file_sha256=(digest,),
            )
        )

    path = ref / UK_PK_BENCHMARK
    digest = _sha(path)
    for row in _rows(path):
        corridor, label = _corridor_from_rpw(row["corridor"])
        period = quarter_label(row["period"])
        base = PublishedFigure(
            corridor=corridor,
            scope="corridor",
            period=period,
            basket_usd=200,
            label=label,
            average_pct=Decimal(row["avg_cost_200_pct"]),
            median_pct=Decimal(row["median_cost_200_pct"]),
            share_at_or_below_5_pct=Decimal(row["share_services_at_or_below_5pct"]),
            services=int(row["services"]),
            firms=int(row["firms"]),
            basket_amount=Decimal(120),
            basket_currency="GBP",
            files=(UK_PK_BENCHMARK,),
            file_sha256=(digest,),
        )
        add(base)
        add(
            replace(
                base,
                basket_usd=500,
                average_pct=Decimal(row["avg_cost_500_pct"]),
                median_pct=None,
                share_at_or_below_5_pct=None,
                basket_amount=None,
            )
        )

    path = ref / UK_OUTBOUND_TREND
    digest = _sha(path)
    for row in _rows(path):
        add(
            PublishedFigure(
                corridor=UK_OUTBOUND,
                scope="uk_outbound",
                period=quarter_label(row["period"]),
                basket_usd=200,
                label="United Kingdom → all destinations (UK outbound average)",
                average_pct=Decimal(row["uk_outbound_avg_total_cost_pct_cc1"]),
                basket_amount=Decimal(120),
                basket_currency="GBP",
                files=(UK_OUTBOUND_TREND,),
                file_sha256=(digest,),
            )
        )

    for period, average, smart in GLOBAL_FIGURES:
        add(
            PublishedFigure(
                corridor=GLOBAL,
                scope="global",
                period=period,
                basket_usd=200,
                label="Global average (all RPW corridors)",
                average_pct=Decimal(average),
                smart_pct=Decimal(smart) if smart else None,
                source=f"{RPW_SOURCE}; {GLOBAL_FIGURES_NOTE}",
            )
        )
    scopes = {"corridor": 0, "uk_outbound": 1, "global": 2}
    return tuple(
        sorted(
            figures.values(),
            key=lambda f: (scopes.get(f.scope, 9), f.corridor, f.basket_usd, f.period),
        )
    )


def published_for(corridor_code: str, basket_usd: int) -> list[PublishedFigure]:
    """The figures that bear on one corridor at one basket: the corridor's own, the UK
    outbound average when it sends from the UK, and the global average."""
    wanted = {corridor_code, GLOBAL}
    if corridor_code.startswith("GB-"):
        wanted.add(UK_OUTBOUND)
    return [f for f in load_published() if f.corridor in wanted and f.basket_usd == basket_usd]


# -- the published series store (DataBank corridor history, imported into the database) -----


@dataclass(frozen=True)
class SeriesPointIn:
    series_code: str
    series_name: str
    corridor_code: str
    sending_iso3: str
    receiving_iso3: str
    period: str
    average_pct: Decimal
    basket_usd: int = 200


def store_series_points(
    session: Session, points: Sequence[SeriesPointIn], source_file: str, file_sha256: str
) -> SeriesStoreCounts:
    """Insert published points; a point already stored with the same value is left alone
    (re-importing a file changes nothing); a revised value replaces the stored one."""
    existing = {
        (p.series_code, p.corridor_code, p.period, p.basket_usd): p
        for p in session.execute(
            select(PublishedSeriesPoint).where(
                col(PublishedSeriesPoint.series_code).in_({p.series_code for p in points})
            )
        ).scalars()
    }
    keyed = (
        KeyedPoint(
            key=(p.series_code, p.corridor_code, p.period, p.basket_usd),
            identity={
                "series_code": p.series_code,
                "series_name": p.series_name,
                "corridor_code": p.corridor_code,
                "sending_iso3": p.sending_iso3,
                "receiving_iso3": p.receiving_iso3,
                "period": p.period,
                "basket_usd": p.basket_usd,
            },
            values={"average_pct": p.average_pct},
        )
        for p in points
    )
    return upsert_points(
        session,
        PublishedSeriesPoint,
        existing,
        keyed,
        source_file=source_file,
        file_sha256=file_sha256,
    )


def count_series_points(session: Session) -> int:
    return int(session.execute(select(func.count(col(PublishedSeriesPoint.id)))).scalar_one())


def series_figures(
    session: Session, corridor_codes: Iterable[str] | None, basket_usd: int
) -> list[PublishedFigure]:
    """Imported published points (DataBank history) as PublishedFigure, oldest first."""
    stmt = select(PublishedSeriesPoint).where(col(PublishedSeriesPoint.basket_usd) == basket_usd)
    if corridor_codes is not None:
        stmt = stmt.where(col(PublishedSeriesPoint.corridor_code).in_(list(corridor_codes)))
    out = []
    for p in session.execute(stmt).scalars():
        (_s2, s_name) = _ISO3.get(p.sending_iso3, (p.sending_iso3, p.sending_iso3))
        (_d2, d_name) = _ISO3.get(p.receiving_iso3, (p.receiving_iso3, p.receiving_iso3))
        out.append(
            PublishedFigure(
                corridor=p.corridor_code,
                scope="corridor",
                period=p.period,
                basket_usd=p.basket_usd,
                label=f"{s_name} → {d_name}",
                average_pct=p.average_pct,
                source=f"{RPW_SOURCE}; DataBank series {p.series_code} ({p.series_name})",
                source_url=DATABANK_URL,
                files=(p.source_file,),
                file_sha256=(p.file_sha256,),
            )
        )
    out.sort(key=lambda f: (f.corridor, period_sort_key(f.period)))
    return out
