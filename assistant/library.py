"""The document library behind the API: list, upload, delete, and a document's clauses.

The corpus folder stays the source of truth: an upload is parsed and indexed first, then
written into the folder, so a later full ingest keeps it; a delete removes both.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import replace
from pathlib import Path

from assistant.retrieval import HybridRetriever
from ingest.chunking import chunk_document
from ingest.loaders import SUPPORTED
from ingest.pipeline import parse_file
from ingest.types import Clause, IngestError
from vectorstore.records import IndexedDocument
from vectorstore.store import PolicyIndex

_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")


class UnknownDocumentError(KeyError):
    """No document with that doc_id."""


def check_doc_id(doc_id: str) -> str:
    """A doc_id is a plain file name: no directories, no parent references, no hidden files."""
    if not _SAFE_NAME.match(doc_id) or doc_id in {".", ".."} or ".." in doc_id or doc_id.startswith("."):
        raise IngestError(f"invalid document id {doc_id!r}: it must be a plain file name")
    return doc_id


class DocumentLibrary:
    """Documents in the index and the corpus folder, changed together under one lock."""

    def __init__(self, index: PolicyIndex, retriever: HybridRetriever, *, corpus_dir: Path,
                 max_tokens: int, max_bytes: int) -> None:
        self.index = index
        self.retriever = retriever
        self.corpus_dir = corpus_dir
        self.max_tokens = max_tokens
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

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

    def add(self, filename: str, data: bytes) -> IndexedDocument:
        """Parse, index and store an uploaded file; IngestError says why it was refused."""
        name = check_doc_id(Path(filename).name)
        if Path(name).suffix.lower() not in SUPPORTED:
            raise IngestError(f"unsupported file type {Path(name).suffix or '(none)'!r}; "
                              f"supported: {', '.join(sorted(SUPPORTED))}")
        if len(data) > self.max_bytes:
            raise IngestError(f"file too large ({len(data) / 1e6:.1f} MB > {self.max_bytes / 1e6:.0f} MB)")
        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.corpus_dir / f".upload-{hashlib.sha256(data).hexdigest()[:12]}-{name}"
        with self._lock:
            try:
                tmp.write_bytes(data)
                doc = parse_file(tmp, max_bytes=self.max_bytes)
                # Parsed under a temporary name: the doc_id is the uploaded file name.
                doc = replace(doc, doc_id=name, source=str(self.corpus_dir / name),
                              clauses=tuple(replace(c, doc_id=name) for c in doc.clauses))
                self.index.upsert_document(doc, chunk_document(doc, self.max_tokens))
                tmp.replace(self.corpus_dir / name)
            finally:
                tmp.unlink(missing_ok=True)
        self.retriever.invalidate()
        return self.get(name)

    def delete(self, doc_id: str) -> None:
        """Remove a document from the index and the corpus folder."""
        check_doc_id(doc_id)
        with self._lock:
            if not self.index.delete_document(doc_id):
                raise UnknownDocumentError(doc_id)
            (self.corpus_dir / doc_id).unlink(missing_ok=True)
        self.retriever.invalidate()
