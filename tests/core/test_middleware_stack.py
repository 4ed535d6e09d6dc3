"""The middleware stack made cheaper for an answer that does no work (issue 22, /healthz)
keeps every behaviour: the health answer's bytes, headers and documented schema; the
security headers (a response's own kept, names in any case); a trusted proxy's headers (the
last of each counts) and HSTS (never twice)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from api.http.proxy import HSTS, ProxyHeadersMiddleware, parse_networks
from api.settings import Settings
from remit.app import _RAW_SECURITY, SecurityHeadersMiddleware, create_app


def test_healthz_answers_what_the_dict_route_answered(tmp_path: Any) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}"))
    r = TestClient(app).get("/healthz")
    before = JSONResponse({"status": "ok"})  # what FastAPI wrote for the dict it returned
    assert r.status_code == 200
    assert r.content == before.body
    assert r.headers.raw[:2] == before.raw_headers
    assert "vary" not in r.headers  # under gzip's minimum size
    schema = app.openapi()["paths"]["/healthz"]["get"]["responses"]["200"]
    assert schema["content"]["application/json"]["schema"] == {
        "additionalProperties": {"type": "string"},
        "title": "Response Healthz Healthz Get",
        "type": "object",
    }


def through(middleware: Any, start: Message, scope: Scope | None = None) -> Message:
    """The start message as the middleware passed it on."""
    out: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        out.append(message)

    scope = scope or {"type": "http", "scheme": "http", "headers": [], "client": None}
    asyncio.run(middleware(app)(scope, receive, send))
    return out[0]


def security_before(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The previous rule, as it was written: append each pair whose name is not set."""
    present = {name.lower() for name, _ in headers}
    return [*headers, *(pair for pair in _RAW_SECURITY if pair[0] not in present)]


OWN_CSP = (b"content-security-policy", b"default-src 'none'")


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"content-type", b"application/json"), (b"content-length", b"2")],
        [(b"content-type", b"text/html"), OWN_CSP],
        [(b"Content-Security-Policy", b"default-src 'none'")],
        [(b"X-Content-Type-Options", b"nosniff"), (b"referrer-policy", b"no-referrer")],
        [(b"vary", b"Cookie"), OWN_CSP, OWN_CSP],
    ],
)
def test_security_headers_as_before(headers: list[tuple[bytes, bytes]]) -> None:
    start = {"type": "http.response.start", "status": 200, "headers": list(headers)}
    out = through(SecurityHeadersMiddleware, copy.deepcopy(start))
    assert out["headers"] == security_before(headers)
    assert headers == start["headers"]  # the app's own list is left as it was


def test_security_headers_without_a_headers_key() -> None:
    out = through(SecurityHeadersMiddleware, {"type": "http.response.start", "status": 200})
    assert out["headers"] == list(_RAW_SECURITY)


def proxied(headers: list[tuple[bytes, bytes]], response: list[tuple[bytes, bytes]]) -> Any:
    seen: dict[str, Any] = {}
    nets = parse_networks(["127.0.0.1"])

    def middleware(app: Any) -> Any:
        async def spy(scope: Scope, receive: Receive, send: Send) -> None:
            seen.update(client=scope["client"], scheme=scope["scheme"])
            await app(scope, receive, send)

        return ProxyHeadersMiddleware(spy, trusted=nets)

    scope = {"type": "http", "scheme": "http", "headers": headers, "client": ("127.0.0.1", 1)}
    start = {"type": "http.response.start", "status": 200, "headers": tuple(response)}
    out = through(middleware, start, scope)
    return seen, out["headers"]


def test_trusted_proxy_the_last_of_each_header_counts() -> None:
    seen, headers = proxied(
        [
            (b"x-forwarded-for", b"198.51.100.1"),
            (b"X-Forwarded-For", b"203.0.113.9"),
            (b"x-forwarded-proto", b"http"),
            (b"X-FORWARDED-PROTO", b"HTTPS, http"),
        ],
        [(b"content-type", b"text/plain")],
    )
    assert seen == {"client": ("203.0.113.9", 0), "scheme": "https"}
    assert headers == [
        (b"content-type", b"text/plain"),
        (b"strict-transport-security", HSTS.encode()),
    ]


def test_hsts_is_not_added_twice() -> None:
    own = (b"strict-transport-security", b"max-age=60")
    _, headers = proxied([(b"x-forwarded-proto", b"https")], [own])
    assert headers == [own]
    _, headers = proxied([(b"x-forwarded-proto", b"https")], [])
    assert headers == [(b"strict-transport-security", HSTS.encode())]
