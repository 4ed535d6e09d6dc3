"""Imported series points stored once per key, with the file they came from: a point
already stored with the same values is left alone (re-importing a file changes nothing), a
revised one is replaced and takes the new file's provenance."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from api.storage.types import utcnow


@dataclass(frozen=True)
class SeriesStoreCounts:
    stored: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class KeyedPoint:
    key: Hashable
    identity: Mapping[str, Any]  # the fields that make the key (set on insert only)
    values: Mapping[str, Any]  # the imported figures (compared, replaced when revised)


def upsert_points(
    session: Session,
    model: Callable[..., Any],
    existing: Mapping[Any, Any],
    points: Iterable[KeyedPoint],
    *,
    source_file: str,
    file_sha256: str,
) -> SeriesStoreCounts:
    """Insert new points, replace revised ones, count the unchanged (flushes, never commits)."""
    provenance = {"source_file": source_file, "file_sha256": file_sha256, "imported_at": utcnow()}
    stored = updated = unchanged = 0
    for p in points:
        row = existing.get(p.key)
        if row is None:
            session.add(model(**p.identity, **p.values, **provenance))
            stored += 1
        elif any(getattr(row, k) != v for k, v in p.values.items()):
            for k, v in {**p.values, **provenance}.items():
                setattr(row, k, v)
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return SeriesStoreCounts(stored, updated, unchanged)
