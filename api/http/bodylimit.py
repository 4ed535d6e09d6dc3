"""Request body caps per route (issue 23, item 4).

Public forms and JSON take a few KB; the admin feed upload takes a documented 10 MB
(docs/feed-format.md). A declared Content-Length over the cap is refused before anything is
read; a body without one (chunked) is counted as it streams and cut off at the cap, so no
request makes the server hold more than the cap in memory. Either way: 413, JSON.
"""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.services.ingest import MAX_FEED_BYTES

PUBLIC_BODY_BYTES = 16 * 1024  # receipt check, quiz answers, the web forms
ADMIN_BODY_BYTES = 64 * 1024  # an organisation, a mystery-shopping quote
# Route prefix -> cap; the first match wins, the default applies to every other route.
LIMITS: tuple[tuple[str, int], ...] = (
    ("/api/v1/admin/feeds", MAX_FEED_BYTES + 64 * 1024),  # the file plus a multipart envelope
    ("/api/v1/admin/", ADMIN_BODY_BYTES),
)


def body_limit(path: str) -> int:
    for prefix, limit in LIMITS:
        if path.startswith(prefix):
            return limit
    return PUBLIC_BODY_BYTES


def _message(limit: int) -> str:
    return f"request body is larger than {limit} bytes"


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; FastAPI answers it like any HTTPException."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, [{"loc": ["body"], "msg": _message(limit), "type": "too_large"}])


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {"detail": [{"loc": ["body"], "msg": _message(limit), "type": "too_large"}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
