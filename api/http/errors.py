"""Errors as JSON `{"detail": [...]}` with the bad field named, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.services.compare import BadRequest, NotFound
from api.services.receipt import Implausible

log = logging.getLogger("remit.http")


def field_error(status: int, location: str, field: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"detail": [{"loc": [location, field], "msg": message, "type": "value_error"}]},
    )


def install(app: FastAPI) -> None:
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
