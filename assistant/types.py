"""Data types at the assistant seam: what the chain returns to the API, UI and evals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

_SURROGATE = re.compile("[\ud800-\udfff]")
_WORD = re.compile(r"[^\W_]")  # a letter, digit or ideograph of any script; not punctuation or emoji

Role = Literal["user", "assistant"]
Generator = Literal["extractive", "llamacpp", "openai"]


def text_problem(text: str) -> str | None:
    """Why a text cannot reach the chain: a lone UTF-16 surrogate, which JSON can carry
    ("\\ud800") but no tokenizer or encoder accepts. None when it is fine."""
    if _SURROGATE.search(text):
        return "contains a lone surrogate (\\ud800–\\udfff), which is not valid Unicode text"
    return None


def question_problem(question: str) -> str | None:
    """Why a question cannot be asked: invalid text, or no word at all ("？？？！！！", emoji)."""
    problem = text_problem(question)
    if problem is None and not _WORD.search(question):
        problem = "has no words to search for (only punctuation, symbols or emoji)"
    return problem


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
