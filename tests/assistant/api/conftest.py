"""API fixtures: the session's real chain and index (built once by tests/conftest.py),
a document library over them, apps built with ``create_app``, and live servers."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.chain import PolicyQA
from assistant.library import DocumentLibrary
from assistant.settings import Settings
from assistant.types import QAService
from vectorstore.indexer import open_indexer

ClientFactory = Callable[..., TestClient]


@pytest.fixture(scope="session")
def library(qa: PolicyQA, indexed_settings: Settings) -> DocumentLibrary:
    """Uploads and deletes go through the session index, so the chain sees them at once."""
    indexer = open_indexer(indexed_settings, index=qa.retriever.index)  # type: ignore[arg-type]
    return DocumentLibrary(indexer, qa.retriever, corpus_dir=indexed_settings.corpus_dir)


@pytest.fixture
def make_client(qa: PolicyQA, library: DocumentLibrary, indexed_settings: Settings
                ) -> Iterator[ClientFactory]:
    """A TestClient over ``create_app``; keyword arguments override settings."""
    clients: list[TestClient] = []

    def make(service: QAService | None = None, lib: DocumentLibrary | None = library,
             **overrides: Any) -> TestClient:
        settings = indexed_settings.model_copy(update=overrides)
        client = TestClient(create_app(service or qa, lib, settings))
        clients.append(client)
        return client.__enter__()

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving ``app`` on a free loopback port in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def wait_ready(self, timeout: float = 180.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = httpx.get(f"{self.url}/healthz", timeout=10)
            if r.status_code == 200:
                return dict(r.json())
            time.sleep(0.5)
        raise TimeoutError(f"{self.url} not ready after {timeout} s: {r.text}")


@pytest.fixture(scope="session")
def server_settings(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the session index and corpus, so a server's uploads cannot disturb other tests."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(indexed_settings.corpus_dir, root / "corpus")
    shutil.copytree(indexed_settings.data_dir, root / "var")
    return indexed_settings.model_copy(update={"corpus_dir": root / "corpus",
                                               "data_dir": root / "var", "api_key": "sk-test"})


@pytest.fixture(scope="session")
def real_server(server_settings: Settings) -> Iterator[LiveServer]:
    """The app ``serve`` runs (lazy startup, Gradio page when present) under real uvicorn."""
    from assistant.server import make_server_app

    with LiveServer(make_server_app(server_settings)) as live:
        live.wait_ready()
        yield live
