"""The policy index: chunk vectors plus one manifest per document, over Chroma.

A document counts as indexed only once its manifest exists, and the manifest is written
last; a process killed mid-write leaves chunks without a manifest, which the sweep removes
and the next sync re-indexes. Vectors are computed here and handed to Chroma precomputed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from ingest.types import Chunk, Clause, Document
from vectorstore.client import (
    IndexMismatchError,
    StoreError,
    StoreUnavailableError,
    check_collection_name,
    chroma_errors,
    connect,
)
from vectorstore.collections import EmbedderLike, IndexCollections
from vectorstore.records import (
    MANIFEST_VECTOR,
    IndexedDocument,
    chunk_from_record,
    chunk_metadata,
    clauses_from_json,
    indexed_document,
    manifest_record,
)
from vectorstore.sync import EMBED_BATCH, Progress, SourceDoc, SyncReport, check_chunks, sync_index

__all__ = [
    "EmbedderLike",
    "Hit",
    "IndexMismatchError",
    "IndexedDocument",
    "PolicyIndex",
    "SourceDoc",
    "StoreError",
    "StoreUnavailableError",
    "SyncReport",
    "open_index",
]


@dataclass(frozen=True)
class Hit:
    """A dense-search result; ``score`` is cosine similarity (1 is identical)."""

    chunk: Chunk
    score: float


def open_index(
    *,
    embedder: EmbedderLike,
    persist_dir: Path | None = None,
    url: str | None = None,
    collection: str = "policyqa",
    chunker_version: str,
    rebuild: bool = False,
    sweep: bool = True,
) -> PolicyIndex:
    """Open (creating if needed) the index at a Chroma server ``url`` or in ``persist_dir``.

    Raises ``IndexMismatchError`` if the stored index was built with another model,
    dimension or chunker version, unless ``rebuild`` (which empties it first). A reader
    that may run beside a writer should pass ``sweep=False``: the sweep deletes chunks
    of any document whose write has not finished, including one in progress elsewhere.
    """
    check_collection_name(collection)
    client = connect(persist_dir=persist_dir, url=url)
    index = PolicyIndex(
        client,
        embedder=embedder,
        collection=collection,
        chunker_version=chunker_version,
        location=url or str(persist_dir),
    )
    if rebuild:
        index.reset()
    else:
        index.open()
        if sweep:
            index.sweep()
    return index


class PolicyIndex(IndexCollections):
    """Chunks (collection ``<name>``) and manifests (``<name>__documents``) in Chroma."""

    # -- reading ------------------------------------------------------------------------

    def documents(self) -> list[IndexedDocument]:
        """Every completely indexed document, by doc_id."""
        return [indexed_document(m) for _, m in sorted(self.manifest_metadata().items())]

    def document(self, doc_id: str) -> IndexedDocument | None:
        with chroma_errors(self.location):
            metas = self.manifests.get(ids=[doc_id], include=["metadatas"])["metadatas"] or []
        return indexed_document(metas[0]) if metas and metas[0] else None

    def clauses(self, doc_id: str) -> list[Clause]:
        """The document's clause tree as ingested, in order; [] for an unknown doc_id."""
        with chroma_errors(self.location):
            docs = self.manifests.get(ids=[doc_id], include=["documents"])["documents"] or []
        return clauses_from_json(doc_id, docs[0]) if docs else []

    def is_current(self, doc_id: str, sha256: str) -> bool:
        """True when ``doc_id`` is completely indexed from this content with this chunker."""
        with chroma_errors(self.location):
            metas = self.manifests.get(ids=[doc_id], include=["metadatas"])["metadatas"] or []
        return bool(metas and metas[0]) and self.is_current_meta(metas[0], sha256)

    def is_current_meta(self, manifest: Mapping[str, Any], sha256: str) -> bool:
        return (
            manifest.get("sha256") == sha256
            and manifest.get("chunker_version") == self.chunker_version
        )

    def count(self) -> int:
        """Number of chunk vectors stored."""
        with chroma_errors(self.location):
            return self.chunks.count()

    def revision(self) -> str:
        """Changes whenever the indexed content changes, so callers can cache (e.g. BM25).

        Derived from the manifests (doc ids, content hashes, chunk-id digests): the same in
        every process reading this index, and unchanged by a sync that changes nothing.
        """
        return _revision(self.collection_name, self.manifest_metadata())

    def all_chunks(self) -> list[Chunk]:
        """Every chunk of every completely indexed document, in document order."""
        return self.contents()[2]

    def contents(self) -> tuple[str, dict[str, Mapping[str, Any]], list[Chunk]]:
        """(revision, manifests by doc_id, chunks in document order) from one manifest read."""
        manifests = self.manifest_metadata()
        shas = {d: m.get("sha256") for d, m in manifests.items()}
        out = [
            chunk_from_record(i, text, m)
            for i, text, m in self._scan_chunks(with_text=True)
            if shas.get(str(m.get("doc_id"))) == m.get("doc_sha")
        ]
        out.sort(key=lambda c: (c.doc_id, c.span[0], c.seq, c.id))
        return _revision(self.collection_name, manifests), manifests, out

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """Dense search: the ``k`` chunks nearest the query, optionally filtered by metadata."""
        if k <= 0 or not query.strip():
            return []
        vec = np.asarray(self.embedder.embed_queries([query]), dtype=np.float32)
        try:
            with chroma_errors(self.location):
                got = self.chunks.query(
                    query_embeddings=vec,
                    n_results=k,
                    where=cast(Any, where or None),
                    include=["documents", "metadatas", "distances"],
                )
        except ValueError as e:  # chromadb checks filters client-side and raises ValueError
            raise StoreError(f"invalid search filter {where!r}: {' '.join(str(e).split())}") from e
        rows = zip(
            got["ids"][0],
            (got["documents"] or [[]])[0],
            (got["metadatas"] or [[]])[0],
            (got["distances"] or [[]])[0],
            strict=True,
        )
        # Chroma's cosine distance is 1 - cosine similarity.
        return [Hit(chunk_from_record(i, t, m or {}), 1.0 - float(d)) for i, t, m, d in rows]

    # -- writing ------------------------------------------------------------------------

    def sweep(self) -> int:
        """Delete chunks whose document has no manifest or another content hash.

        They are what an interrupted write leaves; returns how many were deleted.
        """
        shas = {d: m.get("sha256") for d, m in self.manifest_metadata().items()}
        stale = [
            i
            for i, _, m in self._scan_chunks(with_text=False)
            if shas.get(str(m.get("doc_id"))) != m.get("doc_sha")
        ]
        with chroma_errors(self.location):
            for s in range(0, len(stale), self._batch):
                self.chunks.delete(ids=stale[s : s + self._batch])
        return len(stale)

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document (manifest first, then chunks); False if nothing was there."""
        with chroma_errors(self.location):
            had = bool(self.manifests.get(ids=[doc_id], include=[])["ids"]) or bool(
                self.chunks.get(where={"doc_id": doc_id}, limit=1, include=[])["ids"]
            )
            self.manifests.delete(ids=[doc_id])
            self.chunks.delete(where={"doc_id": doc_id})
        return had

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """(n, dim) float32 passage vectors; an empty list needs no model call."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.asarray(self.embedder.embed_passages(texts), dtype=np.float32)

    def upsert_document(self, doc: Document, chunks: list[Chunk]) -> None:
        """Index ``doc`` with these chunks, replacing any earlier version."""
        check_chunks(doc, chunks)
        self.write_embedded([(doc, chunks)], self.embed_passages([c.embed_text for c in chunks]))

    def write_embedded(self, docs: list[tuple[Document, list[Chunk]]], vectors: np.ndarray) -> None:
        """Write documents with precomputed vectors (one row per chunk, in order).

        Order: manifests out, old chunks out, new chunks in, manifests in. A kill at any
        point leaves only chunks without a manifest, which the sweep and the next sync
        repair. Batched across documents because each Chroma call costs a commit.
        """
        chunks = [c for _, cs in docs for c in cs]
        if len(vectors) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if len({c.id for c in chunks}) != len(chunks):
            raise ValueError("the same chunk id appears in two documents")
        doc_ids = [d.doc_id for d, _ in docs]
        if not doc_ids:
            return
        shas = {d.doc_id: d.sha256 for d, _ in docs}
        manifests = [
            manifest_record(
                d, cs, chunker_version=self.chunker_version, embedding_model=self.embedder.name
            )
            for d, cs in docs
        ]
        b = self._batch
        with chroma_errors(self.location):
            self.manifests.delete(ids=doc_ids)
            self.chunks.delete(where=_doc_filter(doc_ids))
            for s in range(0, len(chunks), b):
                part = chunks[s : s + b]
                self.chunks.add(
                    ids=[c.id for c in part],
                    embeddings=vectors[s : s + b],
                    documents=[c.text for c in part],
                    metadatas=cast(Any, [chunk_metadata(c, shas[c.doc_id]) for c in part]),
                )
            for s in range(0, len(doc_ids), b):
                self._write_manifests(doc_ids[s : s + b], manifests[s : s + b])

    def _write_manifests(
        self, doc_ids: list[str], records: list[tuple[str, dict[str, str | int]]]
    ) -> None:
        """The commit point of a document write (a seam tests use to simulate a kill)."""
        self.manifests.upsert(
            ids=doc_ids,
            embeddings=np.repeat(MANIFEST_VECTOR, len(doc_ids), axis=0),
            documents=[body for body, _ in records],
            metadatas=cast(Any, [meta for _, meta in records]),
        )

    def sync(
        self,
        items: Iterable[SourceDoc | tuple[Document, list[Chunk]]],
        *,
        keep_only: set[str] | None = None,
        progress: Progress | None = None,
        embed_batch: int = EMBED_BATCH,
    ) -> SyncReport:
        """Bring the index in line with ``items``; running it twice changes nothing.

        Items are ``SourceDoc`` (loaded only if changed) or ready ``(Document, chunks)``.
        Unchanged documents (same sha256 and chunker version) are skipped; new or changed
        ones are embedded and written across documents in batches of about ``embed_batch``
        chunks, each document committed by its own manifest. With ``keep_only``, items outside it are ignored
        and indexed documents outside it are removed. Sweeps first.
        """
        return sync_index(
            self, items, keep_only=keep_only, progress=progress, embed_batch=embed_batch
        )


def _doc_filter(doc_ids: list[str]) -> dict[str, Any]:
    return {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": doc_ids}}


def _revision(collection: str, manifests: Mapping[str, Mapping[str, Any]]) -> str:
    h = hashlib.sha1(collection.encode())
    for doc_id, m in sorted(manifests.items()):
        h.update(f"\n{doc_id}\t{m.get('sha256')}\t{m.get('chunks_digest')}".encode())
    return h.hexdigest()
