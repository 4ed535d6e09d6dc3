"""Typed dependencies shared by API routes and web pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlmodel import Session

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
