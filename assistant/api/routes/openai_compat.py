"""An OpenAI-compatible chat endpoint, so OpenAI SDKs, LangChain and Open WebUI can use the
assistant as a model. Same chain: the last user message is the question, earlier user and
assistant messages are the history; citations travel as [n] markers plus a source list in
the text, and as an extra ``citations`` field."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from assistant.api.deps import QADep, QueueDep
from assistant.api.errors import APIError
from assistant.api.runner import ChainStream, run_answer, start_stream
from assistant.api.schemas import (
    MAX_QUESTION_CHARS,
    MAX_TURN_CHARS,
    MAX_TURNS,
    ChatCompletion,
    ChatMessage,
    ChatRequest,
    ModelCard,
    ModelList,
)
from assistant.chain import citations_text
from assistant.types import Answer, Citation, Generator, QAService, Turn, question_problem

log = logging.getLogger(__name__)
router = APIRouter(tags=["openai"])

MODEL = "policyqa"
SOURCES_HEAD = "来源 / Sources:"
RELATED_HEAD = "相关条款 / Related clauses:"
# Our own source list, cut from assistant turns before they go back into the chain.
_SOURCES_TAIL = re.compile(rf"\n\n(?:{re.escape(SOURCES_HEAD)}|{re.escape(RELATED_HEAD)})\n.*\Z", re.S)
_STARTED = int(time.time())


def models(qa: QAService) -> dict[str, Generator | None]:
    """``policyqa`` (the server's default generator) and ``policyqa-<generator>`` for each one."""
    return {MODEL: None, **{f"{MODEL}-{g}": g for g in qa.generators()}}


@router.get("/models", response_model=ModelList, summary="Models (OpenAI-compatible)")
async def list_models(qa: QADep) -> ModelList:
    return ModelList(data=[ModelCard(id=m, created=_STARTED) for m in models(qa)])


@router.get("/models/{model_id}", response_model=ModelCard, summary="One model (OpenAI-compatible)")
async def get_model(model_id: str, qa: QADep) -> ModelCard:
    _generator_for(qa, model_id)
    return ModelCard(id=model_id, created=_STARTED)


@router.post("/chat/completions", response_model=ChatCompletion, summary="Chat (OpenAI-compatible)",
             responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                              "description": "A chat.completion, or chunks when stream is true."}})
async def chat_completions(body: ChatRequest, qa: QADep, queue: QueueDep) -> Any:
    generator = _generator_for(qa, body.model)
    question, history = split_messages(body.messages)
    if body.stream:
        stream = await start_stream(qa, queue, question, history, generator=generator)
        options = (body.model_extra or {}).get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        return EventSourceResponse(_chunks(stream, body.model, include_usage),
                                   background=stream.background(), sep="\n")
    answer = await run_answer(qa, queue, question, history, generator=generator)
    usage = answer.usage
    return ChatCompletion(
        id=_completion_id(), created=int(time.time()), model=body.model,
        choices=[{"index": 0, "finish_reason": "stop",
                  "message": {"role": "assistant", "content": with_sources(answer)}}],
        usage={"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
               "total_tokens": usage.prompt_tokens + usage.completion_tokens},
        citations=[c.model_dump() for c in answer.citations])


def _generator_for(qa: QAService, model: str) -> Generator | None:
    known = models(qa)
    if model not in known:
        raise APIError(404, f"model {model!r} does not exist; available: {', '.join(known)}",
                       code="model_not_found")
    return known[model]


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, history); system messages are ignored, long histories keep the last turns."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise APIError(400, "the last message must be a user message (the question)",
                       code="invalid_request")
    question = turns[-1].text().strip()
    if not 1 <= len(question) <= MAX_QUESTION_CHARS:
        raise APIError(400, f"the question (the last user message) must be 1–{MAX_QUESTION_CHARS} "
                            f"characters, got {len(question)}", code="invalid_request")
    problem = question_problem(question)
    if problem:
        raise APIError(422, f"the question (the last user message) {problem}", code="invalid_request")
    history = [Turn(role="user" if m.role == "user" else "assistant",
                    content=_SOURCES_TAIL.sub("", m.text())[:MAX_TURN_CHARS])
               for m in turns[:-1]]
    return question, history[-MAX_TURNS:]


def sources_block(citations: list[Citation], *, refused: bool) -> str:
    if not citations:
        return ""
    return f"\n\n{RELATED_HEAD if refused else SOURCES_HEAD}\n{citations_text(citations)}"


def with_sources(answer: Answer) -> str:
    return answer.answer + sources_block(answer.citations, refused=answer.refused)


async def _chunks(stream: ChainStream, model: str, include_usage: bool) -> AsyncIterator[ServerSentEvent]:
    """chat.completion.chunk events, then ``[DONE]``; a reset appends the replacement text."""
    cid, created = _completion_id(), int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> ServerSentEvent:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return ServerSentEvent(data=json.dumps(body, ensure_ascii=False))

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for event in stream:
            if event.event == "token":
                text = str(event.data.get("text", ""))
                yield chunk({"content": f"\n\n---\n{text}" if event.data.get("reset") else text})
            elif event.event == "done":
                answer = Answer.model_validate(event.data)
                block = sources_block(answer.citations, refused=answer.refused)
                if block:
                    yield chunk({"content": block})
                extra: dict[str, Any] = {"citations": [c.model_dump() for c in answer.citations]}
                if include_usage:
                    u = answer.usage
                    extra["usage"] = {"prompt_tokens": u.prompt_tokens,
                                      "completion_tokens": u.completion_tokens,
                                      "total_tokens": u.prompt_tokens + u.completion_tokens}
                yield chunk({}, "stop", **extra)
    except Exception:  # the status line is sent already; OpenAI clients raise on an error payload
        log.exception("chat stream failed")
        yield ServerSentEvent(data=json.dumps({"error": {"code": "stream_failed",
                                                         "message": "internal error while answering"}}))
        return
    yield ServerSentEvent(data="[DONE]")


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"
