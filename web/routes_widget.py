"""`/widget` (a small comparison document that other sites put in an iframe), its loader
`/widget.js`, and `/widget/builder` (where an organisation sets it up).

Embed with the loader (resizes the iframe to its content):
    <script src="https://<host>/widget.js" data-org="bradford-pk" data-from="GB"
            data-to="PK" data-amount="200" data-lang="ur" async></script>
or with a plain iframe (no script; fixed height per language, `SNIPPET_HEIGHT`).

Framing: `/widget?org=SLUG` sends `Content-Security-Policy: frame-ancestors` with exactly
that organisation's origins; without an org, or with an unknown one, the configured default
list (`settings.widget_allowed_origins`, empty → 'none'). Every other page keeps
`frame-ancestors 'none'`. The builder's preview adds 'self' (`preview=1`), nothing else.

Privacy: no cookie, no third-party request; an organisation may ask for a count of views
per UTC day (a number, nothing about the visitor).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup
from starlette.background import BackgroundTask
from starlette.datastructures import QueryParams

from api.http.deps import NowDep, SessionDep, app_session, public_base
from api.http.present import quote_public, rate_public
from api.http.schemas import QuotePublic, RatePublic
from api.services.compare import BadRequest, CompareRequest, CompareResult, NotFound, compare
from api.settings import Settings, get_settings
from api.storage import orgs
from api.storage.models import Corridor, Organisation
from api.storage.viewcount import VIEWS
from web import params
from web.data import CorridorIndex, corridor_index, default_amount
from web.formatting import Formatter
from web.i18n import LANGUAGES, N_, match_language, translator
from web.render import Page, PageDep, PageError, render
from web.routes_compare import (
    INFORMAL_RISKS,
    LESSON_INFORMAL,
    no_provider_text,
    provider_rows,
    shows_sample,
)
from web.static import compact_js, serve_bytes

log = logging.getLogger("remit.web.widget")
router = APIRouter(include_in_schema=False)
SettingsDep = Annotated[Settings, Depends(get_settings)]

WIDGET_TITLE = N_("Money transfer price comparison")
# How long the loader waits for the widget's first height message before it keeps the plain
# link (named WIDGET_TITLE) and drops the frame the browser refused to show.
LOADER_WAIT_MS = 5000
TOP = 3
THEMES = {"light": N_("Light"), "dark": N_("Dark")}
LOADER = Path(__file__).resolve().parent / "templates" / "widget.js"
# Height in CSS px of the plain-iframe snippet, per language: the widget's content height
# for GB-PK at the default amount in a 360 px wide frame, plus a little room, as measured
# by tests/web/test_widget_browser.py (which fails when these drift from the real page).
SNIPPET_HEIGHT = {
    "en": 887,
    "ur": 1016,
    "fa-AF": 843,
    "fa-IR": 843,
    "ps": 843,
    "bn": 887,
    "ar": 846,
}
MESSAGE_TYPE = "silkroutes-remit:height"


def frame_ancestors(origins: list[str]) -> str:
    """Only well-formed origins reach the header (no CSP injection through settings)."""
    good = []
    for origin in origins:
        try:
            good.append(orgs.normalize_origin(origin))
        except ValueError:
            log.warning("ignoring malformed widget origin %r", origin)
    return " ".join(good) if good else "'none'"


def widget_csp(origins: list[str], *, preview: bool = False) -> str:
    ancestors = frame_ancestors(origins)
    if preview:  # the builder on our own site shows the real widget
        ancestors = "'self'" if ancestors == "'none'" else f"'self' {ancestors}"
    return (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


def _one(q: QueryParams, name: str) -> str | None:
    values = q.getlist(name)
    return values[-1].strip() or None if values else None


@dataclass(frozen=True)
class Offer:
    q: QuotePublic
    survey: bool


@dataclass
class Frame:
    """What the request asks of the widget before any price is looked up."""

    page: Page
    org: Organisation | None
    origins: list[str]  # frame-ancestors
    theme: str
    preview: bool
    routes: list[Corridor]  # the corridors this widget offers
    index: CorridorIndex

    def hidden(self) -> dict[str, str]:
        """Fields the in-frame form carries along."""
        out = {"lang": self.page.lang, "theme": self.theme}
        if self.org is not None:
            out["org"] = self.org.slug
        if self.preview:
            out["preview"] = "1"
        return out


def _widget_page(page: Page, org: Organisation | None) -> Page:
    """The page in ?lang=, else the organisation's language, else Accept-Language; links
    always carry the language (the full comparison opens in the widget's language)."""
    code = page.lang
    if not page.explicit_language and org is not None and org.default_lang in LANGUAGES:
        code = org.default_lang
    language = LANGUAGES[code]
    return Page(page.request, language, True, translator(code), Formatter(language))


def read_frame(page: Page, session: SessionDep, settings: Settings) -> Frame:
    q = page.request.query_params
    slug = _one(q, "org")
    org = orgs.get_org(session, slug.lower()) if slug else None
    origins = org.origin_list() if org is not None else list(settings.widget_allowed_origins)
    page = _widget_page(page, org)
    theme = _one(q, "theme") or "light"
    preview = _one(q, "preview") == "1"
    index = corridor_index(session)
    allowed = org.corridor_list() if org is not None else []
    routes = [index.corridors[c] for c in allowed if c in index.corridors] or list(
        index.corridors.values()
    )
    frame = Frame(page, org, origins, "light", preview, routes, index)
    if theme not in THEMES:
        raise WidgetError(
            frame,
            PageError(
                400,
                params.BAD_VALUE,
                N_("This is not one of the choices offered."),
                field="theme",
                value=theme,
            ),
        )
    frame.theme = theme
    return frame


class WidgetError(Exception):
    def __init__(self, frame: Frame, error: PageError) -> None:
        super().__init__(error.message)
        self.frame = frame
        self.error = error


def chosen_corridor(frame: Frame, index: CorridorIndex) -> Corridor | None:
    """route=GB-PK, or from=&to=, or the organisation's default; None: let the visitor
    choose. A corridor outside the organisation's list is a friendly 400."""
    q = frame.page.request.query_params
    route = _one(q, "route")
    if route is not None:
        src, _, dst = route.upper().partition("-")
        corridor = index.get(src, dst)
        field, value = "route", route
        if corridor is None:
            raise WidgetError(frame, _not_offered(field, value))
    elif _one(q, "from") is not None or _one(q, "to") is not None:
        try:
            src = params.country(q, "from") or ""
            dst = params.country(q, "to") or ""
        except PageError as error:
            raise WidgetError(frame, error) from None
        corridor = index.get(src, dst)
        field, value = "to", dst
        if corridor is None:
            raise WidgetError(
                frame,
                PageError(
                    404,
                    N_("We do not cover this corridor yet"),
                    N_("We have no prices for sending from %(src)s to %(dst)s."),
                    src=frame.page.fmt.country(src),
                    dst=frame.page.fmt.country(dst),
                ),
            )
    elif frame.org is not None and frame.org.default_from and frame.org.default_to:
        corridor = index.get(frame.org.default_from, frame.org.default_to)
        field, value = "org", frame.org.slug
    else:
        return frame.routes[0] if frame.org is not None and frame.org.corridor_list() else None
    if corridor is None or corridor.code not in {r.code for r in frame.routes}:
        raise WidgetError(frame, _not_offered(field, value))
    return corridor


def _not_offered(field: str, value: str) -> PageError:
    return PageError(
        400,
        params.BAD_VALUE,
        N_("This widget does not offer this route."),
        field=field,
        value=value,
    )


def widget_context(
    frame: Frame, session: SessionDep, now: datetime, corridor: Corridor
) -> dict[str, Any]:
    q = frame.page.request.query_params
    try:
        amount = params.amount(q, "amount")
    except PageError as error:
        raise WidgetError(frame, error) from None
    currency = _one(q, "ccy")
    if amount is None or (currency is not None and currency != corridor.send_currency):
        amount = default_amount(corridor)  # the route changed to another currency
    try:
        result: CompareResult = compare(
            session,
            CompareRequest(corridor.from_country, corridor.to_country, amount),
            now,
        )
    except (NotFound, BadRequest) as exc:
        raise WidgetError(
            frame, PageError(400, params.BAD_VALUE, exc.message, field=exc.field)
        ) from None
    # Fees included (the default, as on the main site): `amount` is what the sender pays.
    # Live offers first; World Bank survey prices only when no live offer exists. One row
    # per provider, as on the compare page: its best option, where that option ranks.
    ranked = result.quotes or result.survey
    rows = provider_rows([quote_public(r, now) for r in ranked], {})[:TOP]
    offers = [Offer(row.options[0].q, row.options[0].q.tier == "survey") for row in rows]
    # A label every offer shares is said once, below the list, to keep the frame short.
    outdated = {o.q.mid_rate_as_of for o in offers if o.q.reference_outdated}
    shared_ref = (
        outdated.pop()
        if len(outdated) == 1 and all(o.q.reference_outdated for o in offers)
        else None
    )
    all_sample = bool(offers) and all(o.q.sample for o in offers)
    all_estimated = bool(offers) and all(o.q.estimated for o in offers)
    rates: list[RatePublic] = []
    if result.reference_rate is not None:
        rates = [rate_public(result.reference_rate), *map(rate_public, result.other_rates)]
    ladder = corridor.ladder_amounts()
    return {
        "corridor": corridor,
        "amount": amount,
        "offers": offers,
        "shared_ref": shared_ref,
        "all_sample": all_sample,
        "all_estimated": all_estimated,
        "survey_only": bool(offers) and all(o.survey for o in offers),
        "result": result,
        "sample": shows_sample(result, rates),
        "rates": rates,
        "no_provider": no_provider_text(corridor),
        "informal_risks": INFORMAL_RISKS,
        "lesson_informal": LESSON_INFORMAL,
        "ladder_min": ladder[0] if ladder else None,
        "ladder_max": ladder[-1] if ladder else None,
        "now": now,
    }


def _frame_context(frame: Frame) -> dict[str, Any]:
    parent = frame.origins[0] if len(frame.origins) == 1 else ""
    return {
        "frame": frame,
        "theme": frame.theme,
        "hidden": frame.hidden(),
        "routes": frame.routes,
        "parent": parent,
        "message_type": MESSAGE_TYPE,
    }


@router.api_route("/widget", methods=["GET", "HEAD"])
def widget(
    page: PageDep, session: SessionDep, now: NowDep, settings: SettingsDep, request: Request
) -> Response:
    try:
        frame = read_frame(page, session, settings)
    except WidgetError as exc:
        frame, error = exc.frame, exc.error
        return _error(frame, error)
    try:
        corridor = chosen_corridor(frame, frame.index)
        context: dict[str, Any] = {"corridor": corridor}
        if corridor is not None:
            context = widget_context(frame, session, now, corridor)
    except WidgetError as exc:
        return _error(exc.frame, exc.error)
    headers = {"Content-Security-Policy": widget_csp(frame.origins, preview=frame.preview)}
    counted = frame.org is not None and frame.org.count_views and not frame.preview
    if counted and frame.org is not None and request.method == "GET":
        orgs.count_view(frame.org, now.date())  # in memory: no write lock on a page view
    response = render(
        frame.page,
        "widget.html",
        {**_frame_context(frame), **context},
        headers=headers,
        cache_control="public, max-age=300",
    )
    if VIEWS.due():  # written after the answer is sent, in one short transaction
        response.background = BackgroundTask(_flush_views, request.app)
    return response


def _flush_views(app: Any) -> None:
    with app_session(app) as session:
        orgs.flush_views(session)


def _error(frame: Frame, error: PageError) -> Response:
    headers = {"Content-Security-Policy": widget_csp(frame.origins, preview=frame.preview)}
    return render(
        frame.page,
        "widget_error.html",
        {**_frame_context(frame), "error": error},
        status=error.status,
        headers=headers,
    )


# -- loader ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def loader_source() -> bytes:
    titles = {code: str(translator(code)(WIDGET_TITLE)) for code in LANGUAGES}
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    # Served compact like every script (web/static.compact_js: no maintainer comment, no
    # indentation): it must stay within its 2 KB budget, DESIGN.md §7.
    text = (
        compact_js(LOADER.read_bytes())
        .decode("utf-8")
        .replace("__TITLES__", json.dumps(titles, **compact))  # type: ignore[arg-type]
        .replace("__WAIT__", str(LOADER_WAIT_MS))
        .replace("__TYPE__", json.dumps(MESSAGE_TYPE))
    )
    return text.strip().encode("utf-8")


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_loader(request: Request) -> Response:
    body = loader_source()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return serve_bytes(
        request, body, "text/javascript; charset=utf-8", etag, "public, max-age=3600"
    )


# -- builder -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    org: str
    route: str
    amount: str
    lang: str
    theme: str


def _snippets(base: str, c: Choice) -> tuple[str, str, str, int]:
    """The preview URL, the loader snippet, the plain-iframe snippet and its height."""
    from html import escape
    from urllib.parse import urlencode

    src, _, dst = c.route.partition("-")
    query = {"org": c.org, "from": src, "to": dst, "amount": c.amount, "lang": c.lang}
    if c.theme != "light":
        query["theme"] = c.theme
    query = {k: v for k, v in query.items() if v}
    data = " ".join(f'data-{k}="{escape(v)}"' for k, v in query.items())
    loader = f'<script src="{base}/widget.js" {data} async></script>'
    height = SNIPPET_HEIGHT.get(c.lang, SNIPPET_HEIGHT["en"])
    title = escape(str(translator(c.lang)(WIDGET_TITLE)))
    url = f"{base}/widget?{urlencode(query)}"
    iframe = (
        f'<iframe src="{escape(url)}" title="{title}" width="100%" height="{height}" '
        'style="border:0;max-width:100%" loading="lazy"></iframe>'
    )
    return f"/widget?{urlencode({**query, 'preview': '1'})}", loader, iframe, height


def _mailto(email: str | None) -> Markup | None:
    """The listing contact of the settings as a mail link (escaped), or None."""
    if not email:
        return None
    return Markup('<a href="mailto:{0}">{0}</a>').format(email)


@router.api_route("/widget/builder", methods=["GET", "HEAD"])
def widget_builder(
    page: PageDep, session: SessionDep, request: Request, settings: SettingsDep
) -> Response:
    q = request.query_params
    index = corridor_index(session)
    slug = (_one(q, "org") or "").lower()
    if slug and not orgs.SLUG.match(slug):
        raise PageError(
            400,
            params.BAD_VALUE,
            N_("An organisation name in the address has only letters, digits and hyphens."),
            field="org",
            value=slug,
        )
    org = orgs.get_org(session, slug) if slug else None
    route = _one(q, "route") or (
        f"{org.default_from}-{org.default_to}" if org and org.default_from else "GB-PK"
    )
    src, _, dst = route.upper().partition("-")
    corridor = index.get(src, dst)
    if corridor is None:
        raise PageError(
            400,
            params.BAD_VALUE,
            N_("This is not one of the choices offered."),
            field="route",
            value=route,
        )
    amount = params.amount(q, "amount")
    if amount is None or _one(q, "ccy") not in (None, corridor.send_currency):
        amount = default_amount(corridor)  # the route changed to another currency
    lang_raw = _one(q, "wlang")
    lang = match_language(lang_raw) if lang_raw else (org.default_lang if org else None)
    if lang_raw and lang is None:
        raise PageError(
            400,
            params.BAD_VALUE,
            N_("This is not one of the choices offered."),
            field="wlang",
            value=lang_raw,
        )
    theme = params.choice(q, "theme", THEMES, "light")
    choice = Choice(slug, corridor.code, format(amount, "f"), lang or page.lang, theme)
    base = public_base(request)
    preview, loader, iframe, height = _snippets(base, choice)
    return render(
        page,
        "widget_builder.html",
        {
            "choice": choice,
            "org": org,
            "corridors": list(index.corridors.values()),
            "themes": THEMES,
            "preview": preview,
            "loader_snippet": loader,
            "iframe_snippet": iframe,
            "height": height,
            "corridor": corridor,
            "message_type": MESSAGE_TYPE,
            "contact": _mailto(settings.widget_contact_email),
        },
    )
