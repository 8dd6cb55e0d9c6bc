"""Faults at the Chroma server: a real ``chroma run`` stopped and started under a real
ingest and a real API server.

The API answers 503 with a clear message while Chroma is away and recovers by itself when
it returns; an ingest started while it is away waits and completes once it is back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.assistant.api.conftest import free_port
from tests.assistant.api.servers import api_server
from tests.chroma import chroma_server
from tests.conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow
QUESTION = {"question": "东湖高新区2025年高新技术企业数量目标是多少？", "generator": "extractive"}


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    return {**os.environ, "PQA_CORPUS_DIR": str(tmp_path / "corpus"), "PQA_DATA_DIR": str(tmp_path / "var"),
            "PQA_MODELS_DIR": str(ROOT / "models"), "PQA_CHROMA_URL": url, "PQA_GENERATOR": "extractive",
            "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(next(CORPUS.glob("002_*.txt")), folder)
    return folder


def _ask(url: str) -> httpx.Response:
    return httpx.post(f"{url}/v1/answer", json=QUESTION, timeout=60)


@pytest.fixture
def api(tmp_path: Path, corpus: Path) -> Iterator[tuple[str, str, Path]]:
    """(API url, Chroma url, Chroma data) with the corpus ingested; Chroma is stopped after."""
    chroma_port = free_port()
    chroma_url = f"http://127.0.0.1:{chroma_port}"
    with ExitStack() as stack:
        with chroma_server(tmp_path / "db", port=chroma_port):
            run = subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, env=_env(tmp_path, chroma_url),
                                 capture_output=True, text=True, timeout=600)
            assert run.returncode == 0, run.stderr
            url = stack.enter_context(api_server(_env(tmp_path, chroma_url)))
            assert _ask(url).status_code == 200
        yield url, chroma_url, tmp_path / "db"  # Chroma is stopped here; the API keeps running


def test_the_api_answers_503_while_chroma_is_down_and_recovers_by_itself(api: tuple[str, str, Path]) -> None:
    url, chroma_url, data = api
    r = _ask(url)
    assert r.status_code == 503, r.text
    assert "the document index is unavailable: cannot reach Chroma" in r.json()["error"]["message"]
    assert r.headers.get("Retry-After")
    port = int(chroma_url.rsplit(":", 1)[1])
    with chroma_server(data, port=port):
        deadline = time.monotonic() + 30
        while (r := _ask(url)).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert r.status_code == 200 and "10000" in r.json()["answer"]


def test_an_ingest_waits_for_chroma_and_completes_when_it_returns(tmp_path: Path, corpus: Path) -> None:
    port = free_port()
    chroma_url = f"http://127.0.0.1:{port}"
    ingest = subprocess.Popen([sys.executable, "-m", "ingest", "--wait", "300"], cwd=ROOT,
                              env=_env(tmp_path, chroma_url), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(ingest.stderr.readline, "")),  # type: ignore[union-attr]
                              daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any("waiting" in line for line in lines) and time.monotonic() < deadline:
            assert ingest.poll() is None, "".join(lines)
            time.sleep(0.2)
        assert any("cannot reach Chroma" in line for line in lines), "".join(lines)
        with chroma_server(tmp_path / "db", port=port):
            ingest.wait(timeout=600)
    finally:
        if ingest.poll() is None:
            ingest.kill()
    reader.join(timeout=10)
    err = "".join(lines)
    assert ingest.returncode == 0, err
    assert "Traceback" not in err
    assert (tmp_path / "var" / "lexical" / "policyqa" / "CURRENT").exists()
