"""The analyse stage: everything about a question that later stages need, computed once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.align import slot
from assistant.answer_type import AnswerType, question_type
from assistant.query import QueryAnalysis
from assistant.terms import term_weights
from assistant.wanted_unit import wanted_units
from vectorstore.lexical import tokenize

_ASKS_TABLE = re.compile(r"表|专栏|指标|table|indicator", re.I)
# Characters of question wording (什么, 哪些, 多少, 是否…): they ask, they are not asked about.
_ASKING = frozenset("什么哪些多少几谁何吗呢怎样如为是否的了有")
_CJK = re.compile(r"[\u4e00-\u9fff]+")


def char_bigrams(text: str) -> frozenset[str]:
    """Adjacent Chinese character pairs without question wording: a word-segmentation-free
    view of the question, so a mis-split name (王连任司盐校尉 → 王 / 连任 / 尉时) still matches."""
    return frozenset(run[i : i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)
                     if not (set(run[i : i + 2]) & _ASKING))


def gram_coverage(text: str, grams: frozenset[str]) -> float:
    """Share of the question's character pairs that ``text`` contains (0–1; 0 without pairs)."""
    return sum(g in text for g in grams) / len(grams) if grams else 0.0


@dataclass(frozen=True)
class QuestionContext:
    """One analysed question: its rules-based analysis, the IDF weight of each content term,
    the years it asks about (named or through a plan period), and the answer type it wants."""

    q: QueryAnalysis
    answer_type: AnswerType
    weights: dict[str, float]
    asked_years: frozenset[int]
    tokens: frozenset[str]  # the question's own tokens and translations, lower-cased
    asks_table: bool
    grams: frozenset[str] = frozenset()  # Chinese character pairs of the question (or its translations)
    slot: tuple[str, str] = ("", "")  # the Chinese question's words around its interrogative
    units: frozenset[str] = frozenset()  # unit classes a number question's answer is in

    @property
    def text(self) -> str:
        return self.q.text

    @property
    def lang(self) -> str:
        return self.q.lang


def build_context(q: QueryAnalysis, idf: Mapping[str, float]) -> QuestionContext:
    years = set(q.years)
    for a, b in q.periods:
        years.update(range(a, b + 1))
    kind = question_type(q.text)
    units = wanted_units(q.text) if kind in (AnswerType.NUMBER, AnswerType.OTHER) else frozenset()
    if kind is AnswerType.OTHER and units:
        kind = AnswerType.NUMBER  # "what price …", "补贴标准": a quantity named without 多少
    tokens = set(tokenize(q.text)) | {t.lower() for t in q.translations} | {t.lower() for t in q.expansions}
    return QuestionContext(
        q=q,
        answer_type=kind,
        weights=term_weights(q, dict(idf)),
        asked_years=frozenset(years),
        tokens=frozenset(tokens),
        asks_table=bool(_ASKS_TABLE.search(q.text)),
        grams=char_bigrams(q.text if q.lang == "zh" else " ".join(q.term_translations)),
        slot=slot(q.text) if q.lang == "zh" else ("", ""),
        units=units,
    )
