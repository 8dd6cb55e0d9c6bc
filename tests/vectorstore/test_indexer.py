"""The one indexer: files and uploads go into Chroma and the lexical snapshot together.

Real files, the real parser, the real embedding model and an on-disk Chroma.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.limits import DEFAULT_LIMITS
from vectorstore.config import StoreSettings
from vectorstore.indexer import Indexer, make_index
from vectorstore.lexical import LexicalIndex, add_words, index_tokenize, tokenize
from vectorstore.occurs import OccursIndex
from vectorstore.snapshot import SnapshotStore
from vectorstore.store import open_index
from vectorstore.targets_store import TargetStore

pytestmark = pytest.mark.slow

PLAN = """苏州市推进数字经济发展三年行动计划（2024—2026年）

一、总体目标
到2026年，全市数字经济核心产业增加值占地区生产总值比重达到18%，培育省级以上专精特新企业300家。

二、重点任务
（一）建设算力基础设施。新建5G基站1万个，数据中心标准机架达到6万架。
（二）培育数据要素市场。支持苏州大数据交易所建设，年交易额突破10亿元。
"""
RULES = """杭州市新能源汽车充电设施管理办法

第一条 为规范充电设施建设和管理，制定本办法。
第二条 本办法适用于本市行政区域内充电设施的规划、建设和运营。
第三条 新建住宅小区停车位应当全部建设充电设施或者预留安装条件。
"""
NOTICE = """宁波市关于加快海洋经济发展的通知

