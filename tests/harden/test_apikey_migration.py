"""Migration 0005_apikeys: keys stored before it (unkeyed SHA-256) cannot be checked by the
keyed hash, so the upgrade revokes them; the key table gains scopes and expiry."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from api.storage.db import make_engine
from api.storage.migrate import upgrade


def test_upgrade_revokes_keys_hashed_before_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0003_price_book")
    old_hash = hashlib.sha256(b"remit_old-key").hexdigest()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO apikey (name, key_hash, created_at, revoked) "
                "VALUES ('old', :h, :t, false)"
            ),
            {"h": old_hash, "t": datetime(2026, 1, 1, tzinfo=UTC).isoformat()},
        )
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT revoked, scopes, expires_at, hash_scheme FROM apikey")
        ).one()
    engine.dispose()
    assert tuple(row) == (1, "read", None, "sha256")
