"""Organisations that embed the widget: which origins may frame it, which corridors it
offers, its defaults, and an optional count of views per UTC day (a number per day and
nothing else: no IP address, no user agent, no cookie).

`check_org` validates what a person typed (CLI or admin API) and raises `OrgError` naming
the bad field; nothing is written until every field is valid.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.storage.models import Corridor, Organisation, WidgetViewDay
from api.storage.viewcount import VIEWS

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(rf"^(https?)://({_LABEL}(?:\.{_LABEL})*)(?::(\d{{1,5}}))?/?$")
MAX_ORIGINS = 20
MAX_NAME = 200
MAX_ORIGIN = 263  # scheme, a 253-character host name and a port
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # NUL is refused by PostgreSQL, the rest by us
DEFAULT_PORTS = {"http": 80, "https": 443}


class OrgError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class OrgExists(OrgError):
    """The slug is taken."""


def normalize_origin(text: str) -> str:
    """'HTTPS://Example.org/' -> 'https://example.org'; ValueError if it is not an origin
    (a scheme, a host and an optional port: no path, query, user, wildcard or space)."""
    match = _ORIGIN.match(text.strip().lower())
    if match is None:
        raise ValueError(
            f"{text.strip()[:80]!r} is not an origin like https://example.org or "
            "http://127.0.0.1:8080 (scheme, host and optional port only)"
        )
    scheme, host, port = match.groups()
    if port is not None:
        number = int(port)
        if not 1 <= number <= 65535:
            raise ValueError(f"port {port} is out of range")
        if number != DEFAULT_PORTS[scheme]:
            return f"{scheme}://{host}:{number}"
    return f"{scheme}://{host}"


@dataclass
class OrgInput:
    slug: str
    name: str
    origins: Sequence[str]
    corridors: Sequence[str] = ()
    default_from: str | None = None
    default_to: str | None = None
    default_lang: str | None = None
    count_views: bool = False


@dataclass(frozen=True)
class CheckedOrg:
    slug: str
    name: str
    origins: list[str]
    corridors: list[str] = field(default_factory=list)
    default_from: str | None = None
    default_to: str | None = None
    default_lang: str | None = None
    count_views: bool = False


def check_org(session: Session, data: OrgInput, languages: Collection[str]) -> CheckedOrg:
    """Validate every field; `languages` are the codes the widget is translated into."""
    slug = data.slug.strip().lower()
    if not SLUG.match(slug):
        raise OrgError("slug", "use 1-40 lowercase letters, digits and hyphens, e.g. 'bradford-pk'")
    name = data.name.strip()
    if not name or len(name) > MAX_NAME:
        raise OrgError("name", f"the name must be 1-{MAX_NAME} characters")
    if _CONTROL.search(name):
        raise OrgError("name", "the name must not contain control characters (NUL, tab, newline)")
    if not data.origins:
        raise OrgError("origin", "give at least one origin allowed to embed the widget")
    if len(data.origins) > MAX_ORIGINS:
        raise OrgError("origin", f"at most {MAX_ORIGINS} origins")
    origins: list[str] = []
    for raw in data.origins:
        if len(raw) > MAX_ORIGIN:
            raise OrgError("origin", f"an origin has at most {MAX_ORIGIN} characters")
        try:
            origin = normalize_origin(raw)
        except ValueError as exc:
            raise OrgError("origin", str(exc)) from None
        if origin not in origins:
            origins.append(origin)
    known = set(session.exec(select(Corridor.code)).all())
    corridors: list[str] = []
    for raw in data.corridors:
        code = raw.strip().upper()
        if code not in known:
            raise OrgError("corridor", f"unknown corridor {raw.strip()[:20]!r}, e.g. GB-PK")
        if code not in corridors:
            corridors.append(code)
    src = data.default_from.strip().upper() if data.default_from else None
    dst = data.default_to.strip().upper() if data.default_to else None
    if (src is None) != (dst is None):
        raise OrgError(
            "default_to" if dst is None else "default_from",
            "give both the default sending and receiving country, or neither",
        )
    if src is not None and dst is not None:
        code = f"{src}-{dst}"
        if code not in known:
            raise OrgError("default_to", f"we do not cover the corridor {code[:20]!r}")
        if corridors and code not in corridors:
            corridors.insert(0, code)
    lang = data.default_lang.strip() if data.default_lang else None
    if lang is not None and lang not in languages:
        raise OrgError("lang", f"unknown language {lang[:20]!r}: one of {', '.join(languages)}")
    return CheckedOrg(slug, name, origins, corridors, src, dst, lang, data.count_views)


def add_org(session: Session, org: CheckedOrg, now: datetime) -> Organisation:
    if get_org(session, org.slug) is not None:
        raise OrgExists("slug", f"an organisation {org.slug!r} already exists")
    row = Organisation(
        slug=org.slug,
        name=org.name,
        origins=" ".join(org.origins),
        corridors=" ".join(org.corridors),
        default_from=org.default_from,
        default_to=org.default_to,
        default_lang=org.default_lang,
        count_views=org.count_views,
        created_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent add of the same slug loses cleanly
            session.add(row)
    except IntegrityError:
        raise OrgExists("slug", f"an organisation {org.slug!r} already exists") from None
    return row


def get_org(session: Session, slug: str) -> Organisation | None:
    if not SLUG.match(slug):
        return None
    return session.exec(select(Organisation).where(Organisation.slug == slug)).first()


def list_orgs(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(col(Organisation.slug))).all())


def remove_org(session: Session, slug: str) -> bool:
    """Delete the organisation and its view counts; False if there was none."""
    row = get_org(session, slug)
    if row is None:
        return False
    session.execute(delete(WidgetViewDay).where(col(WidgetViewDay.organisation_id) == row.id))
    if row.id is not None:
        VIEWS.forget(row.id)
    session.delete(row)
    session.flush()
    return True


def count_view(org: Organisation, day: date) -> None:
    """One view of the organisation's widget on `day`: counted in memory, written by the
    next flush (api/storage/viewcount.py), so a page view never takes the write lock."""
    assert org.id is not None
    VIEWS.add(org.id, day)


def flush_views(session: Session) -> int:
    """Write the views counted in memory (one short transaction); see viewcount.py."""
    return VIEWS.flush(session, add_views)


def add_views(session: Session, counts: Mapping[tuple[int, date], int]) -> None:
    """Add counted views per (organisation, day), atomically on both databases."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = WidgetViewDay.__table__  # type: ignore[attr-defined]
    for (organisation_id, day), n in sorted(counts.items()):
        stmt = insert(table).values(organisation_id=organisation_id, day=day, views=n)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.organisation_id, table.c.day],
            set_={"views": table.c.views + n},
        )
        session.execute(stmt)


def views(session: Session, org: Organisation, since: date) -> list[WidgetViewDay]:
    """Views per day since `since`: what is stored plus what this process has counted and
    not yet written."""
    assert org.id is not None
    stored = {
        row.day: row.views
        for row in session.exec(
            select(WidgetViewDay).where(
                WidgetViewDay.organisation_id == org.id, col(WidgetViewDay.day) >= since
            )
        )
    }
    for day, n in VIEWS.pending(org.id).items():
        if day >= since:
            stored[day] = stored.get(day, 0) + n
    return [
        WidgetViewDay(organisation_id=org.id, day=day, views=n) for day, n in sorted(stored.items())
    ]


def days_back(today: date, days: int) -> date:
    return today - timedelta(days=days - 1)
