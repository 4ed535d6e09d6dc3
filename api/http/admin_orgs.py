"""Admin API for the organisations that embed the widget (X-API-Key): add, list, remove,
and the per-day view counts of an organisation's widget."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from api.domain.languages import LANGUAGES, match_language
from api.http.deps import NowDep, OrgsScope, SessionDep
from api.storage import orgs
from api.storage.models import Organisation


def require_orgs_admin(principal: OrgsScope) -> str:
    """The name of the API key allowed to manage organisations (scope `orgs`)."""
    return principal.name


OrgsAdminDep = Annotated[str, Depends(require_orgs_admin)]
admin_orgs_router = APIRouter(prefix="/api/v1/admin/orgs", tags=["admin"])


class OrgIn(BaseModel):
    slug: str = Field(max_length=40, examples=["bradford-pk"])
    name: str = Field(max_length=200, examples=["Bradford Pakistani Association"])
    origins: list[str] = Field(
        max_length=orgs.MAX_ORIGINS,
        description="Origins allowed to embed the widget (CSP frame-ancestors)",
        examples=[["https://bradford-pk.example.org"]],
    )
    corridors: list[str] = Field(
        default_factory=list, max_length=100, description="Corridors offered; empty = all"
    )
    default_from: str | None = Field(default=None, max_length=2)
    default_to: str | None = Field(default=None, max_length=2)
    lang: str | None = Field(default=None, max_length=8, description="Default language")
    count_views: bool = Field(default=False, description="Count widget views per day")


class OrgOut(BaseModel):
    slug: str
    name: str
    origins: list[str]
    corridors: list[str]
    default_from: str | None
    default_to: str | None
    lang: str | None
    count_views: bool
    created_at: dt.datetime


class OrgsResponse(BaseModel):
    organisations: list[OrgOut]


class ViewDayOut(BaseModel):
    day: dt.date
    views: int


class ViewsResponse(BaseModel):
    slug: str
    count_views: bool
    since: dt.date
    total: int
    days: list[ViewDayOut] = Field(description="Days with at least one view, oldest first")


def org_out(row: Organisation) -> OrgOut:
    return OrgOut(
        slug=row.slug,
        name=row.name,
        origins=row.origin_list(),
        corridors=row.corridor_list(),
        default_from=row.default_from,
        default_to=row.default_to,
        lang=row.default_lang,
        count_views=row.count_views,
        created_at=row.created_at,
    )


def _bad(field: str, message: str, status: int = 422) -> HTTPException:
    return HTTPException(status, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


def _found(session: SessionDep, slug: str) -> Organisation:
    row = orgs.get_org(session, slug)
    if row is None:
        raise HTTPException(404, f"no organisation {slug[:40]!r}")
    return row


@admin_orgs_router.get("", response_model=OrgsResponse)
def list_organisations(session: SessionDep, _admin: OrgsAdminDep) -> OrgsResponse:
    """Every organisation with its allowed origins and defaults."""
    return OrgsResponse(organisations=[org_out(r) for r in orgs.list_orgs(session)])


@admin_orgs_router.post("", response_model=OrgOut, status_code=201)
def add_organisation(body: OrgIn, session: SessionDep, now: NowDep, _admin: OrgsAdminDep) -> OrgOut:
    """Add an organisation; 409 if the slug is taken, 422 naming the bad field."""
    lang = match_language(body.lang) if body.lang else None
    if body.lang and lang is None:
        raise _bad("lang", f"unknown language: one of {', '.join(LANGUAGES)}")
    data = orgs.OrgInput(
        body.slug,
        body.name,
        body.origins,
        body.corridors,
        body.default_from,
        body.default_to,
        lang,
        body.count_views,
    )
    try:
        checked = orgs.check_org(session, data, LANGUAGES)
        row = orgs.add_org(session, checked, now)
    except orgs.OrgError as exc:
        session.rollback()
        raise _bad(
            exc.field, exc.message, 409 if isinstance(exc, orgs.OrgExists) else 422
        ) from None
    session.commit()
    return org_out(row)


@admin_orgs_router.get("/{slug}", response_model=OrgOut)
def get_organisation(slug: str, session: SessionDep, _admin: OrgsAdminDep) -> OrgOut:
    return org_out(_found(session, slug))


@admin_orgs_router.delete("/{slug}", status_code=204)
def remove_organisation(slug: str, session: SessionDep, _admin: OrgsAdminDep) -> None:
    """Remove the organisation and its view counts; its widget falls back to the default
    framing policy at once."""
    _found(session, slug)
    orgs.remove_org(session, slug)
    session.commit()


@admin_orgs_router.get("/{slug}/views", response_model=ViewsResponse)
def organisation_views(
    slug: str,
    session: SessionDep,
    now: NowDep,
    _admin: OrgsAdminDep,
    days: Annotated[int, Query(ge=1, le=366, description="How many UTC days back")] = 30,
) -> ViewsResponse:
    """Widget views per UTC day (counted only when the organisation asked for it)."""
    row = _found(session, slug)
    since = orgs.days_back(now.date(), days)
    rows = orgs.views(session, row, since)
    return ViewsResponse(
        slug=row.slug,
        count_views=row.count_views,
        since=since,
        total=sum(r.views for r in rows),
        days=[ViewDayOut(day=r.day, views=r.views) for r in rows],
    )
