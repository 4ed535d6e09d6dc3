"""Per-client rate limit for the API, the HTML pages and their form posts: a fixed
one-minute window per client address (as the trusted-proxy middleware resolved it),
answered with 429 and `Retry-After` when exceeded (JSON for the API, a translated page for
pages). Static assets and health checks are not counted.

Counters live in this process by default; with REMIT_REDIS_URL they live in Redis (the
`limits` library's fixed window), so every `remit serve` worker shares one budget per
client. If Redis cannot be reached, or hangs (accepts and never answers), the limit is not
enforced for REDIS_RETRY_S (one log line) rather than the site going down with it or every
request waiting for Redis's timeout; then one request tries Redis again. The Redis call runs
in a thread, never on the event loop."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

WINDOW_S = 60.0
UNLIMITED_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics", "/favicon")
NAMESPACE = "remit-rl"
REDIS_TIMEOUT_S = 1.0
REDIS_RETRY_S = 30.0  # after a failure, fail open this long before asking Redis again
log = logging.getLogger("remit.ratelimit")


class Limiter(Protocol):
    per_minute: int
    blocking: bool  # hit() does network I/O: call it in a thread

    def hit(self, client: str) -> float | None:
        """Count one request; return seconds to wait when over the limit, else None."""


class RateLimiter:
    """In-process counters (one worker)."""

    blocking = False

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._window_start = clock()
        self._counts: dict[str, int] = {}

    def hit(self, client: str) -> float | None:
        now = self.clock()
        if now - self._window_start >= WINDOW_S:
            self._window_start, self._counts = now, {}
        count = self._counts.get(client, 0) + 1
        self._counts[client] = count
        if count > self.per_minute:
            return max(0.0, WINDOW_S - (now - self._window_start))
        return None


class RedisRateLimiter:
    """Counters in Redis through `limits` (fixed window), shared by every worker."""

    blocking = True

    def __init__(
        self, per_minute: int, url: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        from limits import RateLimitItemPerMinute
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        self.per_minute = per_minute
        self.item = RateLimitItemPerMinute(per_minute)
        self.storage: Any = storage_from_string(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.clock = clock
        self._failing = False
        self._retry_at = 0.0
        self._probe = threading.Lock()  # one request at a time tries a failing Redis

    def hit(self, client: str) -> float | None:
        if self._failing and (self.clock() < self._retry_at or not self._probe.acquire(False)):
            return None  # failing open until the next try
        probing = self._failing
        try:
            allowed = self.strategy.hit(self.item, NAMESPACE, client)
            wait = None
            if not allowed:
                reset, _ = self.strategy.get_window_stats(self.item, NAMESPACE, client)
                wait = max(0.0, reset - time.time())
        except Exception as exc:  # Redis down, unreachable or hung: fail open, say so once
            self._retry_at = self.clock() + REDIS_RETRY_S
            if not self._failing:
                self._failing = True
                log.error(
                    "rate limit not enforced: Redis unreachable (%s); retrying it every %.0f s",
                    exc,
                    REDIS_RETRY_S,
                )
            return None
        finally:
            if probing:
                self._probe.release()
        if self._failing:
            self._failing = False
            log.warning("rate limit enforced again: Redis reachable")
        return wait


def make_limiter(per_minute: int, redis_url: str | None) -> Limiter:
    if redis_url:
        return RedisRateLimiter(per_minute, redis_url)
    return RateLimiter(per_minute)


class RateLimitMiddleware:
    """Pure ASGI middleware applying a limiter to every path but static assets and health
    checks."""

    def __init__(self, app: ASGIApp, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.limiter.per_minute <= 0
            or scope["path"].startswith(UNLIMITED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        who = client[0] if client else "unknown"
        if self.limiter.blocking:  # Redis: never wait for the network on the event loop
            wait = await run_in_threadpool(self.limiter.hit, who)
        else:
            wait = self.limiter.hit(who)
        if wait is None:
            await self.app(scope, receive, send)
            return
        retry = str(max(1, math.ceil(wait)))
        response = self._html(scope) if not scope["path"].startswith("/api/") else None
        if response is None:
            response = JSONResponse(
                status_code=429,
                content={
                    "detail": f"rate limit of {self.limiter.per_minute} requests per minute "
                    "exceeded"
                },
            )
        response.headers["Retry-After"] = retry
        await response(scope, receive, send)

    @staticmethod
    def _html(scope: Scope) -> Response | None:
        app = scope.get("app")
        page = getattr(getattr(app, "state", None), "too_many_requests_page", None)
        return page(Request(scope)) if page is not None else None
