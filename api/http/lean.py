"""A lean path for the plain compare request: `GET /api/v1/compare?from=US&to=PK&amount=200`
(optionally `fees` and `payout`), the request users make most.

FastAPI's parameter validation and dependency resolution cost a fifth of a compare answer.
This middleware (innermost, so access log, metrics, security headers, rate limit and gzip
all still apply) reads such a query itself — each key once, values in a strictly narrower
form than the route accepts — and answers with the route's own renderer
(`api.http.routes._render_compare`), so the bytes are the full route's by construction
(tests/core/test_lean_compare.py checks them over every corridor). Anything else — other
keys, odd values, an unknown corridor, a bad currency, a database error — goes to the full
route, which answers it (and its errors) as always.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from api.domain.ranking import FeesMode
from api.http.deps import app_now
from api.services.compare import CompareRequest

PATH = "/api/v1/compare"
COUNTRY = re.compile(r"[A-Za-z]{2}")
# A plain decimal the route accepts too: > 0 (checked below), <= 10^9, <= 6 decimals.
AMOUNT = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,6})?")
FEES = {m.value: m for m in FeesMode}
PAYOUTS = frozenset({"any", "bank", "cash", "wallet", "home"})
KEYS = frozenset({"from", "to", "amount", "fees", "payout"})
MAX_AMOUNT = Decimal(1_000_000_000)


def plain_request(query: bytes) -> CompareRequest | None:
    """The request a plain query asks, or None for anything the full route must see."""
    try:
        pairs = parse_qsl(query.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    q = dict(pairs)
    if len(q) != len(pairs) or not q.keys() <= KEYS or not {"from", "to", "amount"} <= q.keys():
        return None
    src, dst, raw = q["from"], q["to"], q["amount"]
    if not (COUNTRY.fullmatch(src) and COUNTRY.fullmatch(dst) and AMOUNT.fullmatch(raw)):
        return None
    amount = Decimal(raw)
    fees = FEES.get(q.get("fees", FeesMode.INCLUDED.value))
    payout = q.get("payout", "any")
    if not 0 < amount <= MAX_AMOUNT or fees is None or payout not in PAYOUTS:
        return None
    return CompareRequest(src.upper(), dst.upper(), amount.normalize(), payout=payout, fees=fees)


class LeanMiddleware:
    """What the lean paths share (this JSON answer and the page, web/lean_route.py): the
    GET of one path is theirs to try, and what they answer is counted by the metrics under
    that route's template."""

    path = PATH

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: BaseRoute | None = None

    def takes(self, scope: Scope) -> bool:
        return bool(
            scope["type"] == "http" and scope["path"] == self.path and scope["method"] == "GET"
        )

    def count_as_route(self, scope: Scope, app: FastAPI) -> None:
        if self._route is None:
            self._route = next(
                (r for r in app.routes if getattr(r, "path", None) == self.path), None
            )
        scope["route"] = self._route


class LeanCompareMiddleware(LeanMiddleware):
    served = 0  # answers given here (tests check the lean path was taken)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.takes(scope):
            await self.app(scope, receive, send)
            return
        req = plain_request(scope["query_string"])
        if req is None:
            await self.app(scope, receive, send)
            return
        from api.http.routes import _render_compare  # the route's own renderer

        app: FastAPI = scope["app"]
        try:
            now = await app_now(app)
            body = _render_compare(app, req, now, on_loop=True, fast=True)
            if body is None:
                body = await run_in_threadpool(partial(_render_compare, app, req, now, fast=True))
        except Exception:  # NotFound, BadRequest, the database: the full route answers it
            await self.app(scope, receive, send)
            return
        assert body is not None
        self.count_as_route(scope, app)
        LeanCompareMiddleware.served += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
