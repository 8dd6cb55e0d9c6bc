"""Evaluation metrics for one question: pure functions over strings and ranked retrievals.

Every string comparison goes through :func:`normalize`, so an answer that writes
``１０，０００家`` or ``10 000家`` still matches the document's ``10000家``.

Clause-path matching lives in :mod:`evals.clause_paths` and aggregation over records in
:mod:`evals.summary`; their public names are re-exported here so ``metrics.X`` keeps working.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from evals.clause_paths import HEADING_SIMILARITY as HEADING_SIMILARITY
from evals.clause_paths import PathPart as PathPart
from evals.clause_paths import clause_match as clause_match
from evals.clause_paths import headings_agree as headings_agree
from evals.clause_paths import parse_part as parse_part
from evals.clause_paths import parts_match as parts_match
from evals.clause_paths import split_path as split_path
from evals.summary import EvalRecord as EvalRecord
from evals.summary import RecordLike as RecordLike
from evals.summary import is_correct as is_correct
from evals.summary import percentile as percentile
from evals.summary import refusal_stats as refusal_stats
from evals.summary import summarize as summarize

# --------------------------------------------------------------------------- normalisation

_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+)(?![\d,])")
_WS = re.compile(r"\s+")


def _strip_thousands(text: str) -> str:
    return _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), text)


def normalize(text: str) -> str:
    """The canonical form for substring matching.

    NFKC (full-width digits, letters, ％ and brackets become ASCII), thousands separators
    dropped (``1,000`` → ``1000``), all whitespace removed (Chinese has no word spaces and
    web dumps pad at random), case folded.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _strip_thousands(text)
    return _WS.sub("", text).casefold()


def contains_all(text: str, needles: Iterable[str]) -> bool:
    """True if every needle occurs in ``text`` after normalisation on both sides."""
    hay = normalize(text)
    return all(normalize(n) in hay for n in needles)


# --------------------------------------------------------------------------- retrieval


@runtime_checkable
class Retrieved(Protocol):
    """A retrieved clause: anything with a document id and the clause text."""

    @property
    def doc_id(self) -> str: ...

    @property
    def text(self) -> str: ...


RetrievedItem = Retrieved | tuple[str, str] | Mapping[str, Any]


class Gold(Protocol):
    """What the retrieval metrics read from a gold question (evals.questions.Question)."""

    @property
    def doc(self) -> str | list[str]: ...

    @property
    def must_contain(self) -> list[str]: ...

    @property
    def type(self) -> str: ...


def _item(item: RetrievedItem) -> tuple[str, str]:
    if isinstance(item, tuple):
        return str(item[0]), str(item[1])
    if isinstance(item, Mapping):
        return str(item["doc_id"]), str(item["text"])
    return item.doc_id, item.text


def _doc_key(doc_id: str) -> str:
    return doc_id.strip().removesuffix(".txt")


def _gold_docs(q: Gold) -> set[str]:
    docs = [q.doc] if isinstance(q.doc, str) else q.doc
    return {_doc_key(d) for d in docs}


def pools_evidence(q: Gold) -> bool:
    """Whether the must_contain strings may come from different retrieved clauses.

    Cross-document answers combine clauses by construction; a list's items usually sit
    in sibling clauses (each 专项 of 000 is its own clause). Everything else must be
    stated by one clause.
    """
    return q.type in {"cross_doc", "list"} or len(_gold_docs(q)) > 1


def first_hit_rank(
    retrieved: Sequence[RetrievedItem], question: Gold, *, pooled: bool | None = None
) -> int | None:
    """1-based rank at which the top-k first contains the gold evidence; None if never.

    Single-clause mode: the first clause from a gold document holding every string.
    Pooled mode: the rank at which every string has appeared in some gold-document clause.
    A question with ``any_of`` (alternative answer spans) hits at the first gold-document
    clause holding any one span.
    """
    gold = _gold_docs(question)
    spans = list(getattr(question, "any_of", None) or [])
    if spans:  # alternative spans: the first clause holding any one of them
        ranks = [_first_rank(retrieved, gold, [normalize(s)], pooled=False) for s in spans]
        return min((r for r in ranks if r is not None), default=None)
    pooled = pools_evidence(question) if pooled is None else pooled
    return _first_rank(retrieved, gold, [normalize(s) for s in question.must_contain],
                       pooled=pooled)


def _first_rank(retrieved: Sequence[RetrievedItem], gold: set[str], needles: list[str], *,
                pooled: bool) -> int | None:
    """first_hit_rank for normalised needles: in one clause, or pooled over clauses."""
    missing = set(needles)
    for rank, raw in enumerate(retrieved, start=1):
        doc_id, text = _item(raw)
        if _doc_key(doc_id) not in gold:
            continue
        hay = normalize(text)
        if pooled:
            missing -= {n for n in missing if n in hay}
            if not missing:
                return rank
        elif all(n in hay for n in needles):
            return rank
    return None


