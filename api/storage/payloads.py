"""Hash-addressed archive of raw source payloads, so any stored number traces to its bytes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session

from api.storage.models import RawPayload


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def archive(
    session: Session,
    *,
    source: str,
    url: str,
    content: bytes,
    fetched_at: datetime,
    content_type: str | None = None,
) -> str:
    digest = sha256(content)
    if session.get(RawPayload, digest) is None:
        session.add(
            RawPayload(
                sha256=digest,
                source=source,
                url=url,
                fetched_at=fetched_at,
                content_type=content_type,
                content=content,
            )
        )
    return digest
