"""The Targets tab's handlers over a real targets store: the corpus's targets extracted and
grouped by the real embedder, the documents' real clauses behind the clause panel.

Expected figures are read from the documents: 002 (东湖 action plan, 2022—2025) says
高新技术企业数量达到10000家 and, in clause 2.支持高新技术企业发展壮大, 力争突破10000家 by 2025; 003
(武汉 十三五 plan) reports 1656家 reached in 2015 (473 in 2010, its table's baseline) and sets
突破3000家 for 2020; 004 (光谷大走廊, 2023—2025) sets 突破15000家.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from assistant.settings import Settings
from assistant.ui import build_ui
from assistant.ui_chart import chart_points, render_chart
from assistant.ui_targets import (
    CHART_PLACEHOLDER,
    MAX_QUERY,
    MAX_ROWS,
    PANEL_PLACEHOLDER,
    UNAVAILABLE,
    TargetsTab,
    clean_query,
    render_table,
)
from ingest.chunking import chunk_document
from ingest.pipeline import parse_file
from ingest.types import Clause, Document
from vectorstore.indexer import glossary_rows, make_store_embedder
from vectorstore.metric_groups import Metric, regroup
from vectorstore.targets_store import TargetStore

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"
PLAN_002 = "002_fdf6c96830e6b8c3.txt"
CLAUSE_002 = "2.支持高新技术企业发展壮大"
SENTENCE_002 = "到2025年,东湖高新区高新技术企业数量力争突破10000家"


class CorpusLibrary:
    """What the tab reads of a DocumentLibrary: titles, clauses and the indexer's store."""

    def __init__(self, docs: list[Document], store: TargetStore | None) -> None:
        self.docs = {d.doc_id: d for d in docs}
        self.indexer = SimpleNamespace(targets=store)

    def documents(self) -> list[Any]:
        return [SimpleNamespace(doc_id=d.doc_id, title=d.title) for d in self.docs.values()]

    def clauses(self, doc_id: str) -> list[Clause]:
        return list(self.docs[doc_id].clauses)


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return [parse_file(p) for p in sorted(CORPUS.glob("*.txt"))]


@pytest.fixture(scope="module")
def store(docs: list[Document], tmp_path_factory: pytest.TempPathFactory) -> TargetStore:
    from ingest.targets import extract_targets

    store = TargetStore(tmp_path_factory.mktemp("targets") / "targets.sqlite3")
    for doc in docs:
        store.replace_document(doc.doc_id, doc.sha256, extract_targets(doc, chunk_document(doc)))
    settings = Settings(models_dir=ROOT / "models", lexicon_dir=ROOT / "data" / "lexicon")
    embedder = make_store_embedder(settings)
    assert regroup(store, embedder.embed_queries, model="test", glossary=glossary_rows(settings)) > 0
    return store


@pytest.fixture
def tab(docs: list[Document], store: TargetStore) -> TargetsTab:
    return TargetsTab(CorpusLibrary(docs, store))  # type: ignore[arg-type]


def click(key: str) -> gr.EventData:
    return gr.EventData(None, {"pqa_row": key})


def row_index(state: dict[str, Any], **want: Any) -> int:
    return next(i for i, r in enumerate(state["rows"]) if all(r[k] == v for k, v in want.items()))


def test_search_lists_the_firm_targets_of_every_plan(tab: TargetsTab, store: TargetStore) -> None:
    table, state = tab.search(" 高新技术企业 ", "", None)
    rows = state["rows"]
    seen = {(r["doc_id"][:3], r["value"], r["year"], r["kind"]) for r in rows}
    assert {("002", "10000家", 2025, "target"), ("003", "3000家", 2020, "target"),
            ("003", "1656家", 2015, "achieved"), ("004", "15000家", 2025, "target")} <= seen
    assert all("高新技术企业" in r["metric"] + r["sentence"] + r["metric_name"] for r in rows)
    assert f"共 <b>{len(rows)}</b> 条匹配" in table, "every match fits on one page"
    assert table.count('data-pqa-target="r:') == len(rows)
    assert "促进武汉东湖新技术开发区高质量发展行动方案" in table, "plans are named by their titles"
    assert CLAUSE_002 in table and "pqa-kind-achieved" in table and "pqa-kind-target" in table


def test_a_page_is_bounded_and_says_how_many_match(tab: TargetsTab, store: TargetStore) -> None:
    total = store.count()
    assert total > MAX_ROWS, "the corpus states more figures than one page holds"
    table, state = tab.search("", "", None)
    assert len(state["rows"]) == MAX_ROWS and table.count("<tr class=\"pqa-trow\"") == MAX_ROWS
    assert f"共 <b>{total}</b> 条匹配" in table and f"显示前 {MAX_ROWS} 条" in table
    _, achieved = tab.search("", "achieved", None)
    assert achieved["rows"] and {r["kind"] for r in achieved["rows"]} == {"achieved"}
    _, anything = tab.search("", "<bogus>", None)
    assert len(anything["rows"]) == MAX_ROWS, "an unknown kind filters nothing"
    table, none = tab.search("火星殖民地数量", "", None)
    assert none["rows"] == [] and "No targets match" in table