def hit_at_k(
    retrieved: Sequence[RetrievedItem], question: Gold, k: int, *, pooled: bool | None = None
) -> bool | None:
    """Whether the top ``k`` retrieved clauses hold the gold evidence (None: unanswerable)."""
    if question.type == "unanswerable":
        return None
    if k < 1:
        raise ValueError("k must be at least 1")
    rank = first_hit_rank(retrieved[:k], question, pooled=pooled)
    return rank is not None


def reciprocal_rank(
    retrieved: Sequence[RetrievedItem],
    question: Gold,
    k: int | None = None,
    *,
    pooled: bool | None = None,
) -> float | None:
    """1 / (smallest k with hit@k), 0.0 if no hit in the top ``k``; None for unanswerable."""
    if question.type == "unanswerable":
        return None
    items = retrieved if k is None else retrieved[:k]
    rank = first_hit_rank(items, question, pooled=pooled)
    return 0.0 if rank is None else 1.0 / rank


# --------------------------------------------------------------------------- answers


def answer_correct(answer_text: str, must_contain: Sequence[str],
                   any_of: Sequence[str] = ()) -> bool:
    """All gold strings occur in the answer after normalisation (vacuously true for []).

    With ``any_of`` (annotators' alternative spans, as in CMRC/CJRC) the answer is correct
    when it quotes any one of them, whatever ``must_contain`` says.
    """
    if any_of:
        return any(contains_all(answer_text, [s]) for s in any_of)
    return contains_all(answer_text, must_contain)


# --------------------------------------------------------------------------- grounding

_CITATION = re.compile(r"[\[【]\s*\d+(?:\s*[,，、\-–~]\s*\d+)*\s*[\]】]")
_CIRCLED_RE = re.compile("[\u2460-\u2473]")
_LINE_NUMBERING = re.compile(
    r"(?m)^[ \t]*(?:[-*•·][ \t]*)?(?:\d{1,2}[.、)](?!\d)|\(\d{1,2}\))"
)
_INLINE_NUMBERING = re.compile(
    r"(?<![\d.])\d{1,2}、|(?<![\d.])\d{1,2}\.(?=[\u4e00-\u9fff])|\(\d{1,2}\)"
    r"|专栏\s*\d+|第\d+[篇章节条款项]"
)
_NUMBER = re.compile(
    r"(?<![A-Za-z_\d.])(\d+(?:\.\d+)?)(?:(?![A-Za-z_\d])\s*(万亿|亿|万)"
    r"|\s*(thousand|million|billion|trillion)\b|(?![A-Za-z_\d]))",
    re.IGNORECASE,
)
_SCALE = {
    "万": 10**4, "亿": 10**8, "万亿": 10**12,
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
}


@dataclass(frozen=True)
class Number:
    """A number as written (``surface``), its value with 万/亿 applied, and its bare value."""

    surface: str
    value: float
    bare: float
    scaled: bool


def _clean_for_numbers(text: str) -> str:
    text = _CITATION.sub(" ", text)
    text = _CIRCLED_RE.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _strip_thousands(text)
    text = _LINE_NUMBERING.sub(" ", text)
    return _INLINE_NUMBERING.sub(" ", text)


def extract_numbers(text: str) -> list[Number]:
    """Quantities in ``text``: citation markers [1], list numbering and identifiers skipped.

    Digits glued to Latin letters or ``_`` (5G, T4, file ids) are names, not quantities.
    """
    out: list[Number] = []
    for m in _NUMBER.finditer(_clean_for_numbers(text)):
        bare = float(m.group(1))
        unit = (m.group(2) or m.group(3) or "").lower()
        scale = _SCALE.get(unit, 1)
        out.append(Number(m.group(0).strip(), bare * scale, bare, bool(unit)))
    return out


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def ungrounded_numbers(answer_text: str, cited_texts: Sequence[str]) -> list[str]:
    """Numbers in the answer that no citation states, as written in the answer.

    A number is grounded if its value (万/亿 and English thousand/million/billion
    applied, so 1万 = 10000 and 200 billion = 2000亿) equals a cited value, or if its
    figure equals a cited figure and one of the two carries no scale word: a table cell
    ``2000`` under a header ``(亿元)`` grounds ``2000亿元``, but ``2000万元`` is not
    grounded by ``2000亿元``.
    """
    cited = [n for t in cited_texts for n in extract_numbers(t)]
    out: list[str] = []
    for n in extract_numbers(answer_text):
        ok = any(
            _same(n.value, c.value) or ((not c.scaled or not n.scaled) and _same(n.bare, c.bare))
            for c in cited
        )
        if not ok and n.surface not in out:
            out.append(n.surface)
    return out


def numbers_grounded(answer_text: str, cited_texts: Sequence[str]) -> bool:
    """True if every number in the answer appears in the cited clauses."""
    return not ungrounded_numbers(answer_text, cited_texts)
