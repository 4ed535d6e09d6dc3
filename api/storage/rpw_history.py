"""The third party's quarterly means of World Bank RPW service rows (USD 200), stored as
imported (`RpwHistoryPoint`): idempotent, a revised value replaces the stored one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from api.domain.periods import period_sort_key
from api.storage.keyed_points import KeyedPoint, SeriesStoreCounts, upsert_points
from api.storage.models import RpwHistoryPoint

HISTORY_FILE = "fds_rpw_history_usd200_pk_bd_af.csv"
HISTORY_REPO = "ronitdhansoia/fds"
HISTORY_URL = "https://github.com/ronitdhansoia/fds"
HISTORY_SOURCE = (
    "Means of World Bank RPW service rows (USD 200 basket), computed from the World Bank's "
    f"RPW dataset by a third party ({HISTORY_REPO}, MIT); numbers: The World Bank: Remittance "
    "Prices Worldwide (CC BY 4.0)"
)


@dataclass(frozen=True)
class HistoryPointIn:
    corridor_code: str
    sending_iso3: str
    receiving_iso3: str
    period: str
    fee_pct: Decimal
    fx_margin_pct: Decimal
    providers: int
    basket_usd: int = 200

    @property
    def total_cost_pct(self) -> Decimal:
        return self.fee_pct + self.fx_margin_pct


@dataclass(frozen=True)
class HistoryFigure:
    """One stored quarter of the series, as the trends read it."""

    corridor: str
    period: str
    basket_usd: int
    total_cost_pct: Decimal  # fee_pct + fx_margin_pct, RPW's definition
    fee_pct: Decimal
    fx_margin_pct: Decimal
    providers: int
    source_file: str
    file_sha256: str


def store_history_points(
    session: Session, points: Sequence[HistoryPointIn], source_file: str, file_sha256: str
) -> SeriesStoreCounts:
    """Insert points; one stored with the same values is left alone; a revised one replaced."""
    existing = {
        (p.corridor_code, p.period, p.basket_usd): p
        for p in session.execute(select(RpwHistoryPoint)).scalars()
    }
    keyed = (
        KeyedPoint(
            key=(p.corridor_code, p.period, p.basket_usd),
            identity={
                "corridor_code": p.corridor_code,
                "sending_iso3": p.sending_iso3,
                "receiving_iso3": p.receiving_iso3,
                "period": p.period,
                "basket_usd": p.basket_usd,
            },
            values={
                "fee_pct": p.fee_pct,
                "fx_margin_pct": p.fx_margin_pct,
                "total_cost_pct": p.total_cost_pct,
                "providers": p.providers,
            },
        )
        for p in points
    )
    return upsert_points(
        session, RpwHistoryPoint, existing, keyed, source_file=source_file, file_sha256=file_sha256
    )


def history_figures(
    session: Session, corridor_codes: Iterable[str] | None, basket_usd: int
) -> list[HistoryFigure]:
    """Stored quarters (all corridors, or the given ones), by corridor, oldest first."""
    stmt = select(RpwHistoryPoint).where(col(RpwHistoryPoint.basket_usd) == basket_usd)
    if corridor_codes is not None:
        stmt = stmt.where(col(RpwHistoryPoint.corridor_code).in_(list(corridor_codes)))
    out = [
        HistoryFigure(
            corridor=p.corridor_code,
            period=p.period,
            basket_usd=p.basket_usd,
            total_cost_pct=p.total_cost_pct,
            fee_pct=p.fee_pct,
            fx_margin_pct=p.fx_margin_pct,
            providers=p.providers,
            source_file=p.source_file,
            file_sha256=p.file_sha256,
        )
        for p in session.execute(stmt).scalars()
    ]
    out.sort(key=lambda f: (f.corridor, period_sort_key(f.period)))
    return out
