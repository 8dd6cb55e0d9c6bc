"""Decide from retrieval evidence, never from an LLM, whether the corpus answers a question.

Three checks, each a plain reason a user can read: a year no document covers, a place
no document mentions, and too little of the question's content found in the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.query import QueryAnalysis
from assistant.retrieval import Evidence
from assistant.terms import coverage, term_weights

DEFAULT_MIN_COVERAGE = 0.5
# Capitalised English words that are not names of places or bodies.
_EN_COMMON = frozenset(
    "What Which Who How When Where Why Is Are Was Were Does Did Do Can Could Should Would "
    "Please Tell List Give Name The A An In On For Of By To And Or Under According Compare "
    "China Chinese English I".split()
)


@dataclass(frozen=True)
class Refusal:
    """Why the corpus does not answer, in both languages."""

    reason_zh: str
    reason_en: str
    kind: str  # "year" | "place" | "coverage" | "empty"


@lru_cache(maxsize=1)
def _posseg() -> object:
    import jieba.posseg

    return jieba.posseg


_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINAL = ("(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|iu|in"
          "|ua|uo|ui|un|ue|a|o|e|i|u)")
_PINYIN_WORD = re.compile(rf"(?:{_INITIAL}{_FINAL}){{2,4}}", re.I)


def is_pinyin_name(word: str) -> bool:
    """A capitalised word spelled wholly in pinyin syllables: Chengdu, Shenzhen, Zhangjiang."""
    return word[:1].isupper() and bool(_PINYIN_WORD.fullmatch(word))


def place_names(text: str, known: Iterable[str] = ()) -> list[str]:
    """Place names in a question: jieba ns tags, and pinyin names in English text.

    Known names (aliases such as Optics Valley) are masked first, so their words are not
    mistaken for unknown places.
    """
    masked = text
    for name in sorted(known, key=len, reverse=True):
        if name:
            masked = re.sub(re.escape(name), " ", masked, flags=re.I)
    names = [w.word for w in _posseg().cut(masked) if w.flag == "ns" and len(w.word) >= 2]  # type: ignore[attr-defined]
    words = re.findall(r"\b([A-Z][a-z]{3,})(?:'s)?\b", masked)
    names.extend(w for w in words if w not in _EN_COMMON and is_pinyin_name(w))
    return names


def check_refusal(
    q: QueryAnalysis,
    evidence: Sequence[Evidence],
    *,
    corpus_text: str,
    periods: Iterable[tuple[int, int] | None],
    known_names: Iterable[str],
    idf: dict[str, float],
    min_coverage: float = DEFAULT_MIN_COVERAGE,
) -> tuple[Refusal | None, float]:
    """A Refusal when the evidence does not answer ``q``, and the coverage measured."""
    if not evidence:
        return Refusal("语料中没有相关内容", "nothing in the corpus matches", "empty"), 0.0
    spans = [p for p in periods if p]
    for year in q.years:
        covered = any(a <= year <= b for a, b in spans)
        if not covered and str(year) not in corpus_text:
            # The year itself is not repeated: an answer prints no number its citations lack.
            return Refusal("语料中的文件均未涉及所问的年份", "no document in the corpus covers the year asked",
                           "year"), 0.0
    known_list = list(known_names)
    known = {n.lower() for n in known_list}
    for name in place_names(q.text, known_list):
        if name.lower() in known or name in corpus_text:
            continue
        return Refusal(f"语料中的文件未涉及“{name}”", f"no document in the corpus concerns {name}",
                       "place"), 0.0
    weights = term_weights(q, idf)
    if not weights:
        return None, 1.0
    # The best single clause must cover the question: pieces scattered over several
    # clauses (建设 here, 投资 there) do not answer it.
    texts = [f"{e.chunk.title}\n{e.chunk.clause_path}\n{e.chunk.text}" for e in evidence[:3]]
    cov, top = max((coverage(t, weights), t) for t in texts)
    # A comparison names several plans; no single clause holds all of its words.
    if cov < (min_coverage * 0.6 if q.is_comparison else min_coverage):
        missing = [t for t in weights if t.lower() not in top.lower()][:3]
        what = "、".join(missing) or q.text
        return Refusal(f"语料中未找到关于“{what}”的内容", f"the corpus says nothing about {what}",
                       "coverage"), cov
    return None, cov
