"""The extractive draft: decide, select and frame, from one question's evidence.

Every generator starts from the draft and falls back to it: an LLM may only rephrase a
draft that answers, and refusal is decided here, from evidence, never by the LLM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant import compose, modes
from assistant.answer_type import AnswerType
from assistant.context import QuestionContext
from assistant.decide import Refusal, certain_refusal, decide
from assistant.params import Params
from assistant.read import promote, read
from assistant.reader import LLMReader
from assistant.retrieval import Evidence, HybridRetriever
from assistant.select import candidates, select_units
from assistant.target_answers import Corpus, compare_from_targets
from assistant.types import Citation
from assistant.units import Unit
from vectorstore.targets_store import TargetStore


@dataclass
class Draft:
    """The extractive answer, which every generator starts from and falls back to."""

    ctx: QuestionContext
    evidence: list[Evidence]
    text: str
    citations: list[Citation]
    refusal: Refusal | None
    p_answerable: float
    mode: str  # "answer" | "list" | "comparison" | "refusal"
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (citation n, sentence)
    features: dict[str, float] = field(default_factory=dict)
    best: str = ""  # the best-scored sentence (quotes are in document order)

    @property
    def best_quote(self) -> str:
        """The sentence whose figures an LLM's rephrasing must keep."""
        return self.best or (self.quotes[0][1] if self.quotes else "")

    @property
    def composable(self) -> bool:
        """Whether an LLM may rephrase this draft. Not a comparison: its lines pair each
        figure with its document, and a rephrasing that swaps two figures between plans
        still passes the number guard, so the cited lines are the answer."""
        return self.refusal is None and bool(self.quotes) and self.mode != "comparison"


def _refused(ctx: QuestionContext, evidence: list[Evidence], refusal: Refusal, p: float,
             features: dict[str, float] | None = None) -> Draft:
    related = [compose.citation(i + 1, ev) for i, ev in enumerate(evidence[:3])]
    return Draft(ctx, evidence, compose.frame_refusal(ctx.lang, refusal, related), related,
                 refusal, p, "refusal", features=features or {})


def make_draft(ctx: QuestionContext, evidence: list[Evidence], retriever: HybridRetriever,
               params: Params, known_names: Sequence[str], reader: LLMReader | None = None,
               targets: TargetStore | None = None) -> Draft:
    """certain checks → score units → (read) → decide → comparison (from the targets index,
    else by sentences) / list / quoted sentences."""
    refusal = certain_refusal(ctx, occurs=retriever.occurs, covers_year=retriever.covers_year,
                              known_names=known_names)
    if refusal is not None:
        return _refused(ctx, evidence, refusal, 0.0)
    scored = candidates(ctx, evidence, params.select)
    reading = read(reader, ctx.text, scored, params.reader) if reader is not None else None
    offset = reading.refuse_offset(params.reader) if reading is not None else 0.0
    decision = decide(ctx, evidence, scored[0] if scored else None, params.refuse, offset=offset)
    feats = {**decision.features, **(reading.trace() if reading is not None else {})}
    # Computed once: the targets answer keeps its plans' sentences, and without one it is the answer.
    compared = modes.comparison(ctx, evidence, params.select) if ctx.q.is_comparison and targets is not None else None
    if ctx.q.is_comparison and targets is not None:
        # A metric the targets index holds for several plans answers a comparison, even
        # when its sentences word it too differently for the coverage the decision needs.
        planned = compare_from_targets(ctx, evidence, targets,
                                       Corpus(document=retriever.document, doc_chunks=retriever.doc_chunks),
                                       sentences=compared[1] if compared is not None else [])
        if planned is not None:
            cites, framed, plan_lines = planned
            return Draft(ctx, evidence, framed, cites, None, decision.p_answerable, "comparison",
                         [(c.n, t) for c, t in plan_lines], feats)
    if decision.refusal is not None:
        return _refused(ctx, evidence, decision.refusal, decision.p_answerable, feats)
    p = decision.p_answerable
    if reading is not None:
        promote(reading, scored, params.reader)
    if ctx.q.is_comparison:
        if targets is None:
            compared = modes.comparison(ctx, evidence, params.select)
        if compared is not None:
            cites, lines = compared
            return Draft(ctx, evidence, compose.frame_comparison(ctx.lang, lines), cites, None, p,
                         "comparison", [(c.n, t) for c, t in lines], feats)
    if ctx.answer_type is AnswerType.LIST:
        listed = modes.clause_list(ctx, evidence, retriever.doc_chunks)
        if listed is not None:
            cites, parent, title, items = listed
            if not parent:  # a one-line clause the question names: quoted whole
                cite, text = items[0]
                framed = compose.frame_units(ctx.lang, [(cite, [Unit(text, evidence[0], 1.0)])])
            else:
                framed = compose.frame_list(ctx.lang, parent, title, items)
            return Draft(ctx, evidence, framed, cites, None, p, "list", [(c.n, t) for c, t in items], feats)
    units = select_units(ctx, evidence, params.select, scored=scored)
    groups: dict[str, tuple[Citation, list[Unit]]] = {}
    for unit in units:
        cid = unit.evidence.chunk.id
        if cid not in groups:
            groups[cid] = (compose.citation(len(groups) + 1, unit.evidence), [])
        groups[cid][1].append(unit)
    ordered = list(groups.values())
    quotes = [(c.n, u.text) for c, us in ordered for u in us]
    return Draft(ctx, evidence, compose.frame_units(ctx.lang, ordered), [c for c, _ in ordered],
                 None, p, "answer", quotes, feats, best=scored[0].text if scored else "")
