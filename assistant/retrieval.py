"""Hybrid retrieval: dense (Chroma, e5) + lexical (bm25s/jieba), fused by reciprocal rank.

Years and aliases then boost clauses that name them and documents whose plan period
covers the asked year (``boosts.py``). Comparison questions get evidence spread across documents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from assistant.boosts import boost
from assistant.names import CorpusVocab
from assistant.params import RetrievalParams, default_params
from assistant.query import QueryAnalysis
from assistant.terms import term_weights
from ingest.types import Chunk
from vectorstore.records import IndexedDocument
from vectorstore.snapshot import Snapshot, SnapshotStore, build_snapshot

log = logging.getLogger(__name__)


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
    """Dense + BM25 with RRF over the index's lexical snapshot.

    The snapshot (BM25, IDF, chunk and document tables, substring index) is built by the
    indexer and loaded here; a newer one is noticed by reading its name every
    ``recheck_seconds``. Without a snapshot store, or when the stored snapshot is behind the
    index, it is built from Chroma (and saved when a store is given).
    """

    def __init__(self, index: VectorIndex, *, params: RetrievalParams | None = None,
                 snapshots: SnapshotStore | None = None, words: Sequence[str] = (),
                 recheck_seconds: float = 2.0) -> None:
        self.index = index
        self.params = params or default_params().retrieval
        self.dense_k = self.params.dense_k
        self.snapshots = snapshots
        self.words = tuple(words)
        self.recheck_seconds = recheck_seconds
        self._checked = 0.0
        self._deep = True  # compare with the index's own revision on the next refresh
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._vocab: CorpusVocab | None = None
        self._vocab_snap: Snapshot | None = None
        self._vocab_building: Snapshot | None = None
        self.vocab_in_background = False  # the server sets it: a new corpus never stalls a question

    def invalidate(self) -> None:
        """Check for a newer snapshot, and against the index itself, on the next search."""
        self._checked = 0.0
        self._deep = True

    def refresh(self, *, force: bool = False) -> None:
        """Load a newer snapshot, or build one when there is none or it is behind the index."""
        now = time.monotonic()
        if not force and self._snap is not None and now - self._checked < self.recheck_seconds:
            return
        self._checked = now
        with self._lock:
            snap = self._snap
            name = self.snapshots.current_name() if self.snapshots is not None else None
            if snap is None or (name and name != snap.name):
                snap = (self.snapshots.load(name) if self.snapshots is not None and name else None) or snap
            if snap is None or self._deep or force or self.snapshots is None:
                revision = self.index.revision()
                if snap is None or snap.revision != revision:
                    snap = self._build()
                self._deep = False
            self._snap = snap

    def _build(self) -> Snapshot:
        """The snapshot from Chroma itself; saved for other processes when a store is given."""
        contents = getattr(self.index, "contents", None)
        if contents is not None:
            revision, manifests, chunks = contents()
        else:  # a VectorIndex without manifests (tests): documents from its own table
            revision, chunks = self.index.revision(), self.index.all_chunks()
            manifests = {d.doc_id: _manifest_of(d) for d in self.index.documents()}
        if self.snapshots is None:
            return build_snapshot(revision, chunks, manifests, words=self.words)[0]
        try:
            with self.snapshots.writing():
                snap, tokens = build_snapshot(revision, chunks, manifests, words=self.words,
                                              known_tokens=self.snapshots.known_tokens(self.words))
                self.snapshots.save(snap, tokens, manifests)
        except OSError as exc:
            log.warning("lexical snapshot not saved (%s); using it from memory", exc)
            snap = build_snapshot(revision, chunks, manifests, words=self.words)[0]
        return snap

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot (checked for a newer one at most every ``recheck_seconds``)."""
        self.refresh()
        assert self._snap is not None
        return self._snap

    @property
    def chunks(self) -> list[Chunk]:
        return self.snapshot.chunks

    @property
    def idf(self) -> dict[str, float]:
        """Token IDF over the indexed chunks (for coverage and sentence scoring)."""
        return self.snapshot.idf

    def occurs(self, text: str) -> bool:
        """Whether ``text`` occurs anywhere in the corpus (an index lookup, not a scan)."""
        return self.snapshot.occurs(text)

    def covers_year(self, year: int) -> bool:
        """Whether some document's plan period covers ``year``."""
        return year in self.snapshot.period_years

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        return self.snapshot.doc_chunks(doc_id)

    def document(self, doc_id: str) -> IndexedDocument | None:
        """An indexed document's manifest (title, date, period), from the snapshot."""
        return self.snapshot.docs.get(doc_id)

    @property
    def vocab(self) -> CorpusVocab:
        """The corpus's words and names, which English questions are translated into.

        Naming them costs seconds on a large corpus (pinyin of every name), so with
        ``vocab_in_background`` a new snapshot's vocabulary is built in a thread while
        questions go on with the previous one; the first is built before it is used.
        """
        snap = self.snapshot
        vocab = self._vocab
        if vocab is not None and self._vocab_snap is snap:
            return vocab
        if vocab is None or not self.vocab_in_background:
            return self._build_vocab(snap)
        if self._vocab_building is not snap:
            self._vocab_building = snap
            threading.Thread(target=self._build_vocab, args=(snap,), name="policyqa-vocab",
                             daemon=True).start()
        return vocab

    def _build_vocab(self, snap: Snapshot) -> CorpusVocab:
        vocab = CorpusVocab.from_idf(snap.idf, snap.occurs)
        with self._lock:
            if self._snap is snap or self._vocab is None:
                self._vocab, self._vocab_snap = vocab, snap
        return vocab

    @property
    def documents(self) -> list[DocInfo]:
        return list(self.snapshot.docs.values())

    def _by_document(self, ranking: list[str]) -> dict[str, list[str]]:
        """A ranked id list split into each document's own ranking."""
        out: dict[str, list[str]] = {}
        snap = self.snapshot
        for cid in ranking:
            pos = snap.positions.get(cid)
            if pos is not None:
                out.setdefault(snap.chunks[pos].doc_id, []).append(cid)
        return out

    def search(self, q: QueryAnalysis, k: int = 6) -> list[Evidence]:
        """Top ``k`` evidence chunks for an analysed question.

        A comparison ranks chunks within each document, so every plan brings its best
        clauses however the plans compare globally, and then takes turns per document.
        """
        self.refresh()
        snap = self.snapshot
        if not snap.chunks:
            return []
        pool = min(len(snap.chunks), self.dense_k * (4 if q.is_comparison else 1))
        dense_hits = self.index.search(q.dense_text, k=pool)
        dense_score = {h.chunk.id: float(h.score) for h in dense_hits}
        lex = snap.lexical_scores(q.lexical_text)
        lex_order = [snap.chunks[i].id for i in np.argsort(-lex)[:pool] if lex[i] > 0]
        dense_order = [h.chunk.id for h in dense_hits]
        fused: dict[str, float]
        if q.is_comparison:
            fused = {}
            dense_by_doc, lex_by_doc = self._by_document(dense_order), self._by_document(lex_order)
            for doc_id in sorted(dense_by_doc.keys() | lex_by_doc.keys()):  # only documents found
                fused.update(self._rrf(dense_by_doc.get(doc_id, [])[: self.dense_k],
                                       lex_by_doc.get(doc_id, [])[: self.dense_k]))
        else:
            fused = self._rrf(dense_order, lex_order)
        weights = term_weights(q, snap.idf)
        results: list[Evidence] = []
        for cid, base in fused.items():
            pos = snap.positions.get(cid)
            if pos is None:
                continue
            chunk = snap.chunks[pos]
            doc = snap.docs.get(chunk.doc_id)
            results.append(Evidence(
                chunk=chunk,
                score=base * boost(q, chunk, weights, doc, self.params),
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


def _manifest_of(doc: DocInfo) -> dict[str, Any]:
    """The manifest fields a snapshot keeps, for an index that only lists documents."""
    period = doc.period or (0, 0)
    return {"doc_id": doc.doc_id, "title": doc.title, "date": doc.date or "",
            "period_start": period[0], "period_end": period[1]}
