"""api/http/gzip.py against Starlette's own GZipMiddleware: the same responses through both,
the same messages out, in the same order relative to what the app sent (a held start shows
up after the app's first body), with and without `Accept-Encoding: gzip`."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from starlette.middleware.gzip import GZipMiddleware as StarletteGZip
from starlette.types import Message, Receive, Scope, Send

from api.http.gzip import GZipMiddleware

BIG = b"x" * 2000
JSON = [(b"content-type", b"application/json")]


def start(headers: list[tuple[bytes, bytes]], status: int = 200, **extra: Any) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers, **extra}


def body(data: bytes | None, more: bool = False) -> Message:
    message: Message = {"type": "http.response.body", "more_body": more}
    if data is not None:
        message["body"] = data
    return message


# name -> the messages the app sends
RESPONSES: dict[str, list[Message]] = {
    "small": [start([(b"content-length", b"15"), *JSON]), body(b'{"status":"ok"}')],
    "499 bytes": [start(list(JSON)), body(b"x" * 499)],
    "500 bytes": [start(list(JSON)), body(b"x" * 500)],
    "large": [start([(b"content-length", b"2000"), *JSON]), body(BIG)],
    "large, Vary set": [start([*JSON, (b"vary", b"Cookie")]), body(BIG)],
    "large, two Vary": [start([*JSON, (b"vary", b"Cookie"), (b"vary", b"Origin")]), body(BIG)],
    "Content-Encoding set": [start([*JSON, (b"content-encoding", b"br")]), body(BIG)],
    "206": [start(list(JSON), status=206), body(BIG)],
    "event stream": [
        start([(b"content-type", b"text/event-stream; charset=utf-8")]),
        body(b"data: 1\n\n", more=True),
        body(b"data: 2\n\n" * 100, more=True),
        body(b""),
    ],
    "event stream, odd case": [start([(b"content-type", b"Text/Event-Stream")]), body(BIG)],
    "image": [start([(b"content-type", b"image/png")]), body(BIG)],
    "audio/*": [start([(b"content-type", b"audio/mpeg")]), body(BIG)],
    "grpc+proto": [start([(b"content-type", b"application/grpc+proto")]), body(BIG)],
    "two content types": [
        start([(b"content-type", b"text/html"), (b"content-type", b"image/png")]),
        body(BIG),
    ],
    "no content type": [start([]), body(BIG)],
    "no headers key": [{"type": "http.response.start", "status": 200}, body(BIG)],
    "stream": [
        start(list(JSON)),
        body(b"x" * 10, more=True),
        body(b"y" * 3000, more=True),
        body(None, more=True),
        body(b"z"),
    ],
    "stream, empty first part": [start(list(JSON)), body(b"", more=True), body(BIG)],
    "empty body": [start(list(JSON)), body(None)],
    "trailers": [
        start([*JSON, (b"content-length", b"2000")], trailers=True),
        body(BIG),
        {"type": "http.response.trailers", "headers": [(b"x-sum", b"1")], "more_trailers": False},
    ],
    "early hint": [
        {"type": "http.response.early_hint", "links": ["</app.css>; rel=preload"]},
        start(list(JSON)),
        body(b"small"),
    ],
    "pathsend": [start(list(JSON)), {"type": "http.response.pathsend", "path": "/tmp/x"}],
    "pathsend, excluded": [
        start([(b"content-type", b"image/png")]),
        {"type": "http.response.pathsend", "path": "/tmp/x"},
    ],
    "unknown message type": [start(list(JSON)), {"type": "http.response.zstd"}, body(b"ok")],
    "unknown, excluded": [
        start([(b"content-type", b"image/png")]),
        {"type": "http.response.zstd"},
        body(b"ok"),
    ],
}

REQUESTS: dict[str, list[tuple[bytes, bytes]]] = {
    "no Accept-Encoding": [(b"host", b"x")],
    "identity": [(b"accept-encoding", b"identity")],
    "br only": [(b"accept-encoding", b"br, deflate")],
    "GZIP in capitals": [(b"accept-encoding", b"GZIP")],
    "gzip": [(b"accept-encoding", b"gzip")],
    "gzip among others": [(b"accept-encoding", b"br;q=1.0, gzip;q=0.5, *;q=0")],
    "first of two wins (gzip)": [(b"accept-encoding", b"gzip"), (b"accept-encoding", b"br")],
    "first of two wins (br)": [(b"accept-encoding", b"br"), (b"accept-encoding", b"gzip")],
}


def run(middleware: type, messages: list[Message], headers: Any) -> tuple[list[Any], Scope]:
    """The events in order: what the app sent ("app", type) and what came out ("out", the
    message, copied as it was sent)."""
    events: list[Any] = []
    messages = copy.deepcopy(messages)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            events.append(("app", message["type"]))
            await send(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        events.append(("out", copy.deepcopy(message)))

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    asyncio.run(middleware(app, minimum_size=500)(scope, receive, send))
    return events, scope


@pytest.mark.parametrize("request_name", REQUESTS)
@pytest.mark.parametrize("response_name", RESPONSES)
def test_same_messages_as_starlette(request_name: str, response_name: str) -> None:
    headers = REQUESTS[request_name]
    ours, our_scope = run(GZipMiddleware, RESPONSES[response_name], list(headers))
    theirs, their_scope = run(StarletteGZip, RESPONSES[response_name], list(headers))
    assert ours == theirs
    assert our_scope == their_scope


def test_the_rules_as_observed() -> None:
    """What the comparison above holds to, spelled out for the identity path."""

    def out(response: str) -> list[Message]:
        events, _ = run(GZipMiddleware, RESPONSES[response], [(b"host", b"x")])
        return [e[1] for e in events if e[0] == "out"]

    def vary(message: Message) -> list[bytes]:
        return [v for k, v in message["headers"] if k == b"vary"]

    assert vary(out("small")[0]) == [] and vary(out("499 bytes")[0]) == []
    assert vary(out("500 bytes")[0]) == [b"Accept-Encoding"]
    assert vary(out("large, Vary set")[0]) == [b"Cookie, Accept-Encoding"]
    assert vary(out("stream")[0]) == [b"Accept-Encoding"]
    for untouched in ("Content-Encoding set", "206", "event stream", "image"):
        assert vary(out(untouched)[0]) == []
    # An event stream's start goes out before its first event is written.
    events, _ = run(GZipMiddleware, RESPONSES["event stream"], [])
    assert [e[0] for e in events[:3]] == ["app", "out", "app"]
    # A plain answer's start is held until its body (so an error before it is still a 500).
    events, _ = run(GZipMiddleware, RESPONSES["small"], [])
    assert [e[0] for e in events[:3]] == ["app", "app", "out"]


def test_gzip_requested_is_compressed() -> None:
    events, _ = run(GZipMiddleware, RESPONSES["large"], [(b"accept-encoding", b"gzip")])
    start_out = next(e[1] for e in events if e[0] == "out")
    assert (b"content-encoding", b"gzip") in start_out["headers"]


def test_error_before_the_body_sends_nothing() -> None:
    for middleware in (GZipMiddleware, StarletteGZip):
        sent: list[Message] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send(start(list(JSON)))
            raise RuntimeError("boom")

        async def receive() -> Message:
            return {"type": "http.request"}

        async def send(message: Message, sent: list[Message] = sent) -> None:
            sent.append(message)

        scope: Scope = {"type": "http", "headers": []}
        with pytest.raises(RuntimeError):
            asyncio.run(middleware(app)(scope, receive, send))
        assert sent == []


def test_headers_tuple_becomes_a_list_as_starlette_leaves_it() -> None:
    headers = ((b"host", b"x"),)
    _, ours = run(GZipMiddleware, RESPONSES["small"], headers)
    _, theirs = run(StarletteGZip, RESPONSES["small"], headers)
    assert ours["headers"] == theirs["headers"] == [(b"host", b"x")]


def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing(*_: Any) -> Any:
        return None

    asyncio.run(GZipMiddleware(app)({"type": "lifespan"}, nothing, nothing))
    assert seen == ["lifespan"]
