"""LLM admission control: one generation at a time, a bounded queue, 429 beyond it, and a
client that disconnects stops its generation. The LLM is a fake; the chain is real."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from assistant.api import create_app
from assistant.api.queue import LLMQueue, QueueFullError
from assistant.chain import PolicyQA
from assistant.settings import Settings
from tests.assistant.api.conftest import ClientFactory, LiveServer
from tests.assistant.api.fakes import SlowLLM

Q = "东湖高新区2025年高新技术企业数量目标是多少？"
GROUNDED = "东湖高新区高新技术企业数量力争突破10000家[1]。"


def with_llm(qa: PolicyQA, llm: SlowLLM) -> PolicyQA:
    return PolicyQA(qa.retriever, llms={"llamacpp": llm}, default_generator="llamacpp", use_reader=False,
                    lexicon=qa.lexicon)


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_queue_unit() -> None:
    queue = LLMQueue(1)
    assert not queue.admit("extractive").queued and queue.admitted == 0
    first, second = queue.admit("llamacpp"), queue.admit("llamacpp")
    with pytest.raises(QueueFullError) as info:
        queue.admit("llamacpp")
    assert info.value.retry_after >= 1
    first.acquire()
    first.release()
    first.release()  # idempotent
    second.release()  # never acquired: just leaves the queue
    assert queue.admitted == 0
    queue.admit("llamacpp").release()


def test_full_queue_is_429_and_extractive_still_answers(make_client: ClientFactory, qa: PolicyQA) -> None:
    llm = SlowLLM(GROUNDED, hold=True)
    client = make_client(with_llm(qa, llm), llm_queue_size=1)
    queue: LLMQueue = client.app.state.services.queue  # type: ignore[attr-defined]
    results: list[Any] = []

    def ask() -> None:
        results.append(client.post("/v1/answer", json={"question": Q}))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        wait_for(lambda: queue.admitted == 2 and llm.started == 1)  # one running, one waiting
        for path, body in (("/v1/answer", {"question": Q}),
                           ("/v1/answer/stream", {"question": Q, "generator": "llamacpp"}),
                           ("/v1/chat/completions", {"model": "policyqa-llamacpp",
                                                     "messages": [{"role": "user", "content": Q}]})):
            r = client.post(path, json=body)
            assert r.status_code == 429, r.text
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["error"]["code"] == "busy"
            assert r.json()["error"]["message"].startswith("the local LLM is busy (1 requests waiting)")
        start = time.perf_counter()
        r = client.post("/v1/answer", json={"question": Q, "generator": "extractive"})
        assert r.status_code == 200 and "10000" in r.json()["answer"]
        assert time.perf_counter() - start < 10
        assert queue.admitted == 2
    finally:
        llm.release.set()
        for t in threads:
            t.join(30)
    assert [r.status_code for r in results] == [200, 200]
    assert all(r.json()["generator"] == "llamacpp" for r in results)
    assert results[0].json()["trace"]["generator_used"] == "llamacpp"
    assert queue.admitted == 0 and llm.finished == 2


def test_disconnect_stops_the_generation(qa: PolicyQA, indexed_settings: Settings) -> None:
    llm = SlowLLM(GROUNDED * 40, delay=0.02)
    app = create_app(with_llm(qa, llm), None, indexed_settings)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        with http.stream("POST", "/v1/answer/stream", json={"question": Q}) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                if line.startswith("event: token"):
                    break
        gone = time.monotonic()
        assert llm.closed.wait(10), "the LLM stream was not closed"
        assert time.monotonic() - gone < 5  # the whole reply would take about 20 s
        assert llm.finished == 0 and llm.tokens < len(GROUNDED) * 40
        queue: LLMQueue = app.state.services.queue
        wait_for(lambda: queue.admitted == 0, 10)
        # The lock is free again: the next request runs to the end.
        llm.reply = GROUNDED
        r2 = http.post("/v1/answer", json={"question": Q})
        assert r2.status_code == 200 and llm.finished == 1


def test_stream_with_llm_uses_the_queue_and_finishes(make_client: ClientFactory, qa: PolicyQA) -> None:
    llm = SlowLLM(GROUNDED)
    client = make_client(with_llm(qa, llm))
    with client.stream("POST", "/v1/answer/stream", json={"question": Q}) as r:
        body = r.read().decode()
    assert r.status_code == 200 and "event: done" in body and "10000" in body
    assert client.app.state.services.queue.admitted == 0  # type: ignore[attr-defined]
