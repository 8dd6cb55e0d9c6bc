"""``python -m assistant serve`` for real: a subprocess on a free port over a copy of the index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from tests.assistant.api.conftest import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


def test_python_m_assistant_serve(indexed_settings: Settings, tmp_path: Path) -> None:
    shutil.copytree(indexed_settings.corpus_dir, tmp_path / "corpus")
    shutil.copytree(indexed_settings.data_dir, tmp_path / "var")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PQA_CORPUS_DIR": str(tmp_path / "corpus"), "PQA_DATA_DIR": str(tmp_path / "var"),
           "PQA_MODELS_DIR": str(indexed_settings.models_dir), "PQA_GENERATOR": "extractive",
           "PQA_API_KEY": "k1", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[tuple[int, dict[str, object]]] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"{url}/healthz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            seen.append((r.status_code, r.json()))
            if r.status_code == 200:
                break
            time.sleep(0.1)
        assert seen and seen[-1][0] == 200, seen
        assert all(body == {"status": "loading"} for status, body in seen[:-1] if status == 503)
        ready = seen[-1][1]
        assert ready["status"] == "ready" and ready["generators"] == ["extractive"]
        assert ready["documents"] == 5 and int(str(ready["chunks"])) >= 200

        q = {"question": "东湖高新区2025年高新技术企业数量目标是多少？"}
        assert httpx.post(f"{url}/v1/answer", json=q, timeout=60).status_code == 401
        r = httpx.post(f"{url}/v1/answer", json=q, headers={"Authorization": "Bearer k1"}, timeout=60)
        assert r.status_code == 200 and "10000" in r.json()["answer"]
        assert httpx.get(f"{url}/docs").status_code == 200
        page = httpx.post(f"{url}/login", data={"key": "k1"}, follow_redirects=True, timeout=30)
        assert page.status_code == 200 and "gradio" in page.text.lower()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "generator: extractive (PQA_GENERATOR=extractive)" in out
    assert "Traceback" not in out
