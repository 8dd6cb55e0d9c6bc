"""The targets store: one transaction per document, filters, and agreement with the index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.pipeline import parse_file
from ingest.targets import Target, extract_targets
from vectorstore.targets_store import TargetStore

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


@pytest.fixture(scope="module")
def plan() -> tuple[str, str, list[Target]]:
    doc = parse_file(next(CORPUS.glob("002_*.txt")))
    return doc.doc_id, doc.sha256, extract_targets(doc, chunk_document(doc))


def test_a_document_round_trips_and_filters_work(tmp_path: Path, plan: tuple[str, str, list[Target]]) -> None:
    doc_id, sha, targets = plan
    store = TargetStore(tmp_path / "t.sqlite3")
    store.replace_document(doc_id, sha, targets)
    assert store.query(limit=1000) == targets  # every field, in document order
    firms = store.query(metric="高新技术企业")
    assert firms and all("高新技术企业" in t.metric for t in firms)
    assert any(t.value == "10000家" and t.year == 2025 for t in firms)
    assert store.query(year=2025, kind="target", doc_id=doc_id)
    assert store.query(doc_id="other.txt") == [] and store.query(q="不存在的指标") == []
    page = store.query(limit=2, offset=1)
    assert page == targets[1:3]
    assert store.documents() == {doc_id: sha}


def test_a_failed_write_keeps_the_previous_rows(tmp_path: Path, plan: tuple[str, str, list[Target]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    doc_id, sha, targets = plan
    store = TargetStore(tmp_path / "t.sqlite3")
    store.replace_document(doc_id, sha, targets)

    class Dying(sqlite3.Connection):
        def executemany(self, *args: object) -> sqlite3.Cursor:
            raise sqlite3.OperationalError("database or disk is full")

    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real_connect(*a, **k, factory=Dying))
    with pytest.raises(sqlite3.OperationalError):
        store.replace_document(doc_id, "newer", targets[:3])
    monkeypatch.undo()
    assert store.query(limit=1000) == targets and store.documents() == {doc_id: sha}


def test_reconcile_follows_the_index(tmp_path: Path, plan: tuple[str, str, list[Target]]) -> None:
    doc_id, sha, targets = plan
    store = TargetStore(tmp_path / "t.sqlite3")
    store.replace_document(doc_id, sha, targets)
    assert store.reconcile({doc_id: sha, "new.txt": "abc"}) == ["new.txt"]
    assert store.query(limit=1) == targets[:1]
    assert store.reconcile({doc_id: "changed"}) == [doc_id]  # a replaced document's rows go
    assert store.query() == [] and store.documents() == {}


def test_targets_of_another_document_are_refused(tmp_path: Path, plan: tuple[str, str, list[Target]]) -> None:
    _, sha, targets = plan
    with pytest.raises(ValueError, match="given for"):
        TargetStore(tmp_path / "t.sqlite3").replace_document("other.txt", sha, targets)


def test_search_text_is_literal(tmp_path: Path, plan: tuple[str, str, list[Target]]) -> None:
    doc_id, sha, targets = plan
    store = TargetStore(tmp_path / "t.sqlite3")
    store.replace_document(doc_id, sha, targets)
    assert store.query(q="%") == [t for t in targets if "%" in t.metric or "%" in t.sentence][:100]
    assert store.query(q="_") == [] and store.query(metric="%%") == []
