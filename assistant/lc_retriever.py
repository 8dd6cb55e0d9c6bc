"""The retrieve stage as a LangChain ``BaseRetriever``, so LangChain users can compose it.

It runs the same analysis and hybrid search the chain does (English translated into the
corpus's words, years, places, dense + lexical fusion) and returns LangChain Documents:
the clause text as ``page_content`` and the citation fields and scores as metadata.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.query import Lexicon, analyze, default_lexicon
from assistant.retrieval import Evidence, HybridRetriever


def to_document(ev: Evidence) -> Document:
    """One piece of evidence as a LangChain Document that keeps everything a citation needs."""
    c = ev.chunk
    return Document(page_content=c.text, id=c.id, metadata={
        "chunk_id": c.id, "doc_id": c.doc_id, "title": c.title, "clause_path": c.clause_path,
        "date": c.date, "score": ev.score, "dense": ev.dense, "lexical": ev.lexical})


class PolicyRetriever(BaseRetriever):
    """Hybrid dense + BM25 retrieval over the policy index, ``k`` clauses per question."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    lexicon: Lexicon = Field(default_factory=default_lexicon)
    k: int = Field(default=6, ge=1, le=50)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                **kwargs: Any) -> list[Document]:
        if not query.strip():
            return []
        q = analyze(query, self.lexicon, self.hybrid.vocab)
        return [to_document(ev) for ev in self.hybrid.search(q, k=int(kwargs.get("k", self.k)))]
