"""The document library behind the API and the page: list, upload, delete, clauses.

The corpus folder stays the source of truth: an upload is parsed from memory and indexed
first, then written into the folder, so a later full ingest keeps it; a delete removes
both. Every upload is bounded by ``IngestLimits`` before the costly step, and runs as a
background job (one at a time, in order) so that a long document does not hold a request.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

import numpy as np

from assistant.jobs import Job, JobRunner, Report
from assistant.retrieval import HybridRetriever
from ingest.chunking import chunk_document
from ingest.limits import IngestLimits, check_chunk_count, resolve_limits
from ingest.loaders import SUPPORTED
from ingest.pipeline import parse_bytes
from ingest.types import Clause, IngestError
from vectorstore.records import IndexedDocument
from vectorstore.store import PolicyIndex

_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")
MAX_NAME_BYTES = 240  # file systems allow 255 bytes a name; leave room for a temporary suffix
EMBED_BATCH = 64  # chunks per encoder call, so progress moves and answers get CPU in between


class UnknownDocumentError(KeyError):
    """No document with that doc_id."""


def check_doc_id(doc_id: str) -> str:
    """A doc_id is a plain file name: no directories, no parent references, no hidden files."""
    if not _SAFE_NAME.match(doc_id) or doc_id in {".", ".."} or ".." in doc_id or doc_id.startswith("."):
        raise IngestError(f"invalid document id {doc_id!r}: it must be a plain file name")
    if len(doc_id.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise IngestError(f"file name too long: {len(doc_id.encode('utf-8', 'surrogatepass'))} bytes "
                          f"in UTF-8 (at most {MAX_NAME_BYTES}); rename the file")
    return doc_id


def check_upload_name(filename: str) -> str:
    """The name an upload is stored under, or IngestError saying why it cannot be."""
    name = check_doc_id(Path(filename).name)
    if Path(name).suffix.lower() not in SUPPORTED:
        raise IngestError(f"unsupported file type {Path(name).suffix or '(none)'!r}; "
                          f"supported: {', '.join(sorted(SUPPORTED))}")
    return name


class DocumentLibrary:
    """Documents in the index and the corpus folder; writes are serialised by one lock."""

    def __init__(self, index: PolicyIndex, retriever: HybridRetriever, *, corpus_dir: Path,
                 max_tokens: int, limits: IngestLimits | None = None,
                 max_bytes: int | None = None, max_waiting: int = 8) -> None:
        self.index = index
        self.retriever = retriever
        self.corpus_dir = corpus_dir
        self.max_tokens = max_tokens
        self.limits = resolve_limits(limits, max_bytes)
        self.jobs = JobRunner(max_waiting=max_waiting, name="policyqa-uploads")
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        return self.limits.max_bytes

    def documents(self) -> list[IndexedDocument]:
        return self.index.documents()

    def get(self, doc_id: str) -> IndexedDocument:
        doc = self.index.document(check_doc_id(doc_id))
        if doc is None:
            raise UnknownDocumentError(doc_id)
        return doc

    def clauses(self, doc_id: str) -> list[Clause]:
        self.get(doc_id)
        return self.index.clauses(doc_id)

    def submit(self, filename: str, data: bytes) -> Job:
        """Queue an upload for indexing; the name and size are checked now, the rest in the job."""
        name = check_upload_name(filename)
        self._check_size(data)
        return self.jobs.submit(name, lambda report: self.add(name, data, report=report))

    def add(self, filename: str, data: bytes, *, report: Report | None = None) -> IndexedDocument:
        """Parse, index and store an uploaded file; IngestError says why it was refused."""
        name = check_upload_name(filename)
        self._check_size(data)
        step = report or (lambda _fraction, _stage: None)
        step(0.02, "parsing")
        doc = parse_bytes(name, data, limits=self.limits, source=str(self.corpus_dir / name))
        step(0.08, "chunking")
        chunks = chunk_document(doc, self.max_tokens)
        check_chunk_count(name, chunks, self.limits)
        texts = [c.embed_text for c in chunks]
        parts = []
        for start in range(0, len(texts), EMBED_BATCH):  # outside the lock: reads go on meanwhile
            step(0.1 + 0.85 * start / max(1, len(texts)), f"embedding {start}/{len(texts)} chunks")
            parts.append(self.index.embed_passages(texts[start:start + EMBED_BATCH]))
        step(0.95, "writing")
        vectors = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.corpus_dir / f".upload-{hashlib.sha256(data).hexdigest()[:16]}.part"
        with self._lock:
            try:
                tmp.write_bytes(data)
                self.index.write_embedded([(doc, chunks)], vectors)
                tmp.replace(self.corpus_dir / name)
            finally:
                tmp.unlink(missing_ok=True)
        self.retriever.invalidate()
        return self.get(name)

    def _check_size(self, data: bytes) -> None:
        self.limits.check("max_bytes", len(data), "file too large ({value} > {allowed})")

    def delete(self, doc_id: str) -> None:
        """Remove a document from the index and the corpus folder."""
        check_doc_id(doc_id)
        with self._lock:
            if not self.index.delete_document(doc_id):
                raise UnknownDocumentError(doc_id)
            (self.corpus_dir / doc_id).unlink(missing_ok=True)
        self.retriever.invalidate()
