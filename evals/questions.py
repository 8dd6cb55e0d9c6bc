"""The gold question set: one validated record per line of a JSONL file.

Validation is strict (unknown keys are errors) so a typo in a hand-written gold file
fails loudly instead of silently weakening the evaluation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
DEFAULT_QUESTIONS = QUESTIONS_DIR / "policy_qa.jsonl"

QuestionType = Literal[
    "numeric_target", "fact", "list", "table", "cross_doc", "followup", "unanswerable"
]
QUESTION_TYPES: tuple[str, ...] = get_args(QuestionType)


def valid_doc_name(name: str) -> bool:
    """A plain file name: non-empty, no directory part, not hidden (``plan.pdf``, ``000_ab.txt``)."""
    return bool(name.strip()) and "/" not in name and "\\" not in name and not name.startswith(".")


class HistoryTurn(BaseModel):
    """An earlier message that a follow-up question depends on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


class Question(BaseModel):
    """One gold question with the evidence a correct answer must rest on.

    ``doc`` and ``clause`` are a single value for a one-document question and parallel
    lists for a cross-document one; for a one-document question a list of clauses gives
    alternative clauses that each state the answer (e.g. the text and its 专栏 table).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"\S")
    question: str = Field(min_length=1)
    lang: Literal["zh", "en"]
    doc: str | list[str]
    clause: str | list[str]
    answer: str = Field(min_length=1)
    must_contain: list[str]
    type: QuestionType
    history: list[HistoryTurn]

    @field_validator("doc")
    @classmethod
    def _plain_file_names(cls, doc: str | list[str]) -> str | list[str]:
        names = [doc] if isinstance(doc, str) else doc
        bad = [d for d in names if not valid_doc_name(d)]
        if bad:
            raise ValueError(f"not a plain file name (no '/' or backslash, not hidden): {bad}")
        return doc

    @property
    def docs(self) -> list[str]:
        """Gold document file names as a list, whatever the stored shape."""
        return [self.doc] if isinstance(self.doc, str) else list(self.doc)

    @property
    def clauses(self) -> list[str]:
        """Gold clause paths as a list, whatever the stored shape."""
        return [self.clause] if isinstance(self.clause, str) else list(self.clause)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Cross-field rules the schema alone cannot express."""
        docs, clauses = self.docs, self.clauses
        if len(set(docs)) != len(docs):
            raise ValueError("doc lists a document twice")
        if any(not s for s in self.must_contain) or len(set(self.must_contain)) != len(
            self.must_contain
        ):
            raise ValueError("must_contain has an empty or repeated string")
        if any(not c.strip() for c in clauses):
            raise ValueError("empty clause path")
        if not self.answerable:
            if docs or clauses or self.must_contain:
                raise ValueError("unanswerable questions have doc [], clause [], must_contain []")
        else:
            if not docs or not clauses or not self.must_contain:
                raise ValueError("answerable questions need doc, clause and must_contain")
            if len(docs) > 1 and len(clauses) != len(docs):
                raise ValueError("cross-document clause list must be parallel to doc")
        if self.type == "cross_doc" and len(docs) < 2:
            raise ValueError("cross_doc questions cite at least two documents")
        if self.type == "followup" and not self.history:
            raise ValueError("followup questions need a history")
        if self.history:
            roles = [t.role for t in self.history]
            expected = ["user", "assistant"] * (len(roles) // 2 + 1)
            if roles != expected[: len(roles)] or roles[-1] != "assistant":
                raise ValueError("history alternates user/assistant and ends with assistant")
        return self


class QuestionFileError(ValueError):
    """A question file that does not validate; the one-line message names file, line and field."""


def _first_error(e: ValidationError) -> str:
    """The first validation problem as ``field 'x': message`` on one line."""
    err = e.errors(include_url=False)[0]
    loc = ".".join(str(part) for part in err["loc"])
    msg = " ".join(str(err["msg"]).split()).removeprefix("Value error, ")
    return f"field '{loc}': {msg}" if loc else f"record: {msg}"


def parse_questions(lines: list[str], source: str = "<questions>") -> list[Question]:
    """Validate JSONL lines (blank lines skipped); ids must be unique."""
    out: list[Question] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            q = Question.model_validate(json.loads(line))
        except json.JSONDecodeError as e:
            raise QuestionFileError(f"{source}:{n}: invalid JSON: {e.msg} (column {e.colno})") from e
        except ValidationError as e:
            raise QuestionFileError(f"{source}:{n}: {_first_error(e)}") from e
        if q.id in seen:
            raise QuestionFileError(f"{source}:{n}: duplicate id {q.id}")
        seen.add(q.id)
        out.append(q)
    return out


def load_questions(path: Path = DEFAULT_QUESTIONS) -> list[Question]:
    """Load and validate a question file."""
    return parse_questions(path.read_text(encoding="utf-8").splitlines(), str(path))
