"""Dependencies as ``Annotated`` aliases, so a route's signature says what it uses."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.errors import APIError
from assistant.api.queue import LLMQueue
from assistant.api.services import Services
from assistant.library import DocumentLibrary
from assistant.settings import Settings
from assistant.types import QAService
from vectorstore.targets_store import TargetStore

_bearer = HTTPBearer(auto_error=False, description="Needed when the server sets PQA_API_KEY.")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


async def get_qa(services: ServicesDep) -> QAService:
    return services.require_qa()


async def get_library(services: ServicesDep) -> DocumentLibrary:
    services.require_qa()  # not ready yet → 503 "loading", like every other /v1 call
    if services.library is None:
        raise APIError(501, "this server has no document library", code="not_implemented")
    return services.library


async def get_targets(services: ServicesDep) -> TargetStore:
    """The store of the library's indexer, which keeps it in line with the index."""
    services.require_qa()  # not ready yet → 503 "loading", like every other /v1 call
    store = services.library.indexer.targets if services.library is not None else None
    if store is None:
        raise APIError(501, "this server has no targets index", code="not_implemented")
    return store


async def get_queue(services: ServicesDep) -> LLMQueue:
    return services.queue


SettingsDep = Annotated[Settings, Depends(get_settings)]
QADep = Annotated[QAService, Depends(get_qa)]
LibraryDep = Annotated[DocumentLibrary, Depends(get_library)]
QueueDep = Annotated[LLMQueue, Depends(get_queue)]
TargetsDep = Annotated[TargetStore, Depends(get_targets)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def require_api_key(settings: SettingsDep, credentials: Credentials) -> None:
    """With PQA_API_KEY set, every /v1 call needs ``Authorization: Bearer <key>``."""
    expected = settings.api_key
    if not expected:
        return
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), expected.encode()):
        message = "invalid API key" if given else "missing API key: send 'Authorization: Bearer <key>'"
        raise APIError(401, message, headers={"WWW-Authenticate": "Bearer"})
