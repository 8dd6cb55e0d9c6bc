"""The decide stage: the one place that decides whether the corpus answers a question.

Two checks are certain and refuse by themselves: a year that no document's period covers
and no text mentions, and a place the corpus never mentions (a Chinese place name, or an
English one that CC-CEDICT names as a place: assistant.world_places). Everything
else is weighed together by a logistic model fitted by ``python -m evals fit``: how
much of the question the best sentence and the best clause cover, whether the best
sentence holds the kind of answer asked for, how the selection model rates it, the dense
and lexical scores, and whether its year is the one asked. Never an LLM's opinion alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from assistant.context import QuestionContext, gram_coverage
from assistant.names import place_names
from assistant.params import RefuseParams
from assistant.retrieval import Evidence
from assistant.terms import coverage
from assistant.units import Unit
from assistant.world_places import absent_place


@dataclass(frozen=True)
class Refusal:
    """Why the corpus does not answer, in both languages."""

    reason_zh: str
    reason_en: str
    kind: str  # "year" | "place" | "evidence" | "empty"


@dataclass(frozen=True)
class Decision:
    refusal: Refusal | None
    p_answerable: float
    features: dict[str, float] = field(default_factory=dict)


EMPTY = Refusal("语料中没有相关内容", "nothing in the corpus matches", "empty")
# What ``evidence_features`` measures, in the order the fitted model lists them.
REFUSE_FEATURES = ("best_p", "cov_best", "cov_chunk", "type_hit", "type_miss", "novel", "dense_top",
                   "lexical_top", "year_miss", "grams_best", "grams_chunk", "slot_best",
                   "grams_window_best")


def certain_refusal(ctx: QuestionContext, *, occurs: Callable[[str], bool], covers_year: Callable[[int], bool],
                    known_names: Iterable[str]) -> Refusal | None:
    """A year or a place the corpus certainly lacks. An English name the corpus does not
    spell is proof only when CC-CEDICT calls it a place (assistant.world_places).

    ``occurs`` and ``covers_year`` are index lookups, so the check costs the same however
    large the corpus.
    """
    for year in ctx.q.years:
        if not covers_year(year) and not occurs(str(year)):
            # The year itself is not repeated: an answer prints no number its citations lack.
            return Refusal("语料中的文件均未涉及所问的年份", "no document in the corpus covers the year asked",
                           "year")
    for english in ctx.q.search_names:  # English names the corpus's own names do not spell
        if absent_place(english, occurs):
            return Refusal(f"语料中的文件未涉及“{english}”", f"no document in the corpus concerns {english}", "place")
    known_list = list(known_names)
    known = {n.lower() for n in known_list}
    for name in place_names(ctx.text, known_list):
        if name.lower() in known or occurs(name):
            continue
        return Refusal(f"语料中的文件未涉及“{name}”", f"no document in the corpus concerns {name}", "place")
    return None


def evidence_features(ctx: QuestionContext, evidence: Sequence[Evidence], best: Unit | None,
                      params: RefuseParams) -> dict[str, float]:
    """What the evidence says about answerability (see the module docstring).

    English questions reach the Chinese text only through translated terms, so their
    coverage is scaled up by a prior (no fitting data has English questions). A comparison
    is answered by several documents together, so its clause coverage is that of the top
    clauses taken together.
    """
    scale = params.en_coverage_scale if ctx.lang == "en" else 1.0
    w = ctx.weights
    texts = [f"{e.chunk.title}\n{e.chunk.clause_path}\n{e.chunk.text}" for e in evidence[:3]]
    if ctx.q.is_comparison:
        texts = ["\n".join(f"{e.chunk.title}\n{e.chunk.clause_path}\n{e.chunk.text}" for e in evidence[:6])]
    chunk_cov = max((coverage(t, w) for t in texts), default=0.0) if w else 1.0
    f = best.features if best is not None else {}
    top = evidence[0] if evidence else None
    return {
        "best_p": best.score if best is not None else 0.0,
        "cov_best": min(1.0, scale * f.get("cov_clause", 0.0)) if w else 1.0,
        "cov_chunk": min(1.0, scale * chunk_cov),
        "type_hit": f.get("type_hit", 0.0),
        "type_miss": f.get("type_miss", 0.0),
        "novel": f.get("novel", 0.0),
        "dense_top": top.dense if top is not None else 0.0,
        "lexical_top": math.log1p(max(top.lexical, 0.0)) if top is not None else 0.0,
        "year_miss": f.get("year_miss", 0.0),
        "grams_best": f.get("grams", 0.0),
        "grams_chunk": max((gram_coverage(t, ctx.grams) for t in texts), default=0.0),
        "slot_best": 0.5 * (f.get("slot_left", 0.0) + f.get("slot_right", 0.0)),
        "grams_window_best": f.get("grams_window", 0.0),
    }


def decide(ctx: QuestionContext, evidence: Sequence[Evidence], best: Unit | None,
           params: RefuseParams, *, offset: float = 0.0) -> Decision:
    """Refuse when the fitted probability that the evidence answers is below the threshold.

    ``offset`` is added to the model's logit: the reader's verdict, when there is one.
    """
    if not evidence or best is None:
        return Decision(EMPTY, 0.0)
    feats = evidence_features(ctx, evidence, best, params)
    z = params.model.logit(feats) + offset
    p = 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0
    if p >= params.threshold:
        return Decision(None, p, feats)
    missing = [t for t in ctx.weights if t.lower() not in best.text.lower()][:3]
    what = "、".join(missing) or ctx.text
    return Decision(Refusal(f"语料中未找到关于“{what}”的内容", f"the corpus says nothing about {what}",
                            "evidence"), p, feats)
