"""Admin API keys: only the SHA-256 of a key is stored; a presented key is hashed and
compared with every active key's hash in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from api.storage.models import ApiKey

KEY_PREFIX = "remit_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_key(session: Session, name: str, now: datetime) -> tuple[ApiKey, str]:
    """Store a new key's hash; the plain key is returned once and never stored."""
    plain = new_key()
    row = ApiKey(name=name, key_hash=hash_key(plain), created_at=now)
    session.add(row)
    session.flush()
    return row, plain


def find_key(session: Session, presented: str) -> ApiKey | None:
    """The active key matching ``presented`` (compared hash by hash, no early exit)."""
    digest = hash_key(presented)
    match: ApiKey | None = None
    for row in session.exec(select(ApiKey).where(col(ApiKey.revoked).is_(False))):
        if hmac.compare_digest(row.key_hash, digest):
            match = row
    return match


def matches(presented: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_key(presented), key_hash)
