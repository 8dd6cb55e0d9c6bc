"""How chunks and per-document manifests become Chroma records, and back.

Chroma metadata holds scalars only, so ``None`` is stored as ``""`` / ``0`` and the clause
tree travels as JSON in the manifest record's document field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

import numpy as np

from ingest.types import Chunk, Clause, Document

MANIFEST_FORMAT = 1
# Manifests need no similarity search, but Chroma insists on a vector per record.
MANIFEST_VECTOR = np.ones((1, 1), dtype=np.float32)


@dataclass(frozen=True)
class IndexedDocument:
    """What the index knows about one document, without loading its chunks."""

    doc_id: str
    title: str
    sha256: str
    source: str
    issuer: str | None
    doc_number: str | None
    date: str | None
    period: tuple[int, int] | None
    n_clauses: int
    n_chunks: int
    n_tokens: int
    chunker_version: str
    embedding_model: str
    indexed_at: str
    chunks_digest: str

    @property
    def period_str(self) -> str:
        return f"{self.period[0]}—{self.period[1]}" if self.period else ""


def chunks_digest(chunk_ids: list[str]) -> str:
    """One hash for a document's set of chunk ids (the ids already hash their content)."""
    return hashlib.sha1("\n".join(sorted(chunk_ids)).encode()).hexdigest()


def chunk_metadata(chunk: Chunk, doc_sha: str) -> dict[str, str | int]:
    """``Chunk.metadata()`` plus what is needed to sweep it and rebuild the Chunk."""
    return {**chunk.metadata(), "doc_sha": doc_sha, "embed_text": chunk.embed_text}


def chunk_from_record(chunk_id: str, text: str | None, meta: Mapping[str, Any]) -> Chunk:
    """Rebuild a Chunk from its stored record (the inverse of ``chunk_metadata``)."""
    return Chunk(
        id=chunk_id,
        doc_id=str(meta["doc_id"]),
        title=str(meta.get("title", "")),
        clause_path=str(meta.get("clause_path", "")),
        heading=str(meta.get("heading", "")),
        text=text or "",
        embed_text=str(meta.get("embed_text", text or "")),
        n_tokens=int(meta.get("n_tokens", 0)),
        span=(int(meta.get("span_start", 0)), int(meta.get("span_end", 0))),
        date=str(meta.get("date") or "") or None,
        kind=str(meta.get("kind", "clause")),
        seq=int(meta.get("seq", 0)),
        context=str(meta.get("context", "")),
    )


def manifest_record(
    doc: Document, chunks: list[Chunk], *, chunker_version: str, embedding_model: str
) -> tuple[str, dict[str, str | int]]:
    """(document JSON, metadata) of the one manifest record that marks ``doc`` as complete."""
    ids = [c.id for c in chunks]
    body = {
        "format": MANIFEST_FORMAT,
        "clauses": [
            {
                "path": list(c.path),
                "heading": c.heading,
                "text": c.text,
                "span": list(c.span),
                "kind": c.kind,
            }
            for c in doc.clauses
        ],
        "chunk_ids": ids,
    }
    meta: dict[str, str | int] = {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "sha256": doc.sha256,
        "source": PurePath(doc.source).name if doc.source else doc.doc_id,
        "issuer": doc.issuer or "",
        "doc_number": doc.doc_number or "",
        "date": doc.date or "",
        "period_start": doc.period[0] if doc.period else 0,
        "period_end": doc.period[1] if doc.period else 0,
        "n_clauses": len(doc.clauses),
        "n_chunks": len(chunks),
        "n_tokens": sum(c.n_tokens for c in chunks),
        "chunker_version": chunker_version,
        "embedding_model": embedding_model,
        "indexed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "chunks_digest": chunks_digest(ids),
    }
    return json.dumps(body, ensure_ascii=False), meta


def indexed_document(meta: Mapping[str, Any]) -> IndexedDocument:
    """The IndexedDocument a manifest record's metadata describes."""
    start, end = int(meta.get("period_start", 0)), int(meta.get("period_end", 0))
    return IndexedDocument(
        doc_id=str(meta["doc_id"]),
        title=str(meta.get("title", "")),
        sha256=str(meta.get("sha256", "")),
        source=str(meta.get("source", "")),
        issuer=str(meta.get("issuer") or "") or None,
        doc_number=str(meta.get("doc_number") or "") or None,
        date=str(meta.get("date") or "") or None,
        period=(start, end) if start and end else None,
        n_clauses=int(meta.get("n_clauses", 0)),
        n_chunks=int(meta.get("n_chunks", 0)),
        n_tokens=int(meta.get("n_tokens", 0)),
        chunker_version=str(meta.get("chunker_version", "")),
        embedding_model=str(meta.get("embedding_model", "")),
        indexed_at=str(meta.get("indexed_at", "")),
        chunks_digest=str(meta.get("chunks_digest", "")),
    )


def clauses_from_json(doc_id: str, body: str | None) -> list[Clause]:
    """The clause tree stored in a manifest record, in document order."""
    if not body:
        return []
    data = json.loads(body)
    return [
        Clause(
            doc_id=doc_id,
            path=tuple(c["path"]),
            heading=c["heading"],
            text=c["text"],
            span=(int(c["span"][0]), int(c["span"][1])),
            kind=c.get("kind", "clause"),
        )
        for c in data.get("clauses", [])
    ]
