"""Admission control for the local LLM: one generation at a time, a bounded wait line.

The llama.cpp model is not thread-safe and a generation takes seconds, so requests for it
queue behind one lock. Letting them pile up would tie up worker threads and make every
client wait longer, so once ``size`` requests are already waiting a new one is refused at
once (HTTP 429 with ``Retry-After``). Extractive answers never enter the queue.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Collection

# Remote OpenAI-compatible servers handle their own concurrency; only the in-process model queues.
QUEUED_GENERATORS: frozenset[str] = frozenset({"llamacpp"})


class QueueFullError(Exception):
    """The LLM wait line is full; ``retry_after`` is a guess in whole seconds."""

    def __init__(self, waiting: int, retry_after: int) -> None:
        super().__init__(f"the local LLM is busy ({waiting} requests waiting); "
                         f"retry in about {retry_after} s or ask with generator 'extractive'")
        self.retry_after = retry_after


class Ticket:
    """One admitted request. ``acquire`` (in a worker thread) waits for the LLM; ``release``
    gives back both the LLM and the admission, and may be called more than once."""

    def __init__(self, queue: LLMQueue | None) -> None:
        self._queue = queue
        self._held = False
        self._started = 0.0

    @property
    def queued(self) -> bool:
        return self._queue is not None

    def acquire(self) -> None:
        if self._queue is not None and not self._held:
            self._queue._run.acquire()
            self._held = True
            self._started = time.monotonic()

    def release(self) -> None:
        queue, self._queue = self._queue, None
        if queue is None:
            return
        if self._held:
            self._held = False
            queue._finished(time.monotonic() - self._started)
            queue._run.release()
        queue._leave()

    def __enter__(self) -> Ticket:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class LLMQueue:
    """At most one running generation plus ``size`` waiting ones."""

    def __init__(self, size: int, *, queued: Collection[str] = QUEUED_GENERATORS) -> None:
        self.size = max(0, size)
        self.queued = frozenset(queued)
        self._run = threading.Lock()
        self._mutex = threading.RLock()  # re-entrant: a release may come from a finalizer
        self._admitted = 0
        self._avg_seconds = 10.0  # a first guess until a generation has been timed

    @property
    def admitted(self) -> int:
        """Requests running or waiting."""
        return self._admitted

    def admit(self, generator: str) -> Ticket:
        """A ticket for ``generator``; a no-op ticket when it does not queue.

        Cheap and non-blocking, so it can run on the event loop before a response starts.
        """
        if generator not in self.queued:
            return Ticket(None)
        with self._mutex:
            if self._admitted >= self.size + 1:
                waiting = self._admitted - 1
                raise QueueFullError(waiting, self._retry_after(waiting))
            self._admitted += 1
        return Ticket(self)

    def _retry_after(self, waiting: int) -> int:
        return max(1, min(120, math.ceil(self._avg_seconds * (waiting + 1))))

    def _finished(self, seconds: float) -> None:
        self._avg_seconds = 0.7 * self._avg_seconds + 0.3 * seconds

    def _leave(self) -> None:
        with self._mutex:
            self._admitted -= 1
