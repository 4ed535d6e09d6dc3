"""Typed dependencies shared by API routes and web pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from sqlmodel import Session

from api.services.auth import SCOPES, Principal, authenticate
from api.settings import get_settings
from api.storage.db import get_session
from api.storage.types import utcnow


async def get_now() -> datetime:
    # async: a trivial dependency should not cost a thread-pool hop per request.
    return utcnow()


SessionDep = Annotated[Session, Depends(get_session)]
NowDep = Annotated[datetime, Depends(get_now)]


@contextmanager
def app_session(app: FastAPI) -> Iterator[Session]:
    """The session the `get_session` dependency would give (test overrides included), for a
    route that opens one only when it needs the database (e.g. on a cache miss)."""
    made = app.dependency_overrides.get(get_session, get_session)()
    if isinstance(made, Session):
        yield made
        return
    session = next(made)
    try:
        yield session
    finally:
        made.close()


async def app_now(app: FastAPI) -> datetime:
    """`get_now` as the app resolves it (test overrides included)."""
    made = app.dependency_overrides.get(get_now, get_now)()
    if isinstance(made, datetime):
        return made
    now: datetime = await made
    return now


# -- admin keys ---------------------------------------------------------------------------------

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An admin key from `remit admin create-key`"
)
# Query parameters that would carry a key in the URL (refused: URLs end up in logs).
KEY_QUERY_PARAMS = frozenset({"api_key", "apikey", "key", "x-api-key", "x_api_key", "token"})


def require_scope(scope: str) -> Callable[..., Principal]:
    """A dependency admitting a request whose X-API-Key is active and holds ``scope``
    (401 without a valid key, 403 when the key lacks the scope, 400 for a key in the URL)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def dependency(
        request: Request,
        session: SessionDep,
        key: Annotated[str | None, Security(api_key_header)],
    ) -> Principal:
        in_url = sorted(KEY_QUERY_PARAMS & {k.lower() for k in request.query_params})
        if in_url:
            raise HTTPException(
                400,
                [
                    {
                        "loc": ["query", in_url[0]],
                        "msg": "send the API key in the X-API-Key header, never in the URL",
                        "type": "value_error",
                    }
                ],
            )
        if not key:  # Prometheus and most tools send `Authorization: Bearer <key>`
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            key = token.strip() if scheme.lower() == "bearer" else None
        if not key:
            raise HTTPException(401, "missing X-API-Key header", {"WWW-Authenticate": "X-API-Key"})
        principal = authenticate(session, key, get_settings(), utcnow())
        if principal is None:
            raise HTTPException(401, "invalid API key", {"WWW-Authenticate": "X-API-Key"})
        if not principal.allows(scope):
            raise HTTPException(403, f"this API key lacks the {scope!r} scope")
        return principal

    dependency.__name__ = f"require_scope_{scope}"
    return dependency


ReadScope = Annotated[Principal, Depends(require_scope("read"))]
IngestScope = Annotated[Principal, Depends(require_scope("ingest"))]
OrgsScope = Annotated[Principal, Depends(require_scope("orgs"))]


def public_base(request: Request) -> str:
    """The base of links meant to leave the site (share links, widget snippets): the
    configured REMIT_PUBLIC_BASE_URL, never a client's Host header when one is set."""
    configured = get_settings().public_base_url
    return (configured or str(request.base_url)).rstrip("/")
