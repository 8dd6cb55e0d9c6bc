"""Content terms of a question and how much of them a text covers (IDF-weighted)."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from assistant.query import FIVE_YEAR_PLANS, QueryAnalysis, strip_comparison
from vectorstore.lexical import tokenize

# Words every question uses; they say nothing about which sentence answers it.
GENERIC = frozenset(
    "目标 指标 规划 计划 方案 行动 多少 达到 年 什么 哪些 情况 主要 内容 要求 "
    "文件 政策 提出 规定 根据 关于 请问 分别 各个 变化 比较 对比 中 提到 哪 是 有 "
    "有何 如何 怎样 同年 再 又 和 与 及 以及 按照 依据 按 据".split()
)


def content_terms(q: QueryAnalysis, vocab: Collection[str] = ()) -> list[str]:
    """Tokens of the question (and its expansions) that discriminate between sentences.

    For an English question only its Chinese translations (from the analysis) and tokens
    the corpus itself uses (R&D, GDP) count: English words never occur in a Chinese clause.
    """
    text = strip_comparison(q.text)  # 有何不同 says how to answer, not what about
    for group in q.alias_groups:  # places are checked separately; their words are not content
        for name in sorted(group, key=len, reverse=True):
            text = re.sub(re.escape(name), " ", text, flags=re.I)
    if q.lang == "en":  # a translation of (part of) a place name is a place too
        named = [n for g in q.alias_groups for n in g]
        text = " ".join([text, *(t for t in q.term_translations if not any(t in n for n in named))])
    for name in FIVE_YEAR_PLANS:  # a plan name is a period, checked as years, not a topic
        text = text.replace(name, " ")
    terms = [t for t in tokenize(text) if t not in GENERIC and not re.fullmatch(r"[\d.%]+", t)]
    if q.lang == "en":
        terms = [t for t in terms if re.search(r"[\u4e00-\u9fff]", t) or t in vocab]
    return list(dict.fromkeys(terms))


def _term_groups(weights: dict[str, float]) -> list[tuple[str, float, list[str]]]:
    """Maximal terms with the shorter terms they contain (发明专利 ⊃ 发明, 专利)."""
    maximal = [t for t in weights if not any(t != o and t in o for o in weights)]
    return [(m, weights[m], [s for s in weights if s != m and s in m]) for m in maximal]


@lru_cache(maxsize=4096)
def _loose(term: str) -> re.Pattern[str] | None:
    """A Chinese compound with a character or two inserted: 孵化场地面积 in 孵化器场地面积."""
    if len(term) < 4 or not re.fullmatch(r"[\u4e00-\u9fff]+", term):
        return None
    return re.compile(".{0,1}".join(re.escape(c) for c in term))


def _contains(low: str, term: str) -> bool:
    if term in low:
        return True
    pattern = _loose(term)
    return bool(pattern and any(len(m) <= len(term) + 2 for m in pattern.findall(low)))


def coverage(text: str, weights: dict[str, float], *, head_credit: bool = True) -> float:
    """IDF-weighted share of the question's terms that ``text`` contains (0–1).

    A compound written with a character or two inserted (孵化场地总面积) counts as present;
    a missing compound term earns half credit for the parts of it that are present (with
    ``head_credit=False``, none when the only part present is its head word).
    """
    low = text.lower()
    total = covered = 0.0
    for term, weight, parts in _term_groups(weights):
        total += weight
        if _contains(low, term.lower()):
            covered += weight
        elif parts:
            present = [p for p in parts if p.lower() in low]
            if not head_credit and all(term.endswith(p) for p in present):
                continue  # 企业 alone is not 上市企业: the head word names another thing
            covered += 0.5 * weight * len(present) / len(parts)
    return covered / total if total else 0.0


def term_weights(q: QueryAnalysis, idf: dict[str, float]) -> dict[str, float]:
    """IDF weight of each content term.

    A word the corpus never uses gets a low weight: weighing it high refused paraphrases
    (新闻发布会 for a speech) far more often than it caught off-topic questions.
    """
    return {t: idf.get(t, 1.0) for t in content_terms(q, idf.keys())}
