"""Typed dependencies shared by API routes and web pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from api.storage.db import get_session
from api.storage.types import utcnow


def get_now() -> datetime:
    return utcnow()


SessionDep = Annotated[Session, Depends(get_session)]
NowDep = Annotated[datetime, Depends(get_now)]
