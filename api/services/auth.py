"""Admin authentication: an API key from the `apikey` table (hash only), or the optional
bootstrap key from REMIT_ADMIN_API_KEY (compared by hash too)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api.settings import Settings
from api.storage.apikeys import create_key, find_key, hash_key, matches

BOOTSTRAP = "bootstrap (REMIT_ADMIN_API_KEY)"
MAX_KEY_LENGTH = 256


def authenticate(session: Session, presented: str, settings: Settings) -> str | None:
    """The name of the key presented, or None if it is not an active key."""
    if not presented or len(presented) > MAX_KEY_LENGTH:
        return None
    row = find_key(session, presented)
    bootstrap = settings.admin_api_key is not None and matches(
        presented, hash_key(settings.admin_api_key)
    )
    if row is not None:
        return row.name
    return BOOTSTRAP if bootstrap else None


def new_api_key(session: Session, name: str, now: datetime) -> str:
    """Create a key; the plain key is returned once (only its hash is stored)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("the key name must be 1-100 characters")
    _, plain = create_key(session, name, now)
    session.commit()
    return plain
