"""One error shape for every failure: ``{"error": {"code": ..., "message": ...}}``.

It is also the shape OpenAI clients parse, so the chat endpoint needs no special case.
Known failures map to 4xx/503 here; anything else is logged and becomes a bare 500, sent by
``CatchAll`` inside the CORS layer so that it carries CORS headers and keeps the connection.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.queue import QueueFullError
from assistant.api.services import ServicesNotReadyError
from assistant.jobs import JobQueueFullError
from assistant.library import UnknownDocumentError
from ingest.types import IngestError
from vectorstore.client import StoreError, StoreUnavailableError

log = logging.getLogger(__name__)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid_request", 429: "busy", 503: "unavailable"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    """What every non-2xx response carries."""

    error: ErrorDetail


class APIError(Exception):
    """Raised by routes and dependencies for an expected failure."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.headers = dict(headers or {})


def error_response(status: int, message: str, *, code: str | None = None,
                   headers: Mapping[str, str] | None = None,
                   details: list[dict[str, Any]] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code or _CODES.get(status, "error"), message=message,
                                       details=details))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def validation_message(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """"body.question: String should have at most 2000 characters" and a compact list."""
    details = []
    for err in errors[:10]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        details.append({"loc": loc, "msg": str(err.get("msg", "invalid"))})
    return "; ".join(f"{d['loc']}: {d['msg']}" if d["loc"] else d["msg"] for d in details), details


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)
    return error_response(exc.status, exc.message, code=exc.code, headers=exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, str(exc.detail), headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "the request body is not valid JSON", code="invalid_json")
    if any(e.get("type") == "model_attributes_type" and tuple(e.get("loc", ())) == ("body",)
           for e in errors):
        return error_response(422, "the body must be a JSON object "
                                   "(sent with Content-Type: application/json)")
    message, details = validation_message(errors)
    return error_response(422, message or "invalid request", details=details)


async def _queue_full(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QueueFullError)
    return error_response(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


async def _not_ready(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServicesNotReadyError)
    if exc.failed:
        return error_response(503, str(exc), code="startup_failed")
    return error_response(503, str(exc), code="loading", headers={"Retry-After": "5"})


async def _unknown_document(_: Request, exc: Exception) -> JSONResponse:
    return error_response(404, f"no document {exc.args[0]!r}" if exc.args else "no such document")


def ingest_failure(exc: Exception) -> tuple[int, str]:
    """(status, code) for a document that could not be indexed: 413/422 for a limit, else 400."""
    status = getattr(exc, "status", None)
    if isinstance(status, int) and 400 <= status < 500:
        return status, "limit_exceeded"
    return 400, "ingest_failed"


def failure(exc: BaseException) -> ErrorDetail:
    """How a failed background job is reported: the same code and message as a request's."""
    if isinstance(exc, IngestError):
        status, code = ingest_failure(exc)
        return ErrorDetail(code=code, message=str(exc), details=[{"status": status}])
    if isinstance(exc, StoreError):
        return ErrorDetail(code="store_unavailable", message=f"the document index is unavailable: {exc}")
    return ErrorDetail(code="internal", message="internal error while indexing")


async def _ingest_error(_: Request, exc: Exception) -> JSONResponse:
    status, code = ingest_failure(exc)
    return error_response(status, str(exc), code=code)


async def _jobs_full(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, JobQueueFullError)
    return error_response(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


async def _store_error(_: Request, exc: Exception) -> JSONResponse:
    log.error("store error: %s", exc)
    code = "store_unavailable" if isinstance(exc, StoreUnavailableError) else "store_error"
    return error_response(503, f"the document index is unavailable: {exc}", code=code,
                          headers={"Retry-After": "10"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log, never to the client.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal server error", code="internal")


class CatchAll:
    """Turn an unhandled exception into the JSON 500, inside CORS and without a re-raise.

    Starlette's own last-resort handler sits outside every middleware (so its 500 lacks
    CORS headers) and re-raises, which makes the server drop the keep-alive connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # half a response is out: only closing the connection can end it
                raise
            response = error_response(500, "internal server error", code="internal")
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QueueFullError, _queue_full)
    app.add_exception_handler(ServicesNotReadyError, _not_ready)
    app.add_exception_handler(UnknownDocumentError, _unknown_document)
    app.add_exception_handler(IngestError, _ingest_error)
    app.add_exception_handler(JobQueueFullError, _jobs_full)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(Exception, _unexpected)
