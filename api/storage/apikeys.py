"""Admin API keys: only a keyed hash of a key is stored (HMAC-SHA256 with the secret key),
so a copy of the table alone cannot be used to test guessed keys. A presented key is
hashed and looked up by that hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from api.storage.models import ApiKey

KEY_PREFIX = "remit_"


def hash_key(key: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_key(
    session: Session,
    name: str,
    now: datetime,
    *,
    secret: str,
    scopes: Iterable[str] = ("read",),
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key's hash; the plain key is returned once and never stored."""
    plain = new_key()
    row = ApiKey(
        name=name,
        key_hash=hash_key(plain, secret),
        created_at=now,
        scopes=" ".join(sorted(set(scopes))),
        expires_at=expires_at,
        hash_scheme="hmac",
    )
    session.add(row)
    session.flush()
    return row, plain


def find_key(session: Session, presented: str, secret: str) -> ApiKey | None:
    """The unrevoked key whose keyed hash matches ``presented`` (expiry is the caller's)."""
    digest = hash_key(presented, secret)
    stmt = select(ApiKey).where(
        ApiKey.key_hash == digest,
        col(ApiKey.revoked).is_(False),
        ApiKey.hash_scheme == "hmac",
    )
    row = session.exec(stmt).first()
    if row is not None and hmac.compare_digest(row.key_hash, digest):
        return row
    return None


def revoke_keys(session: Session, key_or_name: str, secret: str) -> list[str]:
    """Revoke the key given in plain (a leaked key), or else every unrevoked key created
    under that name; returns the names of the keys revoked (the caller commits)."""
    if key_or_name.startswith(KEY_PREFIX):
        found = find_key(session, key_or_name, secret)
        rows = [found] if found is not None else []
    else:
        stmt = select(ApiKey).where(ApiKey.name == key_or_name, col(ApiKey.revoked).is_(False))
        rows = list(session.exec(stmt))
    for row in rows:
        row.revoked = True
        session.add(row)
    session.flush()
    return [row.name for row in rows]


def matches(presented: str, expected: str) -> bool:
    """Constant-time comparison of two keys (through their hashes, so lengths do not leak)."""
    a = hashlib.sha256(presented.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)