一、到2025年，海洋生产总值达到2500亿元。
二、建设国际航运中心，港口货物吞吐量达到13亿吨。
"""


def _indexer(root: Path, embedder: Any) -> Indexer:
    index = open_index(embedder=embedder, persist_dir=root / "chroma", chunker_version="test-indexer-1")
    return Indexer(index, SnapshotStore(root / "lexical"), max_tokens=400, limits=DEFAULT_LIMITS,
                   words=["数字经济"])


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "suzhou_plan.txt").write_text(PLAN, encoding="utf-8")
    (folder / "hangzhou_rules.txt").write_text(RULES, encoding="utf-8")
    return folder


def test_a_sync_leaves_a_snapshot_that_matches_the_index(tmp_path: Path, corpus: Path, embedder: Any) -> None:
    indexer = _indexer(tmp_path, embedder)
    report = indexer.sync_paths([corpus], prune=True)
    assert sorted(report.added) == ["hangzhou_rules.txt", "suzhou_plan.txt"]
    snap = SnapshotStore(tmp_path / "lexical").load()
    assert snap is not None
    revision, _, chunks = indexer.index.contents()
    assert snap.revision == revision and snap.chunks == chunks
    assert sorted(snap.docs) == ["hangzhou_rules.txt", "suzhou_plan.txt"]
    assert snap.docs["suzhou_plan.txt"].period == (2024, 2026)
    # The saved BM25 scores as one built afresh over the same tokens.
    fresh = LexicalIndex([index_tokenize(c.embed_text, ["数字经济"]) for c in chunks])
    for query in ("数据中心标准机架", "充电设施 住宅小区", "海洋"):
        assert np.allclose(snap.lexical_scores(query), fresh.token_scores(index_tokenize(query, ["数字经济"])))
    assert snap.lexical_scores("数据中心标准机架").argmax() == next(
        i for i, c in enumerate(chunks) if "标准机架" in c.text)
    assert snap.occurs("专精特新企业300家") and snap.occurs("杭州市") and not snap.occurs("宁波市")
    assert "数字经济" in snap.idf  # a glossary term is kept whole
    # Nothing changed: the snapshot is not rebuilt.
    name = snap.name
    indexer.sync_paths([corpus], prune=True)
    assert SnapshotStore(tmp_path / "lexical").current_name() == name


def test_uploads_and_deletes_update_the_snapshot(tmp_path: Path, corpus: Path, embedder: Any) -> None:
    indexer = _indexer(tmp_path, embedder)
    indexer.sync_paths([corpus], prune=True)
    store = SnapshotStore(tmp_path / "lexical")
    kept: list[str] = []
    doc = indexer.add("ningbo_notice.txt", NOTICE.encode(), commit=lambda: kept.append("stored"))
    assert doc.doc_id == "ningbo_notice.txt" and kept == ["stored"]
    snap = store.load()
    assert snap is not None and "ningbo_notice.txt" in snap.docs and snap.occurs("宁波市")
    assert [c.doc_id for c in snap.doc_chunks("ningbo_notice.txt")] == ["ningbo_notice.txt"] * len(
        snap.doc_chunks("ningbo_notice.txt")) and snap.doc_chunks("ningbo_notice.txt")
    assert indexer.delete("ningbo_notice.txt") and not indexer.delete("ningbo_notice.txt")
    snap = store.load()
    assert snap is not None and "ningbo_notice.txt" not in snap.docs and not snap.occurs("宁波市")


def test_a_failed_commit_leaves_the_upload_out_of_the_index(tmp_path: Path, embedder: Any) -> None:
    indexer = _indexer(tmp_path, embedder)

    def disk_full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        indexer.add("ningbo_notice.txt", NOTICE.encode(), commit=disk_full)
    assert indexer.index.document("ningbo_notice.txt") is None


def test_a_full_disk_keeps_the_previous_snapshot_readable(tmp_path: Path, corpus: Path, embedder: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    indexer = _indexer(tmp_path, embedder)
    indexer.sync_paths([corpus], prune=True)
    store = SnapshotStore(tmp_path / "lexical")
    before = store.current_name()

    def no_space(self: OccursIndex, path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(OccursIndex, "save", no_space)
    (corpus / "ningbo_notice.txt").write_text(NOTICE, encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        indexer.sync_paths([corpus], prune=True)
    assert store.current_name() == before
    snap = store.load()
    assert snap is not None and sorted(snap.docs) == ["hangzhou_rules.txt", "suzhou_plan.txt"]
    assert not list((tmp_path / "lexical").glob(".rev-*"))  # the half-written folder is gone
    monkeypatch.undo()
    indexer.sync_paths([corpus], prune=True)  # space again: the next run catches up
    snap = store.load()
    assert snap is not None and "ningbo_notice.txt" in snap.docs


def test_parsing_in_a_worker_process_indexes_the_same_chunks(tmp_path: Path, corpus: Path,
                                                             embedder: Any) -> None:
    (corpus / "ningbo_notice.txt").write_text(NOTICE, encoding="utf-8")
    (corpus / "broken.docx").write_bytes(b"not a zip at all")
    inline = _indexer(tmp_path / "a", embedder)
    pooled = _indexer(tmp_path / "b", embedder)
    r1 = inline.sync_paths([corpus], prune=True, workers=0)
    r2 = pooled.sync_paths([corpus], prune=True, workers=1)
    assert sorted(r1.added) == sorted(r2.added) == ["hangzhou_rules.txt", "ningbo_notice.txt", "suzhou_plan.txt"]
    assert list(r1.failed) == list(r2.failed) == ["broken.docx"]
    assert inline.index.all_chunks() == pooled.index.all_chunks()
    # The workers tokenized for the lexical snapshot exactly as the main process does.
    a, b = SnapshotStore(tmp_path / "a" / "lexical").load(), SnapshotStore(tmp_path / "b" / "lexical").load()
    assert a is not None and b is not None and a.idf == b.idf and "数字经济" in b.idf


def test_the_settings_choose_the_encoder_backend_and_the_index_records_it(tmp_path: Path) -> None:
    models = Path(__file__).resolve().parents[2] / "models"
    settings = StoreSettings(data_dir=tmp_path, models_dir=models, embedding_backend="onnx-int8")
    index = make_index(settings)
    assert getattr(index.embedder, "backend", None) == "onnx-int8"
    assert index.chunks.metadata["embedding_backend"] == "onnx-int8"
    torch_settings = settings.model_copy(update={"embedding_backend": "torch"})
    assert getattr(make_index(torch_settings).embedder, "backend", None) == "torch"


def test_targets_follow_ingest_uploads_deletes_and_a_killed_run(tmp_path: Path, corpus: Path, embedder: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    index = open_index(embedder=embedder, persist_dir=tmp_path / "chroma", chunker_version="test-indexer-1")
    store = TargetStore(tmp_path / "targets.sqlite3")
    indexer = Indexer(index, SnapshotStore(tmp_path / "lexical"), max_tokens=400, limits=DEFAULT_LIMITS,
                      targets=store)
    indexer.sync_paths([corpus], prune=True)
    chunk_ids = {c.id for c in index.all_chunks()}
    rows = store.query(limit=1000)
    assert "suzhou_plan.txt" in {t.doc_id for t in rows}
    assert all(t.chunk_id in chunk_ids for t in rows)
    assert any(t.value == "300家" and t.year == 2026 for t in rows)
    indexer.add("ningbo_notice.txt", NOTICE.encode())
    assert any(t.value == "2500亿元" for t in store.query(doc_id="ningbo_notice.txt"))
    indexer.delete("ningbo_notice.txt")
    assert store.query(doc_id="ningbo_notice.txt") == []
    # A run killed after Chroma committed a document but before its targets were stored:
    store.delete_document("suzhou_plan.txt")
    indexer.sync_paths([corpus], prune=True)  # nothing to embed, but the targets come back
    assert any(t.value == "300家" for t in store.query(doc_id="suzhou_plan.txt"))
    # A new extractor: stored rows are of another version, so the next run extracts them again.
    with store.transaction() as con:
        con.execute("UPDATE targets SET metric = 'stale' WHERE doc_id = 'suzhou_plan.txt'")
    monkeypatch.setattr("vectorstore.indexer.extractor_version", lambda: "a-newer-extractor")
    indexer.sync_paths([corpus], prune=True)
    assert all(t.metric != "stale" for t in store.query(doc_id="suzhou_plan.txt"))
    assert store.documents()["suzhou_plan.txt"].endswith(":a-newer-extractor")
    # A document removed from the corpus loses its targets with its vectors.
    (corpus / "suzhou_plan.txt").unlink()
    indexer.sync_paths([corpus], prune=True)
    assert store.query(doc_id="suzhou_plan.txt") == [] and "suzhou_plan.txt" not in store.documents()


def test_the_index_tokenizes_with_its_own_words_only() -> None:
    """Words taught to the shared tokenizer (by a lexicon loaded elsewhere in the process) do
    not change the index's tokens; the index's own words are kept whole."""
    text = "支持苏州大数据交易所建设"
    add_words(["苏州大数据交易所"])
    assert "苏州大数据交易所" in tokenize(text)
    assert "苏州大数据交易所" not in index_tokenize(text, [])
    assert "苏州大数据交易所" in index_tokenize(text, ["苏州大数据交易所"])
