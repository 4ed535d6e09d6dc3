"""Public JSON API under /api/v1. Thin: parse, call a service, present."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from api.domain.ranking import FeesMode, SortKey
from api.domain.speed import Speed
from api.http.cache import ResponseCache
from api.http.deps import NowDep, SessionDep, app_now, app_session
from api.http.errors import DATABASE_ERRORS
from api.http.present import compare_response, corridor_public, receipt_public
from api.http.schemas import CompareResponse, CorridorList, ReceiptIn, ReceiptResponse
from api.http.segments import segment_json
from api.services.compare import (
    BOOK,
    CompareRequest,
    compare,
    corridor_version,
    version_without_waiting,
)
from api.services.corridors import list_corridors
from api.services.receipt import ReceiptRequest, check_receipt
from api.settings import get_settings
from api.storage.db import database_status, is_unavailable

router = APIRouter(prefix="/api/v1", tags=["public"])

Country = Annotated[str, Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166 alpha-2 code")]
Ccy = Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code")


@router.get("/corridors", response_model=CorridorList)
def corridors(session: SessionDep, now: NowDep) -> CorridorList:
    return CorridorList(corridors=[corridor_public(s) for s in list_corridors(session, now)])


@router.get("/compare", response_model=CompareResponse, response_model_by_alias=True)
async def compare_route(
    request: Request,
    from_: Annotated[
        str, Query(alias="from", pattern=r"^[A-Za-z]{2}$", description="Send country")
    ],
    to: Country,
    amount: Annotated[Decimal, Query(gt=0, le=1_000_000_000, max_digits=20, decimal_places=6)],
    currency: Annotated[str | None, Ccy] = None,
    receive_currency: Annotated[str | None, Ccy] = None,
    payout: Literal["any", "bank", "cash", "wallet", "home"] = "any",
    speed: Speed | None = None,
    provider_type: Literal["bank", "mto", "post", "mobile", "fintech", "exchange_house"]
    | None = None,
    sort: SortKey = SortKey.TOTAL_COST,
    fees: Annotated[
        FeesMode,
        Query(
            description="included (default): `amount` is what you pay in total, fees "
            "included; on_top: `amount` is converted and the fee is paid on top"
        ),
    ] = FeesMode.INCLUDED,
) -> Response:
    req = CompareRequest(
        from_.upper(),
        to.upper(),
        amount.normalize(),
        currency and currency.upper(),
        receive_currency and receive_currency.upper(),
        payout,
        speed,
        provider_type,
        sort,
        fees,
    )
    now = await app_now(request.app)
    body = _render_compare(request.app, req, now, on_loop=True)
    if body is None:
        body = await run_in_threadpool(_render_compare, request.app, req, now)
    return Response(body, media_type="application/json")


def _render_compare(
    app: FastAPI, req: CompareRequest, now: datetime, *, on_loop: bool = False, fast: bool = False
) -> bytes | None:
    """A rendering is reused for the same question while the corridor's data version is the
    same (a stored quote or rate changes it) and for at most `compare_cache_s` seconds.

    `on_loop`: called on the event loop, it answers only when that cannot wait on I/O,
    else returns None (the caller then runs it in the thread pool): when the corridor's
    book for the current data version is in memory and that version is known without
    waiting on the network: on SQLite (a local file; in WAL mode a read never waits for a
    writer) read as always, on PostgreSQL only when the version watch knows it (no change
    notified since it read the table). The answer is then arithmetic. That saves the
    thread-pool hop (a fifth of an answer's time).

    `fast`: written by `segment_json` (the same bytes, without the per-offer models, from
    what the amount's price segment keeps; the lean path's), else by the response models."""
    cache: ResponseCache = app.state.response_cache
    with app_session(app) as session:
        found = (version_without_waiting if on_loop else corridor_version)(
            session, req.from_country, req.to_country
        )
        if found is None:
            return None
        version = found
        body = cache.get((req, version))
        if body is None:
            if on_loop and not BOOK.holds(session, req.from_country, req.to_country, version):
                return None
            if fast:
                body = segment_json(session, req, now, version)
            else:
                result = compare(session, req, now, version)
                body = compare_response(req, result, now).model_dump_json(by_alias=True).encode()
            cache.put((req, version), body)
        return body


@router.post(
    "/receipt-check",
    response_model=ReceiptResponse,
    responses={422: {"description": "A bad field, or implausible figures (a question)"}},
)
def receipt_check(body: ReceiptIn, session: SessionDep, now: NowDep) -> ReceiptResponse:
    result = check_receipt(
        session,
        ReceiptRequest(
            body.send_amount,
            body.send_currency.upper(),
            body.fee,
            body.received_amount,
            body.receive_currency.upper(),
            body.from_,
            body.to,
            body.transfer_date,
            body.confirmed,
        ),
        now,
    )
    return receipt_public(result, now)


health_router = APIRouter(tags=["health"])


HEALTHY = b'{"status":"ok"}'  # the bytes FastAPI wrote for {"status": "ok"}


@health_router.get("/healthz", response_model=dict[str, str])
async def healthz() -> Response:
    # async: no I/O here, so no thread-pool hop (a load balancer asks often). The answer is
    # written once, not validated and serialised per request; the documented schema is
    # still `{"status": "ok"}`'s (response_model).
    return Response(HEALTHY, media_type="application/json")


@health_router.get("/readyz", responses={503: {"description": "The database is unreachable"}})
def readyz(session: SessionDep) -> Response:
    """200 when the database answers; 503 with Retry-After while it does not."""
    try:
        session.execute(text("SELECT 1"))
    except DATABASE_ERRORS as exc:
        if not is_unavailable(exc):
            raise
        database_status.went_down(exc)
        return JSONResponse(
            status_code=503,
            content={"status": "unavailable", "database": "unreachable"},
            headers={"Retry-After": str(get_settings().db_retry_after_s)},
        )
    return JSONResponse({"status": "ok", "database": "reachable"})
