"""Incremental, idempotent indexing of a corpus into a ``PolicyIndex``.

Unchanged documents are recognised by content hash before they are parsed; changed ones
are embedded and written in small batches, flushed at the first document boundary once
``embed_batch`` chunks are pending, so a kill loses at most that one batch of work (and
the one being written meanwhile, which a thread writes while the next is embedded). The
encoder batches internally, so small flushes cost little throughput. A document commits
when its manifest is written; a loader that fails with anything but IngestError still
lets the documents loaded before it commit before the error propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ingest.types import Chunk, Document, IngestError

if TYPE_CHECKING:
    from vectorstore.store import PolicyIndex

EMBED_BATCH = 64  # chunks pending (across documents) before they are embedded and committed
# progress(doc_id, action), action in "added" | "replaced" | "unchanged" | "removed" | "failed"
Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class SourceDoc:
    """A document offered to ``sync`` before it is parsed.

    ``load`` runs only when the index does not already hold ``sha256`` for ``doc_id``
    (with the current chunker), so unchanged files are neither parsed nor chunked.
    It may raise ``IngestError``; the document is then reported as failed and left as is.
    """

    doc_id: str
    sha256: str
    load: Callable[[], tuple[Document, list[Chunk]]]


@dataclass
class SyncReport:
    """What one sync did (doc_id lists). ``failed`` maps doc_id to its IngestError message."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    n_chunks: int = 0  # chunks embedded and written
    n_tokens: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


def _loaded(doc: Document, chunks: list[Chunk]) -> SourceDoc:
    return SourceDoc(doc.doc_id, doc.sha256, lambda: (doc, chunks))


def sync_index(
    index: PolicyIndex,
    items: Iterable[SourceDoc | tuple[Document, list[Chunk]]],
    *,
    keep_only: set[str] | None = None,
    progress: Progress | None = None,
    embed_batch: int = EMBED_BATCH,
) -> SyncReport:
    """See ``PolicyIndex.sync``."""
    t0 = time.perf_counter()
    report = SyncReport()
    notify = progress or (lambda _doc_id, _action: None)
    index.sweep()
    stored = index.manifest_metadata()
    pending: list[tuple[Document, list[Chunk]]] = []
    seen: set[str] = set()
    in_flush = False
    # One batch is written to the store while the next is embedded: the store's commit is
    # mostly I/O, a tenth of ingest time beside the int8 encoder. Batches commit in order.
    writer = ThreadPoolExecutor(1, thread_name_prefix="policyqa-write")
    in_flight: tuple[Future[None], list[tuple[Document, list[Chunk]]]] | None = None

    def committed() -> None:
        """Wait for the batch being written; report its documents (or raise its error)."""
        nonlocal in_flight
        if in_flight is None:
            return
        (future, batch), in_flight = in_flight, None
        future.result()
        for doc, chunks in batch:
            replaced = doc.doc_id in stored
            (report.replaced if replaced else report.added).append(doc.doc_id)
            report.n_chunks += len(chunks)
            report.n_tokens += sum(c.n_tokens for c in chunks)
            notify(doc.doc_id, "replaced" if replaced else "added")

    def flush() -> None:
        nonlocal in_flush, in_flight
        in_flush = True
        t = time.perf_counter()
        vectors = index.embed_passages([c.embed_text for _, chunks in pending for c in chunks])
        report.embed_seconds += time.perf_counter() - t
        batch = list(pending)
        pending.clear()
        committed()
        in_flight = (writer.submit(index.write_embedded, batch, vectors), batch)
        in_flush = False

    try:
        for item in items:
            src = item if isinstance(item, SourceDoc) else _loaded(*item)
            if src.doc_id in seen:
                raise ValueError(f"sync was given document {src.doc_id!r} twice")
            seen.add(src.doc_id)
            if keep_only is not None and src.doc_id not in keep_only:
                continue
            old = stored.get(src.doc_id)
            if old is not None and index.is_current_meta(old, src.sha256):
                report.unchanged.append(src.doc_id)
                notify(src.doc_id, "unchanged")
                continue
            try:
                doc, chunks = src.load()
            except IngestError as e:
                report.failed[src.doc_id] = str(e)
                notify(src.doc_id, "failed")
                continue
            if doc.doc_id != src.doc_id:
                raise ValueError(f"loader for {src.doc_id!r} returned document {doc.doc_id!r}")
            check_chunks(doc, chunks)
            pending.append((doc, chunks))
            if sum(len(cs) for _, cs in pending) >= embed_batch:
                flush()  # at a document boundary: each document commits whole
        if pending:
            flush()
    except Exception:
        if pending and not in_flush:
            flush()  # what was loaded before the failure is kept; then the error surfaces
        raise
    finally:
        try:
            committed()
        finally:
            writer.shutdown(wait=True)

    if keep_only is not None:
        for doc_id in sorted(set(stored) - keep_only):
            index.delete_document(doc_id)
            report.removed.append(doc_id)
            notify(doc_id, "removed")
    report.seconds = time.perf_counter() - t0
    return report


def check_chunks(doc: Document, chunks: list[Chunk]) -> None:
    """Catch caller mistakes before they half-write a document."""
    ids: set[str] = set()
    for c in chunks:
        if c.doc_id != doc.doc_id:
            raise ValueError(f"chunk {c.id!r} belongs to {c.doc_id!r}, not {doc.doc_id!r}")
        if c.id in ids:
            raise ValueError(f"duplicate chunk id {c.id!r} in {doc.doc_id!r}")
        ids.add(c.id)
