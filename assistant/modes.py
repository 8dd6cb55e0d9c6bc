"""Answers that are not one quoted passage: a comparison across documents, and a list of
a clause's items. Each returns None when the evidence does not have that shape, and the
chain then quotes sentences as usual."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from assistant import compose
from assistant.context import QuestionContext
from assistant.params import SelectParams
from assistant.retrieval import Evidence
from assistant.select import best_unit
from assistant.terms import coverage
from assistant.types import Citation
from assistant.units import Unit
from ingest.types import Chunk

Lines = list[tuple[Citation, str]]
_ANNOUNCES = re.compile(  # 应当具备下列条件, 主要内容如下, 包括以下方面 (not 5000辆以下的车型)
    r"(?:下列|如下|(?<![\d０-９零一二三四五六七八九十百千万亿元辆个人家])以下(?!的))[\u4e00-\u9fff]{0,6}[：:]?$")


def comparison(ctx: QuestionContext, evidence: Sequence[Evidence],
               params: SelectParams) -> tuple[list[Citation], Lines] | None:
    """The best figure of each document that speaks to the topic, in time order.

    Words naming the plans compared (行动计划, 新闻发布会) pick documents, not the topic:
    each line is judged on the topic alone, with its clause heading.
    """
    titles = "\n".join(dict.fromkeys(ev.doc_title for ev in evidence))
    weights = {t: w for t, w in ctx.weights.items() if t not in titles}
    by_doc: dict[str, list[Evidence]] = {}
    for ev in evidence:
        by_doc.setdefault(ev.chunk.doc_id, []).append(ev)
    picks: list[tuple[Evidence, Unit]] = []
    for evs in by_doc.values():
        unit = best_unit(ctx, evs, params)
        if unit is not None and coverage(f"{unit.evidence.chunk.clause_path}\n{unit.text}", weights) >= 0.4:
            picks.append((unit.evidence, unit))
    if len(picks) < 2:
        return None
    picks.sort(key=lambda p: (p[0].doc_period or (9999, 9999), p[0].doc_date or ""))
    cites = [compose.citation(i + 1, ev) for i, (ev, _) in enumerate(picks)]
    lines = [(c, u.text.rstrip(",，;；") + ("" if u.text.endswith("。") else "。"))
             for c, (_, u) in zip(cites, picks, strict=True)]
    return cites, lines


def clause_list(ctx: QuestionContext, evidence: Sequence[Evidence],
                doc_chunks: Callable[[str], Sequence[Chunk]]) -> tuple[list[Citation], str, str, Lines] | None:
    """A clause whose sub-clauses are the items asked for: (citations, parent, title, items).

    A short one-line clause the question names by its heading is quoted whole instead
    (parent "" and one item holding its text).
    """
    weights = ctx.weights
    for ev in evidence[:3]:
        path = ev.chunk.clause_path
        if (coverage(ev.chunk.heading, weights) >= 0.5 and len(ev.chunk.text) <= 300
                and "\n" not in ev.chunk.text.strip()):
            cite = compose.citation(1, ev)
            return [cite], "", ev.doc_title, [(cite, ev.chunk.text)]
        for parent in (path, " > ".join(path.split(" > ")[:-1])):
            if not parent:
                continue
            kids = _children(doc_chunks(ev.chunk.doc_id), parent)
            own = coverage(ev.chunk.heading, weights)
            if parent == path:
                fits = own >= 0.3
            else:  # the parent names what is asked, or announces the list its items make
                head = parent.split(" > ")[-1]
                fits = coverage(head, weights) > max(own, 0.3) or bool(_ANNOUNCES.search(head))
            if len(kids) >= 3 and fits:
                cites = [Citation(n=i + 1, doc_id=c.doc_id, title=ev.doc_title, clause=c.clause_path,
                                  text=c.text, score=round(ev.score, 6)) for i, c in enumerate(kids)]
                return cites, parent, ev.doc_title, [(ct, c.heading) for ct, c in zip(cites, kids, strict=True)]
    return None


def _children(chunks: Sequence[Chunk], parent: str) -> list[Chunk]:
    """The first chunk of each direct sub-clause of ``parent``, in document order."""
    depth = parent.count(" > ") + 1
    kids: dict[str, Any] = {}
    for c in chunks:
        if (c.clause_path.startswith(parent + " > ")
                and c.clause_path.count(" > ") == depth):
            kids.setdefault(c.clause_path, c)
    return list(kids.values())
