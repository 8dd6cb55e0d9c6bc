"""Running the chain for a request: off the event loop, and through the LLM queue.

The chain is synchronous (Chroma, torch, llama.cpp), so every step runs in a worker
thread. A stream is started, and its first event taken, before the HTTP response begins:
a full queue, an unknown generator or an unreachable store then still gets its own status
code instead of a broken 200 stream.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import anyio.to_thread
from starlette.background import BackgroundTask

from assistant.api.errors import APIError
from assistant.api.queue import LLMQueue, Ticket
from assistant.types import Answer, Generator, QAService, StreamEvent, Turn

log = logging.getLogger(__name__)
_END: Any = object()


def resolve_generator(qa: QAService, requested: Generator | None) -> Generator:
    """The generator a request will use; 400 when the server cannot run it."""
    available = qa.generators()
    name: Generator = requested or getattr(qa, "default_generator", None) or available[0]
    if name not in available:
        raise APIError(400, f"generator {name!r} is not available on this server; "
                            f"available: {', '.join(available)}", code="generator_unavailable")
    return name


async def run_answer(qa: QAService, queue: LLMQueue, question: str, history: list[Turn], *,
                     top_k: int | None = None, generator: Generator | None = None) -> Answer:
    """The whole answer; LLM generations wait their turn, extractive ones never do."""
    name = resolve_generator(qa, generator)
    ticket = queue.admit(name)

    def work() -> Answer:
        with ticket:
            return qa.answer(question, history, top_k=top_k, generator=name)

    try:
        return await anyio.to_thread.run_sync(work)
    finally:
        ticket.release()  # idempotent; covers a cancel before the thread ran


class ChainStream:
    """A started chain stream: its events, and one ``close`` that stops the generation
    and frees the LLM queue. ``close`` is safe to call more than once and from any path
    (normal end, client disconnect, the response's background task)."""

    def __init__(self, first: StreamEvent, events: Iterator[StreamEvent], ticket: Ticket) -> None:
        self.first = first
        self._events: Iterator[StreamEvent] | None = events
        self._ticket = ticket

    def close_now(self) -> None:
        events, self._events = self._events, None
        try:
            if events is not None:
                close = getattr(events, "close", None)
                if close is not None:
                    close()  # GeneratorExit inside the chain stops the LLM's token loop
        finally:
            self._ticket.release()

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.close_now)

    def background(self) -> BackgroundTask:
        return BackgroundTask(self.close)

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        try:
            yield self.first
            while self._events is not None:
                event = await anyio.to_thread.run_sync(next, self._events, _END)
                if event is _END:
                    break
                yield event
        finally:
            await self.close()

    def __del__(self) -> None:
        # Last resort if the response was never run: never leave the LLM lock held.
        self._ticket.release()


async def start_stream(qa: QAService, queue: LLMQueue, question: str, history: list[Turn], *,
                       top_k: int | None = None, generator: Generator | None = None) -> ChainStream:
    """Admit the request, start the chain and take its first event (see the module doc)."""
    name = resolve_generator(qa, generator)
    ticket = queue.admit(name)
    started: list[Iterator[StreamEvent]] = []

    def begin() -> StreamEvent:
        ticket.acquire()
        events = qa.stream(question, history, top_k=top_k, generator=name)
        started.append(events)
        first = next(events, None)
        if first is None:
            raise RuntimeError("the chain's stream ended without an event")
        return first

    def abort() -> None:
        try:
            for events in started:
                close = getattr(events, "close", None)
                if close is not None:
                    close()
        finally:
            ticket.release()

    try:
        first = await anyio.to_thread.run_sync(begin)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(abort)
        raise
    return ChainStream(first, started[0], ticket)
