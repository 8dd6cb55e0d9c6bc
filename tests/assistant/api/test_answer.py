"""``POST /v1/answer`` and ``/v1/answer/stream`` on the real chain and index."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

HIGH_TECH = "东湖高新区2025年高新技术企业数量目标是多少？"
PATENT_DOC = "002_fdf6c96830e6b8c3.txt"


def sse(text: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a Server-Sent Events body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def test_answer_is_cited(client: TestClient) -> None:
    r = client.post("/v1/answer", json={"question": HIGH_TECH})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "10000" in body["answer"] and not body["refused"]
    assert body["citations"][0]["doc_id"] == PATENT_DOC
    assert set(body) >= {"answer", "refused", "citations", "condensed_question", "generator",
                         "latency_ms", "usage", "trace"}
    assert set(body["citations"][0]) == {"n", "doc_id", "title", "clause", "text", "score"}
    assert body["generator"] == "extractive" and "[1]" in body["answer"]


def test_history_and_top_k(client: TestClient) -> None:
    r = client.post("/v1/answer", json={
        "question": "那上市企业呢？", "top_k": 5, "generator": "extractive",
        "history": [{"role": "user", "content": HIGH_TECH}, {"role": "assistant", "content": "10000家"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "上市企业" in body["condensed_question"] and "100家" in body["answer"]


def test_refusal_is_a_200_with_refused_true(client: TestClient) -> None:
    r = client.post("/v1/answer", json={"question": "成都市2025年高新技术企业数量目标是多少？"})
    assert r.status_code == 200 and r.json()["refused"] is True


def test_stream_sends_tokens_then_citations_then_done(client: TestClient) -> None:
    with client.stream("POST", "/v1/answer/stream", json={"question": HIGH_TECH}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse(r.read().decode())
    kinds = [name for name, _ in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"} and len(kinds) > 2
    text = "".join(data["text"] for _, data in events[:-2])
    done = events[-1][1]
    assert text == done["answer"] and "10000" in text
    assert events[-2][1] == done["citations"] and done["citations"][0]["doc_id"] == PATENT_DOC


def test_unavailable_generator_is_a_400(client: TestClient) -> None:
    for path in ("/v1/answer", "/v1/answer/stream"):
        r = client.post(path, json={"question": HIGH_TECH, "generator": "llamacpp"})
        assert r.status_code == 400
        assert r.json()["error"] == {
            "code": "generator_unavailable",
            "message": "generator 'llamacpp' is not available on this server; available: extractive"}
