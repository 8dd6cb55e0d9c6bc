"""Metric groups: keys, dimensions, clustering (units), and regrouping a real store (the real model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import chunk_document
from ingest.pipeline import parse_file
from vectorstore.embeddings import Embedder
from vectorstore.glossary import lexicon_rows
from vectorstore.metric_groups import count_metrics, get_metric, list_metrics, regroup, timeline
from vectorstore.metric_names import english_name
from vectorstore.metrics import (
    KeyStats,
    cluster,
    group_key,
    normalize_metric,
    synonym_table,
    unit_dimension,
)
from vectorstore.targets_store import Filters, TargetStore

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


def test_the_dimension_drops_magnitude_and_marks_rates_of_change() -> None:
    assert unit_dimension("亿元") == unit_dimension("万元") == "元"
    assert unit_dimension("万人") == unit_dimension("人")
    assert unit_dimension("%") == "%"
    assert unit_dimension("%", "年均增长+以上") == "growth:%"
    assert unit_dimension("%", "", "规模以上工业增加值增长率") == "growth:%"
    assert unit_dimension("家", "新增") == "家"  # a count stays a count


def test_glossary_synonyms_are_one_key() -> None:
    synonyms = synonym_table([("R&D", ["研发", "R&D", "研究与开发"])])
    assert normalize_metric("研究与开发经费", synonyms) == normalize_metric("研发经费", synonyms) == "研发经费"
    assert normalize_metric("“独角兽”企业 数量", {}) == "独角兽企业数量"
    assert group_key("R&D经费", "亿元", "", synonyms) == group_key("研发经费", "万元", "达到", synonyms)


def _unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def test_clusters_never_join_across_dimensions_and_follow_the_threshold() -> None:
    stats = [KeyStats("家|a", "a", 3, 2), KeyStats("家|b", "b", 1, 1), KeyStats("%|a", "a", 2, 1),
             KeyStats("家|c", "c", 1, 1)]
    vectors = {"家|a": _unit([1, 0]), "家|b": _unit([0.99, 0.14]), "%|a": _unit([1, 0]),
               "家|c": _unit([0, 1])}
    groups = cluster(stats, vectors, join=0.95, weight=1.0)
    as_sets = sorted(sorted(g.keys) for g in groups)
    assert as_sets == [["%|a"], ["家|a", "家|b"], ["家|c"]]
    named = {g.keys[0]: g for g in groups}
    assert named["家|a"].name == "a"  # the most used key names the group
    assert cluster(stats, vectors, join=0.999, weight=1.0) != groups  # stricter: b stands alone
    assert [g.id for g in cluster(list(reversed(stats)), vectors, join=0.95, weight=1.0)] == [g.id for g in groups]


def test_shared_characters_count_with_their_weight() -> None:
    stats = [KeyStats("家|高新技术企业数量", "高新技术企业数量", 3, 2), KeyStats("家|高新技术企业", "高新技术企业", 1, 1),
             KeyStats("家|上市公司", "上市公司", 1, 1)]
    same = _unit([1, 0])  # meaning alone cannot tell them apart
    vectors = {s.key: same for s in stats}
    by_chars = cluster(stats, vectors, join=0.8, weight=0.0)
    assert sorted(sorted(g.keys) for g in by_chars) == [["家|上市公司"], ["家|高新技术企业", "家|高新技术企业数量"]]
    assert len(cluster(stats, vectors, join=0.8, weight=1.0)) == 1


def test_english_names_come_from_the_dictionaries() -> None:
    glossary = lexicon_rows().glossary
    assert "R&D" in english_name("R&D经费支出", glossary)
    name = english_name("独角兽企业", glossary)
    assert "unicorn" in name and "enterprise" in name


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> TargetStore:
    from ingest.targets import extract_targets

    s = TargetStore(tmp_path_factory.mktemp("metrics") / "t.sqlite3")
    for path in sorted(CORPUS.glob("*.txt")):
        doc = parse_file(path)
        s.replace_document(doc.doc_id, doc.sha256, extract_targets(doc, chunk_document(doc)))
    regroup(s, embedder.embed_queries, model=embedder.name, glossary=lexicon_rows().glossary)
    return s


def _firms(store: TargetStore) -> str:
    """The group of 高新技术企业数量: every seed plan counts high-tech enterprises in 家."""
    found = [m for m in list_metrics(store, q="高新技术企业") if m.unit == "家"]
    assert found, "no group for the count of high-tech enterprises"
    return max(found, key=lambda m: m.documents).id


def test_one_quantity_worded_differently_is_one_metric_across_plans(store: TargetStore) -> None:
    metric = get_metric(store, _firms(store))
    # 002, 003 and 004 count 高新技术企业 (数量) in 家; 000 and 001 count 国家认定的高新技术企业,
    # which the gold also puts here and the grouping may keep apart (evals targets scores that).
    assert metric is not None and metric.documents >= 3
    assert {d[:3] for d in (p.target.doc_id for p in timeline(store, metric.id))} >= {"002", "003", "004"}
    points = timeline(store, metric.id)
    years = [p.target.year or (p.target.period or (None, 0))[1] for p in points]
    assert years == sorted(years)  # time order
    texts = {p.target.metric for p in points}
    assert len(texts) >= 2  # worded differently, grouped by meaning
    assert all(p.target.unit.endswith("家") for p in points)
    tenk = [p for p in points if p.target.value == "10000家"]
    assert tenk and tenk[0].target.year == 2025 and tenk[0].target.doc_id.startswith("002_")
    assert store.count(Filters(metric_id=metric.id)) == len(points)


def test_the_count_of_metrics_is_what_paging_lists(store: TargetStore) -> None:
    grouped = [r for o in range(0, store.count(), 1000) for r in store.rows(limit=1000, offset=o)]
    assert grouped and all(r.metric_id for r in grouped)  # regrouped: every row has its metric
    assert count_metrics(store) == len({r.metric_id for r in grouped})
    for q in ("", "高新技术企业", "%"):
        paged = [m for o in range(0, count_metrics(store, q=q) + 10, 4)
                 for m in list_metrics(store, q=q, limit=4, offset=o)]
        assert len(paged) == len({m.id for m in paged}) == count_metrics(store, q=q)
    firms = {r.metric_id for r in grouped if "高新技术企业" in r.target.metric}
    assert firms and count_metrics(store, q="高新技术企业") >= len(firms)  # also matched by name
    assert count_metrics(store, q="不存在的指标名称") == 0 == len(list_metrics(store, q="不存在的指标名称"))
    assert count_metrics(store, metric_id=_firms(store)) == 1


def test_groups_follow_deletes_and_ids_stay(store: TargetStore, embedder: Embedder) -> None:
    firms = _firms(store)
    before = get_metric(store, firms)
    assert before is not None
    doc_id = next(d for d in store.documents() if d.startswith("004_"))
    store.delete_document(doc_id)
    regroup(store, embedder.embed_queries, model=embedder.name, glossary=lexicon_rows().glossary)
    after = get_metric(store, firms)
    assert after is not None and after.documents == before.documents - 1
    assert all(p.target.doc_id != doc_id for p in timeline(store, firms))
    assert not store.ungrouped()


def test_a_glossary_edit_re_keys_the_stored_targets(tmp_path: Path, embedder: Embedder) -> None:
    from ingest.targets import extract_targets
    from vectorstore.metric_groups import keys_stale

    s = TargetStore(tmp_path / "t.sqlite3")
    doc = parse_file(sorted(CORPUS.glob("003_*.txt"))[0])
    s.replace_document(doc.doc_id, doc.sha256, extract_targets(doc, chunk_document(doc)))
    glossary = lexicon_rows().glossary
    assert keys_stale(s, glossary)  # nothing keyed yet
    regroup(s, embedder.embed_queries, model=embedder.name, glossary=glossary)
    assert not keys_stale(s, glossary)
    # A user's row makes 科技企业孵化器 a synonym of 孵化器: stored keys change with it.
    edited = [*glossary, ("incubator", ["孵化器", "科技企业孵化器"])]
    assert keys_stale(s, edited)
    regroup(s, embedder.embed_queries, model=embedder.name, glossary=edited)
    assert not keys_stale(s, edited)
    keys = {r.target.metric: r for r in s.rows(Filters(q="科技企业孵化器"), limit=50)}
    assert keys and all(r.metric_id for r in keys.values())
