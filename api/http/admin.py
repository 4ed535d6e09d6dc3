"""Admin API (X-API-Key): collector status, provider feed upload, mystery-shopping entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from api.domain.validation import utc_instant
from api.http.deps import IngestScope, NowDep, ReadScope, SessionDep
from api.http.schemas import DecimalStr
from api.services.collectors import collectors_status
from api.services.ingest import (
    MAX_FEED_BYTES,
    FeedError,
    FeedReport,
    FeedRow,
    QuoteRejected,
    import_feed,
    record_mystery_quote,
)

admin_router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


def _field_error(status: int, field: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"detail": [{"loc": ["body", field], "msg": message, "type": "value_error"}]},
    )


# -- collectors ---------------------------------------------------------------------------------


class RunOut(BaseModel):
    id: int
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_stored: int
    rows_duplicate: int
    rows_rejected: int
    error: str | None


class CollectorOut(BaseModel):
    source: str
    title: str
    kind: str
    interval_minutes: int
    last_run: RunOut | None
    recent_runs: list[RunOut]
    last_good_at: dt.datetime | None
    data_age_hours: float | None = Field(description="Hours since the last good run finished")
    stale: bool = Field(description="No good run within twice the interval")


class CollectorsResponse(BaseModel):
    collectors: list[CollectorOut]


@admin_router.get("/collectors", response_model=CollectorsResponse)
def collectors(
    request: Request, session: SessionDep, now: NowDep, _admin: ReadScope
) -> CollectorsResponse:
    """The last runs of every source and how old its last good data is."""
    out = []
    # The sources are registered by the composition root (remit/app.py), not imported here.
    for s in collectors_status(session, now, request.app.state.source_infos):
        runs = [RunOut.model_validate(r, from_attributes=True) for r in s.runs]
        out.append(
            CollectorOut(
                source=s.info.name,
                title=s.info.title,
                kind=s.info.kind,
                interval_minutes=int(s.info.interval.total_seconds() // 60),
                last_run=runs[0] if runs else None,
                recent_runs=runs,
                last_good_at=s.last_good.finished_at if s.last_good else None,
                data_age_hours=round(s.data_age.total_seconds() / 3600, 2)
                if s.data_age is not None
                else None,
                stale=s.stale,
            )
        )
    return CollectorsResponse(collectors=out)


# -- feeds -----------------------------------------------------------------------------------------


class RejectedOut(BaseModel):
    line: int
    field: str
    reason: str


class FeedReportOut(BaseModel):
    filename: str
    format: str
    rows: int
    accepted: int
    stored: int
    duplicates: int
    rejected_rows: int
    rejected: list[RejectedOut]
    warnings: list[str]
    payload_sha256: str | None


def _report(r: FeedReport) -> FeedReportOut:
    return FeedReportOut(
        filename=r.filename,
        format=r.format,
        rows=r.rows,
        accepted=r.accepted,
        stored=r.stored,
        duplicates=r.duplicates,
        rejected_rows=r.rejected_rows,
        rejected=[RejectedOut(line=x.line, field=x.field, reason=x.reason) for x in r.rejected],
        warnings=r.warnings,
        payload_sha256=r.payload_hash,
    )


_FEED_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A feed in our CSV or JSON format (docs/feed-format.md): the raw body, "
        "or a multipart form with the file in the field `file`.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def _feed_body(request: Request, filename: str | None) -> tuple[bytes, str, str | None]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise HTTPException(422, [_loc("file", "a multipart field `file` is required")])
            content = await upload.read(MAX_FEED_BYTES + 1)
            return content, filename or upload.filename or "feed", upload.content_type
    content = await request.body()
    if filename is None:
        filename = "feed.json" if "json" in content_type else "feed.csv"
    return content, filename, content_type or None


def _loc(field: str, message: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": message, "type": "value_error"}


@admin_router.post(
    "/feeds",
    response_model=FeedReportOut,
    openapi_extra=_FEED_BODY,
    responses={422: {"description": "The file cannot be read as a feed"}},
)
async def upload_feed(
    request: Request,
    session: SessionDep,
    now: NowDep,
    admin: IngestScope,
    filename: Annotated[
        str | None,
        Query(max_length=200, description="Name of the file (its extension picks the format)"),
    ] = None,
) -> FeedReportOut | JSONResponse:
    """Import a provider price feed: the whole file is checked first, then accepted rows are
    stored in batches that each commit (an interrupted upload is finished by sending the
    same file again; rows already stored come back as duplicates); the
    report lists every rejected row with its line, field and reason."""
    content, name, content_type = await _feed_body(request, filename)
    if len(content) > MAX_FEED_BYTES:
        return _field_error(413, "file", f"feed is larger than {MAX_FEED_BYTES} bytes")
    if not content.strip():
        return _field_error(422, "file", "feed is empty")
    try:
        report = await run_in_threadpool(
            import_feed, session, content, filename=name, now=now, content_type=content_type
        )
    except FeedError as exc:
        return _field_error(422, "file", str(exc))
    return _report(report)


# -- mystery shopping -----------------------------------------------------------------------------


class MysteryQuoteIn(BaseModel):
    """One quote observed by a researcher (at an agent, on a website, by phone)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    provider: str = Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=64)
    from_: str = Field(alias="from", pattern=r"^[A-Za-z]{2}$", description="Send country")
    to: str = Field(pattern=r"^[A-Za-z]{2}$", description="Receive country")
    send_currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    receive_currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    send_amount: Decimal = Field(gt=0, le=10**9, max_digits=24, decimal_places=8)
    fee: Decimal = Field(ge=0, le=10**9, max_digits=24, decimal_places=8)
    rate: Decimal = Field(gt=0, le=10**9, max_digits=30, decimal_places=12)
    receive_fee: Decimal = Field(default=Decimal(0), ge=0, le=10**12, max_digits=24)
    payout_method: Literal["bank", "cash", "wallet", "home"]
    payin_method: Literal["bank", "card", "cash", "wallet"] | None = Field(
        default=None, description="Not stated: recorded as bank"
    )
    speed: Literal["minutes", "same_day", "next_day", "2_5_days", "over_5_days"]
    promotional: bool = False
    captured_at: AwareDatetime | None = Field(
        default=None, description="When the price was offered (with a timezone); default now"
    )


