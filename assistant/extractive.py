"""The extractive generator: pick the sentences that answer, quote them verbatim, cite them.

Deterministic and fast; numbers are never rewritten because they are never generated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.query import QueryAnalysis
from assistant.retrieval import Evidence
from assistant.terms import content_terms, coverage

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_SEGMENT = re.compile(r"[^,，]+[,，]?")
_HAS_NUMBER = re.compile(r"\d|翻[一两二三四]?番|[一二两三四五六七八九十]倍|[一二三四五六七八九十百千]+[个家所项]")
_LONG_SENTENCE = 40


@dataclass(frozen=True)
class Unit:
    """A quotable piece of a clause: a sentence, or a comma segment of a long one."""

    text: str
    evidence: Evidence
    score: float


_TIME_LEAD = re.compile(r"^(?:到|至|在|截至)?(?:19|20)\d{2}年(?:前|底|末)?[,，]?$")
_ROW = re.compile(r"^[^：。]{2,40}：.+；?")
_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[、.．]|[(（][\d一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")


def _units(text: str, table: bool = False) -> list[str]:
    """Quotable units: table rows whole; sentences; comma segments of long sentences.

    A segment keeps its sentence's time lead-in (到2025年,…) so the year stays attached.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if table and _ROW.match(line):
            out.append(line.strip())
            continue
        for sentence in _SENTENCE.findall(line):
            s = sentence.strip()
            if not s:
                continue
            if len(s) <= _LONG_SENTENCE:
                out.append(s)
                continue
            segments = [seg.strip() for seg in _SEGMENT.findall(s) if seg.strip()]
            lead = segments[0] if segments and _TIME_LEAD.match(segments[0]) else ""
            for seg in segments:
                if seg == lead:
                    continue
                out.append(f"{lead}{seg}" if lead else seg)
    return out


def _weights(terms: Sequence[str], idf: dict[str, float]) -> dict[str, float]:
    return {t: idf.get(t, 1.0) for t in terms}


def score_unit(text: str, q: QueryAnalysis, weights: dict[str, float]) -> float:
    """How much of the question a unit answers: term coverage, numbers and years."""
    score = coverage(text, weights)
    if q.wants_number and _HAS_NUMBER.search(_LIST_MARK.sub("", text)):
        score *= 1.5
    if q.years and any(str(y) in text for y in q.years):
        score *= 1.2
    return score


def select_units(
    q: QueryAnalysis, evidence: Sequence[Evidence], idf: dict[str, float], *, max_units: int = 3
) -> list[Unit]:
    """The best units from the top evidence, kept in document order within each clause."""
    weights = _weights(content_terms(q, idf.keys()), idf)
    top = evidence[0].score if evidence else 1.0
    scored: list[Unit] = []
    for rank, ev in enumerate(evidence[:4]):
        prior = (ev.score / top) ** 0.5 / (1 + 0.15 * rank)
        heading = ev.chunk.heading.rstrip("。;；,，")
        for text in _units(ev.chunk.text, table=ev.chunk.kind == "table"):
            if text.rstrip("。;；,，") == heading or len(text) < 4:
                continue
            scored.append(Unit(text, ev, score_unit(text, q, weights) * prior))
    if not scored:
        return []
    scored.sort(key=lambda u: -u.score)
    best = scored[0]
    chosen = [best]
    for unit in scored[1:]:
        if len(chosen) >= max_units:
            break
        if q.wants_number and not _HAS_NUMBER.search(_LIST_MARK.sub("", unit.text)):
            continue
        same_clause = unit.evidence.chunk.id == best.evidence.chunk.id
        same_doc = unit.evidence.chunk.doc_id == best.evidence.chunk.doc_id
        if (same_clause and unit.score >= 0.8 * best.score) or (
            same_doc and unit.score >= 0.95 * best.score and len(chosen) < 2
        ):
            chosen.append(unit)
    order = {id(u.evidence): i for i, u in enumerate(chosen)}
    chosen.sort(key=lambda u: (order[id(u.evidence)], u.evidence.chunk.text.find(u.text)))
    return chosen


def best_unit(q: QueryAnalysis, evidence: Sequence[Evidence], idf: dict[str, float]) -> Unit | None:
    """The single best unit (used per document in comparisons)."""
    units = select_units(q, evidence, idf, max_units=1)
    return units[0] if units else None


def join_units(units: Sequence[Unit]) -> str:
    """Units of one clause joined back into readable Chinese."""
    text = ""
    for u in units:
        piece = u.text
        if text and not text.endswith(("。", ";", "；", "!", "?", ",", "，")):
            text += "，"
        text += piece
    return text.rstrip(",，") + ("" if text.endswith(("。", "；", ";")) else "。")
