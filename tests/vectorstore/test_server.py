"""PolicyIndex over HTTP against a real Chroma server started with chromadb's own CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chroma import chroma_server, free_port
from tests.vectorstore.snippets import chunk_with, goals, tasks
from vectorstore.store import (
    StoreUnavailableError,
    open_index,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma") / "db") as url:
        yield url


def test_ingest_and_query_through_a_chroma_server(server_url: str, embedder: Any) -> None:
    index = open_index(
        embedder=embedder, url=server_url, collection="serverqa", chunker_version="c1"
    )
    (g, g_chunks), (t, t_chunks) = goals(), tasks()

    report = index.sync([(g, g_chunks), (t, t_chunks)])
    assert report.added == ["goals.txt", "tasks.txt"]
    assert index.count() == len(g_chunks) + len(t_chunks)

    hits = index.search("2025年东湖高新区经济总量要突破多少亿元?", k=3)
    assert hits[0].chunk == chunk_with(g_chunks, "5000亿元")
    assert (
        index.search("知识产权法院", k=1, where={"doc_id": "tasks.txt"})[0].chunk.doc_id
        == "tasks.txt"
    )

    # A second client (as another process would be) sees the same, finished index.
    other = open_index(
        embedder=embedder, url=server_url, collection="serverqa", chunker_version="c1", sweep=False
    )
    assert other.revision() == index.revision()
    assert other.sync([(g, g_chunks), (t, t_chunks)]).unchanged == ["goals.txt", "tasks.txt"]
    assert other.clauses("goals.txt") == list(g.clauses)
    assert other.all_chunks() == g_chunks + t_chunks
    doc, _ = other.as_langchain().similarity_search_with_score("股权激励专项资金", k=1)[0]
    assert "股权激励" in doc.page_content

    newer = open_index(embedder=embedder, url=server_url, collection="serverqa", chunker_version="c2")
    assert newer.sync([(g, g_chunks), (t, t_chunks)]).replaced == ["goals.txt", "tasks.txt"]


def test_unreachable_server_is_one_clear_line(embedder: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=f"^cannot reach Chroma at {url}: [^\n]+$"):
        open_index(embedder=embedder, url=url, chunker_version="c1")


def test_server_going_away_mid_session_is_one_clear_line(tmp_path: Path, embedder: Any) -> None:
    with chroma_server(tmp_path / "db") as url:
        index = open_index(embedder=embedder, url=url, chunker_version="c1")
        index.sync([tasks()])
    with pytest.raises(StoreUnavailableError, match=f"^cannot reach Chroma at {url}: [^\n]+$"):
        index.count()
    with pytest.raises(StoreUnavailableError, match="cannot reach Chroma"):
        index.search("知识产权", k=3)
