"""The markdown table, the SVG charts and the HTML report, on small hand-made inputs."""

from __future__ import annotations

import re
from typing import Any

from evals.report import (
    bar_chart,
    failure_reasons,
    fmt,
    histogram,
    render_html,
    render_markdown,
)


def group(**kw: Any) -> dict[str, Any]:
    base = {"n": 2, "accuracy": 0.5, "answer_accuracy": 0.5, "hit@1": 0.5, "hit@5": 1.0,
            "mrr": 0.75, "clause_accuracy": 0.5, "refusal_accuracy": 1.0, "n_errors": 0,
            "latency_ms_p50": 120.0, "latency_ms_p95": 1500.0}
    return base | kw


SUMMARY: dict[str, Any] = {
    "meta": {"n_questions": 2, "questions": "q.jsonl", "generator": "extractive",
             "generators_used": {"extractive": 2}, "descriptions": {"baseline": "tutorial <RAG>"}},
    "systems": {
        "policyqa": {"overall": group(), "by_type": {"fact": group(), "unanswerable": group(
            **{"hit@5": None, "mrr": None})}, "by_lang": {"zh": group()}},
        "baseline": {"overall": group(clause_accuracy=None, accuracy=0.25),
                     "by_type": {"fact": group(clause_accuracy=None)},
                     "by_lang": {"zh": group(clause_accuracy=None)}},
    },
}


def rec(id_: str, **kw: Any) -> dict[str, Any]:
    base = {"id": id_, "type": "fact", "lang": "zh", "question": f"问题{id_}", "history": [],
            "gold_answer": "突破5000亿元", "must_contain": ["5000亿元"], "answer": "", "refused": False,
            "citations": [], "correct": False, "hit_at_5": True, "latency_ms": 10.0, "error": None}
    return base | kw


RUNS = {
    "policyqa": [
        rec("q001", answer="突破5000亿元 [1]", correct=True),
        rec("q002", answer="增长14%", history=[{"role": "user", "content": "先前的<问题>"}],
            citations=[{"n": 1, "title": "方案 & 细则", "clause": "一、工作目标",
                        "text": "长" * 400}], latency_ms=900.0),
    ],
    "baseline": [rec("q001", answer="x"), rec("q002", answer="y", hit_at_5=False)],
}


def test_fmt() -> None:
    assert [fmt(None, "pct"), fmt(0.8333, "pct"), fmt(0.8125, "num"), fmt(1234.4, "ms"),
            fmt(3.0, "int")] == ["n/a", "83.3%", "0.812", "1,234 ms", "3"]


def test_markdown_headline_table() -> None:
    md = render_markdown(SUMMARY)
    lines = md.splitlines()
    assert lines[0].startswith("Evaluation: 2 questions from q.jsonl")
    assert "| Metric | policyqa | baseline |" in lines and "|---|---:|---:|" in lines
    assert "| End-to-end accuracy | 50.0% | 25.0% |" in lines
    assert "| Clause accuracy (top citation) | 50.0% | n/a |" in lines
    assert "| Latency p95 | 1,500 ms | 1,500 ms |" in lines
    assert "*baseline*: tutorial <RAG>." in lines


def test_bar_chart_scales_and_escapes() -> None:
    svg = bar_chart("Hit@5 <by type>", ["fact", "a<b"], {"policyqa": [1.0, None],
                                                         "baseline": [0.5, 0.25]})
    assert "&lt;by type&gt;" in svg and "a&lt;b" in svg and "a<b" not in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths == [240.0, 120.0, 0.0, 60.0]  # per category, per system; 240 = 1.0
    assert svg.count("n/a") == 2  # bar tooltip + label


def test_histogram_counts() -> None:
    svg = histogram("lat", [0.0, 1.0, 2.0, 12.0], bins=4)
    counts = [int(c) for c in re.findall(r"ms: (\d+)</title>", svg)]
    assert counts == [3, 0, 0, 1]
    assert "no data" in histogram("lat", [])
    assert histogram("same", [5.0, 5.0]).count("<rect") == 12  # a zero range still draws


def test_failure_reasons() -> None:
    assert failure_reasons(rec("q", refused=True)) == ["refused an answerable question"]
    assert failure_reasons(rec("q", type="unanswerable", answer="x")) == [
        "answered an unanswerable question"]
    assert failure_reasons(rec("q", answer="nothing", hit_at_5=False)) == [
        "answer lacks 5000亿元", "gold evidence not in the top 5 retrieved"]
    assert failure_reasons(rec("q", error="RuntimeError: x")) == ["error: RuntimeError: x"]


def test_html_is_self_contained_and_lists_failures() -> None:
    page = render_html(SUMMARY, RUNS)
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script" not in page and "<link" not in page and "<img" not in page
    failures = page[page.index('id="failures"'):]
    assert "policyqa: 1 of 2 questions wrong" in failures
    assert "q002" in failures and "q001" not in failures.split("<details>")[0]
    assert "增长14%" in failures and "突破5000亿元" in failures  # our answer, gold answer
    assert "方案 &amp; 细则" in failures and "先前的&lt;问题&gt;" in failures
    assert "长" * 160 + "…" in failures and "长" * 161 not in failures
    assert "<details><summary>baseline: 2 of 2 questions wrong</summary>" in failures
    assert "tutorial &lt;RAG&gt;" in page
    assert page.count("<svg") == 2 * 4 + 2
