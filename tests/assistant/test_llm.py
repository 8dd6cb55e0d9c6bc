"""LLM adapters: choosing one from settings, the llama.cpp lock, a real OpenAI-compatible HTTP
round trip, and (marked ``llm``) the real local model on a Chinese prompt."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant import llm as llm_mod
from assistant.llm import (
    Completion,
    LlamaCppLLM,
    LLMBusyError,
    LLMError,
    LLMUnavailableError,
    OpenAICompatLLM,
    make_llm,
)
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- make_llm


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(models_dir=tmp_path, llm_model_path=None, **kw)


def test_extractive_means_no_llm(tmp_path: Path) -> None:
    (tmp_path / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").write_bytes(b"x")
    assert make_llm(_settings(tmp_path, generator="extractive")) is None


def test_auto_without_model_falls_back_with_one_log_line(tmp_path: Path, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="assistant.llm"):
        assert make_llm(_settings(tmp_path, generator=None)) is None
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert "extractive" in lines[0] and "llm_model build" in lines[0]


def test_auto_with_model_and_runtime_is_llamacpp_and_lazy(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").write_bytes(b"not really a model")
    monkeypatch.setattr(llm_mod, "_import_llama_cpp", lambda: object())
    llm = make_llm(_settings(tmp_path, generator=None, llm_threads=3))
    assert isinstance(llm, LlamaCppLLM)
    assert (llm.name, llm.n_threads, llm.loaded) == ("llamacpp", 3, False)


def test_auto_without_runtime_falls_back(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf").write_bytes(b"x")

    def no_runtime() -> None:
        raise LLMUnavailableError("llama-cpp-python is not usable (No module named 'llama_cpp')")

    monkeypatch.setattr(llm_mod, "_import_llama_cpp", no_runtime)
    assert make_llm(_settings(tmp_path, generator=None)) is None


def test_explicit_llamacpp_without_model_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailableError, match=r"python -m assistant\.llm_model build"):
        make_llm(_settings(tmp_path, generator="llamacpp"))


def test_openai_needs_a_url_or_key(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailableError, match="PQA_OPENAI_BASE_URL"):
        make_llm(_settings(tmp_path, generator="openai", openai_base_url=None, openai_api_key=None))
    llm = make_llm(_settings(tmp_path, generator="openai", openai_base_url="http://127.0.0.1:9/v1",
                             openai_model="qwen"))  # fmt: skip
    assert isinstance(llm, OpenAICompatLLM)
    assert (llm.name, llm.model, llm.base_url) == ("openai", "qwen", "http://127.0.0.1:9/v1")


# --------------------------------------------------------------------------- llama.cpp lock


class _FakeLlama:
    """Stands in for llama_cpp.Llama: records overlap between calls."""

    active = 0
    overlap = 0
    loads = 0

    def __init__(self, **kwargs: Any) -> None:
        type(self).loads += 1
        self.kwargs = kwargs

    def _enter(self) -> None:
        cls = type(self)
        cls.active += 1
        cls.overlap = max(cls.overlap, cls.active)
        time.sleep(0.05)

    def create_chat_completion(self, *, stream: bool = False, **kw: Any) -> Any:
        if stream:
            return self._stream()
        self._enter()
        type(self).active -= 1
        return {"choices": [{"message": {"content": "好"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1}}  # fmt: skip

    def _stream(self) -> Iterator[dict[str, Any]]:
        self._enter()
        try:
            yield {"choices": [{"delta": {"role": "assistant"}}]}
            for piece in ("你", "好"):
                yield {"choices": [{"delta": {"content": piece}}]}
        finally:
            type(self).active -= 1


@pytest.fixture
def fake_llama(tmp_path: Path, monkeypatch) -> LlamaCppLLM:
    class Fake(_FakeLlama):
        pass

    class Module:
        Llama = Fake

    monkeypatch.setattr(llm_mod, "_import_llama_cpp", lambda: Module)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"x")
    return LlamaCppLLM(model, n_threads=2, lock_timeout=0.5)


def test_llamacpp_loads_lazily_once_and_counts_tokens(fake_llama: LlamaCppLLM) -> None:
    assert not fake_llama.loaded
    out = fake_llama.generate([{"role": "user", "content": "hi"}])
    assert out == Completion("好", 5, 1, "stop")
    assert "".join(fake_llama.stream([{"role": "user", "content": "hi"}])) == "你好"
    fake_cls = type(fake_llama._llama)
    assert fake_cls.loads == 1
    assert fake_llama._llama.kwargs["verbose"] is False
    assert fake_llama._llama.kwargs["n_threads"] == 2


def test_llamacpp_serialises_concurrent_calls(fake_llama: LlamaCppLLM) -> None:
    fake_llama.load()
    msgs = [{"role": "user", "content": "hi"}]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            if i % 2:
                fake_llama.generate(msgs)
            else:
                assert "".join(fake_llama.stream(msgs)) == "你好"
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert type(fake_llama._llama).overlap == 1


def test_open_stream_holds_the_lock_until_closed(fake_llama: LlamaCppLLM) -> None:
    msgs = [{"role": "user", "content": "hi"}]
    it = fake_llama.stream(msgs)
    assert next(it) == "你"
    with pytest.raises(LLMBusyError):
        fake_llama.generate(msgs)  # same thread, stream still open: times out, no deadlock
    it.close()
    assert fake_llama.generate(msgs).text == "好"


def test_llamacpp_missing_model_file(tmp_path: Path) -> None:
    llm = LlamaCppLLM(tmp_path / "absent.gguf")
    with pytest.raises(LLMUnavailableError, match="llm_model build"):
        llm.generate([{"role": "user", "content": "hi"}])


# --------------------------------------------------------------------------- OpenAI-compatible HTTP


@pytest.fixture(scope="module")
def openai_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A minimal /v1/chat/completions server (JSON and SSE) on 127.0.0.1, in a thread."""
    seen: list[dict[str, Any]] = []
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        body = await request.json()
        seen.append({"body": body, "auth": request.headers.get("authorization")})
        if body["model"] == "broken":
            return JSONResponse({"error": {"message": "model exploded", "type": "server_error"}},
                                status_code=500)  # fmt: skip
        user = body["messages"][-1]["content"]
        pieces = ["回声：", user[:4], "。"]
        base = {"id": "chatcmpl-1", "created": 1, "model": body["model"]}
        if not body.get("stream"):
            return {**base, "object": "chat.completion",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "".join(pieces)}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}}  # fmt: skip

        def sse() -> Iterator[str]:
            deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
            for i, delta in enumerate([*deltas, {}]):
                finish = "stop" if i == len(deltas) else None
                chunk = {**base, "object": "chat.completion.chunk",
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
                yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{port}/v1", seen
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_openai_compat_generate_over_http(openai_server) -> None:
    url, seen = openai_server
    llm = OpenAICompatLLM(url, "qwen2.5", "sk-test")
    out = llm.generate([{"role": "user", "content": "高新企业奖励"}], max_tokens=50, stop=["\n\n"])
    assert out == Completion("回声：高新企业。", 11, 3, "stop")
    req = seen[-1]
    assert req["auth"] == "Bearer sk-test"
    assert req["body"]["model"] == "qwen2.5"
    assert (req["body"]["max_tokens"], req["body"]["temperature"]) == (50, 0.0)
    assert req["body"]["stop"] == ["\n\n"]


def test_openai_compat_stream_over_http(openai_server) -> None:
    url, seen = openai_server
    llm = OpenAICompatLLM(url, "qwen2.5", None)
    pieces = list(llm.stream([{"role": "user", "content": "专精特新"}]))
    assert pieces == ["回声：", "专精特新", "。"]
    assert seen[-1]["body"]["stream"] is True
    assert "stop" not in seen[-1]["body"]  # omitted, not null
    assert seen[-1]["auth"] == "Bearer not-needed"


def test_openai_compat_server_error_is_llm_error(openai_server) -> None:
    url, _ = openai_server
    llm = OpenAICompatLLM(url, "broken", None, max_retries=0)
    with pytest.raises(LLMError, match="model exploded"):
        llm.generate([{"role": "user", "content": "x"}])
    with pytest.raises(LLMError, match="model exploded"):
        list(llm.stream([{"role": "user", "content": "x"}]))


def test_openai_compat_unreachable_server_is_llm_error() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = OpenAICompatLLM(f"http://127.0.0.1:{port}/v1", "m", None, timeout=5, max_retries=0)
    with pytest.raises(LLMError, match=r"127\.0\.0\.1"):
        llm.generate([{"role": "user", "content": "x"}])


# --------------------------------------------------------------------------- the real local model


@pytest.mark.llm
def test_real_local_llm_rewrites_a_chinese_sentence(local_llm: LlamaCppLLM) -> None:
    messages = [
        {"role": "system", "content": "你是一个中文写作助手，只输出改写后的句子。"},
        {"role": "user", "content": "请把这句话改写得更简洁：对首次认定的国家级专精特新小巨人企业，"
                                    "给予一次性奖励五十万元人民币。"},
    ]  # fmt: skip
    out = local_llm.generate(messages, max_tokens=32)
    assert CJK.search(out.text), out.text
    assert out.prompt_tokens > 20
    assert 0 < out.completion_tokens <= 32
    streamed = "".join(local_llm.stream(messages, max_tokens=16))
    assert CJK.search(streamed), streamed


@pytest.mark.llm
def test_real_local_llm_prompt_over_context_is_llm_error(local_llm: LlamaCppLLM) -> None:
    too_long = [{"role": "user", "content": "高新技术企业" * 600}]  # > n_ctx=1024 tokens
    with pytest.raises(LLMError, match="context"):
        local_llm.generate(too_long, max_tokens=8)
    after = local_llm.generate([{"role": "user", "content": "你好"}], max_tokens=4)
    assert after.completion_tokens > 0  # still usable after the error
