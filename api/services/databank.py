"""Import corridor histories: the World Bank DataBank series ATCR.CORR (published figures) and
the third party's quarterly means of RPW service rows (`rpw_history`, its own series).

The whole file is parsed before anything is stored: a malformed file raises ParseError and
leaves the database untouched. Re-importing the same file changes nothing (points are keyed
by series, corridor, quarter and basket). The values are the World Bank's own corridor
averages, stored as published and never recomputed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from sqlmodel import Session

from api.ingestion.formats import ParseError, databank, rpw_history
from api.settings import DATA_DIR
from api.storage.keyed_points import SeriesStoreCounts
from api.storage.published import (
    DATABANK_FILE,
    SeriesPointIn,
    iso2,
    store_series_points,
)
from api.storage.rpw_history import HISTORY_FILE, HistoryPointIn, store_history_points

DEFAULT_DATABANK = DATA_DIR / "reference" / DATABANK_FILE
DEFAULT_RPW_HISTORY = DATA_DIR / "reference" / HISTORY_FILE


class _Point(Protocol):
    @property
    def corridor_code(self) -> str: ...


P = TypeVar("P", bound=_Point)


@dataclass(frozen=True)
class DataBankReport:
    filename: str
    corridors: int
    points: int
    stored: int
    updated: int
    unchanged: int


def _corridor(line: int, sending_iso3: str, receiving_iso3: str) -> tuple[str, str]:
    src, dst = iso2(sending_iso3), iso2(receiving_iso3)
    if src is None or dst is None:
        unknown = sending_iso3 if src is None else receiving_iso3
        raise ParseError(f"line {line}: country code {unknown} is not one we can map")
    return src, dst


def databank_points(content: bytes) -> list[SeriesPointIn]:
    """Parse a DataBank corridors export into points to store (ParseError when malformed)."""
    out = []
    for p in databank.parse(content):
        src, dst = _corridor(p.line, p.sending_iso3, p.receiving_iso3)
        out.append(
            SeriesPointIn(
                series_code=p.series_code,
                series_name=p.series_name,
                corridor_code=f"{src}-{dst}",
                sending_iso3=p.sending_iso3,
                receiving_iso3=p.receiving_iso3,
                period=p.period,
                average_pct=p.value,
            )
        )
    return out


def import_databank(
    session: Session,
    content: bytes,
    filename: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> DataBankReport:
    """Parse, then store in the caller's transaction (the caller commits)."""
    points = databank_points(content)
    return _store(session, points, store_series_points, content, filename, progress)


def _store(
    session: Session,
    points: Sequence[P],
    store: Callable[[Session, Sequence[P], str, str], SeriesStoreCounts],
    content: bytes,
    filename: str,
    progress: Callable[[int, int], None] | None,
) -> DataBankReport:
    digest = hashlib.sha256(content).hexdigest()
    stored = updated = unchanged = 0
    step = 200
    for start in range(0, len(points), step):
        counts = store(session, points[start : start + step], filename, digest)
        stored, updated, unchanged = (
            stored + counts.stored,
            updated + counts.updated,
            unchanged + counts.unchanged,
        )
        if progress is not None:
            progress(min(start + step, len(points)), len(points))
    return DataBankReport(
        filename=filename,
        corridors=len({p.corridor_code for p in points}),
        points=len(points),
        stored=stored,
        updated=updated,
        unchanged=unchanged,
    )


def ensure_databank(session: Session, path: Path = DEFAULT_DATABANK) -> DataBankReport:
    """Import the bundled DataBank history (idempotent: a no-op once imported)."""
    return import_databank(session, path.read_bytes(), path.name)


def rpw_history_points(content: bytes) -> list[HistoryPointIn]:
    """Parse the third party's quarterly means of RPW service rows (ParseError when malformed)."""
    out = []
    for p in rpw_history.parse(content):
        src, dst = _corridor(p.line, p.sending_iso3, p.receiving_iso3)
        out.append(
            HistoryPointIn(
                corridor_code=f"{src}-{dst}",
                sending_iso3=p.sending_iso3,
                receiving_iso3=p.receiving_iso3,
                period=p.period,
                fee_pct=p.fee_pct,
                fx_margin_pct=p.fx_margin_pct,
                providers=p.providers,
            )
        )
    return out


def import_rpw_history(
    session: Session,
    content: bytes,
    filename: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> DataBankReport:
    """Parse the whole file, then store in the caller's transaction (the caller commits)."""
    points = rpw_history_points(content)
    return _store(session, points, store_history_points, content, filename, progress)


def ensure_rpw_history(session: Session, path: Path = DEFAULT_RPW_HISTORY) -> DataBankReport:
    """Import the bundled history (idempotent: a no-op once imported)."""
    return import_rpw_history(session, path.read_bytes(), path.name)
