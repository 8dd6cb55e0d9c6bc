"""The tutorial RAG pipeline every figure we report is compared with.

Raw file text → ``RecursiveCharacterTextSplitter(500, 50)`` → the same embedding model →
a ``langchain_chroma.Chroma`` collection → dense top-k, with the top chunk returned as
the answer. No cleaning, no clauses, no lexical search, no history, no refusal: exactly
what a "chat with your PDFs" tutorial would build from the same files.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.types import Answer, Citation, Generator, StreamEvent, Turn
from ingest.loaders import load_text
from ingest.pipeline import discover

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
BASELINE_K = 10  # deep enough for hit@5 and MRR@10
_ADD_BATCH = 256
DESCRIPTION = (
    "tutorial RAG: RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50) over the raw "
    "files, the same e5 embeddings, dense top-k from langchain_chroma.Chroma, the top chunk as "
    "the answer (never refuses, ignores history; no clauses, so clause accuracy is n/a)"
)


@dataclass(frozen=True)
class RawChunk:
    """A splitter chunk with the file it came from (the file name is its doc_id)."""

    doc_id: str
    text: str
    seq: int


def split_corpus(
    corpus_dir: Path, *, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP
) -> list[RawChunk]:
    """Split every supported file's raw text with the tutorial splitter.

    The files and their text extraction are the ingest's (so both systems read the same
    bytes), but none of its normalisation, boilerplate removal or clause parsing.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    chunks: list[RawChunk] = []
    for path in discover([corpus_dir]):
        raw, _ = load_text(path)
        for seq, text in enumerate(splitter.split_text(raw)):
            chunks.append(RawChunk(doc_id=path.name, text=text, seq=seq))
    return chunks


class TutorialBaseline:
    """Dense top-k over splitter chunks; implements the part of QAService the runner uses."""

    def __init__(self, store: Chroma, *, k: int = BASELINE_K, n_chunks: int = 0) -> None:
        self.store = store
        self.k = k
        self.n_chunks = n_chunks

    def generators(self) -> list[Generator]:
        return ["extractive"]

    def answer(
        self,
        question: str,
        history: list[Turn] | None = None,
        *,
        top_k: int | None = None,
        generator: Generator | None = None,
    ) -> Answer:
        """The top chunk as the answer; history is ignored, as in the tutorial."""
        start = time.perf_counter()
        k = max(top_k or 0, self.k)
        hits = self.store.similarity_search_with_score(question, k=k)
        # Chroma's default space is squared L2; on unit vectors cosine = 1 - d / 2.
        scored = [(str(d.metadata.get("doc_id", "")), d.page_content, round(1 - float(d2) / 2, 6))
                  for d, d2 in hits]
        retrieved = [{"doc_id": doc_id, "clause": "", "text": text, "score": score,
                      "dense": round(score, 4), "lexical": 0.0}
                     for doc_id, text, score in scored]
        citations = [Citation(n=1, doc_id=doc_id, title=Path(doc_id).stem, clause="", text=text,
                              score=score)
                     for doc_id, text, score in scored[:1]]
        return Answer(
            answer=citations[0].text if citations else "",
            refused=False,
            citations=citations,
            condensed_question=question,
            generator="extractive",
            latency_ms=round((time.perf_counter() - start) * 1000, 2),
            trace={"mode": "baseline", "retrieved": retrieved},
        )

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        *,
        top_k: int | None = None,
        generator: Generator | None = None,
    ) -> Iterator[StreamEvent]:
        """One done event (the tutorial does not stream); keeps the QAService shape."""
        answer = self.answer(question, history, top_k=top_k, generator=generator)
        yield StreamEvent(event="done", data=answer.model_dump())

    def close(self) -> None:
        """Drop the collection so an in-process run leaves no state behind."""
        self.store.delete_collection()


def build_baseline(
    corpus_dir: Path,
    embeddings: Embeddings,
    *,
    k: int = BASELINE_K,
    chunk_size: int = CHUNK_SIZE,
    chunk_overlap: int = CHUNK_OVERLAP,
) -> TutorialBaseline:
    """Index ``corpus_dir`` into a fresh in-memory Chroma collection.

    ``embeddings`` is the project's Embedder (its langchain side applies the e5
    "query: " / "passage: " prompts), so the baseline loses nothing on the model itself.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    chunks = split_corpus(corpus_dir, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    if not chunks:
        raise ValueError(f"{corpus_dir}: no supported documents to index")
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(
        collection_name=f"baseline-{uuid.uuid4().hex[:12]}",  # ephemeral clients share state
        embedding_function=embeddings,
        client=client,
    )
    for i in range(0, len(chunks), _ADD_BATCH):
        batch = chunks[i : i + _ADD_BATCH]
        store.add_texts(
            [c.text for c in batch],
            metadatas=[{"doc_id": c.doc_id, "seq": c.seq} for c in batch],
            ids=[f"{c.doc_id}#{c.seq}" for c in batch],
        )
    return TutorialBaseline(store, k=k, n_chunks=len(chunks))
