"""Comparisons across plans answered from the targets index: one cited line per plan.

A question that compares or follows a quantity across plans (各个规划中分别是多少, how did …
change) wants every plan's figure for one metric, in time order, which sentence search
finds only in part. Here the evidence the retriever found picks the metric: among the
Targets stated in the retrieved chunks, the metric group whose wording covers the
question's topic best. Then the group's timeline (every plan that states it, retrieved or
not) becomes one line per plan, its baseline, achieved and target values with their years,
each line citing the clause its figures are quoted from. When no metric is covered well
enough, or only one plan states it, the chain answers as before.

Numbers are sacred: a value is printed as written in its sentence, and a year only when
the cited clause writes it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.context import QuestionContext
from assistant.retrieval import Evidence
from assistant.terms import coverage
from assistant.types import Citation
from ingest.types import Chunk
from vectorstore.metric_groups import timeline
from vectorstore.records import IndexedDocument
from vectorstore.targets_store import Filters, StoredTarget, TargetStore

log = logging.getLogger(__name__)
MIN_COVERAGE = 0.5  # of the topic's weight the metric's wording must hold
YEAR_BONUS = 0.05  # a metric stated for a year the question names wins a tie
PRECISION_WEIGHT = 0.1  # … and one whose name the question uses more of
_CHANGE = re.compile(r"增长率|增速|增幅|年均增长|growth rate|grow(?:th)? by|increase by|annual growth", re.I)
MAX_LINES = 12  # plans listed at most
# Words for which value of a metric is meant (target, achieved, baseline …): a Target's kind
# says that, its metric's wording never does, so they are no part of the topic.
_VALUE_WORDS = frozenset({"目标", "目标值", "实际", "实际值", "完成", "完成值", "完成情况", "实现", "基期", "基数",
                          "预期", "预期值", "值", "数值", "水平", "提出", "情况", "多少", "分别"})
_KIND = {"zh": {"baseline": "基期", "achieved": "实际", "target": "目标"},
         "en": {"baseline": "baseline", "achieved": "achieved", "target": "target"}}

Lines = list[tuple[Citation, str]]


@dataclass(frozen=True)
class Corpus:
    """What the answer reads besides the store: documents and their chunks."""

    document: Callable[[str], IndexedDocument | None]
    doc_chunks: Callable[[str], Sequence[Chunk]]


def best_metric(ctx: QuestionContext, evidence: Sequence[Evidence], store: TargetStore
                ) -> tuple[str, float, list[StoredTarget]] | None:
    """(metric id, score, its timeline): the metric group of the retrieved Targets whose
    wording covers the topic best, among those several plans state when there are any."""
    titles = "\n".join(dict.fromkeys(ev.doc_title for ev in evidence))
    weights = {t: w for t, w in ctx.weights.items() if t not in titles and t not in _VALUE_WORDS}
    if not weights:
        return None
    rows = store.rows(Filters(chunk_ids=tuple(dict.fromkeys(ev.chunk.id for ev in evidence))), limit=1000)
    wants_change = bool(_CHANGE.search(ctx.text))
    asked = set(ctx.text) | set("".join(ctx.weights))
    scores: dict[str, float] = {}
    for r in rows:
        if r.metric_id is None:
            continue
        heading = r.target.clause_path.rsplit(" > ", 1)[-1]
        s = max(coverage(r.target.metric, weights), coverage(f"{r.metric_name or ''}\n{heading}", weights) * 0.8)
        # A rate of change answers only a question about change; a level, one about a level.
        s *= 1.0 if (r.dimension.startswith("growth:") == wants_change) else 0.5
        s += YEAR_BONUS * (r.target.year in ctx.q.years)
        # Of two metrics the question covers equally, the one it names more of (增加值, not
        # 增加值占GDP比重, when the question says nothing of a share).
        name = r.metric_name or r.target.metric
        s += PRECISION_WEIGHT * sum(ch in asked for ch in name) / max(1, len(name))
        scores[r.metric_id] = max(scores.get(r.metric_id, 0.0), s)
    covered = sorted((m for m in scores if scores[m] >= MIN_COVERAGE), key=lambda m: (-scores[m], m))
    if not covered:
        return None
    # A comparison wants a series: of the metrics the question covers, the best one that
    # several plans state beats a better-worded one that only one plan states.
    first: list[StoredTarget] = []
    for m in covered:
        points = timeline(store, m)
        if len({p.target.doc_id for p in points}) >= 2:
            return m, scores[m], points
        if m == covered[0]:
            first = points
    return covered[0], scores[covered[0]], first


def compare_from_targets(ctx: QuestionContext, evidence: Sequence[Evidence], store: TargetStore,
                         corpus: Corpus, sentences: Sequence[tuple[Citation, str]] = ()
                         ) -> tuple[list[Citation], str, Lines] | None:
    """(citations, framed answer, lines): one cited line per plan stating the question's
    metric, in time order; None when the targets index cannot answer (no such metric, or a
    single plan). ``sentences`` are the sentence search's lines (one per retrieved plan):
    a plan they cover that the metric's group lacks (worded too differently to be grouped)
    keeps its quoted sentence, in its place in time. An unreadable store (missing, locked,
    read-only) is no answer from it, never a failed question."""
    try:
        found = best_metric(ctx, evidence, store)
        points = found[2] if found is not None else []
    except sqlite3.Error as exc:
        log.warning("the targets index is unreadable (%s): answering from sentences", exc)
        return None
    by_doc: dict[str, list[StoredTarget]] = {}
    for p in points:
        by_doc.setdefault(p.target.doc_id, []).append(p)
    if len(by_doc) < 2:
        return None
    quoted = {c.doc_id: (c, text) for c, text in sentences if c.doc_id not in by_doc}
    plans = sorted([*by_doc, *quoted],
                   key=lambda d: _when(corpus.document(d), by_doc.get(d, [])))[:MAX_LINES]
    cites: list[Citation] = []
    lines: Lines = []
    for doc_id in plans:
        if doc_id in quoted:
            cite, text = quoted[doc_id]
            cite = cite.model_copy(update={"n": len(cites) + 1})
            cites.append(cite)
            lines.append((cite, f"{text} [{cite.n}]"))
            continue
        doc = corpus.document(doc_id)
        title = doc.title if doc is not None else doc_id
        chunks = {c.id: c for c in corpus.doc_chunks(doc_id)}
        parts: list[str] = []
        first: Citation | None = None
        for chunk_id, group in _by_chunk(by_doc[doc_id]):
            chunk = chunks.get(chunk_id)
            text = chunk.text if chunk is not None else "。".join(dict.fromkeys(p.target.sentence for p in group))
            cite = Citation(n=len(cites) + 1, doc_id=doc_id, title=title, clause=group[0].target.clause_path,
                            text=text, score=1.0)
            cites.append(cite)
            first = first or cite
            items = _items(ctx.lang, group, text)
            parts.append(("; " if ctx.lang == "en" else "；").join(items) + f" [{cite.n}]")
        assert first is not None
        lines.append((first, ("; " if ctx.lang == "en" else "；").join(parts)))
    name = next((p.metric_name for p in points if p.metric_name), "")
    return cites, frame_plans(ctx.lang, name, lines), lines


def frame_plans(lang: str, metric: str, lines: Lines) -> str:
    """The metric, then one line per plan in time order (each part already cited)."""
    if lang == "en":
        head = f"{metric}, plan by plan (in time order):"
        return "\n".join([head, *(f"- 《{c.title}》: {text}" for c, text in lines)])
    head = f"{metric}在各文件中的数值（按时间顺序）："
    return "\n".join([head, *(f"- 《{c.title}》：{text}" for c, text in lines)])


def _when(doc: IndexedDocument | None, points: Sequence[StoredTarget]) -> tuple[int, str, int]:
    """A plan's place in time: its period's start, else its date, else its earliest year."""
    years = [p.target.year for p in points if p.target.year is not None]
    start = doc.period[0] if doc is not None and doc.period else min(years, default=9999)
    return start, (doc.date if doc is not None else "") or "", max(years, default=9999)


def _by_chunk(points: Sequence[StoredTarget]) -> list[tuple[str, list[StoredTarget]]]:
    groups: dict[str, list[StoredTarget]] = {}
    for p in points:
        groups.setdefault(p.target.chunk_id, []).append(p)
    return list(groups.items())


def _items(lang: str, group: Sequence[StoredTarget], cited: str) -> list[str]:
    """Each distinct figure as "目标（2025年）：达到10000家"; the year only when the clause writes it."""
    out: list[str] = []
    seen: set[tuple[int | None, str, str]] = set()
    for p in group:
        t = p.target
        key = (t.year, t.kind, t.value)
        if key in seen:
            continue
        seen.add(key)
        label = _KIND["en" if lang == "en" else "zh"].get(t.kind, t.kind)
        year = t.year if t.year is not None and str(t.year) in cited else None
        qualifier = "".join(q for q in t.qualifier.split("+") if q and q not in t.value)
        value = f"{qualifier}{t.value}" if qualifier and f"{qualifier}{t.value}" in t.sentence.replace(" ", "") \
            else t.value
        if lang == "en":
            out.append(f"{label}{f' ({year})' if year else ''}: {value}")
        else:
            out.append(f"{label}{f'（{year}年）' if year else ''}：{value}")
    return out
