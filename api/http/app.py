"""The ASGI application: API, health checks and (when present) the web pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware

from api.http import errors
from api.http.admin import admin_router
from api.http.lessons_routes import lessons_router
from api.http.ratelimit import RateLimiter
from api.http.rates_routes import rates_router
from api.http.routes import health_router, router
from api.http.trends import router as trends_router
from api.settings import Settings, get_settings
from web.pages import install as install_web

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="silkroutes-remit",
        version="0.1.0",
        description="Remittance cost comparison (RPW-compatible) for the Silk Routes corridors.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    errors.install(app)
    app.include_router(router)
    app.include_router(rates_router)
    app.include_router(admin_router)
    app.include_router(lessons_router)
    app.include_router(health_router)
    app.include_router(trends_router)
    install_web(app)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.middleware("http")(RateLimiter(settings.rate_limit_per_minute).middleware)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        return response

    return app
