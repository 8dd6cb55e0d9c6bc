"""The one way documents get into the index: parse → chunk → embed → Chroma → snapshot.

The ingest CLI, the API's uploads and deletes, and the lexical snapshot all go through
``Indexer``, so every write leaves the vectors and the lexical snapshot in step and the
assistant only ever reads. Parsing many files runs in a worker process ahead of the
encoder (two cores: one parses while the encoder uses the rest).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ingest.chunking import chunk_document, chunker_version
from ingest.limits import IngestLimits, check_chunk_count
from ingest.pipeline import discover, file_sha256, parse_bytes, parse_file
from ingest.targets import Target, extract_targets, extractor_version
from ingest.types import Chunk, Document, IngestError
from vectorstore.collections import DEFAULT_BACKEND
from vectorstore.config import StoreSettings
from vectorstore.embeddings import make_embedder
from vectorstore.glossary import lexicon_rows
from vectorstore.lexical import index_tokenize
from vectorstore.metric_groups import Glossary, keys_stale, regroup
from vectorstore.records import IndexedDocument
from vectorstore.snapshot import Snapshot, SnapshotStore, build_snapshot
from vectorstore.store import EmbedderLike, PolicyIndex, open_index
from vectorstore.sync import Progress, SourceDoc, SyncReport
from vectorstore.targets_store import TargetStore

log = logging.getLogger(__name__)
EMBED_BATCH = 64  # chunks per encoder call in an upload, so progress moves and answers get CPU
PARSE_AHEAD = 8  # documents parsed ahead of the encoder
Report = Callable[[float, str], None]


def _parse_and_chunk(path: Path, max_tokens: int, limits: IngestLimits) -> tuple[Document, list[Chunk]]:
    doc = parse_file(path, limits=limits)
    chunks = chunk_document(doc, max_tokens)
    check_chunk_count(doc.doc_id, chunks, limits)
    return doc, chunks


Parsed = tuple[Document, list[Chunk], list[list[str]] | None, list[Target]]


def _parse_chunk_tokenize(path: Path, max_tokens: int, limits: IngestLimits, words: Sequence[str]) -> Parsed:
    """In a worker process: also the chunks' lexical tokens and the document's targets, so the
    main process, busy with the encoder, does neither (jieba does about 50,000 characters/s)."""
    doc, chunks = _parse_and_chunk(path, max_tokens, limits)
    return doc, chunks, [index_tokenize(c.embed_text, words) for c in chunks], extract_targets(doc, chunks)


class Indexer:
    """Writes to one index; after each change the lexical snapshot is rebuilt and saved."""

    def __init__(self, index: PolicyIndex, snapshots: SnapshotStore, *, max_tokens: int,
                 limits: IngestLimits, words: Sequence[str] = (), targets: TargetStore | None = None,
                 glossary: Glossary = ()) -> None:
        self.index = index
        self.snapshots = snapshots
        self.max_tokens = max_tokens
        self.limits = limits
        self.words = tuple(sorted(set(words)))
        self._lock = threading.Lock()
        self._tokens: dict[str, list[str]] = {}  # tokenized by the parse workers, by chunk id
        self._targets: dict[str, tuple[str, list[Target]]] = {}  # by doc_id: (content hash, targets)
        self.targets = targets
        self.glossary = list(glossary)

    # -- many files ----------------------------------------------------------------------

    def sync_paths(self, paths: list[Path], *, prune: bool, progress: Progress | None = None,
                   workers: int | None = None) -> SyncReport:
        """Index files and folders; with ``prune``, documents no longer present are deleted.

        Unchanged files are skipped by content hash; an interrupted run resumes where it
        stopped, since each document commits on its own. ``workers`` parse processes
        (default: one when there are several files to parse).
        """
        files = list(discover(paths))
        self._targets.clear()
        stored = self.index.manifest_metadata()
        shas: dict[str, str] = {}
        for f in files:
            try:
                shas[f.name] = file_sha256(f)
            except OSError:
                shas[f.name] = ""
        todo = [f for f in files if not (f.name in stored and shas[f.name]
                                         and self.index.is_current_meta(stored[f.name], shas[f.name]))]
        n_workers = workers if workers is not None else (1 if len(todo) > 2 else 0)
        keep = {f.name for f in files} if prune else None
        pool = (ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"))
                if n_workers else None)
        try:
            items = self._sources(files, shas, todo, pool)
            report = self.index.sync(items, keep_only=keep, progress=progress)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        self._store_targets(report, files)
        if report.changed or self._snapshot_stale():
            self.refresh_snapshot()
        return report

    def _sources(self, files: list[Path], shas: dict[str, str], todo: list[Path],
                 pool: ProcessPoolExecutor | None) -> Iterator[SourceDoc]:
        """Each file as a SourceDoc; with a pool, the next files to parse are parsed ahead."""
        ahead: dict[str, Future[Parsed]] = {}
        queue = iter(todo)

        def top_up() -> None:
            while pool is not None and len(ahead) < PARSE_AHEAD:
                nxt = next(queue, None)
                if nxt is None:
                    return
                ahead[nxt.name] = pool.submit(_parse_chunk_tokenize, nxt, self.max_tokens, self.limits,
                                              self.words)

        for f in files:
            top_up()
            fut = ahead.pop(f.name, None)
            if not shas[f.name]:
                yield SourceDoc(f.name, "", _unreadable(f))
            elif fut is not None:
                yield SourceDoc(f.name, shas[f.name], lambda fut=fut: self._keep(fut.result()))  # type: ignore[misc]
            else:
                yield SourceDoc(f.name, shas[f.name], lambda f=f: self._keep(self._parse_here(f)))  # type: ignore[misc]

    def _parse_here(self, path: Path) -> Parsed:
        doc, chunks = _parse_and_chunk(path, self.max_tokens, self.limits)
        return doc, chunks, None, extract_targets(doc, chunks)

    def _keep(self, parsed: Parsed) -> tuple[Document, list[Chunk]]:
        """Hold what parsing produced besides the chunks until the documents are committed."""
        doc, chunks, tokens, targets = parsed
        if tokens is not None:
            self._tokens.update((c.id, t) for c, t in zip(chunks, tokens, strict=True))
        self._targets[doc.doc_id] = (doc.sha256, targets)
        return doc, chunks

    def _store_targets(self, report: SyncReport, files: Sequence[Path]) -> None:
        """Targets of the committed documents, then of any indexed document lacking them (a
        run killed between the two writes), and none of documents no longer indexed."""
        if self.targets is None:
            return
        for doc_id in [*report.added, *report.replaced]:
            sha, targets = self._targets[doc_id]
            self.targets.replace_document(doc_id, _versioned(sha), targets)
        self._targets.clear()
        indexed = {d: _versioned(str(m.get("sha256", ""))) for d, m in self.index.manifest_metadata().items()}
        by_name = {f.name: f for f in files}
        for doc_id in self.targets.reconcile(indexed):
            path = by_name.get(doc_id)
            if path is None:
                continue
            try:
                doc, _, _, targets = self._parse_here(path)
            except IngestError:
                continue
            if _versioned(doc.sha256) == indexed[doc_id]:
                self.targets.replace_document(doc_id, _versioned(doc.sha256), targets)
        if report.changed or self.targets.ungrouped() or keys_stale(self.targets, self.glossary):
            self.regroup_metrics()

    def regroup_metrics(self) -> None:
        """Recompute the metric groups of the targets store (after any change to it)."""
        if self.targets is None:
            return
        embedder = self.index.embedder
        regroup(self.targets, embedder.embed_queries, glossary=self.glossary,
                model=f"{embedder.name}:{getattr(embedder, 'backend', DEFAULT_BACKEND)}")

    # -- one upload ----------------------------------------------------------------------

    def add(self, name: str, data: bytes, *, source: str = "", report: Report | None = None,
            commit: Callable[[], None] | None = None) -> IndexedDocument:
        """Parse, embed and index an uploaded file held in memory.

        ``commit`` runs under the write lock right after the vectors are written (the API
        stores the file there), so a document is in both places or, on error, in neither.
        """
        step = report or (lambda _fraction, _stage: None)
        step(0.02, "parsing")
        doc = parse_bytes(name, data, limits=self.limits, source=source)
        step(0.08, "chunking")
        chunks = chunk_document(doc, self.max_tokens)
        check_chunk_count(name, chunks, self.limits)
        texts = [c.embed_text for c in chunks]
        parts = []
        for start in range(0, len(texts), EMBED_BATCH):  # outside the lock: reads go on meanwhile
            step(0.1 + 0.8 * start / max(1, len(texts)), f"embedding {start}/{len(texts)} chunks")
            parts.append(self.index.embed_passages(texts[start:start + EMBED_BATCH]))
        step(0.9, "writing")
        vectors = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            self.index.write_embedded([(doc, chunks)], vectors)
            if commit is not None:
                try:
                    commit()
                except BaseException:
                    self.index.delete_document(name)
                    raise
            if self.targets is not None:
                self.targets.replace_document(name, _versioned(doc.sha256), extract_targets(doc, chunks))
        step(0.93, "grouping the targets' metrics")
        self.regroup_metrics()
        step(0.95, "updating the lexical index")
        self.refresh_snapshot()
        got = self.index.document(name)
        if got is None:
            raise IngestError(f"{name}: written but not found in the index")
        return got

    def delete(self, doc_id: str, *, commit: Callable[[], None] | None = None) -> bool:
        """Remove a document from the index (False if it was not there), then ``commit``."""
        with self._lock:
            had = self.index.delete_document(doc_id)
            if self.targets is not None:
                self.targets.delete_document(doc_id)
            if had and commit is not None:
                commit()
        if had:
            self.regroup_metrics()
            self.refresh_snapshot()
        return had

    # -- the lexical snapshot ------------------------------------------------------------

    def _snapshot_stale(self) -> bool:
        return not self.snapshots.is_current(self.index.revision(), self.words)

    def refresh_snapshot(self) -> Snapshot:
        """Rebuild the snapshot from what Chroma holds now, and make it current."""
        with self.snapshots.writing():
            revision, manifests, chunks = self.index.contents()
            known = {**self.snapshots.known_tokens(self.words), **self._tokens}
            snap, tokens = build_snapshot(revision, chunks, manifests, words=self.words, known_tokens=known)
            self.snapshots.save(snap, tokens, manifests)
            self._tokens.clear()
        return snap


def _versioned(sha: str) -> str:
    """A document's hash with the extractor's: rows an older extractor wrote are re-extracted."""
    return f"{sha}:{extractor_version()}"


def _unreadable(path: Path) -> Callable[[], tuple[Document, list[Chunk]]]:
    def fail() -> tuple[Document, list[Chunk]]:
        try:
            file_sha256(path)
        except OSError as exc:
            raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
        raise IngestError("cannot read file")

    return fail


def tokenizer_words(settings: StoreSettings) -> list[str]:
    """The glossary's and aliases' Chinese terms, which the tokenizer keeps whole."""
    rows = lexicon_rows(settings.glossary_path, settings.aliases_path, dirs=(settings.lexicon_dir,))
    return sorted(rows.chinese_terms())


def glossary_rows(settings: StoreSettings) -> Glossary:
    """The glossary rows (packaged and the user's), for metric names and synonyms."""
    return lexicon_rows(settings.glossary_path, settings.aliases_path, dirs=(settings.lexicon_dir,)).glossary


def make_store_embedder(settings: StoreSettings) -> EmbedderLike:
    """The encoder the settings name (PQA_EMBEDDING_MODEL, PQA_EMBEDDING_BACKEND)."""
    return make_embedder(settings.embedding_model_ref, backend=settings.embedding_backend)


def make_index(settings: StoreSettings, *, embedder: EmbedderLike | None = None, rebuild: bool = False,
               sweep: bool = True) -> PolicyIndex:
    """The Chroma index the settings point at (server mode when PQA_CHROMA_URL is set)."""
    return open_index(
        embedder=embedder or make_store_embedder(settings),
        persist_dir=None if settings.chroma_url else settings.chroma_dir,
        url=settings.chroma_url,
        collection=settings.collection,
        chunker_version=chunker_version(settings.chunk_tokens),
        rebuild=rebuild,
        sweep=sweep,
    )


def open_indexer(settings: StoreSettings, *, index: PolicyIndex | None = None,
                 embedder: EmbedderLike | None = None, rebuild: bool = False) -> Indexer:
    """An Indexer over the settings' index and snapshot folder."""
    index = index or make_index(settings, embedder=embedder, rebuild=rebuild)
    return Indexer(index, SnapshotStore(settings.lexical_dir), max_tokens=settings.chunk_tokens,
                   limits=settings.ingest_limits, words=tokenizer_words(settings),
                   targets=TargetStore(settings.targets_path), glossary=glossary_rows(settings))
