"""One error model for the API: RFC 9457 problem details (``application/problem+json``).

Errors are translated here, once: TradePilot errors by their ``code``, HTTP errors by
status, request validation errors with the offending fields.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tradepilot.domain.errors import (
    BusyError,
    DataValidationError,
    ExternalServiceError,
    ImportFormatError,
    MissingRateError,
    NoRouteError,
    TradePilotError,
    WorkspaceError,
)

MEDIA_TYPE = "application/problem+json"
_STATUS = {
    ImportFormatError: 422,
    DataValidationError: 422,
    MissingRateError: 409,
    NoRouteError: 422,
    BusyError: 409,
    WorkspaceError: 503,
    ExternalServiceError: 502,  # the LLM endpoint, an IMAP or SMTP server failed
}


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse({**body, **extra}, status_code=status, media_type=MEDIA_TYPE)


def status_of(exc: TradePilotError) -> int:
    """HTTP status for a TradePilot error."""
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


def install(app: FastAPI) -> None:
    """Register the handlers on ``app`` (API paths answer problem+json)."""

    @app.exception_handler(TradePilotError)
    async def tradepilot_error(request: Request, exc: TradePilotError) -> JSONResponse:
        return problem(status_of(exc), exc.code, str(exc), code=exc.code)

    @app.exception_handler(OverflowError)
    async def overflow_error(request: Request, exc: OverflowError) -> JSONResponse:
        # an id beyond the database's integer range names nothing stored
        return problem(404, "not found", "no such record (the number is out of range)")

    @app.exception_handler(RequestValidationError)
    async def validation_error(
        request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        return problem(
            422, "invalid request", "the request does not match the API", errors=errors
        )
