"""The FastAPI app: the API under ``/v1``, ``/healthz``, and OpenAPI docs at ``/docs``.

``create_app`` serves a finished chain (tests inject a real chain or fakes);
``create_lazy_app`` starts at once and builds the chain in a background thread, answering
503 "loading" until it is ready. Neither does any work at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Match, Mount

from assistant.api import errors
from assistant.api.auth import AuthGate
from assistant.api.deps import require_api_key
from assistant.api.errors import APIError, CatchAll, ErrorBody
from assistant.api.limits import BodyLimitMiddleware
from assistant.api.queue import LLMQueue
from assistant.api.routes import answer, documents, health, jobs, login, openai_compat, targets
from assistant.api.services import Builder, Services
from assistant.library import DocumentLibrary
from assistant.settings import Settings
from assistant.types import QAService

VERSION = "0.1.0"
UPLOAD_OVERHEAD = 1024 * 1024  # multipart framing around an upload of the maximum size

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong API key (when PQA_API_KEY is set)."},
    413: {"model": ErrorBody, "description": "Request body too large."},
    422: {"model": ErrorBody, "description": "Invalid request."},
    429: {"model": ErrorBody, "description": "The local LLM queue is full; see Retry-After."},
    503: {"model": ErrorBody, "description": "Still loading, or the index is unavailable."},
}


def create_app(qa: QAService, library: DocumentLibrary | None, settings: Settings) -> FastAPI:
    """An app over a finished chain (and optional library)."""
    services = Services(settings=settings, queue=LLMQueue(settings.llm_queue_size))
    services.set(qa, library)
    return _build(services)


def create_lazy_app(settings: Settings, build: Builder) -> FastAPI:
    """An app that starts at once and runs ``build`` in a thread at startup."""
    services = Services(settings=settings, queue=LLMQueue(settings.llm_queue_size))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        services.build_in_background(build)
        yield

    return _build(services, lifespan=lifespan)


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


async def _no_route(request: Request) -> None:
    path, method = request.url.path, request.method
    # A page mounted at "/" matches every path and method; only real routes say what is allowed.
    routes = [r for r in request.app.router.routes
              if getattr(r, "endpoint", None) is not _no_route and not isinstance(r, Mount)]

    def matches(m: str) -> bool:
        return any(r.matches({**request.scope, "method": m})[0] is Match.FULL for r in routes)

    allowed = [m for m in _METHODS if m != method and matches(m)]
    if allowed:
        raise APIError(405, f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}",
                       headers={"Allow": ", ".join(allowed)})
    raise APIError(404, f"no endpoint {method} {path}; see /docs")


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _build(services: Services, *, lifespan: Lifespan | None = None) -> FastAPI:
    settings = services.settings
    app = FastAPI(
        title="PolicyQA",
        version=VERSION,
        summary="Cited question answering over Chinese government policy documents.",
        lifespan=lifespan,
    )
    app.state.services = services
    errors.install(app)

    api = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)], responses=_ERRORS)
    api.include_router(answer.router)
    api.include_router(documents.router)
    api.include_router(jobs.router)
    api.include_router(openai_compat.router)
    api.include_router(targets.router)
    app.include_router(api)
    app.include_router(health.router)
    if settings.api_key:
        app.include_router(login.router)
    # Last among the API routes: an unknown /v1 path gets our JSON 404/405 rather than
    # falling through to a page mounted at "/".
    app.add_api_route("/v1/{rest:path}", _no_route, methods=_METHODS, include_in_schema=False)

    # Innermost first. From the outside in: CORS, the key gate (before any body is read),
    # the catch-all 500, the body limit.
    upload_limit = settings.max_upload_mb * 1024 * 1024 + UPLOAD_OVERHEAD
    app.add_middleware(BodyLimitMiddleware, default=settings.max_request_kb * 1024,
                       prefixes=("/v1", "/gradio_api/upload"),
                       overrides=[("POST", "/v1/documents", upload_limit),
                                  ("POST", "/gradio_api/upload", upload_limit)])
    app.add_middleware(CatchAll)
    app.add_middleware(AuthGate, key=settings.api_key, read_only=settings.read_only)
    # Always installed, even with no origins allowed: a mounted Gradio app then adds no CORS
    # policy of its own (it would reflect any http://localhost:* origin with credentials).
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                       allow_headers=["*"], expose_headers=["Retry-After"])
    return app
