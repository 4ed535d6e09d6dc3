"""Errors as JSON `{"detail": [...]}` with the bad field named, never a traceback."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.services.compare import BadRequest, NotFound

log = logging.getLogger("remit.http")


def field_error(status: int, location: str, field: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"detail": [{"loc": [location, field], "msg": message, "type": "value_error"}]},
    )


def json_safe(value: Any) -> Any:
    """`value` with every non-finite float (JSON 1e400, NaN, Infinity) as a string, so an
    error that quotes the bad input can itself be written as JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422, content={"detail": json_safe(jsonable_encoder(exc.errors()))}
        )

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return field_error(404, "query", exc.field, exc.message)

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return field_error(422, "query", exc.field, exc.message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error"})
