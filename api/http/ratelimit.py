"""Per-client rate limit for the API: a fixed one-minute window per client address, answered
with 429 and `Retry-After` when exceeded. In-process counters (one worker); several workers
would share counters through Redis, which this build does not include."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

WINDOW_S = 60.0


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._window_start = clock()
        self._counts: dict[str, int] = {}

    def hit(self, client: str) -> float | None:
        """Count one request; return seconds to wait when over the limit, else None."""
        now = self.clock()
        if now - self._window_start >= WINDOW_S:
            self._window_start, self._counts = now, {}
        count = self._counts.get(client, 0) + 1
        self._counts[client] = count
        if count > self.per_minute:
            return max(0.0, WINDOW_S - (now - self._window_start))
        return None


class RateLimitMiddleware:
    """Pure ASGI middleware applying a RateLimiter to /api/ paths."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.limiter.per_minute <= 0
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.limiter.hit(client[0] if client else "unknown")
        if wait is None:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            status_code=429,
            content={
                "detail": f"rate limit of {self.limiter.per_minute} requests per minute exceeded"
            },
            headers={"Retry-After": str(math.ceil(wait))},
        )
        await response(scope, receive, send)
