"""The retrieve stage as a LangChain BaseRetriever, on the real index."""

from __future__ import annotations

from langchain_core.retrievers import BaseRetriever

from assistant.chain import PolicyQA

PATENT_DOC = "002_fdf6c96830e6b8c3.txt"


def test_it_is_a_langchain_retriever_returning_cited_documents(qa: PolicyQA) -> None:
    retriever = qa.as_retriever(k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("东湖高新区2025年发明专利目标是什么？")
    assert 1 <= len(docs) <= 4
    assert any(d.metadata["doc_id"] == PATENT_DOC and "发明专利" in d.page_content for d in docs)
    for d in docs:
        assert {"chunk_id", "doc_id", "title", "clause_path", "score"} <= d.metadata.keys()
        assert d.id == d.metadata["chunk_id"]


def test_english_is_translated_before_searching(qa: PolicyQA) -> None:
    docs = qa.as_retriever(k=4).invoke("What is the 2025 patent target for the optical valley?")
    assert any("发明专利" in d.page_content for d in docs)


def test_an_empty_query_retrieves_nothing(qa: PolicyQA) -> None:
    assert qa.as_retriever().invoke("   ") == []