def test_search_text_is_bounded_and_cleaned() -> None:
    assert clean_query("  专利\x00\n ") == "专利"
    assert clean_query("\ud800东湖") == "东湖"
    assert len(clean_query("高" * 1000)) == MAX_QUERY
    assert clean_query(None) == ""


def test_clicking_a_row_opens_its_clause_and_charts_its_metric(tab: TargetsTab) -> None:
    _, state = tab.search("高新技术企业", "", None)
    i = row_index(state, doc_id=PLAN_002, value="10000家", clause=next(
        r["clause"] for r in state["rows"] if r["clause"].endswith(CLAUSE_002)))
    panel, metric, chart, state = tab.open_row(state, click(f"r:{i}"))
    cited = re.search(r'<div class="pqa-clause pqa-cited">(.*?)</div></div>', panel)
    assert cited and CLAUSE_002 in cited.group(1)
    marked = re.search(r"<mark>(.*?)</mark>", cited.group(1))
    assert marked and SENTENCE_002 in marked.group(1), "the target's sentence is highlighted"
    assert "pqa-context" in panel, "the clause is shown among its neighbours"
    assert "《促进武汉东湖新技术开发区高质量发展行动方案》" in panel
    metric_id = state["rows"][i]["metric_id"]
    assert metric_id and metric["value"] == metric_id
    assert metric_id in {v for _, v in metric["choices"]}
    # The chart of the metric: targets and achieved values apart, in 家.
    assert "单位 / Unit: <b>家</b>" in chart and "<svg" in chart
    for kind in ("target", "achieved"):
        assert f'class="pqa-pt pqa-pt-{kind}"' in chart and f"pqa-legend-{kind}" in chart
    # (Written as 高新技术企业数量 in both plans; whether 004's 高新技术企业 joins the group is the
    # grouping's call, not the tab's.)
    points = {(p["doc_id"][:3], p["x"], p["number"], p["kind"]) for p in state["chart"]}
    assert {("002", 2025, 10000.0, "target"), ("003", 2020, 3000.0, "target"),
            ("003", 2015, 1656.0, "achieved"), ("003", 2010, 473.0, "baseline")} <= points
    assert all(p["unit"] == "家" for p in state["chart"])
    assert [p["x"] for p in state["chart"]] == sorted(p["x"] for p in state["chart"])
    # A chart point opens its clause too, and leaves the chart as it is.
    j = next(n for n, p in enumerate(state["chart"]) if p["kind"] == "achieved" and p["number"] == 1656)
    panel, metric, chart, _ = tab.open_row(state, click(f"c:{j}"))
    assert "<mark>" in panel and "1656" in panel and "武汉市科技创新发展“十三五”规划" in panel
    assert metric == gr.update() and chart == gr.update()


def test_choosing_a_metric_charts_it(tab: TargetsTab) -> None:
    choices = tab.metric_choices()
    assert choices and all(isinstance(v, str) for _, v in choices)
    _, state = tab.search("", "", None)
    for _, metric_id in choices[:8]:
        chart, state = tab.chart(metric_id, state)
        assert "<svg" in chart or "Nothing to chart" in chart
        assert len(state["rows"]) == MAX_ROWS, "the table's rows stay in the state"
    assert tab.chart("no-such-metric", state)[0] == CHART_PLACEHOLDER
    assert tab.chart("'; DROP TABLE targets; --", state)[0] == CHART_PLACEHOLDER
    assert tab.chart(None, state)[0] == CHART_PLACEHOLDER


@pytest.mark.parametrize("key", ["", "r:9999", "c:0", "x:1", "r:-1", "0:1", "r:1:2"])
def test_a_bad_key_opens_nothing(tab: TargetsTab, key: str) -> None:
    _, state = tab.search("高新技术企业", "", None)
    panel, metric, chart, _ = tab.open_row(state, click(key))
    assert panel == PANEL_PLACEHOLDER and metric == gr.update() and chart == gr.update()
    assert tab.open_row(None, click("r:0"))[0] == PANEL_PLACEHOLDER  # type: ignore[arg-type]


