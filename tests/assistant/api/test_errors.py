"""Every bad request gets a 4xx with a clear JSON message, and never reaches the 500 handler."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

Q = "东湖高新区2025年高新技术企业数量目标是多少？"


@pytest.fixture(autouse=True)
def no_unhandled_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails a test if anything was logged by the catch-all 500 handlers."""
    with caplog.at_level(logging.ERROR, logger="assistant.api.errors"):
        yield
    assert not [r for r in caplog.records if r.getMessage().startswith("unhandled error")]


def error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert "Traceback" not in r.text
    body: dict[str, Any] = r.json()["error"]
    return body


def test_invalid_json(client: TestClient) -> None:
    r = client.post("/v1/answer", content=b'{"question": ', headers={"content-type": "application/json"})
    assert error(r, 400) == {"code": "invalid_json", "message": "the request body is not valid JSON"}


@pytest.mark.parametrize(("body", "message"), [
    ({"question": ""}, "body.question: String should have at least 1 character"),
    ({"question": "   \n"}, "body.question: String should have at least 1 character"),
    ({"question": "问" * 2001}, "body.question: String should have at most 2000 characters"),
    ({"question": Q, "foo": 1}, "body.foo: Extra inputs are not permitted"),
    ({"question": 12}, "body.question: Input should be a valid string"),
    ({"question": Q, "top_k": 0}, "body.top_k: Input should be greater than or equal to 1"),
    ({"question": Q, "top_k": 21}, "body.top_k: Input should be less than or equal to 20"),
    ({"question": Q, "top_k": "many"}, "body.top_k: Input should be a valid integer, unable to parse string as an integer"),
    ({"question": Q, "generator": "gpt-4"}, "body.generator: Input should be 'extractive', 'llamacpp' or 'openai'"),
    ({"question": Q, "history": "hi"}, "body.history: Input should be a valid list"),
    ({"question": Q, "history": [{"role": "system", "content": "x"}]},
     "body.history.0.role: Input should be 'user' or 'assistant'"),
    ({"question": Q, "history": [{"role": "user", "content": "x", "name": "a"}]},
     "body.history.0.name: Extra inputs are not permitted"),
    ({"question": Q, "history": [{"role": "user", "content": "x"}] * 21},
     "body.history: List should have at most 20 items after validation, not 21"),
    ({}, "body.question: Field required"),
])
def test_invalid_requests_are_422_with_the_field_named(client: TestClient, body: dict[str, Any],
                                                       message: str) -> None:
    for path in ("/v1/answer", "/v1/answer/stream"):
        assert error(client.post(path, json=body), 422)["message"] == message


@pytest.mark.parametrize("body", [[], "question", 5, None])
def test_body_must_be_an_object(client: TestClient, body: Any) -> None:
    r = client.post("/v1/answer", json=body)
    assert error(r, 422)["message"] in {
        "the body must be a JSON object (sent with Content-Type: application/json)",
        "body: Field required"}


def test_json_sent_as_text_is_explained(client: TestClient) -> None:
    r = client.post("/v1/answer", content=f'{{"question": "{Q}"}}'.encode(),
                    headers={"content-type": "text/plain"})
    assert "Content-Type: application/json" in error(r, 422)["message"]


def test_megabyte_question_is_refused_before_parsing(client: TestClient) -> None:
    start = time.perf_counter()
    r = client.post("/v1/answer", json={"question": "问" * 1_000_000})
    assert time.perf_counter() - start < 1.0
    assert error(r, 413) == {"code": "too_large", "message": "request body too large (limit 256 KB)"}


def test_chunked_oversize_body_is_cut_off(client: TestClient) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(400):
            yield b"x" * 1024
        yield b'"}'

    r = client.post("/v1/answer", content=body(), headers={"content-type": "application/json"})
    assert error(r, 413)["message"] == "request body too large (limit 256 KB)"


def test_unknown_path_and_wrong_method(client: TestClient) -> None:
    assert error(client.get("/v1/nothing"), 404)["message"] == "no endpoint GET /v1/nothing; see /docs"
    r = client.get("/v1/answer")
    assert error(r, 405)["message"] == "GET is not allowed on /v1/answer; allowed: POST"
    assert r.headers["allow"] == "POST"


def test_chat_completions_bad_requests(client: TestClient) -> None:
    url = "/v1/chat/completions"
    r = client.post(url, json={"model": "gpt-4", "messages": [{"role": "user", "content": Q}]})
    assert error(r, 404) == {"code": "model_not_found",
                             "message": "model 'gpt-4' does not exist; available: policyqa, policyqa-extractive"}
    r = client.post(url, json={"model": "policyqa", "messages": [{"role": "system", "content": "hi"}]})
    assert error(r, 400)["message"] == "the last message must be a user message (the question)"
    r = client.post(url, json={"model": "policyqa", "messages": [{"role": "user", "content": "x" * 2001}]})
    assert error(r, 400)["message"] == "the question (the last user message) must be 1–2000 characters, got 2001"
    r = client.post(url, json={"model": "policyqa", "messages": []})
    assert error(r, 422)["message"] == "body.messages: List should have at least 1 item after validation, not 0"
    r = client.post(url, json={"model": "policyqa", "messages": [{"role": "wizard", "content": Q}]})
    assert error(r, 422)["message"].startswith("body.messages.0.role: Input should be")
