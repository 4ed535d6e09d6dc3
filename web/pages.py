"""Server-rendered pages. `install(app)` is the single entry point, called by create_app().

To add pages, write a small `web/routes_<topic>.py` with an `APIRouter` and add it to
ROUTERS below (one line). Page routes take `page: PageDep` (language, translator,
formatter, links) and return `render(page, "template.html", {...})`; raise `PageError` for
bad input. Templates extend `base.html`; every UI string goes through `_()` and into the
catalogs (`python -m web.i18n_tool update`).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException

from web import (
    routes_alerts,
    routes_check,
    routes_compare,
    routes_home,
    routes_lessons,
    routes_methodology,
    routes_providers,
    routes_trends,
    routes_widget,
    static,
)
from web.i18n import N_
from web.render import PageError, render_error

ROUTERS: list[APIRouter] = [
    static.router,
    routes_home.router,
    routes_compare.router,
    routes_providers.router,
    routes_check.router,
    routes_methodology.router,
    routes_widget.router,
    routes_lessons.router,
    routes_trends.router,
    routes_alerts.router,
]

# Paths that keep FastAPI's JSON errors.
API_PREFIXES = ("/api/", "/healthz", "/readyz")

NOT_FOUND_TITLE = N_("Page not found")
NOT_FOUND_TEXT = N_("There is no page at this address.")
OTHER_ERROR_TITLE = N_("This request cannot be answered")
OTHER_ERROR_TEXT = N_("Please go back and try again.")
UNAVAILABLE_TITLE = N_("The service is briefly unavailable")
UNAVAILABLE_TEXT = N_(
    "We cannot reach our price database at the moment. Please try again in a minute."
)

TOO_MANY_TITLE = N_("Too many requests")
TOO_MANY_TEXT = N_(
    "You have opened many pages in a short time. Please wait a minute and try again."
)


def too_many_requests_page(request: Request) -> Response:
    """The HTML answer over the rate limit (status 429; the caller adds Retry-After)."""
    return render_error(request, PageError(429, TOO_MANY_TITLE, TOO_MANY_TEXT))


def unavailable_page(request: Request) -> Response:
    """The HTML answer while the database is down (status 503; the caller adds Retry-After)."""
    return render_error(request, PageError(503, UNAVAILABLE_TITLE, UNAVAILABLE_TEXT))


def install(app: FastAPI) -> None:
    """Mount page routes, static files and the HTML error pages on the app."""
    for router in ROUTERS:
        app.include_router(router)
    app.state.unavailable_page = unavailable_page
    app.state.too_many_requests_page = too_many_requests_page

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return render_error(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if path.startswith(API_PREFIXES) or path == "/api":
            return await http_exception_handler(request, exc)
        if exc.status_code == 404:
            error = PageError(404, NOT_FOUND_TITLE, NOT_FOUND_TEXT)
        else:
            error = PageError(exc.status_code, OTHER_ERROR_TITLE, OTHER_ERROR_TEXT)
        response = render_error(request, error)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response
