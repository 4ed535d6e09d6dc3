"""Per-client rate limit for the API: a fixed one-minute window per client address, answered
with 429 and `Retry-After` when exceeded. In-process counters (one worker); several workers
would share counters through Redis, which this build does not include."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse

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

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if self.per_minute <= 0 or not request.url.path.startswith("/api/"):
            return await call_next(request)
        client = request.client.host if request.client else "unknown"
        wait = self.hit(client)
        if wait is not None:
            return JSONResponse(
                status_code=429,
                content={"detail": f"rate limit of {self.per_minute} requests per minute exceeded"},
                headers={"Retry-After": str(math.ceil(wait))},
            )
        return await call_next(request)
