"""Request and response models of the HTTP API (the chain's Answer is returned as is).

Our own requests forbid unknown fields, so a typo is an error rather than silently
ignored. The OpenAI-compatible request ignores them instead: clients send many optional
parameters (temperature, stream_options, user …) that this model has no use for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from assistant.api.errors import ErrorDetail, failure
from assistant.jobs import Job
from assistant.types import Generator, Role, Turn, question_problem, text_problem
from ingest.types import Clause
from vectorstore.records import IndexedDocument

MAX_QUESTION_CHARS = 2000
MAX_TURN_CHARS = 8000
MAX_TURNS = 20



def _valid(check: Any) -> AfterValidator:
    """A pydantic check from one of the ``*_problem`` functions (None means fine)."""

    def validate(value: str) -> str:
        problem = check(value)
        if problem:
            raise ValueError(f"the text {problem}")
        return value

    return AfterValidator(validate)


Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=MAX_QUESTION_CHARS), _valid(question_problem)]
Text = Annotated[str, _valid(text_problem)]


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    content: Annotated[str, StringConstraints(max_length=MAX_TURN_CHARS), _valid(text_problem)]


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question = Field(description="1–2000 characters.")
    history: list[TurnIn] = Field(default_factory=list, max_length=MAX_TURNS,
                                  description="Earlier turns, oldest first (at most 20).")
    top_k: int | None = Field(default=None, ge=1, le=20)
    generator: Generator | None = Field(default=None, description="Default: the server's.")

    def turns(self) -> list[Turn]:
        return [Turn(role=t.role, content=t.content) for t in self.history]


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    date: str | None
    period: tuple[int, int] | None
    issuer: str | None
    doc_number: str | None
    clauses: int
    chunks: int
    tokens: int
    indexed_at: str

    @classmethod
    def of(cls, doc: IndexedDocument) -> DocumentOut:
        return cls(doc_id=doc.doc_id, title=doc.title, date=doc.date, period=doc.period,
                   issuer=doc.issuer, doc_number=doc.doc_number, clauses=doc.n_clauses,
                   chunks=doc.n_chunks, tokens=doc.n_tokens, indexed_at=doc.indexed_at)


class JobOut(BaseModel):
    """A background indexing job; ``document`` is set once it is done, ``error`` if it failed."""

    id: str
    file: str
    state: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0, le=1)
    stage: str
    error: ErrorDetail | None = None
    document: DocumentOut | None = None
    created_at: datetime
    finished_at: datetime | None = None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        def when(t: float | None) -> datetime | None:
            return None if t is None else datetime.fromtimestamp(t, UTC)

        return cls(id=job.id, file=job.name, state=job.state, progress=round(job.progress, 3),
                   stage=job.stage, error=failure(job.error) if job.error is not None else None,
                   document=DocumentOut.of(job.result) if job.state == "done" else None,
                   created_at=when(job.created) or datetime.now(UTC), finished_at=when(job.finished))


class ClauseOut(BaseModel):
    """One clause; ``path`` is joined with " > " exactly like ``Citation.clause``."""

    path: str
    heading: str
    text: str
    span: tuple[int, int]
    kind: str
    depth: int

    @classmethod
    def of(cls, clause: Clause) -> ClauseOut:
        return cls(path=clause.path_str, heading=clause.heading, text=clause.text,
                   span=clause.span, kind=clause.kind, depth=clause.depth)


class ClausesOut(BaseModel):
    doc_id: str
    title: str
    clauses: list[ClauseOut]


class Health(BaseModel):
    status: Literal["ready", "loading", "failed", "degraded"]
    documents: int | None = None
    chunks: int | None = None
    generators: list[str] | None = None
    message: str | None = None


# -- OpenAI-compatible chat ---------------------------------------------------------------

class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: Text | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Text | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=500)
    stream: bool = False


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "policyqa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChatCompletion(BaseModel):
    """A non-streamed chat answer; ``citations`` is our extra field."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[dict[str, Any]]
    usage: dict[str, int]
    citations: list[dict[str, Any]]
