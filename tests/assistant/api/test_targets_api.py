"""Targets and metric groups over HTTP: a real uvicorn server over the real index of the corpus.

Expected figures are read from the corpus files, never from the endpoints' own output: 002
says 到2025年,东湖高新区高新技术企业数量力争突破10000家; 003's 专栏1 table gives 473 高新技术企业
in 2010; 004 says 高新技术企业突破15000家 by 2025; and every document 000–004 states a figure
for 高新技术企业.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from assistant.api import create_app
from assistant.api.deps import get_targets
from assistant.api.routes import targets as targets_route
from assistant.chain import PolicyQA
from assistant.library import DocumentLibrary
from assistant.settings import Settings
from ingest.targets import Target
from ingest.types import Document
from tests.assistant.api.conftest import ClientFactory, LiveServer
from tests.conftest import CORPUS
from vectorstore.targets_store import MAX_PAGE, Batches, Filters, StoredTarget, TargetStore

AUTH = {"Authorization": "Bearer sk-test"}
DOC_002 = "002_fdf6c96830e6b8c3.txt"
HIGH_TECH = "高新技术企业"
BOM = "\ufeff".encode()
EVERY = Filters()


@pytest.fixture(scope="module")
def app(qa: PolicyQA, library: DocumentLibrary, indexed_settings: Settings) -> FastAPI:
    """The API over the session's index, with a key (no Gradio page: it is not under test here
    and builds its own tabs)."""
    return create_app(qa, library, indexed_settings.model_copy(update={"api_key": "sk-test"}))


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[LiveServer]:
    """uvicorn serving ``app``."""
    with LiveServer(app) as live:
        yield live


def get(server: LiveServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, headers=AUTH, timeout=60)


def ok(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()["error"]
    assert body["message"]
    return body


def when(item: dict[str, Any]) -> int | None:
    """The year a point is ordered by: its own, else the end of its period."""
    if item["year"] is not None:
        return int(item["year"])
    return int(item["period"][1]) if item["period"] else None


def assert_cited(server: LiveServer, items: list[dict[str, Any]], docs: dict[str, Document]) -> None:
    """Each citation names a clause of its document whose text holds the sentence, and the
    sentence holds the value, so the figure can be checked where it is written."""
    clauses: dict[str, dict[str, str]] = {}
    for item in items:
        cite = item["citation"]
        doc_id = cite["doc_id"]
        if doc_id not in clauses:
            body = ok(get(server, f"/v1/documents/{doc_id}/clauses"))
            clauses[doc_id] = {c["path"]: c["text"] for c in body["clauses"]}
        assert cite["sentence"] in docs[doc_id[:3]].text, cite
        assert cite["clause_path"] in clauses[doc_id], cite
        assert cite["sentence"] in clauses[doc_id][cite["clause_path"]], cite
        assert item["value"] in cite["sentence"], item
        assert cite["chunk_id"]


def test_a_metric_filter_finds_the_2025_target_of_002_with_its_citation(
        server: LiveServer, corpus_docs: dict[str, Document]) -> None:
    raw = (CORPUS / DOC_002).read_text(encoding="utf-8")
    line = next(ln for ln in raw.splitlines() if "高新技术企业数量力争突破10000家" in ln)
    assert "到2025年" in line
    page = ok(get(server, "/v1/targets", metric=HIGH_TECH, year=2025, doc_id=DOC_002))
    assert page["total"] == len(page["items"]) >= 1 and page["next_offset"] is None
    hits = [t for t in page["items"] if t["citation"]["sentence"] in line and t["value"] == "10000家"]
    assert len(hits) == 1, page["items"]
    hit = hits[0]
    assert (hit["number"], hit["unit"], hit["year"], hit["kind"]) == (10000, "家", 2025, "target")
    assert HIGH_TECH in hit["metric"] and hit["metric_id"] and hit["metric_name"]
    assert set(hit) >= {"metric", "value", "number", "unit", "qualifier", "year", "period", "kind",
                        "scope", "metric_id", "metric_name", "citation"}
    assert set(hit["citation"]) == {"doc_id", "clause_path", "chunk_id", "sentence"}
    heading = line.split("。")[0]  # the line opens with its own heading: 2.支持高新技术企业发展壮大
    assert hit["citation"]["clause_path"].startswith("二、主要任务 > ")
    assert hit["citation"]["clause_path"].endswith(heading), hit["citation"]
    assert all(t["citation"]["doc_id"] == DOC_002 and t["year"] == 2025 for t in page["items"])
    assert_cited(server, page["items"], corpus_docs)


def test_filters_combine(server: LiveServer, corpus_docs: dict[str, Document]) -> None:
    everywhere = ok(get(server, "/v1/targets", metric=HIGH_TECH, limit=1000))["items"]
    assert {t["citation"]["doc_id"][:3] for t in everywhere} == {"000", "001", "002", "003", "004"}
    assert all(HIGH_TECH in t["metric"] for t in everywhere)
    base = ok(get(server, "/v1/targets", metric=HIGH_TECH, year=2010, kind="baseline"))["items"]
    assert [(t["citation"]["doc_id"][:3], t["number"]) for t in base] == [("003", 473)]
    in_004 = ok(get(server, "/v1/targets", q=HIGH_TECH, doc_id="004_96df065acd29df50.txt"))["items"]
    assert "15000家" in {t["value"] for t in in_004}
    assert ok(get(server, "/v1/targets", metric="不存在的指标名称")) == {
        "total": 0, "offset": 0, "limit": 100, "next_offset": None, "items": []}
    assert_cited(server, base + in_004, corpus_docs)


def test_paging(server: LiveServer) -> None:
    whole = ok(get(server, "/v1/targets", q=HIGH_TECH, limit=1000))
    total = whole["total"]
    assert total == len(whole["items"]) >= 5
    seen: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = ok(get(server, "/v1/targets", q=HIGH_TECH, offset=offset, limit=3))
        assert page["total"] == total and page["offset"] == offset and page["limit"] == 3
        assert len(page["items"]) == min(3, total - offset)
        seen += page["items"]
        offset = page["next_offset"]
    assert seen == whole["items"]
    past = ok(get(server, "/v1/targets", q=HIGH_TECH, offset=total + 5))
    assert past["items"] == [] and past["total"] == total and past["next_offset"] is None


def test_metrics_group_high_tech_enterprises_across_documents(
        server: LiveServer, corpus_docs: dict[str, Document]) -> None:
    listed = ok(get(server, "/v1/metrics", q=HIGH_TECH))["items"]
    assert listed and all(set(m) == {"id", "name", "name_en", "unit", "dimension", "targets", "documents",
                                     "first_year", "last_year"} for m in listed)
    metric = listed[0]  # most documents first
    assert HIGH_TECH in metric["name"] and metric["unit"] == "家" and metric["documents"] >= 3
    assert ok(get(server, f"/v1/metrics/{metric['id']}")) == metric

    body = ok(get(server, f"/v1/metrics/{metric['id']}/timeline"))
    points = body["points"]
    assert body["metric"] == metric and body["truncated"] is False and len(points) == metric["targets"]
    dated = [when(p) for p in points]
    years = [y for y in dated if y is not None]
    assert dated[:len(years)] == years == sorted(years)  # undated points last
    assert (min(years), max(years)) == (metric["first_year"], metric["last_year"])
    assert len({p["citation"]["doc_id"] for p in points}) == metric["documents"]
    assert all(p["metric_id"] == metric["id"] for p in points)
    stated = {(p["citation"]["doc_id"][:3], p["value"], when(p)) for p in points}
    assert {("002", "10000家", 2025), ("004", "15000家", 2025)} <= stated
    assert_cited(server, points, corpus_docs)

    paged = ok(get(server, "/v1/metrics", offset=1, limit=2))
    everything = ok(get(server, "/v1/metrics", limit=1000))
    assert paged["items"] == everything["items"][1:3] and paged["next_offset"] == 3
    assert everything["next_offset"] is None


@pytest.mark.parametrize("q", ["", HIGH_TECH])
def test_metrics_total_is_what_paging_lists(server: LiveServer, q: str) -> None:
    total = ok(get(server, "/v1/metrics", q=q, limit=1))["total"]
    seen: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = ok(get(server, "/v1/metrics", q=q, offset=offset, limit=3))
        assert (page["total"], page["offset"], page["limit"]) == (total, offset, 3)
        assert len(page["items"]) == min(3, total - offset)  # a full last page still ends the list
        seen += page["items"]
        offset = page["next_offset"]
    assert len(seen) == len({m["id"] for m in seen}) == total
    firms = {t["metric_id"] for t in ok(get(server, "/v1/targets", metric=HIGH_TECH, limit=1000))["items"]}
    assert firms <= {m["id"] for m in seen}  # every group of a target written 高新技术企业 is listed
    past = ok(get(server, "/v1/metrics", q=q, offset=total))
    assert (past["items"], past["total"], past["next_offset"]) == ([], total, None)
    assert ok(get(server, "/v1/metrics", q="不存在的指标名称")) == {
        "total": 0, "offset": 0, "limit": 100, "next_offset": None, "items": []}


def csv_rows(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="targets.csv"'
    assert r.content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


def test_csv_export_matches_the_json(server: LiveServer) -> None:
    params = {"metric": HIGH_TECH}
    page = ok(get(server, "/v1/targets", **params, limit=1000))
    r = get(server, "/v1/targets.csv", **params)
    rows = csv_rows(r)
    assert len(rows) == page["total"] == int(r.headers["x-total-count"])
    assert {"doc_id", "clause_path", "sentence", "metric", "value", "year", "kind"} <= set(rows[0])
    assert [(x["doc_id"], x["clause_path"], x["sentence"], x["value"]) for x in rows] == [
        (t["citation"]["doc_id"], t["citation"]["clause_path"], t["citation"]["sentence"], t["value"])
        for t in page["items"]]
    target = next(x for x in rows if x["doc_id"] == DOC_002 and x["value"] == "10000家")
    assert (target["number"], target["year"], target["unit"]) == ("10000", "2025", "家")
    empty = get(server, "/v1/targets.csv", metric="不存在的指标名称")
    assert csv_rows(empty) == [] and empty.content.decode("utf-8-sig").startswith("doc_id,")


def test_csv_export_reads_the_store_in_pages(server: LiveServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row once, in order, when the rows span many store batches (7 rows a batch here)."""
    monkeypatch.setattr(targets_route, "MAX_PAGE", 7)
    total = ok(get(server, "/v1/targets", limit=1))["total"]
    assert total > 7 * 3
    rows = csv_rows(get(server, "/v1/targets.csv"))
    assert len(rows) == total
    listed = [t for o in range(0, total, 1000)
              for t in ok(get(server, "/v1/targets", offset=o, limit=1000))["items"]]
    assert [(x["chunk_id"], x["value"]) for x in rows] == [
        (t["citation"]["chunk_id"], t["value"]) for t in listed]


