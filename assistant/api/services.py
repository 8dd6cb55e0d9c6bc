"""What the app serves from: the chain and the library, ready now or built in the background.

The server must answer ``/healthz`` while the models load, so it starts with empty
``Services`` and a thread fills them in. Tests pass finished services instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.api.queue import LLMQueue, Ticket
from assistant.library import DocumentLibrary
from assistant.settings import Settings
from assistant.types import Answer, Generator, QAService, StreamEvent, Turn

log = logging.getLogger(__name__)

Builder = Callable[[], tuple[QAService, DocumentLibrary | None]]


class ServicesNotReadyError(RuntimeError):
    """The models are still loading, or (``failed``) loading them failed."""

    def __init__(self, message: str, *, failed: bool = False) -> None:
        super().__init__(message)
        self.failed = failed


@dataclass
class Services:
    settings: Settings
    queue: LLMQueue
    qa: QAService | None = None
    library: DocumentLibrary | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    _ready: threading.Event = field(default_factory=threading.Event)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def set(self, qa: QAService, library: DocumentLibrary | None) -> None:
        self.qa, self.library = qa, library
        self._ready.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def require_qa(self) -> QAService:
        if self.qa is None:
            raise ServicesNotReadyError(self._not_ready(), failed=self.error is not None)
        return self.qa

    def _not_ready(self) -> str:
        if self.error:
            return f"the assistant failed to start: {self.error}"
        return f"the assistant is still loading its models ({time.monotonic() - self.started:.0f} s so far)"

    def build_in_background(self, build: Builder) -> threading.Thread:
        """Run ``build`` in a daemon thread, so a stop during loading does not hang."""

        def run() -> None:
            try:
                qa, library = build()
            except Exception as exc:  # reported by /healthz and every /v1 call
                log.exception("startup failed")
                self.error = " ".join(str(exc).split())[:300] or type(exc).__name__
                return
            self.set(qa, library)
            log.info("ready in %.1f s: generators %s", time.monotonic() - self.started,
                     ", ".join(qa.generators()))

        thread = threading.Thread(target=run, name="policyqa-startup", daemon=True)
        thread.start()
        return thread


class LazyQA:
    """A QAService for the Gradio page, built before the chain exists: calls wait for it.

    A UI call made during loading waits up to ``wait_seconds`` and then raises
    ``ServicesNotReadyError`` with a message the page can show. Generations go through
    the same LLM queue as the API, so the page cannot pile work up behind the local model
    either (a full queue raises ``QueueFullError``).
    """

    def __init__(self, services: Services, *, wait_seconds: float = 0.0) -> None:
        self._services = services
        self._wait = wait_seconds

    def _qa(self) -> QAService:
        self._services.wait(self._wait)
        return self._services.require_qa()

    def _ticket(self, qa: QAService, generator: Generator | None) -> Ticket:
        name: str = generator or getattr(qa, "default_generator", None) or "extractive"
        return self._services.queue.admit(name)

    def answer(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Answer:
        qa = self._qa()
        with self._ticket(qa, generator):
            return qa.answer(question, history, top_k=top_k, generator=generator)

    def stream(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Iterator[StreamEvent]:
        qa = self._qa()
        with self._ticket(qa, generator):
            yield from qa.stream(question, history, top_k=top_k, generator=generator)

    def generators(self) -> list[Generator]:
        # Before the chain exists only the extractive generator is certain to be there.
        qa = self._services.qa
        return qa.generators() if qa is not None else ["extractive"]

    def __getattr__(self, name: str) -> Any:
        # Anything else the page reads (retriever, default_generator …) comes from the real chain.
        return getattr(self._qa(), name)


class LazyLibrary:
    """A DocumentLibrary stand-in with the same duck type, for the same reason as LazyQA."""

    def __init__(self, services: Services, *, wait_seconds: float = 0.0) -> None:
        self._services = services
        self._wait = wait_seconds

    def __getattr__(self, name: str) -> Any:
        self._services.wait(self._wait)
        library = self._services.library
        if library is None:
            raise ServicesNotReadyError(self._services._not_ready() if not self._services.ready
                                        else "this server has no document library")
        return getattr(library, name)
