"""The select stage: score every quotable unit of the top evidence, and pick the answer.

Each unit gets a feature vector (how much of the question it covers, alone and with its
document title, clause heading and the sentence before it; whether it holds the kind of
answer the question wants, beyond what the question already says; how it lines up with
the question around the interrogative and how close together it holds the question's
words (``assistant.align``); whether the sentence after it, or the rest of its own
sentence when it is a comma segment, completes it; how new its words are; its retrieval
rank and scores; its years). A logistic model fitted by ``python -m evals fit``
turns the vector into the probability that the unit holds the answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from assistant.align import slot_match, window_coverage
from assistant.answer_type import AnswerType, holds_new
from assistant.context import QuestionContext, gram_coverage
from assistant.params import SelectParams
from assistant.query import YEAR
from assistant.retrieval import Evidence
from assistant.terms import coverage
from assistant.units import (
    Unit,
    is_heading,
    numeric,
    sentence_of,
    sentences,
    split_units,
    strip_lead,
)
from vectorstore.lexical import tokenize

UNTYPED = (AnswerType.OTHER, AnswerType.YESNO)
# What ``unit_features`` measures, in the order the fitted model lists them.
FEATURES = ("cov", "cov_clause", "cov_prev_gain", "type_hit", "type_miss", "number_hit", "novel",
            "prior", "rank_inv", "dense", "year_hit", "year_miss", "log_len", "first", "table",
            "table_asked", "grams", "grams_own", "slot_left", "slot_right", "grams_window",
            "cov_next_gain", "cov_sentence_gain")


def unit_features(ctx: QuestionContext, text: str, prev: str, ev: Evidence, rank: int,
                  top: float, nxt: str = "", clause_sentences: Sequence[str] | None = None
                  ) -> dict[str, float]:
    """The evidence a unit offers that it answers the question (see the module docstring).

    ``clause_sentences`` are the clause's sentences when the caller has split them already.
    """
    w = ctx.weights
    clause = f"{ev.chunk.title}\n{ev.chunk.clause_path}\n{ev.chunk.context}"
    cov = coverage(text, w) if w else 0.0
    cov_clause = coverage(f"{clause}\n{text}", w) if w else 0.0
    cov_prev = coverage(f"{prev}\n{text}", w) if w and prev else cov
    typed = ctx.answer_type not in UNTYPED
    hit = typed and holds_new(ctx.answer_type, text, ctx.text, ctx.units)
    toks = [t for t in tokenize(text) if len(t) > 1 or not t.isascii()]
    novel = sum(t not in ctx.tokens for t in toks) / len(toks) if toks else 0.0
    years = {int(y) for y in YEAR.findall(text)} or {int(y) for y in YEAR.findall(ev.chunk.context)}
    asked = ctx.asked_years
    table = ev.chunk.kind == "table"
    grams = gram_coverage(f"{clause}\n{prev}\n{text}", ctx.grams)
    slot_left, slot_right = slot_match(text, *ctx.slot)
    whole = sentences(ev.chunk.text) if clause_sentences is None else clause_sentences
    own_sentence = sentence_of(text, whole)
    return {
        "cov": cov,
        "cov_clause": cov_clause,
        "cov_prev_gain": max(0.0, cov_prev - cov),
        "type_hit": float(hit),
        "type_miss": float(typed and not hit),
        "number_hit": float(ctx.q.wants_number and numeric(text)),
        "novel": novel,
        "prior": math.sqrt(max(ev.score, 0.0) / top) if top > 0 else 0.0,
        "rank_inv": 1.0 / (1 + rank),
        "dense": ev.dense,
        "year_hit": float(bool(asked and years & asked and not table)),
        "year_miss": float(bool(asked and years and not years & asked and not table)),
        "log_len": math.log1p(len(text)),
        "first": float(not prev),
        "table": float(table),
        "table_asked": float(table and ctx.asks_table),
        "grams": grams,
        "grams_own": gram_coverage(text, ctx.grams),
        "slot_left": slot_left,
        "slot_right": slot_right,
        "grams_window": window_coverage(text, ctx.grams),
        "cov_next_gain": max(0.0, coverage(f"{text}\n{nxt}", w) - cov) if w and nxt else 0.0,
        "cov_sentence_gain": max(0.0, coverage(own_sentence, w) - cov) if w else 0.0,
    }


def candidates(ctx: QuestionContext, evidence: Sequence[Evidence], params: SelectParams, *,
               numeric_only: bool = False) -> list[Unit]:
    """Every quotable unit of the top evidence, scored, best first."""
    top = evidence[0].score if evidence else 1.0
    out: list[Unit] = []
    for rank, ev in enumerate(evidence[: params.evidence_depth]):
        texts = split_units(ev.chunk.text, table=ev.chunk.kind == "table")
        whole = sentences(ev.chunk.text)
        for i, text in enumerate(texts):
            if is_heading(text, ev) or (numeric_only and not numeric(text)):
                continue
            prev = texts[i - 1] if i else ""
            nxt = texts[i + 1] if i + 1 < len(texts) else ""
            feats = unit_features(ctx, text, prev, ev, rank, top, nxt, whole)
            out.append(Unit(text, ev, params.model.prob(feats), prev, feats))
    out.sort(key=lambda u: -u.score)
    return out


def select_units(ctx: QuestionContext, evidence: Sequence[Evidence], params: SelectParams, *,
                 scored: list[Unit] | None = None) -> list[Unit]:
    """The best unit, and the units that complete it, in document order within each clause.

    Other units of the best clause join when they score nearly as well (a question asking
    for a share and a cap); at most one unit of another clause of the same document does
    (a plan's text beside its indicator table). When the best unit's subject is named only
    in the sentence before it ("项目X……。聚焦……等领域。"), that sentence is quoted too.
    Each sub-question of a multi-part question gets its own best unit.
    """
    scored = candidates(ctx, evidence, params) if scored is None else scored
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    other_clause = False
    for unit in scored[1:]:
        if len(chosen) >= params.max_units:
            break
        if ctx.q.wants_number and not numeric(unit.text):
            continue
        same_doc = unit.evidence.chunk.doc_id == best.evidence.chunk.doc_id
        if unit.evidence.chunk.id == best.evidence.chunk.id:
            if unit.score >= params.join_same_clause * best.score:
                chosen.append(unit)
        elif same_doc and not other_clause and unit.score >= params.join_other_clause * best.score:
            chosen.append(unit)
            other_clause = True
    if best.prev and best.features.get("cov_prev_gain", 0.0) > best.features.get("cov", 0.0):
        lead = next((u for u in scored if u.text == best.prev and u.evidence is best.evidence), None)
        if lead is not None and lead not in chosen:
            chosen.append(lead)
    for part in _sub_questions(ctx):
        if len(chosen) >= params.max_units or _answers(chosen, part, ctx.q.wants_number):
            continue
        pool = [u for u in scored if u.evidence.chunk.doc_id == best.evidence.chunk.doc_id
                and u not in chosen and _answers([u], part, ctx.q.wants_number, with_path=True)]
        if pool:
            chosen.append(max(pool, key=lambda u: u.score))
    order = {id(u.evidence): i for i, u in enumerate(chosen)}
    chosen.sort(key=lambda u: (order[id(u.evidence)], u.evidence.chunk.text.find(strip_lead(u.text))))
    return chosen


def best_unit(ctx: QuestionContext, evidence: Sequence[Evidence], params: SelectParams) -> Unit | None:
    """The single best unit (one per document in comparisons); a number when one is asked."""
    units = candidates(ctx, evidence, params, numeric_only=ctx.q.wants_number)
    return units[0] if units else None


def _sub_questions(ctx: QuestionContext) -> list[dict[str, float]]:
    """The content terms of each sub-question, when one question asks several."""
    parts = [p for p in ctx.text.replace("?", "？").split("？") if len(p.strip()) >= 4]
    if len(parts) < 2:
        return []
    low = [p.lower() for p in parts]
    subs = ({t: v for t, v in ctx.weights.items() if t.lower() in part} for part in low)
    return [w for w in subs if w]


def _answers(units: Sequence[Unit], weights: dict[str, float], wants_number: bool, *,
             with_path: bool = False) -> bool:
    """Whether some unit covers half a sub-question's terms (and has a number if one is asked)."""
    return any(coverage(f"{u.evidence.chunk.clause_path if with_path else ''}\n{u.text}", weights) >= 0.5
               and (not wants_number or numeric(u.text)) for u in units)
