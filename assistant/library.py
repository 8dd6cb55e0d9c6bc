"""The document library behind the API and the page: list, upload, delete, clauses.

The corpus folder stays the source of truth: an upload is parsed from memory and indexed
(by the ``Indexer``, which also updates the lexical snapshot every server reads), then
written into the folder, so a later full ingest keeps it; a delete removes both. Every
upload is bounded by ``IngestLimits`` before the costly step, and runs as a background
job (one at a time, in order) so that a long document does not hold a request.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from assistant.jobs import Job, JobRunner, Report
from assistant.retrieval import HybridRetriever
from ingest.loaders import SUPPORTED
from ingest.types import Clause, IngestError
from vectorstore.indexer import Indexer
from vectorstore.records import IndexedDocument

_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")
MAX_NAME_BYTES = 240  # file systems allow 255 bytes a name; leave room for a temporary suffix


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
    """Documents in the index and the corpus folder; writes go through the ``Indexer``."""

    def __init__(self, indexer: Indexer, retriever: HybridRetriever, *, corpus_dir: Path,
                 max_waiting: int = 8) -> None:
        self.indexer = indexer
        self.index = indexer.index
        self.retriever = retriever
        self.corpus_dir = corpus_dir
        self.limits = indexer.limits
        self.jobs = JobRunner(max_waiting=max_waiting, name="policyqa-uploads")

    @property
    def max_bytes(self) -> int:
        return self.limits.max_bytes

    def documents(self) -> list[IndexedDocument]:
        """Every indexed document by doc_id, from the lexical snapshot (no store scan)."""
        return sorted(self.retriever.snapshot.docs.values(), key=lambda d: d.doc_id)

    def ping(self) -> int:
        """The store's chunk count: one cheap call that fails when the store is away."""
        return self.index.count()

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
        """Parse, index and store an uploaded file; IngestError says why it was refused.

        The file is written beside its final name first, so a full disk fails before the
        index changes; it takes its name once the vectors are written.
        """
        name = check_upload_name(filename)
        self._check_size(data)
        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.corpus_dir / f".upload-{hashlib.sha256(data).hexdigest()[:16]}.part"

        def commit() -> None:
            tmp.replace(self.corpus_dir / name)

        try:
            tmp.write_bytes(data)
            doc = self.indexer.add(name, data, source=str(self.corpus_dir / name), report=report,
                                   commit=commit)
        finally:
            tmp.unlink(missing_ok=True)
        self.retriever.invalidate()
        return doc

    def _check_size(self, data: bytes) -> None:
        self.limits.check("max_bytes", len(data), "file too large ({value} > {allowed})")

    def delete(self, doc_id: str) -> None:
        """Remove a document from the index and the corpus folder."""
        check_doc_id(doc_id)
        if not self.indexer.delete(doc_id, commit=lambda: (self.corpus_dir / doc_id).unlink(missing_ok=True)):
            raise UnknownDocumentError(doc_id)
        self.retriever.invalidate()
