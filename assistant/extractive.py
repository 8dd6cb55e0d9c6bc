"""The extractive generator: pick the sentences that answer, quote them verbatim, cite them.

Deterministic and fast; numbers are never rewritten because they are never generated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from assistant.lexical import tokenize
from assistant.query import QueryAnalysis
from assistant.retrieval import Evidence

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_SEGMENT = re.compile(r"[^,，]+[,，]?")
_HAS_NUMBER = re.compile(r"\d|翻[一两二三四]?番|[一二两三四五六七八九十]倍|[一二三四五六七八九十百千]+[个家所项]")
_LONG_SENTENCE = 40
# Words every question uses; they say nothing about which sentence answers it.
GENERIC = frozenset(
    "目标 指标 规划 计划 方案 行动 多少 达到 年 什么 哪些 情况 主要 内容 要求 "
    "文件 政策 提出 规定 根据 关于 请问 分别 各个 变化 比较 对比 中 提到 哪 是 有".split()
)


@dataclass(frozen=True)
class Unit:
    """A quotable piece of a clause: a sentence, or a comma segment of a long one."""

    text: str
    evidence: Evidence
    score: float


def content_terms(q: QueryAnalysis, vocab: Collection[str] = ()) -> list[str]:
    """Tokens of the question (and its expansions) that discriminate between sentences.

    For an English question only Chinese expansions and tokens the corpus itself uses
    (R&D, GDP) count: English words never occur in a Chinese clause.
    """
    text = q.text
    for group in q.alias_groups:  # places are checked separately; their words are not content
        for name in sorted(group, key=len, reverse=True):
            text = re.sub(re.escape(name), " ", text, flags=re.I)
    if q.lang == "en":
        from assistant.query import default_lexicon

        text = " ".join([text, *default_lexicon().translate(text)])
    terms = [t for t in tokenize(text) if t not in GENERIC and not re.fullmatch(r"[\d.%]+", t)]
    if q.lang == "en":
        terms = [t for t in terms if re.search(r"[\u4e00-\u9fff]", t) or t in vocab]
    return list(dict.fromkeys(terms))


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


def _term_groups(weights: dict[str, float]) -> list[tuple[str, float, list[str]]]:
    """Maximal terms with the shorter terms they contain (发明专利 ⊃ 发明, 专利)."""
    maximal = [t for t in weights if not any(t != o and t in o for o in weights)]
    return [(m, weights[m], [s for s in weights if s != m and s in m]) for m in maximal]


def coverage(text: str, weights: dict[str, float]) -> float:
    """IDF-weighted share of the question's terms that ``text`` contains (0–1).

    A missing compound term earns half credit for the parts of it that are present.
    """
    low = text.lower()
    total = covered = 0.0
    for term, weight, parts in _term_groups(weights):
        total += weight
        if term.lower() in low:
            covered += weight
        elif parts:
            covered += 0.5 * weight * sum(p.lower() in low for p in parts) / len(parts)
    return covered / total if total else 0.0


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


def idf_table(chunk_texts: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency of every token over the indexed chunks."""
    df: dict[str, int] = {}
    for text in chunk_texts:
        for tok in set(tokenize(text)):
            df[tok] = df.get(tok, 0) + 1
    n = max(1, len(chunk_texts))
    return {t: math.log(1 + n / c) for t, c in df.items()}


def join_units(units: Sequence[Unit]) -> str:
    """Units of one clause joined back into readable Chinese."""
    text = ""
    for u in units:
        piece = u.text
        if text and not text.endswith(("。", ";", "；", "!", "?", ",", "，")):
            text += "，"
        text += piece
    return text.rstrip(",，") + ("" if text.endswith(("。", "；", ";")) else "。")
