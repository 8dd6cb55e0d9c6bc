"""The two Chroma collections behind a PolicyIndex, and the check that they fit the model.

The chunk collection's metadata records the embedding model, its dimension, the backend
that computed its vectors and the chunker version; vectors from another model are meaningless
against it, so opening refuses rather than mixing them. The other backend of the same model
(torch fp32 vs onnx-int8) is let in, with a warning, only when an int8 model verified against
that fp32 model vouches that their vectors agree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np

from vectorstore.client import IndexMismatchError, StoreError, chroma_errors

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from chromadb import Collection
    from chromadb.api import ClientAPI
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

INDEX_FORMAT = 1
PAGE = 2000  # records per get() page when scanning a collection
COSINE = {"hnsw": {"space": "cosine"}}
REBUILD_HINT = "re-index with `python -m ingest --rebuild`"
DEFAULT_BACKEND = "torch"  # what built every index that predates the backend key


class EmbedderLike(Protocol):
    """What the index needs from ``vectorstore.embeddings.make_embedder(...)``.

    Optional: ``backend`` ("torch" when absent) and ``int8_verified_for`` (the fp32 model name a
    verified int8 model reproduces, None when absent), read with getattr.
    """

    @property
    def name(self) -> str: ...
    @property
    def dim(self) -> int: ...
    def embed_queries(self, texts: list[str]) -> np.ndarray: ...
    def embed_passages(self, texts: list[str]) -> np.ndarray: ...
    def as_langchain(self) -> Embeddings: ...


class IndexCollections:
    """Opens, checks, resets and scans the chunk and manifest collections."""

    def __init__(
        self,
        client: ClientAPI,
        *,
        embedder: EmbedderLike,
        collection: str,
        chunker_version: str,
        location: str,
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.collection_name = collection
        self.manifest_name = f"{collection}__documents"
        self.chunker_version = chunker_version
        self.location = location  # URL or path, for error messages
        self._chunks: Collection | None = None
        self._manifests: Collection | None = None
        self._langchain: Chroma | None = None
        self._max_batch: int | None = None

    # -- collections --------------------------------------------------------------------

    def open(self) -> None:
        """Get or create both collections; refuse ones built with another model or chunker."""
        expected: dict[str, str | int] = {
            "policyqa_index": INDEX_FORMAT,
            "embedding_model": self.embedder.name,
            "embedding_dim": int(self.embedder.dim),
            "embedding_backend": str(getattr(self.embedder, "backend", DEFAULT_BACKEND)),
            "chunker_version": self.chunker_version,
        }
        with chroma_errors(self.location):
            chunks = self.client.get_or_create_collection(
                self.collection_name,
                metadata=expected,
                configuration=cast(Any, COSINE),
                embedding_function=None,
            )
            found = dict(chunks.metadata or {})
            self._check_compatible(found, expected)
            if found.get("chunker_version") != self.chunker_version:
                # A new chunker makes documents stale, not the index: each document's
                # manifest still names the chunker that cut it, so the next ingest
                # re-chunks exactly those, and until then the old chunks keep serving.
                log.warning("chunker %s → %s: documents are re-chunked on their next ingest",
                            found.get("chunker_version"), self.chunker_version)
                builder = found.get("embedding_backend", DEFAULT_BACKEND)  # stays the builder's
                chunks.modify(metadata={**expected, "embedding_backend": builder})
            self._manifests = self.client.get_or_create_collection(
                self.manifest_name,
                metadata={"policyqa_index": INDEX_FORMAT},
                embedding_function=None,
            )
            self._max_batch = self.client.get_max_batch_size()
        self._chunks = chunks
        self._langchain = None

    def _check_compatible(self, found: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
        where = f"index {self.collection_name!r} at {self.location}"
        if found.get("policyqa_index") is None:
            raise IndexMismatchError(
                f"{where} was not created by policyqa; choose another collection or {REBUILD_HINT}"
            )
        diffs = [
            f"{key} {found.get(key)!r} → {expected[key]!r}"
            for key in ("policyqa_index", "embedding_model", "embedding_dim")
            if found.get(key) != expected[key]
        ]
        if diffs:
            raise IndexMismatchError(
                f"{where} was built with embedding model {found.get('embedding_model')!r} but"
                f" {expected['embedding_model']!r} is configured ({'; '.join(diffs)});"
                f" {REBUILD_HINT}"
            )
        built_with = found.get("embedding_backend") or DEFAULT_BACKEND  # older indexes: torch
        querying, model = expected["embedding_backend"], expected["embedding_model"]
        if built_with == querying:
            return
        if getattr(self.embedder, "int8_verified_for", None) != model:
            raise IndexMismatchError(
                f"{where} was built with the {built_with} backend of {model!r} but the {querying}"
                f" backend is configured, and no int8 model verified against that fp32 model"
                f" vouches that their vectors agree; use the {built_with} backend or {REBUILD_HINT}"
            )
        log.warning("%s was built with the %s backend and is queried with %s: allowed because"
                    " its int8 model is verified against the same fp32 model %r",
                    where, built_with, querying, model)

    @property
    def chunks(self) -> Collection:
        """The raw chunk collection (precomputed vectors, cosine space)."""
        if self._chunks is None:
            raise StoreError("the index is not open")
        return self._chunks

    @property
    def manifests(self) -> Collection:
        """The raw manifest collection: one record per completely indexed document."""
        if self._manifests is None:
            raise StoreError("the index is not open")
        return self._manifests

    def reset(self) -> None:
        """Drop everything and recreate empty collections for the current model and chunker."""
        with chroma_errors(self.location):
            existing = {c.name for c in self.client.list_collections()}
            for name in (self.manifest_name, self.collection_name):
                if name in existing:
                    self.client.delete_collection(name)
        self.open()

    def as_langchain(self) -> Chroma:
        """The chunk collection as a langchain ``Chroma`` store (it embeds queries itself)."""
        if self._langchain is None:
            from langchain_chroma import Chroma

            with chroma_errors(self.location):
                self._langchain = Chroma(
                    client=self.client,
                    collection_name=self.collection_name,
                    embedding_function=self.embedder.as_langchain(),
                    collection_configuration=cast(Any, COSINE),
                    # Our collections are cosine; saying so spares langchain from reading
                    # the collection configuration (which chromadb warns is legacy).
                    relevance_score_fn=_cosine_relevance,
                )
        return self._langchain

    @property
    def _batch(self) -> int:
        return self._max_batch or 1000

    def manifest_metadata(self) -> dict[str, Mapping[str, Any]]:
        """doc_id → raw manifest metadata, for every completely indexed document."""
        with chroma_errors(self.location):
            got = self.manifests.get(include=["metadatas"])
        return {i: m or {} for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}

    def _scan_chunks(self, with_text: bool) -> Iterator[tuple[str, str | None, Mapping[str, Any]]]:
        """(id, text, metadata) of every chunk record, a page at a time."""
        include: Any = ["documents", "metadatas"] if with_text else ["metadatas"]
        offset = 0
        while True:
            with chroma_errors(self.location):
                got = self.chunks.get(include=include, limit=PAGE, offset=offset)
            ids = got["ids"]
            texts: list[str | None] = [*got["documents"]] if got["documents"] else [None] * len(ids)
            for i, text, m in zip(ids, texts, got["metadatas"] or [], strict=True):
                yield i, text, m or {}
            if len(ids) < PAGE:
                return
            offset += PAGE


def _cosine_relevance(distance: float) -> float:
    """Chroma's cosine distance back to cosine similarity."""
    return 1.0 - distance
