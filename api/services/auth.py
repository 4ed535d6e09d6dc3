"""Admin authentication: an API key from the `apikey` table (keyed hash only, with scopes
and an optional expiry), or the optional bootstrap key from REMIT_ADMIN_API_KEY (every
scope; production refuses one shorter than 32 characters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from api.settings import Settings
from api.storage.apikeys import create_key, find_key, matches

BOOTSTRAP = "bootstrap (REMIT_ADMIN_API_KEY)"
MAX_KEY_LENGTH = 256
# read: collector status and metrics; ingest: feeds and mystery-shopping quotes;
# orgs: organisations (widget partners).
SCOPES = ("read", "ingest", "orgs")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who presented a valid key, and what it may do."""

    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def parse_scopes(values: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Scopes named on the command line (repeatable or comma separated); ValueError names
    the unknown one."""
    out: set[str] = set()
    for value in values:
        for part in value.replace(",", " ").split():
            if part not in SCOPES:
                raise ValueError(f"unknown scope {part!r}; known: {', '.join(SCOPES)}")
            out.add(part)
    if not out:
        raise ValueError(f"at least one scope is needed: {', '.join(SCOPES)}")
    return frozenset(out)


def authenticate(
    session: Session, presented: str, settings: Settings, now: datetime
) -> Principal | None:
    """The key presented, if it is active (not revoked, not expired); else None."""
    if not presented or len(presented) > MAX_KEY_LENGTH:
        return None
    row = find_key(session, presented, settings.secret_key)
    bootstrap = settings.admin_api_key is not None and matches(presented, settings.admin_api_key)
    if row is not None:
        if row.expires_at is not None and row.expires_at <= now:
            return None
        return Principal(row.name, frozenset(row.scopes.split()))
    return Principal(BOOTSTRAP, frozenset(SCOPES)) if bootstrap else None


def new_api_key(
    session: Session,
    name: str,
    now: datetime,
    settings: Settings,
    *,
    scopes: frozenset[str] = frozenset({"read"}),
    expires_at: datetime | None = None,
) -> str:
    """Create a key; the plain key is returned once (only its keyed hash is stored)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("the key name must be 1-100 characters")
    if expires_at is not None and expires_at <= now:
        raise ValueError("the expiry must be in the future")
    _, plain = create_key(
        session, name, now, secret=settings.secret_key, scopes=scopes, expires_at=expires_at
    )
    session.commit()
    return plain
