"""A lean route for the plain compare page (issue 22): `GET /compare?from=US&to=PK&amount=200`
(optionally `fees`, `payout`, `lang`; no conditional header; `web.lean_page.plain_query`).

FastAPI's dependency resolution and its thread-pool hops (the session generator's and the
route's) cost about as much as writing the page from its shape. This middleware (innermost,
so access log, metrics, security headers, rate limit and gzip all still apply) resolves
the route's dependencies the way the app does (`page_for`, `app_session`, `app_now`, test
overrides included) and calls the route function itself (`routes_compare.compare_page`),
on the event loop when the page is written from its shape and the corridor's book with
no I/O (`_on_loop`), else in the thread pool: the bytes and headers are the route's
by construction. Anything
else, and anything the route raises (an unknown corridor, a database error), goes to the
full route, which answers it as always.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from api.http.deps import app_now, app_session
from api.http.lean import LeanMiddleware
from api.services.compare import BOOK, version_without_waiting
from api.settings import get_settings
from web.lean_page import ON_LOOP, NotOnLoop, plain_query
from web.render import page_for
from web.routes_compare import compare_page

PATH = "/compare"


def _answer(app: FastAPI, request: Request, now: datetime) -> Response:
    with app_session(app) as session:
        return compare_page(request, page_for(request), session, now)


def _on_loop(app: FastAPI, request: Request, now: datetime) -> Response | None:
    """The page, when it is written from its shape and the corridor's book without
    waiting on I/O (as `api.http.routes._render_compare` decides for the JSON answer: on
    SQLite always, on PostgreSQL when the version watch knows the version); else None."""
    src, dst = request.query_params["from"].upper(), request.query_params["to"].upper()
    with app_session(app) as session:
        version = version_without_waiting(session, src, dst)
        if version is None or not BOOK.holds(session, src, dst, version):
            return None
        token = ON_LOOP.set(True)
        try:
            return compare_page(request, page_for(request), session, now)
        except NotOnLoop:
            return None
        finally:
            ON_LOOP.reset(token)


class LeanPageMiddleware(LeanMiddleware):
    served = 0  # pages answered here (tests check the lean route was taken)
    path = PATH

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.takes(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not get_settings().compare_page_shapes or plain_query(request) is None:
            await self.app(scope, receive, send)
            return
        app: FastAPI = scope["app"]
        try:
            now = await app_now(app)
            response = _on_loop(app, request, now)
            if response is None:
                response = await run_in_threadpool(_answer, app, request, now)
        except Exception:
            await self.app(scope, receive, send)  # the full route says what is wrong
            return
        self.count_as_route(scope, app)
        LeanPageMiddleware.served += 1
        await response(scope, receive, send)