def test_csv_export_reads_one_version_while_a_document_is_replaced(
        server: LiveServer, app: FastAPI, indexed_settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """002 is cut down to its targets of 10000家 高新技术企业 by 2025 after the export's first 7
    rows (all 000's): the export still holds 002 as it was, every row once; the next, the edit."""
    monkeypatch.setattr(targets_route, "MAX_PAGE", 7)
    path = tmp_path / "targets.sqlite3"
    with closing(sqlite3.connect(indexed_settings.targets_path)) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)  # the session's targets, copied
    was = TargetStore(path).rows(Filters(doc_id=DOC_002), limit=1000)
    tenk = [r.target for r in was if r.target.value == "10000家" and r.target.year == 2025]
    assert tenk and len(was) > len(tenk)

    class Edited(TargetStore):  # 002 is replaced (on another connection) once a batch is read
        def iter_rows(self, filters: Filters = EVERY, *, batch: int = MAX_PAGE) -> Batches:
            batches = super().iter_rows(filters, batch=batch)
            yield next(batches)
            self.replace_document(DOC_002, "edited", tenk)
            yield from batches

    monkeypatch.setitem(app.dependency_overrides, get_targets, lambda: Edited(path))
    before = [t for o in range(0, 5000, 1000) for t in ok(get(server, "/v1/targets", offset=o, limit=1000))["items"]]
    assert len(before) > 7 * 3 and before[6]["citation"]["doc_id"] < DOC_002

    r = get(server, "/v1/targets.csv")
    rows = csv_rows(r)
    assert int(r.headers["x-total-count"]) == len(rows) == len(before)
    assert [(x["doc_id"], x["chunk_id"], x["value"]) for x in rows] == [
        (t["citation"]["doc_id"], t["citation"]["chunk_id"], t["value"]) for t in before]
    assert sum(x["doc_id"] == DOC_002 for x in rows) == len(was)

    after = get(server, "/v1/targets.csv")  # the edit has landed: this export reads it
    edited = csv_rows(after)
    assert [(x["value"], x["year"]) for x in edited if x["doc_id"] == DOC_002] == [("10000家", "2025")] * len(tenk)
    assert len(edited) == int(after.headers["x-total-count"]) == len(before) - len(was) + len(tenk)
    assert [x for x in edited if x["doc_id"] != DOC_002] == [x for x in rows if x["doc_id"] != DOC_002]


