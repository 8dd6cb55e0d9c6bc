"""Two API servers against one real ``chroma run`` and one data directory: the same answers,
and an upload through one is answered by the other within 5 s."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.assistant.api.conftest import free_port
from tests.assistant.api.servers import api_server
from tests.chroma import chroma_server
from tests.conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow
NOTICE = """宁波市关于加快海洋经济发展的通知

一、到2025年，宁波市海洋生产总值达到2500亿元。
二、建设国际航运中心，港口货物吞吐量达到13亿吨。
"""


def test_two_servers_share_one_index(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    shutil.copy(next(CORPUS.glob("002_*.txt")), tmp_path / "corpus")
    port = free_port()
    env = {**os.environ, "PQA_CORPUS_DIR": str(tmp_path / "corpus"), "PQA_DATA_DIR": str(tmp_path / "var"),
           "PQA_MODELS_DIR": str(ROOT / "models"), "PQA_CHROMA_URL": f"http://127.0.0.1:{port}",
           "PQA_GENERATOR": "extractive", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    with chroma_server(tmp_path / "db", port=port):
        run = subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        _ask_both_then_upload(env)


def _ask_both_then_upload(env: dict[str, str]) -> None:
    with api_server(env) as one, api_server(env) as two:
        q = {"question": "东湖高新区2025年高新技术企业数量目标是多少？", "generator": "extractive"}
        a, b = (httpx.post(f"{u}/v1/answer", json=q, timeout=60).json() for u in (one, two))
        assert a["answer"] == b["answer"] and "10000" in a["answer"]
        assert [c["clause"] for c in a["citations"]] == [c["clause"] for c in b["citations"]]

        r = httpx.post(f"{one}/v1/documents", files={"file": ("ningbo.txt", NOTICE.encode(), "text/plain")},
                       timeout=120)
        assert r.status_code in (201, 202), r.text
        if r.status_code == 202:  # still indexing: wait for the job
            job = r.json()["id"]
            while httpx.get(f"{one}/v1/jobs/{job}", timeout=10).json()["state"] not in ("done", "failed"):
                time.sleep(0.2)
        uploaded = time.monotonic()
        ask = {"question": "宁波市2025年海洋生产总值目标是多少？", "generator": "extractive"}
        while True:
            got = httpx.post(f"{two}/v1/answer", json=ask, timeout=60).json()
            if any(c["doc_id"] == "ningbo.txt" for c in got["citations"]) or time.monotonic() - uploaded > 5:
                break
            time.sleep(0.2)
        assert time.monotonic() - uploaded <= 5.5
        assert "2500亿元" in got["answer"] and got["citations"][0]["doc_id"] == "ningbo.txt"
