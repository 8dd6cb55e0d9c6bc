"""PolicyIndex against a real on-disk Chroma and the real embedding model."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.types import IngestError
from tests.vectorstore.snippets import GOALS, build, chunk_with, goals, tasks
from vectorstore.store import (
    IndexMismatchError,
    PolicyIndex,
    SourceDoc,
    StoreError,
    open_index,
)

pytestmark = pytest.mark.slow
CHUNKER = "test-chunker-1"


class Counting:
    """The real embedder, counting how many passages it was asked to embed."""

    def __init__(self, inner: Any, *, name: str | None = None, dim: int | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.dim = dim or inner.dim
        self.passages = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def as_langchain(self) -> Any:
        return self.inner.as_langchain()


def _open(path: Path, embedder: Any, **kw: Any) -> PolicyIndex:
    return open_index(
        embedder=embedder, persist_dir=path, chunker_version=kw.pop("chunker", CHUNKER), **kw
    )


def _ids(index: PolicyIndex) -> set[str]:
    return set(index.chunks.get(include=[])["ids"])


def test_upsert_then_search_finds_the_right_clause(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)
    (g, g_chunks), (t, t_chunks) = goals(), tasks()
    index.upsert_document(g, g_chunks)
    index.upsert_document(t, t_chunks)
    assert index.count() == len(g_chunks) + len(t_chunks)

    hits = index.search("2025年东湖高新区经济总量要突破多少亿元?", k=3)
    assert hits[0].chunk.id == chunk_with(g_chunks, "5000亿元").id
    assert 0.5 < hits[0].score <= 1.0
    assert hits[0].score >= hits[1].score >= hits[2].score

    hits = index.search("推动建立知识产权法院", k=2)
    assert hits[0].chunk == chunk_with(t_chunks, "知识产权法院")

    only_goals = index.search("知识产权法院", k=10, where={"doc_id": "goals.txt"})
    assert {h.chunk.doc_id for h in only_goals} == {"goals.txt"}
    assert len(only_goals) == len(g_chunks)
    assert index.search("   ", k=3) == []
    with pytest.raises(StoreError, match="invalid search filter"):
        index.search("知识产权", k=3, where={"doc_id": {"$in": []}})


def test_langchain_view_searches_the_same_collection(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)
    index.sync([goals(), tasks()])
    store = index.as_langchain()
    (doc, score), *_ = store.similarity_search_with_relevance_scores("股权激励专项资金", k=2)
    assert "10亿元股权激励专项资金" in doc.page_content
    assert doc.metadata["doc_id"] == "tasks.txt"
    assert 0.5 < score <= 1.0


def test_sync_twice_changes_nothing(tmp_path: Path, embedder: Any) -> None:
    counting = Counting(embedder)
    index = _open(tmp_path, counting)
    loads: list[str] = []

    def source(doc: Any, chunks: Any) -> SourceDoc:
        def load() -> Any:
            loads.append(doc.doc_id)
            return doc, chunks

        return SourceDoc(doc.doc_id, doc.sha256, load)

    def items() -> list[SourceDoc]:
        return [source(*goals()), source(*tasks())]

    first = index.sync(items())
    assert first.added == ["goals.txt", "tasks.txt"] and not first.unchanged
    assert first.n_chunks == counting.passages == 8
    assert first.n_tokens == sum(c.n_tokens for c in goals()[1] + tasks()[1])
    ids, count, revision = _ids(index), index.count(), index.revision()

    second = index.sync(items())
    assert second.unchanged == ["goals.txt", "tasks.txt"]
    assert not second.changed and second.n_chunks == 0 and second.embed_seconds == 0
    assert counting.passages == 8, "nothing may be re-embedded"
    assert loads == ["goals.txt", "tasks.txt"], "unchanged documents are not even loaded"
    assert (_ids(index), index.count(), index.revision()) == (ids, count, revision)

    reopened = _open(tmp_path, counting)
    assert reopened.sync(items()).unchanged == ["goals.txt", "tasks.txt"]
    assert reopened.revision() == revision


def test_changed_document_is_replaced(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)
    index.sync([goals(), tasks()])
    old_ids, revision = _ids(index), index.revision()
    old_chunk = chunk_with(goals()[1], "10000家")

    edited = [(k, p, b.replace("10000家", "12000家")) for k, p, b in GOALS]
    new_doc, new_chunks = build("goals.txt", edited)
    report = index.sync([(new_doc, new_chunks), tasks()])

    assert report.replaced == ["goals.txt"] and report.unchanged == ["tasks.txt"]
    ids = _ids(index)
    assert old_chunk.id not in ids
    assert chunk_with(new_chunks, "12000家").id in ids
    assert ids == old_ids - {old_chunk.id} | {chunk_with(new_chunks, "12000家").id}
    assert index.document("goals.txt").sha256 == new_doc.sha256
    assert index.revision() != revision
    assert "12000家" in index.search("高新技术企业数量达到多少家", k=1)[0].chunk.text


def test_removed_document_is_deleted(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)
    index.sync([goals(), tasks()])
    seen: list[tuple[str, str]] = []

    report = index.sync(
        [goals()], keep_only={"goals.txt"}, progress=lambda d, a: seen.append((d, a))
    )

    assert report.removed == ["tasks.txt"] and report.unchanged == ["goals.txt"]
    assert seen == [("goals.txt", "unchanged"), ("tasks.txt", "removed")]
    assert [d.doc_id for d in index.documents()] == ["goals.txt"]
    assert index.document("tasks.txt") is None
    assert not index.chunks.get(where={"doc_id": "tasks.txt"}, include=[])["ids"]
    assert index.count() == len(goals()[1])
    assert index.delete_document("goals.txt") is True
    assert index.delete_document("goals.txt") is False
    assert index.count() == 0 and index.documents() == []


def test_other_model_refuses_to_open(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)
    index.sync([goals()])

    with pytest.raises(IndexMismatchError) as err:
        _open(tmp_path, Counting(embedder, name="bge-small-zh", dim=512))
    message = str(err.value)
    assert "re-index" in message and "--rebuild" in message
    assert embedder.name in message and "bge-small-zh" in message and "\n" not in message

    with pytest.raises(IndexMismatchError, match="embedding_dim"):
        _open(tmp_path, Counting(embedder, dim=embedder.dim + 1))

    rebuilt = _open(tmp_path, embedder, rebuild=True)
    assert rebuilt.count() == 0 and rebuilt.documents() == []
    assert rebuilt.sync([goals()]).added == ["goals.txt"]
    assert _open(tmp_path, embedder).count() == len(goals()[1])


def test_new_chunker_makes_documents_stale_not_the_index(tmp_path: Path, embedder: Any) -> None:
    _open(tmp_path, embedder).sync([goals()])
    newer = _open(tmp_path, embedder, chunker="test-chunker-2")
    assert [d.doc_id for d in newer.documents()] == ["goals.txt"]  # old chunks serve meanwhile
    assert newer.sync([goals()]).replaced == ["goals.txt"]
    assert newer.sync([goals()]).unchanged == ["goals.txt"]
    assert _open(tmp_path, embedder, chunker="test-chunker-2").count() == len(goals()[1])


def test_kill_before_manifest_is_swept_and_resynced(
    tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _open(tmp_path, embedder)
    index.sync([goals(), tasks()])
    edited = [(k, p, b + "(修订)") for k, p, b in GOALS]
    new_doc, new_chunks = build("goals.txt", edited)

    def killed(*_: Any) -> None:
        raise KeyboardInterrupt  # what a Ctrl-C between the last chunk and the manifest looks like

    monkeypatch.setattr(index, "_write_manifests", killed)
    with pytest.raises(KeyboardInterrupt):
        index.sync([(new_doc, new_chunks), tasks()])
    monkeypatch.undo()
    # The new chunks are stored, but the document has no manifest: not indexed yet.
    assert chunk_with(new_chunks, "5000亿元").id in _ids(index)
    assert [d.doc_id for d in index.documents()] == ["tasks.txt"]
    assert {c.doc_id for c in index.all_chunks()} == {"tasks.txt"}

    reopened = _open(tmp_path, embedder)
    assert reopened.count() == len(tasks()[1]), "open sweeps chunks without a manifest"
    assert not reopened.is_current("goals.txt", new_doc.sha256)

    report = reopened.sync([(new_doc, new_chunks), tasks()])
    assert report.added == ["goals.txt"] and report.unchanged == ["tasks.txt"]
    assert reopened.is_current("goals.txt", new_doc.sha256)
    assert _ids(reopened) == {c.id for c in new_chunks + tasks()[1]}


def test_stray_chunks_are_swept_before_sync(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)
    index.sync([tasks()])
    g, g_chunks = goals()
    index.chunks.add(  # chunks of a write that died before its manifest
        ids=[c.id for c in g_chunks],
        embeddings=index.embed_passages([c.embed_text for c in g_chunks]),
        documents=[c.text for c in g_chunks],
        metadatas=[{**c.metadata(), "doc_sha": g.sha256} for c in g_chunks],
    )
    assert index.sweep() == len(g_chunks)
    assert index.sweep() == 0
    assert index.count() == len(tasks()[1])


def test_manifest_and_clauses_round_trip(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)
    (g, g_chunks), (t, t_chunks) = goals(), tasks()
    index.sync([(t, t_chunks), (g, g_chunks)])

    reopened = _open(tmp_path, embedder)
    doc = reopened.document("goals.txt")
    assert doc is not None
    assert (doc.doc_id, doc.title, doc.issuer, doc.doc_number, doc.date, doc.period) == (
        g.doc_id,
        g.title,
        g.issuer,
        g.doc_number,
        g.date,
        g.period,
    )
    assert (doc.sha256, doc.source, doc.chunker_version, doc.embedding_model) == (
        g.sha256,
        "goals.txt",
        CHUNKER,
        embedder.name,
    )
    assert (doc.n_clauses, doc.n_chunks, doc.n_tokens) == (
        len(g.clauses),
        len(g_chunks),
        sum(c.n_tokens for c in g_chunks),
    )
    assert doc.period_str == "2022—2025"
    assert reopened.clauses("goals.txt") == list(g.clauses)
    assert reopened.clauses("nope.txt") == [] and reopened.document("nope.txt") is None
    assert [d.doc_id for d in reopened.documents()] == ["goals.txt", "tasks.txt"]
    assert reopened.document("tasks.txt").date is None
    assert reopened.all_chunks() == g_chunks + t_chunks  # rebuilt exactly, in document order
    assert reopened.is_current("goals.txt", g.sha256)
    assert not reopened.is_current("goals.txt", "0" * 64)


def test_failed_load_is_reported_and_other_documents_proceed(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)

    def broken() -> Any:
        raise IngestError("bad.pdf: no text layer (scanned PDF?)")

    report = index.sync([SourceDoc("bad.pdf", "f" * 64, broken), tasks()])
    assert report.failed == {"bad.pdf": "bad.pdf: no text layer (scanned PDF?)"}
    assert report.added == ["tasks.txt"]
    with pytest.raises(ValueError, match="twice"):
        index.sync([tasks(), tasks()])
    bad = dataclasses.replace(tasks()[1][0], doc_id="goals.txt")
    with pytest.raises(ValueError, match="belongs to"):
        index.upsert_document(tasks()[0], [bad])


def test_bad_collection_name_and_path_are_one_line_errors(tmp_path: Path, embedder: Any) -> None:
    with pytest.raises(StoreError, match="invalid collection name"):
        _open(tmp_path, embedder, collection="x")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open Chroma database"):
        _open(blocker, embedder)
