"""The document library over HTTP: list, clauses, upload → answerable at once, delete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from tests.assistant.api.conftest import ClientFactory

PATENT_DOC = "002_fdf6c96830e6b8c3.txt"
UPLOAD = "firefly_plan.txt"
POLICY = """江夏区萤火虫生态保护三年行动计划（2024—2026年）

为保护萤火虫栖息地，发展生态旅游，制定本计划。

一、工作目标

到2026年，江夏区萤火虫生态旅游年接待游客力争达到73519人次，建成萤火虫保护基地12个。

二、主要任务

（一）建设保护基地。在梁子湖沿岸划定萤火虫保护区，恢复湿地植被。

（二）发展生态旅游。每年举办萤火虫观赏季活动，培育夜游线路。
"""


def error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()["error"]
    return body


@pytest.fixture
def uploaded(client: TestClient) -> Iterator[dict[str, Any]]:
    r = client.post("/v1/documents", files={"file": (UPLOAD, POLICY.encode(), "text/plain")})
    assert r.status_code == 201, r.text
    yield r.json()
    client.delete(f"/v1/documents/{UPLOAD}")


def test_list(client: TestClient) -> None:
    r = client.get("/v1/documents")
    assert r.status_code == 200
    docs = {d["doc_id"]: d for d in r.json()}
    assert {p.name for p in Path("data/corpus").glob("*.txt")} <= set(docs)
    doc = docs[PATENT_DOC]
    assert doc["title"] == "促进武汉东湖新技术开发区高质量发展行动方案"
    assert doc["clauses"] > 10 and doc["chunks"] > 10
    assert set(doc) >= {"doc_id", "title", "date", "period", "clauses", "chunks"}


def test_the_list_is_read_in_pages(client: TestClient) -> None:
    everything = [d["doc_id"] for d in client.get("/v1/documents").json()]
    assert everything == sorted(everything) and len(everything) >= 5
    page = client.get("/v1/documents", params={"offset": 1, "limit": 2}).json()
    assert [d["doc_id"] for d in page] == everything[1:3]
    assert client.get("/v1/documents", params={"offset": len(everything)}).json() == []
    for bad in ({"limit": 0}, {"limit": 100_000}, {"offset": -1}, {"limit": "x"}):
        assert client.get("/v1/documents", params=bad).status_code == 422


def test_clauses_show_a_citation_in_context(client: TestClient) -> None:
    cite = client.post("/v1/answer", json={"question": "东湖高新区2025年高新技术企业数量目标是多少？"}
                       ).json()["citations"][0]
    r = client.get(f"/v1/documents/{cite['doc_id']}/clauses")
    assert r.status_code == 200
    body = r.json()
    assert body["doc_id"] == cite["doc_id"] and body["title"] == cite["title"]
    clauses = {c["path"]: c for c in body["clauses"]}
    assert cite["clause"] in clauses
    clause = clauses[cite["clause"]]
    assert set(clause) == {"path", "heading", "text", "span", "kind", "depth"}
    assert cite["text"][:20] in clause["text"] and clause["span"][0] < clause["span"][1]


def test_upload_is_answerable_at_once_then_delete(client: TestClient, uploaded: dict[str, Any],
                                                  indexed_settings: Settings) -> None:
    assert uploaded["doc_id"] == UPLOAD and uploaded["title"].startswith("江夏区萤火虫")
    assert uploaded["chunks"] >= 1 and (indexed_settings.corpus_dir / UPLOAD).is_file()
    answer = client.post("/v1/answer", json={"question": "江夏区萤火虫生态旅游年接待游客目标是多少？"}).json()
    assert "73519" in answer["answer"] and answer["citations"][0]["doc_id"] == UPLOAD
    assert UPLOAD in {d["doc_id"] for d in client.get("/v1/documents").json()}

    assert client.delete(f"/v1/documents/{UPLOAD}").status_code == 204
    assert not (indexed_settings.corpus_dir / UPLOAD).exists()
    assert error(client.get(f"/v1/documents/{UPLOAD}"), 404)["message"] == f"no document '{UPLOAD}'"
    assert error(client.get(f"/v1/documents/{UPLOAD}/clauses"), 404)["code"] == "not_found"
    assert error(client.delete(f"/v1/documents/{UPLOAD}"), 404)["code"] == "not_found"
    answer = client.post("/v1/answer", json={"question": "江夏区萤火虫生态旅游年接待游客目标是多少？"}).json()
    assert "73519" not in answer["answer"]


@pytest.mark.parametrize(("name", "data", "status", "message"), [
    ("tool.exe", b"MZ", 415, "unsupported file type '.exe'; supported: .docx, .htm, .html, .markdown, .md, .pdf, .txt"),
    ("README", b"text", 415, "unsupported file type '(none)'; supported: .docx, .htm, .html, .markdown, .md, .pdf, .txt"),
    ("empty.txt", b"  \n", 400, "the file is empty"),
])
def test_bad_uploads(client: TestClient, name: str, data: bytes, status: int, message: str) -> None:
    r = client.post("/v1/documents", files={"file": (name, data, "application/octet-stream")})
    assert error(r, status)["message"] == message


def test_unparsable_upload_is_a_400(client: TestClient) -> None:
    r = client.post("/v1/documents", files={"file": ("broken.pdf", b"%PDF-1.4 garbage", "application/pdf")})
    assert error(r, 400)["code"] == "ingest_failed"
    r = client.post("/v1/documents", files={"file": ("broken.docx", b"PK not a zip", "application/octet-stream")})
    assert error(r, 400)["code"] == "ingest_failed"


def test_upload_without_a_file(client: TestClient) -> None:
    assert error(client.post("/v1/documents", data={"x": "1"}), 422)["message"] == "body.file: Field required"
    assert error(client.post("/v1/documents"), 422)["message"] == "body.file: Field required"


def test_oversize_upload(make_client: ClientFactory) -> None:
    small = make_client(max_upload_mb=1)
    r = small.post("/v1/documents", files={"file": ("big.txt", b"a" * 1_500_000, "text/plain")})
    assert error(r, 413)["message"] == "file too large (limit 1 MB, PQA_MAX_UPLOAD_MB)"
    # Far over: refused by the body limit before the multipart parser reads it.
    r = small.post("/v1/documents", files={"file": ("big.txt", b"a" * 3_000_000, "text/plain")})
    assert error(r, 413)["message"] == "request body too large (limit 2 MB)"


def test_upload_name_cannot_escape_the_corpus(client: TestClient, indexed_settings: Settings) -> None:
    for name in ("../../escape.txt", "..\\escape.txt"):
        r = client.post("/v1/documents", files={"file": (name, POLICY.encode(), "text/plain")})
        assert r.status_code == 201 and r.json()["doc_id"] == "escape.txt"
        assert not (indexed_settings.corpus_dir.parent / "escape.txt").exists()
        assert client.delete("/v1/documents/escape.txt").status_code == 204


def test_doc_id_traversal_never_touches_files_outside_the_corpus(
        client: TestClient, indexed_settings: Settings) -> None:
    secret = indexed_settings.corpus_dir.parent / "secret.txt"
    secret.write_text("keep me")
    assert error(client.get("/v1/documents/nope.txt"), 404)["message"] == "no document 'nope.txt'"
    for url in ("/v1/documents/..%2Fsecret.txt", "/v1/documents/..%2F..%2Fetc%2Fpasswd/clauses"):
        assert error(client.delete(url), 404)["code"] == "not_found"
        assert error(client.get(url), 404)["code"] == "not_found"
    for doc_id in ("%2E%2E", "..%5Csecret.txt", ".hidden", "a..b.txt"):
        for r in (client.get(f"/v1/documents/{doc_id}"), client.delete(f"/v1/documents/{doc_id}"),
                  client.get(f"/v1/documents/{doc_id}/clauses")):
            assert error(r, 400)["code"] == "invalid_doc_id"
    assert secret.read_text() == "keep me"
