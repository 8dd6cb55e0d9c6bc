"""The OpenAI-compatible endpoints: wire format with TestClient, then the official ``openai``
client against the real server (the app ``serve`` runs, under uvicorn)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.routes.openai_compat import split_messages
from assistant.api.schemas import ChatMessage
from tests.assistant.api.conftest import LiveServer

Q = "东湖高新区2025年高新技术企业数量目标是多少？"
TITLE = "促进武汉东湖新技术开发区高质量发展行动方案"


def chat(**extra: Any) -> dict[str, Any]:
    return {"model": "policyqa", "messages": [{"role": "system", "content": "You are helpful."},
                                              {"role": "user", "content": Q}], **extra}


def chunks(body: str) -> list[Any]:
    return [line[6:] if line[6:] == "[DONE]" else json.loads(line[6:])
            for line in body.splitlines() if line.startswith("data: ")]


def test_models(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["policyqa", "policyqa-extractive"]
    assert client.get("/v1/models/policyqa").json()["id"] == "policyqa"
    assert client.get("/v1/models/gpt-4").status_code == 404


def test_completion_carries_markers_sources_and_citations(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=chat(temperature=0.2, max_tokens=100, user="u1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "policyqa"
    assert body["id"].startswith("chatcmpl-")
    message = body["choices"][0]["message"]
    assert message["role"] == "assistant" and body["choices"][0]["finish_reason"] == "stop"
    text = message["content"]
    assert "10000" in text and "[1]" in text
    assert f"\n\n来源 / Sources:\n[1] 《{TITLE}》" in text
    assert body["citations"][0]["doc_id"] == "002_fdf6c96830e6b8c3.txt"
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def test_stream_follows_the_chunk_format(client: TestClient) -> None:
    with client.stream("POST", "/v1/chat/completions",
                       json=chat(stream=True, stream_options={"include_usage": True})) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = chunks(r.read().decode())
    assert events[-1] == "[DONE]"
    parts = events[:-1]
    assert all(p["object"] == "chat.completion.chunk" and p["id"] == parts[0]["id"] for p in parts)
    assert parts[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(p["choices"][0]["delta"].get("content", "") for p in parts)
    assert "10000" in text and "[1]" in text and "来源 / Sources:\n[1] 《" in text
    last = parts[-1]
    assert last["choices"][0]["finish_reason"] == "stop" and last["citations"][0]["n"] == 1
    assert "usage" in last


def test_history_comes_from_earlier_messages(client: TestClient) -> None:
    first = client.post("/v1/chat/completions", json=chat()).json()["choices"][0]["message"]
    body = chat()
    body["messages"] += [first, {"role": "user", "content": "那上市企业呢？"}]
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200
    assert "100家" in r.json()["choices"][0]["message"]["content"]


def test_split_messages() -> None:
    msgs = [ChatMessage(role="system", content="be brief"),
            ChatMessage(role="user", content=[{"type": "text", "text": "问题一"}]),  # type: ignore[list-item]
            ChatMessage(role="assistant", content="答案 [1]\n\n来源 / Sources:\n[1] 《标题》（一、）"),
            ChatMessage(role="user", content="  问题二  ")]
    question, history = split_messages(msgs)
    assert question == "问题二"
    assert [(t.role, t.content) for t in history] == [("user", "问题一"), ("assistant", "答案 [1]")]


@pytest.mark.slow
def test_official_openai_client_against_the_real_server(real_server: LiveServer) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{real_server.url}/v1", api_key="sk-test", max_retries=0, timeout=60)
    assert "policyqa" in [m.id for m in client.models.list()]
    out = client.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": Q}])
    text = out.choices[0].message.content or ""
    assert "10000" in text and "[1]" in text and f"来源 / Sources:\n[1] 《{TITLE}》" in text
    assert (out.model_extra or {})["citations"][0]["doc_id"] == "002_fdf6c96830e6b8c3.txt"

    stream = client.chat.completions.create(model="policyqa", stream=True,
                                            messages=[{"role": "user", "content": Q}])
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    streamed = "".join(pieces)
    assert len(pieces) > 2 and "10000" in streamed and "[1]" in streamed
    assert f"来源 / Sources:\n[1] 《{TITLE}》" in streamed

    bad = OpenAI(base_url=f"{real_server.url}/v1", api_key="wrong", max_retries=0)
    from openai import AuthenticationError

    with pytest.raises(AuthenticationError):
        bad.models.list()


@pytest.mark.slow
def test_real_server_serves_health_docs_and_page(real_server: LiveServer) -> None:
    import httpx

    health = httpx.get(f"{real_server.url}/healthz").json()
    assert health["status"] == "ready" and health["documents"] >= 5
    assert httpx.get(f"{real_server.url}/docs").status_code == 200
    # With a key the page is behind /login; signed in, it is the Gradio page.
    html = {"Accept": "text/html"}
    gate = httpx.get(f"{real_server.url}/", follow_redirects=True, headers=html)
    assert gate.status_code == 200 and 'name="key"' in gate.text
    signed_in = httpx.post(f"{real_server.url}/login", data={"key": "sk-test"}, follow_redirects=True)
    assert signed_in.status_code == 200 and "gradio" in signed_in.text.lower()
