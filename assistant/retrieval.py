"""Hybrid retrieval: dense (Chroma, e5) + lexical (bm25s/jieba), fused by reciprocal rank.

Years and aliases then boost clauses that name them and documents whose plan period
covers the asked year. Comparison questions get evidence spread across documents.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from assistant.lexical import LexicalIndex
from assistant.names import CorpusVocab
from assistant.params import RetrievalParams, default_params
from assistant.query import FIVE_YEAR_PLANS, QueryAnalysis
from assistant.terms import coverage, idf_table, term_weights
from ingest.types import Chunk


class DocInfo(Protocol):
    @property
    def doc_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def date(self) -> str | None: ...
    @property
    def period(self) -> tuple[int, int] | None: ...


class SearchHit(Protocol):
    @property
    def chunk(self) -> Chunk: ...
    @property
    def score(self) -> float: ...


class VectorIndex(Protocol):
    """What retrieval needs from the vector store."""

    def revision(self) -> Any: ...

    def all_chunks(self) -> list[Chunk]: ...

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> Sequence[SearchHit]: ...

    def documents(self) -> Sequence[DocInfo]: ...


@dataclass(frozen=True)
class Evidence:
    """A retrieved chunk with how it was found."""

    chunk: Chunk
    score: float
    dense: float  # cosine similarity, 0 when not in the dense top list
    lexical: float  # BM25 score
    doc_title: str
    doc_period: tuple[int, int] | None
    doc_date: str | None


class HybridRetriever:
    """Dense + BM25 with RRF; the lexical index follows the vector index's revision."""

    def __init__(self, index: VectorIndex, *, params: RetrievalParams | None = None,
                 recheck_seconds: float = 5.0) -> None:
        self.index = index
        self.params = params or default_params().retrieval
        self.dense_k = self.params.dense_k
        self.recheck_seconds = recheck_seconds
        self._checked = 0.0
        self._lock = threading.Lock()
        self._revision: Any = object()
        self._chunks: list[Chunk] = []
        self._pos: dict[str, int] = {}
        self._lexical = LexicalIndex([])
        self._docs: dict[str, DocInfo] = {}
        self._idf: dict[str, float] = {}
        self._corpus_text = ""
        self._vocab: CorpusVocab | None = None

    def invalidate(self) -> None:
        """Force a revision check on the next search (call after an upload or a delete)."""
        self._checked = 0.0

    def refresh(self, *, force: bool = False) -> None:
        """Rebuild the lexical side if the vector index changed.

        Asking the index for its revision costs a Chroma round trip, so it is asked at most
        every ``recheck_seconds`` (writes in another process show up within that time) or
        after ``invalidate``.
        """
        now = time.monotonic()
        if not force and self._chunks and now - self._checked < self.recheck_seconds:
            return
        self._checked = now
        revision = self.index.revision()
        if revision == self._revision:
            return
        with self._lock:
            if revision == self._revision:
                return
            chunks = self.index.all_chunks()
            self._lexical = LexicalIndex([c.embed_text for c in chunks])
            self._chunks = chunks
            self._pos = {c.id: i for i, c in enumerate(chunks)}
            self._docs = {d.doc_id: d for d in self.index.documents()}
            self._idf = idf_table([c.embed_text for c in chunks])
            self._corpus_text = "\n".join(c.embed_text for c in chunks)
            self._vocab = None
            self._revision = revision

    @property
    def chunks(self) -> list[Chunk]:
        if not self._chunks:
            self.refresh()
        return self._chunks

    @property
    def idf(self) -> dict[str, float]:
        """Token IDF over the indexed chunks (for coverage and sentence scoring)."""
        if not self._chunks:
            self.refresh()
        return self._idf

    @property
    def corpus_text(self) -> str:
        """All indexed text, for checking whether a name occurs anywhere (built once per revision)."""
        if not self._chunks:
            self.refresh()
        return self._corpus_text

    @property
    def vocab(self) -> CorpusVocab:
        """The corpus's words and names, which English questions are translated into
        (built on first use after each revision: name tagging costs about a second)."""
        if not self._chunks:
            self.refresh()
        vocab = self._vocab
        if vocab is None:
            vocab = self._vocab = CorpusVocab.from_idf(self._idf, self._corpus_text)
        return vocab

    @property
    def documents(self) -> list[DocInfo]:
        if not self._chunks:
            self.refresh()
        return list(self._docs.values())

    def _boost(self, q: QueryAnalysis, chunk: Chunk, weights: dict[str, float]) -> float:
        # How much of the question's own content the clause contains matters most:
        # a clause naming 发明专利 beats one that only repeats the place name.
        # Title words count too: they pick the plan a question names (五年行动计划).
        text = f"{chunk.title}\n{chunk.clause_path}\n{chunk.context}\n{chunk.text}"
        p = self.params
        boost = p.coverage_base + coverage(text, weights) if weights else 1.0
        doc = self._docs.get(chunk.doc_id)
        period = doc.period if doc else None
        haystack = f"{chunk.title}\n{chunk.clause_path}\n{chunk.text}"
        years = set(q.years) | {y for a, b in q.periods for y in (a, b)}
        if years:
            # The lead-in (到2016年,全市…实现以下目标:) dates the items under it.
            if any(str(y) in chunk.text or str(y) in chunk.context for y in years):
                boost *= p.year_in_text
            if doc and doc.date and int(doc.date[:4]) in q.years:
                boost *= p.doc_year  # documents are named by their year: "the 2012 press conference"
            named = [n for n, span in FIVE_YEAR_PLANS.items() if span in q.periods and n in haystack]
            if named:
                boost *= p.plan_named  # a later plan's review of the asked period (专栏1:“十二五”…完成情况)
            elif period:
                # A plan covering every asked year (2012 and 2016) beats one covering some.
                covered = sum(period[0] <= y <= period[1] for y in years) / len(years)
                boost *= 1 + p.period_cover * covered if covered else p.period_miss
        for group in q.alias_groups:
            if any(name in haystack for name in group):
                boost *= p.alias
        if any(phrase in chunk.heading for phrase in q.quoted):
            boost *= p.quoted_heading  # the question quotes this clause's own heading
        if period and period in q.periods:
            boost *= p.period_named  # the question names this plan's period (2012—2016, 十三五)
        return boost

    def _by_document(self, ranking: list[str]) -> dict[str, list[str]]:
        """A ranked id list split into each document's own ranking."""
        out: dict[str, list[str]] = {}
        for cid in ranking:
            pos = self._pos.get(cid)
            if pos is not None:
                out.setdefault(self._chunks[pos].doc_id, []).append(cid)
        return out

    def search(self, q: QueryAnalysis, k: int = 6) -> list[Evidence]:
        """Top ``k`` evidence chunks for an analysed question.

        A comparison ranks chunks within each document, so every plan brings its best
        clauses however the plans compare globally, and then takes turns per document.
        """
        self.refresh()
        if not self._chunks:
            return []
        pool = min(len(self._chunks), self.dense_k * (4 if q.is_comparison else 1))
        dense_hits = self.index.search(q.dense_text, k=pool)
        dense_score = {h.chunk.id: float(h.score) for h in dense_hits}
        lex = self._lexical.scores(q.lexical_text)
        lex_order = [self._chunks[i].id for i in np.argsort(-lex)[:pool] if lex[i] > 0]
        dense_order = [h.chunk.id for h in dense_hits]
        fused: dict[str, float]
        if q.is_comparison:
            fused = {}
            dense_by_doc, lex_by_doc = self._by_document(dense_order), self._by_document(lex_order)
            for doc_id in self._docs:
                fused.update(self._rrf(dense_by_doc.get(doc_id, [])[: self.dense_k],
                                       lex_by_doc.get(doc_id, [])[: self.dense_k]))
        else:
            fused = self._rrf(dense_order, lex_order)
        weights = term_weights(q, self._idf)
        results: list[Evidence] = []
        for cid, base in fused.items():
            pos = self._pos.get(cid)
            if pos is None:
                continue
            chunk = self._chunks[pos]
            doc = self._docs.get(chunk.doc_id)
            results.append(Evidence(
                chunk=chunk,
                score=base * self._boost(q, chunk, weights),
                dense=dense_score.get(cid, 0.0),
                lexical=float(lex[pos]),
                doc_title=doc.title if doc else chunk.title,
                doc_period=doc.period if doc else None,
                doc_date=doc.date if doc else chunk.date,
            ))
        results.sort(key=lambda e: -e.score)
        if q.is_comparison:
            return diversify(results, k)
        return results[:k]


    def _rrf(self, dense: Sequence[str], lexical: Sequence[str]) -> dict[str, float]:
        """Weighted reciprocal rank fusion of the two rankings."""
        fused: dict[str, float] = {}
        p = self.params
        for weight, ranking in ((p.dense_weight, dense), (p.lexical_weight, lexical)):
            for r, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + weight / (p.rrf_k + r)
        return fused


def diversify(results: list[Evidence], k: int, per_doc: int = 3) -> list[Evidence]:
    """Best chunks of each document first, so a comparison sees every plan, not one."""
    picked: list[Evidence] = []
    counts: dict[str, int] = {}
    for round_ in range(per_doc):
        for ev in results:
            if len(picked) >= k:
                return picked
            if counts.get(ev.chunk.doc_id, 0) == round_ and ev not in picked:
                picked.append(ev)
                counts[ev.chunk.doc_id] = round_ + 1
    for ev in results:
        if len(picked) >= k:
            break
        if ev not in picked:
            picked.append(ev)
    return picked
