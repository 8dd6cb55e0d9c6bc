"""Hostile requests against the real server (``make_server_app`` under uvicorn, page mounted).

Each test sends the exact request a probe used to break the server, and checks the
answer and that nothing leaked or was lost.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from tests.assistant.api.conftest import LiveServer

KEY = "sk-test"
SECRET = f"绝密：这个文件不属于语料。TOP-SECRET-{uuid.uuid4().hex}"  # new each run: no stale copies


def served_copy(settings: Settings, root: Path, **overrides: Any) -> Settings:
    """A private copy of the session index and corpus, so writes cannot disturb other tests."""
    shutil.copytree(settings.corpus_dir, root / "corpus")
    shutil.copytree(settings.data_dir, root / "var")
    return settings.model_copy(update={"corpus_dir": root / "corpus", "data_dir": root / "var",
                                       **overrides})


@pytest.fixture(scope="module")
def open_server(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[LiveServer, Settings]]:
    """No key (the default), small parse limits and a short upload wait."""
    from assistant.server import make_server_app

    settings = served_copy(indexed_settings, tmp_path_factory.mktemp("open"), api_key=None,
                           max_inflated_mb=5, upload_wait_seconds=0.2,
                           cors_origins=["https://allowed.example"])
    with LiveServer(make_server_app(settings)) as live:
        live.wait_ready()
        yield live, settings


@pytest.fixture(scope="module")
def readonly_server(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[LiveServer]:
    from assistant.server import make_server_app

    settings = served_copy(indexed_settings, tmp_path_factory.mktemp("ro"), api_key=None, read_only=True)
    with LiveServer(make_server_app(settings)) as live:
        live.wait_ready()
        yield live


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.md"
    path.write_text(f"# 内部文件\n\n一、{SECRET}\n", encoding="utf-8")
    return path


def upload_handler(url: str, **kw: Any) -> tuple[int, int]:
    """(fn_index, number of inputs) of the Documents tab's upload button, from the page's
    config, as a browser (or a probe) finds it."""
    config = httpx.get(f"{url}/config", timeout=10, **kw).json()
    button = next(c["id"] for c in config["components"] if c["props"].get("elem_id") == "pqa-upload")
    dep = next(d for d in config["dependencies"] if [button, "click"] in [list(t) for t in d["targets"]])
    return int(dep["id"]), len(dep["inputs"])


def join_upload(url: str, path: str, name: str, session: str, **kw: Any) -> tuple[httpx.Response, str]:
    """The probe's request: queue the upload handler with a FileData naming a server path
    (and null for any further input, as the probe sent)."""
    fn_index, n_inputs = upload_handler(url, **kw)
    file_data = {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}
    body = {"fn_index": fn_index, "session_hash": session, "data": [[file_data]] + [None] * (n_inputs - 1)}
    r = httpx.post(f"{url}/gradio_api/queue/join", json=body, timeout=10, **kw)
    if r.status_code != 200:
        return r, ""
    events = []
    with httpx.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session},
                      timeout=120, **kw) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                events.append(line)
                if '"process_completed"' in line:
                    break
    return r, "\n".join(events)


def no_copy_of(text: str) -> bool:
    """True when no file in Gradio's upload folder holds ``text``."""
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder())
    return not any(text.encode() in p.read_bytes() for p in folder.rglob("*") if p.is_file()
                   and p.stat().st_size < 1_000_000)


# -- 1. files of the server read through the page's upload handler -----------------------

def test_page_upload_of_a_server_path_is_refused_without_a_key(
        open_server: tuple[LiveServer, Settings], tmp_path: Path) -> None:
    live, settings = open_server
    secret = secret_file(tmp_path)
    _, events = join_upload(live.url, str(secret), "secret.md", "x1")
    assert "process_completed" in events
    assert httpx.get(f"{live.url}/v1/documents/secret.md").status_code == 404
    assert not (settings.corpus_dir / "secret.md").exists()
    assert no_copy_of(SECRET), "the server file was copied into Gradio's cache"
    clauses = httpx.get(f"{live.url}/v1/documents/secret.md/clauses")
    assert SECRET not in clauses.text