def test_an_unreadable_store_is_a_clean_503_before_the_csv_starts(
        server: LiveServer, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.dependency_overrides, get_targets, lambda: TargetStore(tmp_path))  # a folder
    for path in ("/v1/targets.csv", "/v1/metrics"):
        r = get(server, path)
        assert error(r, 503)["code"] == "store_unavailable" and r.headers["retry-after"] == "10"


def test_csv_cells_cannot_start_a_formula() -> None:
    t = Target(metric="=HYPERLINK(\"http://x\")", value="+5%", number=5.0, unit="%", qualifier="",
               year=2025, period=(2021, 2025), kind="target", scope="@全市", doc_id="x.txt",
               clause_path="一、目标", sentence="-1+1", chunk_id="c1")
    row = dict(zip(targets_route.CSV_COLUMNS, targets_route.csv_row(StoredTarget(t, None, None)),
                   strict=True))
    assert row["metric"] == "'=HYPERLINK(\"http://x\")" and row["value"] == "'+5%"
    assert row["scope"] == "'@全市" and row["sentence"] == "'-1+1"
    assert (row["number"], row["year"], row["period_start"], row["metric_id"]) == ("5", "2025", "2021", "")


@pytest.mark.parametrize(("path", "params", "loc"), [
    ("/v1/targets", {"kind": "foo"}, "query.kind"),
    ("/v1/targets", {"year": "abc"}, "query.year"),
    ("/v1/targets", {"year": "25"}, "query.year"),
    ("/v1/targets", {"limit": "5000"}, "query.limit"),
    ("/v1/targets", {"limit": "0"}, "query.limit"),
    ("/v1/targets", {"offset": "-1"}, "query.offset"),
    ("/v1/targets", {"offset": str(10**30)}, "query.offset"),
    ("/v1/targets", {"q": "高" * 201}, "query.q"),
    ("/v1/targets", {"metric_id": "nope"}, "query.metric_id"),
    ("/v1/targets.csv", {"kind": "foo"}, "query.kind"),
    ("/v1/metrics", {"limit": "5000"}, "query.limit"),
])
def test_bad_filters_are_clean_4xx(server: LiveServer, path: str, params: dict[str, str],
                                   loc: str) -> None:
    body = error(get(server, path, **params), 422)
    assert body["code"] == "invalid_request" and body["message"].startswith(loc)