class StoredQuoteOut(BaseModel):
    id: int
    provider: str
    corridor: str
    send_amount: DecimalStr
    send_currency: str
    fee: DecimalStr
    rate: DecimalStr
    receive_currency: str
    mid_rate: DecimalStr
    mid_rate_type: str
    mid_rate_source: str
    fx_margin_pct: DecimalStr
    total_cost_pct: DecimalStr
    total_cost: DecimalStr
    received_amount: DecimalStr
    collected_at: dt.datetime
    source_captured_at: dt.datetime | None
    source: str


class MysteryResult(BaseModel):
    outcome: Literal["stored", "duplicate"]
    quote: StoredQuoteOut | None


@admin_router.post(
    "/quotes",
    response_model=MysteryResult,
    status_code=201,
    responses={200: {"model": MysteryResult, "description": "Already recorded (duplicate)"}},
)
def mystery_quote(
    body: MysteryQuoteIn, session: SessionDep, now: NowDep, admin: IngestScope
) -> MysteryResult | JSONResponse:
    """Record one mystery-shopping quote; the same validation as every other quote (a
    rejected quote is a 422 naming the field)."""
    captured = utc_instant(body.captured_at or now)
    if captured is None:
        reason = "is outside the range of dates in UTC"
        return JSONResponse(status_code=422, content={"detail": [_loc("captured_at", reason)]})
    entry = FeedRow(
        provider=body.provider,
        from_country=body.from_.upper(),
        to_country=body.to.upper(),
        send_currency=body.send_currency.upper(),
        receive_currency=body.receive_currency.upper(),
        send_amount=body.send_amount,
        fee=body.fee,
        rate=body.rate,
        payout_method=body.payout_method,
        speed=body.speed,
        captured_at=captured,
        receive_fee=body.receive_fee,
        payin_method=body.payin_method,
        promotional=body.promotional,
    )
    try:
        result = record_mystery_quote(session, entry, now)
    except QuoteRejected as exc:
        return JSONResponse(
            status_code=422, content={"detail": [_loc(p.field, p.reason) for p in exc.problems]}
        )
    q = result.quote
    if q is None:
        return JSONResponse(status_code=200, content={"outcome": "duplicate", "quote": None})
    assert q.id is not None
    return MysteryResult(
        outcome="stored",
        quote=StoredQuoteOut(
            id=q.id,
            provider=body.provider,
            corridor=q.corridor_code,
            send_amount=q.send_amount,
            send_currency=q.send_currency,
            fee=q.fee,
            rate=q.rate,
            receive_currency=q.receive_currency,
            mid_rate=q.mid_rate,
            mid_rate_type=q.mid_rate_type,
            mid_rate_source=q.mid_rate_source,
            fx_margin_pct=q.fx_margin_pct,
            total_cost_pct=q.total_cost_pct,
            total_cost=q.total_cost,
            received_amount=q.received_amount,
            collected_at=q.collected_at,
            source_captured_at=q.source_captured_at,
            source=q.source,
        ),
    )
