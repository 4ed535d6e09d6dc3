"""How `remit serve` runs uvicorn: keep-alive and header timeouts (issue 23, item 4).

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but waits for a
request's headers without limit: 400 connections that never finish their headers stayed
open. :class:`TimedH11Protocol` closes a connection whose request headers are not complete
within `REMIT_HEADER_TIMEOUT_S` of its first byte (or of the connection, when idle).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.settings import get_settings

PROTOCOL = "api.http.serving:TimedH11Protocol"
H11_MAX_HEADER_BYTES = 16 * 1024  # h11's limit on a request's headers (default 16 KB)
# `--workers N`: how long a starting worker may take to answer the supervisor's health
# ping. uvicorn's 5 s kills workers that import the app slowly on a busy machine, and then
# restarts them in a loop (seen here at a load average of 10 on 2 cores).
WORKER_HEALTHCHECK_S = 60


def uvicorn_options() -> dict[str, Any]:
    """Server options shared by `remit serve` and documented in docs/deploy.md."""
    settings = get_settings()
    return {
        "http": PROTOCOL,
        "timeout_keep_alive": settings.keep_alive_s,
        "h11_max_incomplete_event_size": H11_MAX_HEADER_BYTES,
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_S,
    }


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    header_timeout_s: float | None = None
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # headers not complete yet
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            timeout = self.header_timeout_s or get_settings().header_timeout_s
            self._header_timer = self.loop.call_later(timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE:  # still no complete request line and headers
            self.transport.close()