def test_unknown_and_malformed_metric_ids(server: LiveServer) -> None:
    for suffix in ("", "/timeline"):
        body = error(get(server, f"/v1/metrics/m0123456789{suffix}"), 404)
        assert "m0123456789" in body["message"] and body["code"] == "not_found"
        for bad in ("M0123456789", "m012345678", "m0123456789a", "mxyz", "m-12345678"):
            assert error(get(server, f"/v1/metrics/{bad}{suffix}"), 422)["code"] == "invalid_request"


def test_the_key_is_required(server: LiveServer) -> None:
    for path in ("/v1/targets", "/v1/targets.csv", "/v1/metrics", "/v1/metrics/m0123456789/timeline"):
        r = httpx.get(f"{server.url}{path}", timeout=30)
        assert error(r, 401)["code"] == "unauthorized"
        assert httpx.get(f"{server.url}{path}", headers={"Authorization": "Bearer wrong"},
                         timeout=30).status_code == 401


def test_without_a_library_there_is_no_targets_index(make_client: ClientFactory) -> None:
    client = make_client(lib=None)
    for path in ("/v1/targets", "/v1/targets.csv", "/v1/metrics", "/v1/metrics/m0123456789"):
        r = client.get(path)
        assert r.status_code == 501 and r.json()["error"] == {
            "code": "not_implemented", "message": "this server has no targets index"}
