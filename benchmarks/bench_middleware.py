"""What the middleware stack costs a request that does no work, in-process (no HTTP, no
uvicorn): GET /healthz driven straight through the ASGI app, many times over.

    .venv/bin/python benchmarks/bench_middleware.py [--requests 3000] [--rounds 7]

Prints CPU microseconds per request (best of the rounds; every variant is measured once per
round, in turn, so all of them see the same load) for: a bare FastAPI app whose /healthz
returns the same bytes (the baseline of bench_scale.py), our app as shipped, our app with
each of its middleware in turn replaced by a pass-through, and our app with none of them.
The request is the one wrk sends (a Host header, no Accept-Encoding); `--gzip` adds
`Accept-Encoding: gzip` as browsers send it. Nothing is asserted; the bodies are checked
to be the same bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fastapi import FastAPI, Response  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402


def bare_app(body: bytes) -> FastAPI:
    """bench_scale.py's bare app: the same bytes, no middleware of ours."""
    app = FastAPI()

    @app.get("/healthz")
    async def health() -> Response:
        return Response(body, media_type="application/json")

    return app


class PassThrough:
    """Stands in for a middleware: calls the next app, nothing else."""

    def __init__(self, app: ASGIApp, *args: Any, **kwargs: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def ours(without: type | None = None, bare_stack: bool = False) -> FastAPI:
    from api.settings import Settings
    from remit.app import create_app

    db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    for i, m in enumerate(app.user_middleware):
        if bare_stack or m.cls is without:
            app.user_middleware[i] = type(m)(PassThrough)
    app.middleware_stack = None  # rebuilt on the next call, with the replacements
    return app


def scope(headers: list[tuple[bytes, bytes]]) -> Scope:
    """What uvicorn hands the app for `GET /healthz` (a fresh dict per request)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "headers": list(headers),
        "state": {},
    }


async def one(app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    got: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        got.append(message)

    await app(scope(headers), receive, send)
    return got[0]["status"], b"".join(m.get("body", b"") for m in got[1:])


async def per_request(app: ASGIApp, headers: list[tuple[bytes, bytes]], n: int) -> float:
    t0 = time.process_time()
    for _ in range(n):
        await one(app, headers)
    return (time.process_time() - t0) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip")
    opts = parser.parse_args()
    headers = [(b"host", b"127.0.0.1:8000")]
    if opts.gzip:
        headers.append((b"accept-encoding", b"gzip, deflate, br"))

    shipped = ours()
    variants: list[tuple[str, Callable[[], ASGIApp]]] = []
    variants.append(("bare FastAPI (same bytes)", lambda: bare_app(body)))
    variants.append(("ours, whole stack", lambda: shipped))
    for m in shipped.user_middleware:
        cls = m.cls
        variants.append((f"ours without {cls.__name__}", lambda cls=cls: ours(without=cls)))  # type: ignore[misc]
    variants.append(("ours, no middleware of ours", lambda: ours(bare_stack=True)))

    loop = asyncio.new_event_loop()
    status, body = loop.run_until_complete(one(shipped, headers))
    apps = [(name, make()) for name, make in variants]
    for name, app in apps:  # warm up, and the same answer everywhere
        got = loop.run_until_complete(one(app, headers))
        if got != (status, body):
            raise SystemExit(f"{name}: answered {got!r}, not {(status, body)!r}")
    best = {name: float("inf") for name, _ in apps}
    for _ in range(opts.rounds):
        for name, app in apps:
            us = loop.run_until_complete(per_request(app, headers, opts.requests))
            best[name] = min(best[name], us)
    loop.close()

    bare = best[apps[0][0]]
    print(
        f"GET /healthz, {opts.requests:,} requests x {opts.rounds} rounds, best round, "
        f"CPU us per request{' (Accept-Encoding: gzip)' if opts.gzip else ''}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for name, _ in apps:
        print(f"{name:<44} {best[name]:7.1f} us  (bare/ours {bare / best[name]:.3f}x)")


if __name__ == "__main__":
    main()
