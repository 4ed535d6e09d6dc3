"""Gzip for clients that ask for it, at no cost to those that do not.

Starlette's `GZipMiddleware` builds a responder object per request even without
`Accept-Encoding: gzip` (it parses the request's and the response's headers into `Headers`
objects to decide whether to add `Vary: Accept-Encoding`): the largest single cost of the
middleware stack on an answer that does no work (docs/performance.md, issue 22). This one
gives a request that asks for gzip to Starlette's own `GZipResponder` (same compression, same
rules, by construction) and answers every other request as Starlette's `IdentityResponder`
does, with the same observable rules (tests/core/test_gzip.py compares the two on the same
responses):

- the response start is held until the first body message, except for a response that set
  `Content-Encoding`, a 206, or an excluded media type (`text/event-stream`, images…,
  `DEFAULT_EXCLUDED_CONTENT_TYPES`), which pass through untouched and at once;
- a single body under `minimum_size` bytes goes out unchanged;
- a larger body, or the first part of a streamed one, gets `Vary: Accept-Encoding` (added to
  any `Vary` already set), so a cache keeps the gzip and identity answers apart;
- later parts of a stream, trailers, early hints and `pathsend` pass through; a message of
  any other type is dropped, as Starlette drops it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ALWAYS = ("http.response.early_hint", "http.response.trailers")
_PASSING = ("http.response.body", "http.response.pathsend")  # of a response left untouched
_MAX_KNOWN_TYPES = 256  # content-type values remembered (a response's own, not a client's)


class GZipMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.exclude_content_types = tuple(
            t.partition(";")[0].strip().lower() for t in exclude_content_types
        )
        self._excluded_types = frozenset(self.exclude_content_types)
        # raw content-type value -> excluded?  (answers carry a handful of distinct values)
        self._known: dict[bytes, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        if type(headers) is not list:  # as Starlette's Headers(scope=...) leaves it
            headers = scope["headers"] = list(headers)
        for name, value in headers:
            if name == b"accept-encoding":  # the first one, as Starlette's Headers.get
                if b"gzip" in value:
                    responder = GZipResponder(
                        self.app,
                        self.minimum_size,
                        compresslevel=self.compresslevel,
                        exclude_content_types=self.exclude_content_types,
                    )
                    await responder(scope, receive, send)
                    return
                break
        await self._identity(scope, receive, send)

    async def _identity(self, scope: Scope, receive: Receive, send: Send) -> None:
        held: Message | None = None  # the start message, until the first body decides
        passing = False  # Content-Encoding set, a 206 or an excluded type: untouched
        started = False

        async def send_identity(message: Message) -> None:
            nonlocal held, passing, started
            kind = message["type"]
            if kind == "http.response.start":
                held = message
                headers = message.setdefault("headers", [])
                passing = message["status"] == 206 or self._passes(headers)
                if passing:
                    await send(message)
            elif kind in _ALWAYS or (passing and kind in _PASSING):
                await send(message)
            elif kind == "http.response.body":
                if started:  # a later part of a stream
                    message["body"] = message.get("body", b"")
                    await send(message)
                    return
                started = True
                assert held is not None
                more_body = message.get("more_body", False)
                if more_body or len(message.get("body", b"")) >= self.minimum_size:
                    MutableHeaders(raw=held["headers"]).add_vary_header("Accept-Encoding")
                await send(held)
                await send(message)
            elif kind == "http.response.pathsend":
                assert held is not None
                await send(held)
                await send(message)

        await self.app(scope, receive, send_identity)

    def _passes(self, headers: list[tuple[bytes, bytes]]) -> bool:
        """Content-Encoding set, or an excluded media type (Starlette's rules: the first
        content-type header, its type before `;`, also as `major/*`, gRPC variants)."""
        content_type: bytes | None = None
        for name, value in headers:
            if name == b"content-encoding":
                return True
            if content_type is None and name == b"content-type":
                content_type = value
        raw = content_type or b""
        known = self._known.get(raw)
        if known is None:
            known = self._excluded(raw.decode("latin-1"))
            if len(self._known) < _MAX_KNOWN_TYPES:
                self._known[raw] = known
        return known

    def _excluded(self, content_type: str) -> bool:
        media_type = content_type.partition(";")[0].strip().lower()
        media_types = {media_type, media_type.partition("/")[0] + "/*"}
        if media_type.startswith("application/grpc+"):
            media_types.add("application/grpc")
        return not media_types.isdisjoint(self._excluded_types)
