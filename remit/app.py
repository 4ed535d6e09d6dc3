"""The ASGI application: API, health checks, the web pages, the middleware, and the
registry of sources the admin API reports on."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http import accesslog, docs, errors, metrics
from api.http.admin import admin_router
from api.http.admin_orgs import admin_orgs_router
from api.http.bodylimit import BodyLimitMiddleware
from api.http.cache import ResponseCache
from api.http.exports import router as exports_router
from api.http.gzip import GZipMiddleware
from api.http.lean import LeanCompareMiddleware
from api.http.lessons_routes import lessons_router
from api.http.messages import router as messages_router
from api.http.proxy import ProxyHeadersMiddleware, parse_networks
from api.http.ratelimit import RateLimitMiddleware, make_limiter
from api.http.rates_routes import rates_router
from api.http.routes import health_router, router
from api.http.summary import router as summary_router
from api.http.trends import router as trends_router
from api.services.collectors import SourceInfo
from api.settings import Settings, get_settings
from scrapers.sources import SOURCES
from web.lean_route import LeanPageMiddleware
from web.pages import install as install_web
from web.static import style_hash

NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; "
    f"style-src 'self' {style_hash('app.css')}; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The same, as raw ASGI header pairs built once (lower-case names, as ASGI sends them).
_RAW_SECURITY = tuple(
    (k.lower().encode("latin-1"), v.encode("latin-1"))
    for k, v in [*SECURITY_HEADERS.items(), ("Content-Security-Policy", DEFAULT_CSP)]
)
_SECURITY_NAMES = frozenset(name for name, _ in _RAW_SECURITY)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="silkroutes-remit",
        version="0.1.0",
        description="Remittance cost comparison (RPW-compatible) for the Silk Routes corridors.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served offline by api/http/docs.py
        redoc_url=None,
        # FastAPI's own OpenTelemetry hooks asked, on every request, whether a tracer,
        # meter or logger provider had been configured (a seventh of /healthz's time).
        # The service has none: its metrics are api/http/metrics.py's.
        telemetry=NO_TELEMETRY,
    )
    errors.install(app)
    accesslog.install()
    # Routes are matched in order, router by router: the health checks (asked most often,
    # no work) first, before even the API docs, then the compare API (the hot path); no path
    # of one overlaps another.
    app.include_router(health_router)
    docs.install(app)
    app.include_router(router)
    app.include_router(rates_router)
    app.include_router(admin_router)
    app.include_router(admin_orgs_router)
    app.include_router(lessons_router)
    app.include_router(trends_router)
    app.include_router(summary_router)
    app.include_router(exports_router)
    app.include_router(messages_router)
    install_web(app)
    measured = metrics.install(app)
    app.state.response_cache = ResponseCache(settings.compare_cache_s)
    app.state.source_infos = [
        SourceInfo(s.name, s.title, s.kind, s.interval) for s in SOURCES.values()
    ]
    # Innermost: the plain compare request skips FastAPI's parameter handling, nothing else.
    app.add_middleware(LeanCompareMiddleware)
    app.add_middleware(LeanPageMiddleware)  # the same for the plain compare page
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(
        RateLimitMiddleware,
        limiter=make_limiter(settings.rate_limit_per_minute, settings.redis_url),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(metrics.MetricsMiddleware, metrics=measured)
    # Outermost: the client address and scheme are settled before anything uses them.
    app.add_middleware(ProxyHeadersMiddleware, trusted=parse_networks(settings.trusted_proxies))
    return app


class SecurityHeadersMiddleware:
    """Security headers on every response; a response that set its own CSP (the widget)
    keeps it. Pure ASGI, so the hot paths pay no per-request task overhead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Appended unless the response set its own (the widget's CSP): one pass
                # over the response's names; the usual answer takes the prebuilt pairs whole.
                raw = list(message.get("headers", ()))
                for name, _ in raw:
                    if name.lower() in _SECURITY_NAMES:
                        present = {name.lower() for name, _ in raw}
                        raw.extend(pair for pair in _RAW_SECURITY if pair[0] not in present)
                        break
                else:
                    raw.extend(_RAW_SECURITY)
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
