"""Errors as JSON `{"detail": [...]}` with the bad field named, never a traceback."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.responses import Response

from api.services.compare import BadRequest, NotFound
from api.services.receipt import Implausible
from api.settings import get_settings
from api.storage.db import database_status, is_unavailable

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


ECHO_LIMIT = 200  # characters of a bad input quoted back in a 422


def bounded_echo(errors: list[Any]) -> list[Any]:
    """Validation errors that quote at most ECHO_LIMIT characters of the bad input: a
    10 MB field gives a short 422, not a 50 MB one."""
    out = []
    for error in errors:
        if isinstance(error, dict) and "input" in error:
            text = error["input"] if isinstance(error["input"], str) else repr(error["input"])
            if len(text) > ECHO_LIMIT:
                error = {**error, "input": f"{text[:ECHO_LIMIT]}… ({len(text)} characters)"}
        out.append(error)
    return out


DATABASE_ERRORS = (sa_exc.DBAPIError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
API_PATHS = ("/api/", "/healthz", "/readyz", "/metrics")


def database_unavailable(request: Request) -> Response:
    """503 with Retry-After while the database is down: JSON for the API, the page that
    `web` registers (`app.state.unavailable_page`) for HTML pages."""
    retry = str(get_settings().db_retry_after_s)
    page = getattr(request.app.state, "unavailable_page", None)
    if page is not None and not request.url.path.startswith(API_PATHS):
        response: Response = page(request)
    else:
        response = JSONResponse(
            status_code=503,
            content={"detail": "the database is unavailable; please retry shortly"},
        )
    response.headers["Retry-After"] = retry
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: FastAPI) -> None:
    # Handled here (not by the catch-all below, which Starlette re-raises to the server's
    # log) so that an outage is one log line, not one traceback per request.
    async def _database(request: Request, exc: Exception) -> Response:
        if not is_unavailable(exc):
            raise exc
        database_status.went_down(exc)
        return database_unavailable(request)

    for cls in DATABASE_ERRORS:
        app.add_exception_handler(cls, _database)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": json_safe(jsonable_encoder(bounded_echo(list(exc.errors()))))},
        )

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return field_error(404, "query", exc.field, exc.message)

    @app.exception_handler(Implausible)
    async def _implausible(request: Request, exc: Implausible) -> JSONResponse:
        # Figures that cannot be right as typed: a question, not a verdict.
        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {
                        "loc": ["body", exc.field],
                        "msg": exc.message,
                        "type": "implausible",
                        "reason": exc.reason,
                        "implied_rate": str(exc.implied),
                        "reference_rate": str(exc.reference.rate),
                        "reference_as_of": exc.reference.as_of.isoformat(),
                    }
                ]
            },
        )

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return field_error(422, "query", exc.field, exc.message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error"})
