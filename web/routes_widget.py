"""`/widget` (a small iframe document for other sites) and `/widget.js` (its loader).

Embed with
    <script src="https://<host>/widget.js" data-from="GB" data-to="PK" data-amount="200"
            data-lang="ur" async></script>
The widget page may only be framed by the origins in `settings.widget_allowed_origins`
(CSP `frame-ancestors`); every other page keeps `frame-ancestors 'none'`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.http.deps import NowDep, SessionDep
from api.http.present import quote_public
from api.services.compare import BadRequest, CompareRequest, NotFound, compare
from api.settings import Settings, get_settings
from web import params
from web.data import corridor_index, default_amount
from web.i18n import LANGUAGES, N_, translator
from web.render import Page, PageDep, PageError, render
from web.static import serve_bytes

log = logging.getLogger("remit.web.widget")
router = APIRouter(include_in_schema=False)
SettingsDep = Annotated[Settings, Depends(get_settings)]

ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")
WIDGET_TITLE = N_("Money transfer price comparison")
TOP = 3
LOADER = Path(__file__).resolve().parent / "templates" / "widget.js"


def frame_ancestors(origins: list[str]) -> str:
    """Only well-formed origins reach the header (no CSP injection through settings)."""
    good = []
    for origin in origins:
        if ORIGIN.match(origin.strip()):
            good.append(origin.strip().rstrip("/"))
        else:
            log.warning("ignoring malformed widget origin %r", origin)
    return " ".join(good) if good else "'none'"


def widget_csp(settings: Settings) -> str:
    return (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        f"form-action 'self'; frame-ancestors {frame_ancestors(settings.widget_allowed_origins)}"
    )


def _render_widget(page: Page, session: SessionDep, now: NowDep) -> tuple[str, dict[str, object]]:
    q = page.request.query_params
    src = params.country(q, "from")
    dst = params.country(q, "to")
    amount = params.amount(q, "amount")
    assert src is not None and dst is not None
    corridor = corridor_index(session).get(src, dst)
    if corridor is None:
        raise PageError(
            404,
            N_("Not found"),
            N_("We have no prices for sending from %(src)s to %(dst)s."),
            src=page.fmt.country(src),
            dst=page.fmt.country(dst),
        )
    if amount is None:
        amount = default_amount(corridor)
    try:
        result = compare(session, CompareRequest(src, dst, amount), now)
    except (NotFound, BadRequest) as exc:
        raise PageError(400, params.BAD_VALUE, exc.message) from None
    offers = [quote_public(r, now) for r in result.quotes[:TOP]]
    return "widget.html", {
        "corridor": corridor,
        "amount": amount,
        "offers": offers,
        "result": result,
        "sample": result.sample,
        "now": now,
    }


@router.api_route("/widget", methods=["GET", "HEAD"])
def widget(page: PageDep, session: SessionDep, now: NowDep, settings: SettingsDep) -> Response:
    headers = {"Content-Security-Policy": widget_csp(settings)}
    try:
        template, context = _render_widget(page, session, now)
    except PageError as error:
        return render(
            page, "widget_error.html", {"error": error}, status=error.status, headers=headers
        )
    return render(page, template, context, headers=headers, cache_control="public, max-age=300")


@lru_cache(maxsize=1)
def loader_source() -> bytes:
    titles = {code: str(translator(code)(WIDGET_TITLE)) for code in LANGUAGES}
    text = LOADER.read_text(encoding="utf-8").replace(
        "__TITLES__", json.dumps(titles, ensure_ascii=False, separators=(",", ":"))
    )
    return text.strip().encode("utf-8")


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_loader(request: Request) -> Response:
    body = loader_source()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return serve_bytes(
        request, body, "text/javascript; charset=utf-8", etag, "public, max-age=3600"
    )