def test_only_the_commonest_unit_is_charted() -> None:
    def row(value: str, number: float | None, unit: str, year: int | None, kind: str = "target",
            doc: str = "a.txt") -> dict[str, Any]:
        return {"doc_id": doc, "title": "规划", "clause": "一、目标", "sentence": value, "metric": "企业",
                "value": value, "number": number, "unit": unit, "year": year, "period": None, "kind": kind,
                "scope": "", "metric_id": "m1", "metric_name": "企业数量"}

    rows = [row("100家", 100, "家", 2020, "baseline"), row("200家", 200, "家", 2025),
            row("200家", 200, "家", 2025), row("50%", 50, "%", 2025), row("1—2家", None, "家", 2025),
            row("300家", 300, "家", None), row("250家", 250, "家", 2025, doc="b.txt")]
    points, skipped = chart_points(rows, "家")
    assert [(p["doc_id"], p["number"]) for p in points] == [("a.txt", 100), ("a.txt", 200), ("b.txt", 250)]
    assert skipped == 3, "another unit, a range and a figure without a year are left out"
    metric = Metric(id="m1", name="企业数量", name_en="firms", unit="家", dimension="家", targets=7,
                    documents=2, first_year=2020, last_year=2025)
    chart = render_chart(metric, points, skipped)
    assert "单位 / Unit: <b>家</b>" in chart and "另有 3 条" in chart
    assert chart.count('class="pqa-pt pqa-pt-target"') == 2 and chart.count("pqa-pt-baseline") == 1
    assert ">2020<" in chart and ">2025<" in chart and ">250<" in chart, "axes are labelled"
    assert "Nothing to chart" in render_chart(metric, [], 1)


def test_corpus_text_cannot_inject_markup() -> None:
    evil = '<img src=x onerror="alert(1)">'
    row = {"doc_id": evil, "title": evil, "clause": f"一 > {evil}", "sentence": evil, "metric": evil,
           "value": evil, "number": 1.0, "unit": evil, "year": 2025, "period": None, "kind": evil,
           "scope": evil, "metric_id": evil, "metric_name": "<script>x</script>"}
    metric = Metric(id="m", name="<script>y</script>", name_en=evil, unit=evil, dimension="", targets=1,
                    documents=1, first_year=2025, last_year=2025)
    shown = render_table([row], 1, "<svg onload=alert(2)>") + render_chart(metric, [{**row, "x": 2025}], 0)
    shown += TargetsTab(None).clause_panel(row)
    for tag in ("<img", "<script", "<svg onload"):
        assert tag not in shown


def test_without_a_store_the_tab_says_so(tmp_path: Path) -> None:
    for library in (None, CorpusLibrary([], None)):
        tab = TargetsTab(library)  # type: ignore[arg-type]
        assert UNAVAILABLE in tab.search("专利", "", None)[0]
        assert UNAVAILABLE in tab.chart("m1", None)[0]
        assert tab.metric_choices() == []
        assert tab.open_row(None, click("r:0"))[0] == PANEL_PLACEHOLDER  # type: ignore[arg-type]
    demo = build_ui(SimpleNamespace(generators=lambda: ["extractive"]), None, Settings())  # type: ignore[arg-type]
    texts = [c["props"].get("value") for c in demo.get_config_file()["components"]]
    assert UNAVAILABLE in texts


class LoadingLibrary:
    """The server's stand-in library while its models load: every attribute read fails."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("the assistant is still loading its models")


def test_a_library_still_loading_is_not_read_while_the_page_is_built() -> None:
    demo = build_ui(SimpleNamespace(generators=lambda: ["extractive"]),  # type: ignore[arg-type]
                    LoadingLibrary(), Settings())  # type: ignore[arg-type]
    assert isinstance(demo, gr.Blocks)
    tab = TargetsTab(LoadingLibrary())  # type: ignore[arg-type]
    table, state = tab.search("专利", "", None)
    assert "still loading" in table and state["rows"] == []
    assert "still loading" in tab.chart("m1", None)[0] and tab.metric_choices() == []


def test_an_empty_store_shows_an_empty_tab(tmp_path: Path) -> None:
    tab = TargetsTab(CorpusLibrary([], TargetStore(tmp_path / "empty.sqlite3")))  # type: ignore[arg-type]
    table, state = tab.search("专利", "", None)
    assert "共 <b>0</b> 条匹配" in table and state["rows"] == []
    assert tab.metric_choices() == [] and tab.chart("m1", state)[0] == CHART_PLACEHOLDER


def test_the_page_has_a_targets_tab_whose_handlers_are_private(docs: list[Document],
                                                               store: TargetStore) -> None:
    demo = build_ui(SimpleNamespace(generators=lambda: ["extractive"]),  # type: ignore[arg-type]
                    CorpusLibrary(docs, store), Settings())  # type: ignore[arg-type]
    config = demo.get_config_file()
    ids = {c["props"].get("elem_id"): c for c in config["components"]}
    assert {"pqa-targets", "pqa-targets-q", "pqa-metric", "pqa-chart", "pqa-target-panel"} <= set(ids)
    assert ids["pqa-targets-q"]["props"]["max_length"] == MAX_QUERY
    assert UNAVAILABLE not in [c["props"].get("value") for c in config["components"]]
    assert all(d["api_visibility"] == "private" for d in config["dependencies"]
               if d["api_name"] != "load_example")
    wired = {t[0] for d in config["dependencies"] for t in d["targets"]}
    assert {ids["pqa-target-panel"]["id"], ids["pqa-metric"]["id"], ids["pqa-targets-q"]["id"]} <= wired
