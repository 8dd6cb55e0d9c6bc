"""The targets store: one transaction per document, filters, agreement with the index, and
exports read from one snapshot."""

from __future__ import annotations

import gc
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.pipeline import parse_file
from ingest.targets import Target, extract_targets
from vectorstore.targets_store import Filters, StoredTarget, TargetStore

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


def exported(batches: Iterable[tuple[int, list[StoredTarget]]]) -> list[Target]:
    return [r.target for _, rows in batches for r in rows]


def test_an_export_reads_one_version_while_a_document_is_replaced(
        tmp_path: Path, plan: tuple[str, str, list[Target]]) -> None:
    doc_id, sha, targets = plan
    assert len(targets) > 5
    store = TargetStore(tmp_path / "t.sqlite3")
    store.replace_document(doc_id, sha, targets)
    newer = targets[3:5]  # the document as edited: two of its figures left

    batches = store.iter_rows(batch=2)
    total, first = next(batches)
    assert total == len(targets) and [r.target for r in first] == targets[:2]
    started = time.monotonic()
    store.replace_document(doc_id, "edited", newer)  # another connection; the export does not block it
    assert time.monotonic() - started < 5
    assert store.query(limit=1000) == newer and store.documents() == {doc_id: "edited"}
    rest = list(batches)
    assert [r.target for r in first] + exported(rest) == targets  # the old version, whole
    assert {t for t, _ in rest} == {len(targets)} and all(0 < len(rows) <= 2 for _, rows in rest)
    assert exported(store.iter_rows(batch=2)) == newer  # a new export reads the new version


def test_an_export_matching_nothing_still_gives_its_total(tmp_path: Path,
                                                          plan: tuple[str, str, list[Target]]) -> None:
    doc_id, sha, targets = plan
    store = TargetStore(tmp_path / "t.sqlite3")
    store.replace_document(doc_id, sha, targets)
    assert list(store.iter_rows(Filters(doc_id="other.txt"))) == [(0, [])]
    firms = [t for t in targets if "高新技术企业" in t.metric]
    assert firms and exported(store.iter_rows(Filters(metric="高新技术企业"), batch=1)) == firms


def _unread_wal(path: Path) -> int:
    """WAL frames a checkpoint could not copy back: those some open reader may still need."""
    con = sqlite3.connect(path)
    try:
        _, log, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(log - done)
    finally:
        con.close()


@pytest.mark.parametrize("end", ["close", "collect"])
def test_an_abandoned_export_lets_go_of_its_snapshot(tmp_path: Path, plan: tuple[str, str, list[Target]],
                                                      end: str) -> None:
    doc_id, sha, targets = plan
    store = TargetStore(tmp_path / "t.sqlite3")
    store.replace_document(doc_id, sha, targets)
    batches = store.iter_rows(batch=1)
    assert next(batches)[1][0].target == targets[0]
    store.replace_document(doc_id, "edited", targets[:1])
    assert _unread_wal(store.path) > 0  # the export's snapshot holds the old pages
    if end == "close":
        batches.close()
    else:
        del batches
        gc.collect()
    assert _unread_wal(store.path) == 0
