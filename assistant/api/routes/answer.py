"""``POST /v1/answer`` and its Server-Sent Events twin ``POST /v1/answer/stream``."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from assistant.api.deps import QADep, QueueDep
from assistant.api.runner import ChainStream, run_answer, start_stream
from assistant.api.schemas import AnswerRequest
from assistant.types import Answer
from vectorstore.client import StoreError

log = logging.getLogger(__name__)
router = APIRouter(tags=["answer"])

_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`token` events (`{\"text\"}`, or `{\"reset\": true, \"text\"}` when an LLM "
                       "draft is replaced by the extractive answer), one `citations` event, then "
                       "`done` carrying the Answer. A failure mid-stream sends an `error` event.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.post("/answer", response_model=Answer, summary="Answer a question with citations")
async def answer(body: AnswerRequest, qa: QADep, queue: QueueDep) -> Answer:
    return await run_answer(qa, queue, body.question, body.turns(), top_k=body.top_k,
                            generator=body.generator)


@router.post("/answer/stream", response_class=EventSourceResponse, responses=_STREAM_DOC,
             summary="Stream an answer as Server-Sent Events")
async def answer_stream(body: AnswerRequest, qa: QADep, queue: QueueDep) -> EventSourceResponse:
    stream = await start_stream(qa, queue, body.question, body.turns(), top_k=body.top_k,
                                generator=body.generator)
    return EventSourceResponse(sse_events(stream), background=stream.background(), sep="\n")


async def sse_events(stream: ChainStream) -> AsyncIterator[ServerSentEvent]:
    """The chain's events as SSE; a disconnect cancels this, which closes the chain."""
    try:
        async for event in stream:
            yield ServerSentEvent(event=event.event, data=_json(event.data))
    except Exception as exc:  # the status line is sent already; say what failed in-band
        log.exception("stream failed")
        message = f"the document index is unavailable: {exc}" if isinstance(exc, StoreError) \
            else "internal error while answering"
        yield ServerSentEvent(event="error", data=_json({"error": {"code": "stream_failed",
                                                                   "message": message}}))


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
