"""Import the World Bank DataBank corridor history (series ATCR.CORR) as published figures.

The whole file is parsed before anything is stored: a malformed file raises ParseError and
leaves the database untouched. Re-importing the same file changes nothing (points are keyed
by series, corridor, quarter and basket). The values are the World Bank's own corridor
averages, stored as published and never recomputed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from api.ingestion.formats import ParseError, databank
from api.settings import DATA_DIR
from api.storage.published import (
    DATABANK_FILE,
    SeriesPointIn,
    iso2,
    store_series_points,
)

DEFAULT_DATABANK = DATA_DIR / "reference" / DATABANK_FILE


@dataclass(frozen=True)
class DataBankReport:
    filename: str
    corridors: int
    points: int
    stored: int
    updated: int
    unchanged: int


def databank_points(content: bytes) -> list[SeriesPointIn]:
    """Parse a DataBank corridors export into points to store (ParseError when malformed)."""
    out = []
    for p in databank.parse(content):
        src, dst = iso2(p.sending_iso3), iso2(p.receiving_iso3)
        if src is None or dst is None:
            unknown = p.sending_iso3 if src is None else p.receiving_iso3
            raise ParseError(f"line {p.line}: country code {unknown} is not one we can map")
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
    digest = hashlib.sha256(content).hexdigest()
    stored = updated = unchanged = 0
    step = 200
    for start in range(0, len(points), step):
        counts = store_series_points(session, points[start : start + step], filename, digest)
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
