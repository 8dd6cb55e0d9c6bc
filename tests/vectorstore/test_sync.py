"""A sync that dies part-way keeps every document committed before the failure.

Real on-disk Chroma and the real embedding model, as in test_store.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.vectorstore.snippets import build, goals, tasks
from vectorstore.store import PolicyIndex, SourceDoc, open_index
from vectorstore.sync import EMBED_BATCH

pytestmark = pytest.mark.slow
CHUNKER = "test-chunker-1"


class FailingOn:
    """The real embedder, raising on its ``fail_on``-th embed_passages call."""

    def __init__(self, inner: Any, fail_on: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.fail_on = fail_on
        self.calls = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("encoder died")
        return self.inner.embed_passages(texts)


def _open(path: Path, embedder: Any) -> PolicyIndex:
    return open_index(embedder=embedder, persist_dir=path, chunker_version=CHUNKER)


def _big(doc_id: str, n: int) -> tuple[Any, list[Any]]:
    """A document of ``n`` one-sentence clauses: enough chunks to fill one flush."""
    parts = [
        ("clause", (f"{i + 1}.第{i + 1}项任务",),
         f"{i + 1}.第{i + 1}项任务。到2025年,新建{i + 3}个省级以上创新平台,培育{i + 10}家高新技术企业。")
        for i in range(n)
    ]
    return build(doc_id, parts)


def test_batches_are_small() -> None:
    assert EMBED_BATCH <= 64, "a kill loses at most one small batch of embedding work"


def test_loader_crash_keeps_the_documents_loaded_before_it(tmp_path: Path, embedder: Any) -> None:
    index = _open(tmp_path, embedder)

    def crash() -> Any:
        raise RuntimeError("parser bug")  # not an IngestError: the sync itself fails

    with pytest.raises(RuntimeError, match="parser bug"):
        index.sync([goals(), tasks(), SourceDoc("bad.txt", "f" * 64, crash)])

    reopened = _open(tmp_path, embedder)  # opening sweeps anything half-written
    assert [d.doc_id for d in reopened.documents()] == ["goals.txt", "tasks.txt"]
    assert reopened.all_chunks() == goals()[1] + tasks()[1]
    assert reopened.search("推动建立武汉知识产权法院", k=1)[0].chunk.doc_id == "tasks.txt"
    report = reopened.sync([goals(), tasks()])
    assert report.unchanged == ["goals.txt", "tasks.txt"] and report.n_chunks == 0


def test_embed_failure_on_the_second_flush_keeps_the_first(tmp_path: Path, embedder: Any) -> None:
    failing = FailingOn(embedder, fail_on=2)
    index = _open(tmp_path, failing)
    big, big_chunks = _big("big.txt", 64)  # one default batch: flushed on its own

    with pytest.raises(RuntimeError, match="encoder died"):
        index.sync([(big, big_chunks), goals(), tasks()])
    assert failing.calls == 2, "the failed batch is not retried"

    reopened = _open(tmp_path, embedder)
    assert [d.doc_id for d in reopened.documents()] == ["big.txt"]
    assert reopened.all_chunks() == big_chunks
    assert reopened.search("第7项任务", k=1)[0].chunk.doc_id == "big.txt"
    report = reopened.sync([(big, big_chunks), goals(), tasks()])
    assert report.unchanged == ["big.txt"] and report.added == ["goals.txt", "tasks.txt"]
