"""Fakes for the seams the API depends on (a failing chain, a slow LLM)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.types import Answer, Generator, StreamEvent, Turn


class FailingQA:
    """A chain whose every call raises ``error``."""

    default_generator: Generator = "extractive"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def generators(self) -> list[Generator]:
        return ["extractive"]

    def answer(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Answer:
        raise self.error

    def stream(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Iterator[StreamEvent]:
        raise self.error
        yield  # pragma: no cover


@dataclass
class Completion:
    text: str
    prompt_tokens: int = 10
    completion_tokens: int = 5


class SlowLLM:
    """A local-LLM stand-in that holds each generation until ``release`` is set (or times
    out), streaming ``reply`` one character per ``delay``; it records what happened."""

    name = "llamacpp"

    def __init__(self, reply: str, *, delay: float = 0.0, hold: bool = False) -> None:
        self.reply = reply
        self.delay = delay
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.started = 0
        self.tokens = 0
        self.closed = threading.Event()
        self.finished = 0

    def generate(self, messages: list[dict[str, str]], **_: object) -> Completion:
        return Completion("".join(self.stream(messages)))

    def stream(self, messages: list[dict[str, str]], **_: object) -> Iterator[str]:
        self.started += 1
        self.release.wait(30)
        try:
            for ch in self.reply:
                time.sleep(self.delay)
                self.tokens += 1
                yield ch
            self.finished += 1
        finally:
            self.closed.set()


class EchoQA:
    """A chain that answers with the question, offering an LLM generator by default."""

    default_generator: Generator = "llamacpp"

    def generators(self) -> list[Generator]:
        return ["extractive", "llamacpp"]

    def answer(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Answer:
        return Answer(answer=question, refused=False, citations=[], condensed_question=question,
                      generator=generator or self.default_generator, latency_ms=0.0)

    def stream(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Iterator[StreamEvent]:
        yield StreamEvent(event="token", data={"text": question})
        yield StreamEvent(event="citations", data=[])
        yield StreamEvent(event="done", data=self.answer(question, generator=generator).model_dump())
