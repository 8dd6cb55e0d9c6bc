"""PolicyIndex over HTTP against a real Chroma server started with chromadb's own CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.vectorstore.snippets import chunk_with, goals, tasks
from vectorstore.store import (
    StoreUnavailableError,
    open_index,
)

pytestmark = pytest.mark.slow
CHROMA = Path(sys.executable).with_name("chroma")
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    """Run ``chroma run`` on a free local port until the block ends; yields its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data.with_suffix(".log")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"chroma did not answer within {STARTUP_TIMEOUT}s: {log_path.read_text()[-2000:]}"
                )
            time.sleep(0.1)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after a bounded wait; always reaps the process."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT)


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
    url = f"http://127.0.0.1:{_free_port()}"
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
