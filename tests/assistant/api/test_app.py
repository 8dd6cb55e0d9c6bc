"""The app around the routes: lazy startup, /healthz, API key, CORS, docs, and the error net."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app, create_lazy_app
from assistant.api.queue import LLMQueue, QueueFullError
from assistant.api.services import LazyLibrary, LazyQA, Services, ServicesNotReadyError
from assistant.chain import PolicyQA
from assistant.library import DocumentLibrary
from assistant.settings import Settings
from tests.assistant.api.conftest import ClientFactory, LiveServer
from tests.assistant.api.fakes import EchoQA, FailingQA
from vectorstore.client import StoreUnavailableError

Q = {"question": "东湖高新区2025年高新技术企业数量目标是多少？"}


def test_healthz_when_ready(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready" and body["generators"] == ["extractive"]
    assert body["documents"] >= 5 and body["chunks"] >= 200


def test_lazy_app_is_503_until_built(qa: PolicyQA, library: DocumentLibrary,
                                     indexed_settings: Settings) -> None:
    go = threading.Event()

    def build() -> tuple[PolicyQA, DocumentLibrary]:
        go.wait(30)
        return qa, library

    with TestClient(create_lazy_app(indexed_settings, build)) as client:
        r = client.get("/healthz")
        assert (r.status_code, r.json()) == (503, {"status": "loading"})
        assert r.headers["retry-after"] == "5"
        r = client.post("/v1/answer", json=Q)
        assert r.status_code == 503 and r.json()["error"]["code"] == "loading"
        assert r.json()["error"]["message"].startswith("the assistant is still loading its models")
        assert client.get("/docs").status_code == 200  # docs stay up while loading
        go.set()
        app = client.app
        assert app.state.services.wait(30)  # type: ignore[attr-defined]
        assert client.get("/healthz").json()["status"] == "ready"
        assert "10000" in client.post("/v1/answer", json=Q).json()["answer"]


def test_lazy_app_reports_a_failed_startup(indexed_settings: Settings) -> None:
    def build() -> Any:
        raise RuntimeError("model folder missing")

    with TestClient(create_lazy_app(indexed_settings, build)) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        for _ in range(100):
            if services.error:
                break
            threading.Event().wait(0.05)
        r = client.get("/healthz")
        assert (r.status_code, r.json()) == (503, {"status": "failed", "message": "model folder missing"})
        r = client.get("/v1/documents")
        assert r.status_code == 503
        assert r.json()["error"] == {"code": "startup_failed",
                                     "message": "the assistant failed to start: model folder missing"}


def test_api_key(make_client: ClientFactory) -> None:
    client = make_client(api_key="s3cret")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic czNjcmV0"}):
        r = client.post("/v1/answer", json=Q, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "unauthorized"
    assert client.get("/v1/models").json()["error"]["message"] == \
        "missing API key: send 'Authorization: Bearer <key>'"
    assert client.get("/v1/documents", headers={"Authorization": "Bearer nope"}).json()["error"][
        "message"] == "invalid API key"
    ok = {"Authorization": "Bearer s3cret"}
    assert client.post("/v1/answer", json=Q, headers=ok).status_code == 200
    assert client.get("/v1/documents", headers=ok).status_code == 200
    assert client.get("/healthz").status_code == 200  # open
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_without_api_key_v1_is_open(client: TestClient) -> None:
    assert client.get("/v1/models").status_code == 200


def test_cors_origins_from_settings(make_client: ClientFactory) -> None:
    client = make_client(cors_origins=["http://localhost:3000"])
    r = client.options("/v1/answer", headers={"Origin": "http://localhost:3000",
                                              "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://localhost:3000"
    r = client.post("/v1/answer", json=Q, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_openapi_lists_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/answer", "/v1/answer/stream", "/v1/documents", "/v1/documents/{doc_id}",
            "/v1/documents/{doc_id}/clauses", "/v1/chat/completions", "/v1/models",
            "/healthz"} <= set(paths)


def test_store_unavailable_is_a_503(indexed_settings: Settings) -> None:
    qa = FailingQA(StoreUnavailableError("cannot reach Chroma at http://chroma:8000: refused"))
    client = TestClient(create_app(qa, None, indexed_settings))
    for path in ("/v1/answer", "/v1/answer/stream"):
        r = client.post(path, json=Q)
        assert r.status_code == 503
        assert r.json()["error"] == {
            "code": "store_unavailable",
            "message": "the document index is unavailable: cannot reach Chroma at http://chroma:8000: refused"}


def test_unexpected_errors_are_a_bare_500_with_cors_and_the_connection_lives(
        indexed_settings: Settings) -> None:
    settings = indexed_settings.model_copy(update={"cors_origins": ["https://app.example"]})
    app = create_app(FailingQA(RuntimeError("secret detail")), None, settings)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        r = client.post("/v1/answer", json=Q, headers={"Origin": "https://app.example"})
        assert r.status_code == 500
        assert r.json() == {"error": {"code": "internal", "message": "internal server error"}}
        assert "secret" not in r.text and "Traceback" not in r.text
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        assert client.get("/healthz").status_code == 200  # the same keep-alive connection


def test_page_stand_ins_wait_for_the_chain_and_share_the_llm_queue(indexed_settings: Settings) -> None:
    services = Services(settings=indexed_settings, queue=LLMQueue(0))
    qa, library = LazyQA(services), LazyLibrary(services)
    assert qa.generators() == ["extractive"]  # before the chain exists
    with pytest.raises(ServicesNotReadyError, match="still loading"):
        qa.answer("q")
    with pytest.raises(ServicesNotReadyError, match="still loading"):
        library.documents()
    services.set(EchoQA(), None)
    assert qa.generators() == ["extractive", "llamacpp"]
    first = qa.stream("q1")
    assert next(first).data == {"text": "q1"}  # holds the only LLM slot
    with pytest.raises(QueueFullError):
        next(qa.stream("q2"))
    assert qa.answer("q3", generator="extractive").answer == "q3"  # never queues
    first.close()
    assert services.queue.admitted == 0 and qa.answer("q4").generator == "llamacpp"
    with pytest.raises(ServicesNotReadyError, match="no document library"):
        library.documents()
