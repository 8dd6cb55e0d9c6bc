"""``GET /healthz``: 503 while the models load, 200 with what is served once ready."""

from __future__ import annotations

import logging

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assistant.api.deps import ServicesDep
from assistant.api.schemas import Health
from vectorstore.client import StoreError

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}},
            summary="Readiness: 200 once the models are loaded")
async def healthz(services: ServicesDep) -> JSONResponse:
    if services.error:
        return _health(503, Health(status="failed", message=services.error))
    qa = services.qa
    if qa is None:
        return _health(503, Health(status="loading"))
    generators: list[str] = list(qa.generators())
    if services.library is None:
        return _health(200, Health(status="ready", generators=generators))
    try:
        await anyio.to_thread.run_sync(services.library.ping)
        docs = await anyio.to_thread.run_sync(services.library.documents)
    except StoreError as exc:
        return _health(503, Health(status="degraded", generators=generators, message=str(exc)))
    return _health(200, Health(status="ready", documents=len(docs),
                               chunks=sum(d.n_chunks for d in docs), generators=generators))


def _health(status: int, health: Health) -> JSONResponse:
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(health.model_dump(exclude_none=True), status_code=status, headers=headers)