def test_a_real_page_upload_is_still_indexed(open_server: tuple[LiveServer, Settings]) -> None:
    live, settings = open_server
    text = "页面上传测试文件\n一、总体要求\n到2025年，示范园区数量达到37个。\n"
    up = httpx.post(f"{live.url}/gradio_api/upload",
                    files={"files": ("page_upload.txt", text.encode(), "text/plain")}, timeout=30)
    assert up.status_code == 200, up.text
    [path] = up.json()
    _, events = join_upload(live.url, path, "page_upload.txt", "x2")
    assert "page_upload.txt" in events and "✓" in events, events
    doc = httpx.get(f"{live.url}/v1/documents/page_upload.txt").json()
    assert doc["title"] == "页面上传测试文件"
    assert (settings.corpus_dir / "page_upload.txt").exists()
    assert httpx.delete(f"{live.url}/v1/documents/page_upload.txt").status_code == 204


def test_page_upload_of_a_server_path_is_refused_with_a_key(real_server: LiveServer,
                                                           tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    body = {"fn_index": 0, "session_hash": "x1",
            "data": [[{"path": str(secret), "orig_name": "secret.md",
                       "meta": {"_type": "gradio.FileData"}}], None]}
    anonymous = httpx.post(f"{real_server.url}/gradio_api/queue/join", json=body, timeout=10)
    assert anonymous.status_code == 401
    assert no_copy_of(SECRET)
    cookies = login(real_server.url)
    _, events = join_upload(real_server.url, str(secret), "secret.md", "x3", cookies=cookies)
    assert "process_completed" in events
    auth = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{real_server.url}/v1/documents/secret.md", headers=auth).status_code == 404
    assert no_copy_of(SECRET)


# -- 4. the key before any work ----------------------------------------------------------

def login(url: str) -> httpx.Cookies:
    r = httpx.post(f"{url}/login", data={"key": KEY}, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "httponly" in r.headers["set-cookie"].lower()
    return r.cookies


def test_a_large_upload_without_the_key_is_refused_before_its_body(real_server: LiveServer) -> None:
    head = (f"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1:{real_server.port}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 20000000\r\n\r\n")
    with socket.create_connection(("127.0.0.1", real_server.port), timeout=5) as sock:
        sock.sendall(head.encode())
        reply = sock.recv(4096).decode("latin-1")  # no body sent: a server that reads it first hangs
    assert reply.startswith("HTTP/1.1 401"), reply[:200]


def test_with_a_key_the_page_and_gradio_routes_need_it(real_server: LiveServer) -> None:
    url = real_server.url
    page = httpx.get(f"{url}/", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login"
    for method, path in [("GET", "/config"), ("POST", "/gradio_api/upload"),
                         ("GET", "/gradio_api/file=/etc/hostname"), ("GET", "/gradio_api/info")]:
        r = httpx.request(method, f"{url}{path}", files={"files": ("a.txt", b"x")} if method == "POST" else None)
        assert r.status_code == 401, (path, r.status_code)
        assert r.json()["error"]["code"] == "unauthorized"
    wrong = httpx.post(f"{url}/login", data={"key": "nope"})
    assert wrong.status_code == 401 and "Wrong key" in wrong.text
    cookies = login(url)
    assert httpx.get(f"{url}/", cookies=cookies).status_code == 200
    up = httpx.post(f"{url}/gradio_api/upload", files={"files": ("a.txt", b"x")}, cookies=cookies)
    assert up.status_code == 200
    # The cookie is for the page only: the API still needs the bearer key (no CSRF on /v1).
    assert httpx.get(f"{url}/v1/documents", cookies=cookies).status_code == 401
    for public in ("/healthz", "/docs", "/openapi.json", "/login"):
        assert httpx.get(f"{url}{public}").status_code == 200, public


def test_the_page_upload_route_is_bounded_in_total_not_only_per_file(
        open_server: tuple[LiveServer, Settings]) -> None:
    live, settings = open_server
    part = b"x" * (settings.max_upload_mb * 1024 * 1024 // 2)
    files = [("files", (f"f{i}.txt", part)) for i in range(4)]  # each file under the limit
    r = httpx.post(f"{live.url}/gradio_api/upload", files=files, timeout=60)
    assert r.status_code == 413 and "too large" in r.json()["error"]["message"]


# -- 3. no 500s, and the connection survives -----------------------------------------------

SURROGATE_CHAT = b'{"model": "policyqa", "messages": [{"role": "user", "content": "\\ud800\xe4\xb8\x9c\xe6\xb9\x96"}]}'


@pytest.mark.parametrize("stream", [False, True])
def test_a_lone_surrogate_is_a_4xx_and_the_connection_lives(open_server: tuple[LiveServer, Settings],
                                                             stream: bool) -> None:
    live, _ = open_server
    body = SURROGATE_CHAT if not stream else SURROGATE_CHAT.replace(b"]}", b'], "stream": true}')
    with httpx.Client(base_url=live.url, timeout=30) as client:
        r = client.post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500 and "surrogate" in r.json()["error"]["message"]
        assert client.get("/healthz").status_code == 200  # same keep-alive connection


def test_an_upload_named_with_80_cjk_characters_is_a_clear_400(open_server: tuple[LiveServer, Settings]
                                                               ) -> None:
    live, settings = open_server
    name = "关于促进高新技术产业发展的若干政策措施实施细则" * 4 + ".txt"
    assert len(name) > 80
    r = httpx.post(f"{live.url}/v1/documents", files={"file": (name, "一、总体要求\n内容。".encode())})
    assert r.status_code == 400 and "file name too long" in r.json()["error"]["message"]
    assert [p.name for p in settings.corpus_dir.iterdir() if p.name.startswith(".")] == []


def docx_bytes(document_xml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxml'
                   'formats.org/package/2006/content-types"><Default Extension="xml" ContentType='
                   '"application/xml"/></Types>')
        z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


W = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


@pytest.mark.parametrize(("name", "data", "status", "says"), [
    ("paragraphs.docx", docx_bytes(W + b"<w:p/>" * 200_000 + b"</w:body></w:document>"), 422,
     "max_paragraphs"),
    ("bomb.docx", docx_bytes(W + b" " * 30_000_000 + b"</w:body></w:document>"), 413, "max_inflated"),
    ("corrupt.docx", b"PK\x03\x04 this is not a zip file at all" * 10, 400, "docx"),
])
def test_hostile_documents_get_a_clear_4xx_naming_the_limit(open_server: tuple[LiveServer, Settings],
                                                            name: str, data: bytes, status: int,
                                                            says: str) -> None:
    live, settings = open_server
    with httpx.Client(base_url=live.url, timeout=60) as client:
        r = client.post("/v1/documents", files={"file": (name, data)})
        if r.status_code == 202:  # indexing went to the background: its job says the same
            job = wait_job(client, r.json()["id"])
            assert job["error"]["details"] == [{"status": status}] and says in job["error"]["message"]
        else:
            assert r.status_code == status and says in r.json()["error"]["message"], r.text
        assert client.get("/healthz").status_code == 200
    assert not (settings.corpus_dir / name).exists()


def wait_job(client: httpx.Client, job_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.3)
    raise TimeoutError(job_id)


# -- 2. long uploads run in the background; answers go on; a second upload queues ---------

def test_a_long_upload_is_a_job_answers_continue_and_a_second_upload_queues(
        open_server: tuple[LiveServer, Settings], corpus_dir: Path) -> None:
    live, settings = open_server
    big = (corpus_dir / "003_5cbdcb84e36c06ba.txt").read_bytes()
    small = (corpus_dir / "004_96df065acd29df50.txt").read_bytes()
    with httpx.Client(base_url=live.url, timeout=60) as client:
        first = client.post("/v1/documents", files={"file": ("long_plan.txt", big)})
        assert first.status_code == 202, first.text
        assert first.headers["location"] == f"/v1/jobs/{first.json()['id']}"
        second = client.post("/v1/documents", files={"file": ("second_plan.txt", small)})
        assert second.status_code == 202 and second.json()["state"] == "queued"
        t0 = time.monotonic()
        answer = client.post("/v1/answer", json={"question": "东湖高新区2025年发明专利目标是什么？"})
        assert answer.status_code == 200 and not answer.json()["refused"]
        assert client.get(f"/v1/jobs/{first.json()['id']}").json()["state"] in ("running", "done")
        assert time.monotonic() - t0 < 60
        done = [wait_job(client, r.json()["id"]) for r in (first, second)]
        assert [d["state"] for d in done] == ["done", "done"], done
        assert done[0]["document"]["doc_id"] == "long_plan.txt" and done[0]["progress"] == 1.0
        for doc_id in ("long_plan.txt", "second_plan.txt"):
            assert client.delete(f"/v1/documents/{doc_id}").status_code == 204
    assert not (settings.corpus_dir / "long_plan.txt").exists()


# -- 5. write access ------------------------------------------------------------------------

def test_a_read_only_server_refuses_writes_on_the_api_and_the_page(readonly_server: LiveServer) -> None:
    url = readonly_server.url
    up = httpx.post(f"{url}/v1/documents", files={"file": ("x.txt", "一、内容".encode())})
    assert up.status_code == 403 and "read-only" in up.json()["error"]["message"]
    assert httpx.delete(f"{url}/v1/documents/002_fdf6c96830e6b8c3.txt").status_code == 403
    assert httpx.get(f"{url}/v1/documents/002_fdf6c96830e6b8c3.txt").status_code == 200
    assert httpx.post(f"{url}/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 403
    config = httpx.get(f"{url}/config").json()
    buttons = {c["id"] for c in config["components"]
               if c["props"].get("elem_id") in ("pqa-upload", "pqa-delete")}
    assert not any(t[0] in buttons for d in config["dependencies"] for t in d["targets"])
    assert httpx.post(f"{url}/v1/answer", json={"question": "八大专项有哪些？"}).status_code == 200


# -- 6. small ones ----------------------------------------------------------------------------

def test_unknown_api_paths_are_404_with_the_page_mounted(open_server: tuple[LiveServer, Settings]) -> None:
    live, _ = open_server
    r = httpx.get(f"{live.url}/v1/nonexistent")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    wrong_method = httpx.put(f"{live.url}/v1/answer", json={})
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"


def test_an_untitled_upload_is_titled_by_its_file_name(open_server: tuple[LiveServer, Settings]) -> None:
    live, _ = open_server
    text = "一、总体要求\n到2025年，建成示范园区10个。\n二、保障措施\n加强组织领导。\n"
    with httpx.Client(base_url=live.url, timeout=60) as client:
        r = client.post("/v1/documents", files={"file": ("园区建设方案.txt", text.encode())})
        assert r.status_code in (201, 202), r.text
        doc = r.json() if r.status_code == 201 else wait_job(client, r.json()["id"])["document"]
        assert doc["title"] == "园区建设方案"
        assert client.delete("/v1/documents/园区建设方案.txt").status_code == 204


def test_two_file_parts_are_refused_and_neither_is_indexed(open_server: tuple[LiveServer, Settings]) -> None:
    live, _ = open_server
    files = [("file", ("a_part.txt", "甲文件\n一、内容。".encode())),
             ("file", ("b_part.txt", "乙文件\n一、内容。".encode()))]
    r = httpx.post(f"{live.url}/v1/documents", files=files)
    assert r.status_code == 400 and "exactly one" in r.json()["error"]["message"]
    for name in ("a_part.txt", "b_part.txt"):
        assert httpx.get(f"{live.url}/v1/documents/{name}").status_code == 404


@pytest.mark.parametrize("question", ["？？？！！！", "😀😀😀🎉", "…… —— ！"])
def test_a_question_without_words_is_refused_as_empty(open_server: tuple[LiveServer, Settings],
                                                      question: str) -> None:
    live, _ = open_server
    r = httpx.post(f"{live.url}/v1/answer", json={"question": question})
    assert r.status_code == 422 and "no words" in r.json()["error"]["message"]
    chat = httpx.post(f"{live.url}/v1/chat/completions",
                      json={"model": "policyqa", "messages": [{"role": "user", "content": question}]})
    assert chat.status_code == 422


def test_gradio_routes_follow_the_api_cors_setting(open_server: tuple[LiveServer, Settings],
                                                   readonly_server: LiveServer) -> None:
    evil = {"Origin": "http://localhost:5555"}
    for url in (readonly_server.url, open_server[0].url):  # CORS off; CORS for one origin
        r = httpx.get(f"{url}/config", headers=evil)
        assert "access-control-allow-origin" not in r.headers
        assert "access-control-allow-credentials" not in r.headers
    allowed = httpx.get(f"{open_server[0].url}/config", headers={"Origin": "https://allowed.example"})
    assert allowed.headers.get("access-control-allow-origin") == "https://allowed.example"


def test_serving_on_a_public_interface_with_open_writes_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "PQA_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0", "--port", "1"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2 and "refusing to serve on 0.0.0.0" in run.stderr
    assert "PQA_API_KEY" in run.stderr and "--allow-open-writes" in run.stderr


def test_json_error_bodies_are_json(open_server: tuple[LiveServer, Settings]) -> None:
    live, _ = open_server
    r = httpx.post(f"{live.url}/v1/answer", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and json.loads(r.text)["error"]["code"] == "invalid_json"
