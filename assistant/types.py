"""Data types at the assistant seam: what the chain returns to the API, UI and evals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

Role = Literal["user", "assistant"]
Generator = Literal["extractive", "llamacpp", "openai"]


class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Role
    content: str


class Citation(BaseModel):
    """A cited clause. ``n`` is the number used by [n] markers in the answer."""

    n: int
    doc_id: str
    title: str
    clause: str
    text: str
    score: float


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Answer(BaseModel):
    """The chain's result; the HTTP API returns exactly this object.

    When ``refused`` is true the corpus does not answer the question and
    ``citations`` lists the nearest clauses as related reading.
    """

    answer: str
    refused: bool
    citations: list[Citation]
    condensed_question: str
    generator: Generator
    latency_ms: float
    usage: Usage = Field(default_factory=Usage)
    trace: dict[str, Any] = Field(default_factory=dict)


class StreamEvent(BaseModel):
    """A piece of a streamed answer: text tokens, then citations, then done."""

    event: Literal["token", "citations", "done"]
    data: Any


class QAService(Protocol):
    """What the API and the UI need from the chain."""

    def answer(
        self,
        question: str,
        history: list[Turn] | None = None,
        *,
        top_k: int | None = None,
        generator: Generator | None = None,
    ) -> Answer: ...

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        *,
        top_k: int | None = None,
        generator: Generator | None = None,
    ) -> Iterator[StreamEvent]: ...

    def generators(self) -> list[Generator]: ...
