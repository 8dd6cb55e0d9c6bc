"""Dataset converters (SQuAD-style JSON → corpus documents + gold questions), the CJRC
case-naming filter, deterministic stratified sampling, any-of span scoring, and the CLI's
one-line errors and --dataset wiring (with the chain faked)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.types import Answer, Generator, Turn
from evals import metrics
from evals.__main__ import app
from evals.datasets import (
    DatasetQuestion,
    convert_cjrc,
    convert_cmrc,
    load_dataset,
    sample_questions,
    select_documents,
    write_corpus,
)
from evals.questions import Question
from evals.report import failure_reasons
from evals.runner import evaluate_one, score_answer

CMRC: dict[str, Any] = {"version": "v1.0", "data": [
    {"id": "DEV_0", "title": "战国无双3", "paragraphs": [{
        "id": "DEV_0",
        "context": "《战国无双3》是由光荣和ω-force开发的战国无双系列的正统第三续作。",
        "qas": [{"question": "《战国无双3》是由哪两个公司合作开发的？", "id": "DEV_0_QUERY_0",
                 "answers": [{"text": "光荣和ω-force", "answer_start": 11},
                             {"text": "光荣和ω-force", "answer_start": 11},
                             {"text": " 光荣 ", "answer_start": 11}]}]}]},
    {"id": "DEV_1", "title": "", "paragraphs": [{
        "id": "DEV_1", "context": "锣鼓经是戏曲打击乐的谱式。",
        "qas": [{"question": "锣鼓经是什么？", "id": "DEV_1_QUERY_0",
                 "answers": [{"text": "戏曲打击乐的谱式", "answer_start": 4}]}]}]},
]}

CASE_A = "原告曹0与被告张x1于2001年结婚，被告每月支付生活费800元。"
CASE_B = "原告李x2与被告王x3离婚，被告每月支付生活费500元。"
CASE_C = "被告人赵x4盗窃电动车一辆，价值3000元。"


def qa(id_: str, question: str, spans: list[str], impossible: bool = False) -> dict[str, Any]:
    answers = [{"text": s, "answer_start": -1 if s in ("", "YES", "NO") else 0} for s in spans]
    return {"question": question, "id": id_, "answers": answers,
            "is_impossible": "true" if impossible else "false"}


CJRC: dict[str, Any] = {"version": "1.0", "data": [
    {"caseid": "1", "domain": "civil", "paragraphs": [{
        "casename": "离婚纠纷", "context": CASE_A, "qas": [
            qa("1_1", "原告曹0与被告张x1何时结婚？", ["2001年", "2001年", ""]),  # names case 1
            qa("1_2", "被告每月支付生活费多少？", ["800元"]),  # shared by cases 1 and 2
            qa("1_3", "原告曹0是否再婚？", ["YES", "YES", "NO"]),  # a label, not a span
            qa("1_4", "原告曹0与被告张x1有几个孩子？", ["", "", ""], impossible=True),
        ]}]},
    {"caseid": "2", "domain": "civil", "paragraphs": [{
        "casename": "离婚纠纷", "context": CASE_B,
        "qas": [qa("2_1", "原告李x2与被告王x3为何离婚？", ["", ""], impossible=True)]}]},
    {"caseid": "3", "domain": "criminal", "paragraphs": [{
        "casename": "盗窃罪", "context": CASE_C,
        "qas": [qa("3_1", "被告人赵x4盗窃了什么？", ["电动车一辆", "电动车"])]}]},
]}


# --------------------------------------------------------------------------- converters


def test_cmrc_paragraphs_become_titled_documents_and_spans_any_of() -> None:
    docs, qs, excluded = convert_cmrc(CMRC)
    assert [name for name, _ in docs] == ["cmrc-DEV_0.txt", "cmrc-DEV_1.txt"]
    assert docs[0][1].splitlines()[0] == "战国无双3"
    assert docs[1][1].splitlines()[0] == "DEV_1"  # no title: the paragraph id
    q = qs[0]
    assert isinstance(q, DatasetQuestion) and isinstance(q, Question)
    assert q.any_of == ["光荣和ω-force", "光荣"]  # deduplicated, stripped
    assert q.must_contain == ["光荣和ω-force"] and q.answer == "光荣和ω-force"
    assert (q.type, q.lang, q.doc, q.clause) == ("fact", "zh", "cmrc-DEV_0.txt", "战国无双3")
    assert excluded == {}


def test_cjrc_impossible_yes_no_and_case_naming_filter() -> None:
    docs, qs, excluded = convert_cjrc(CJRC)
    assert [name for name, _ in docs] == ["cjrc-1.txt", "cjrc-2.txt", "cjrc-3.txt"]
    assert docs[0][1] == f"离婚纠纷\n{CASE_A}\n"
    by_id = {q.id: q for q in qs}
    # 1_2's only 4-character overlaps (每月支付, 支付生活…) sit in cases 1 and 2: dropped.
    assert set(by_id) == {"1_1", "1_4", "2_1", "3_1"}
    assert excluded == {"yes_no": 1, "not_naming_its_case": 1}
    assert by_id["1_1"].any_of == ["2001年"]
    gone = by_id["1_4"]
    assert gone.type == "unanswerable" and not gone.answerable
    assert (gone.doc, gone.clause, gone.must_contain, gone.any_of) == ([], [], [], [])
    assert gone.context_doc == "cjrc-1.txt"


def test_sampling_is_deterministic_and_stratified() -> None:
    def mk(i: int, unanswerable: bool) -> DatasetQuestion:
        if unanswerable:
            return DatasetQuestion(id=f"u{i}", question="?", lang="zh", doc=[], clause=[],
                                   answer="无", must_contain=[], type="unanswerable",
                                   history=[], context_doc=f"d{i}.txt")
        return DatasetQuestion(id=f"a{i}", question="?", lang="zh", doc=f"d{i}.txt",
                               clause="t", answer="x", must_contain=["x"], type="fact",
                               history=[], any_of=["x"], context_doc=f"d{i}.txt")

    pool = [mk(i, i % 4 == 0) for i in range(200)]  # 25% unanswerable
    first = sample_questions(pool, 40)
    assert [q.id for q in first] == [q.id for q in sample_questions(pool, 40)]
    assert sum(not q.answerable for q in first) == 10 and len(first) == 40
    assert [q.id for q in first] == [q.id for q in pool if q in first]  # file order kept
    assert sample_questions(pool, 500) == pool and sample_questions(pool, 0) == []
    docs = [(f"d{i}.txt", "text") for i in range(200)]
    picked = select_documents(docs, first, 7)
    used = {f"d{q.id[1:]}.txt" for q in first}
    assert used <= {n for n, _ in picked} and len(picked) == 47
    assert picked == select_documents(docs, first, 7)


def test_write_corpus(tmp_path: Path) -> None:
    docs, _, _ = convert_cmrc(CMRC)
    folder = write_corpus(docs, tmp_path / "c")
    assert sorted(p.name for p in folder.iterdir()) == ["cmrc-DEV_0.txt", "cmrc-DEV_1.txt"]


# --------------------------------------------------------------------------- scoring


def _answer(text: str, retrieved: list[dict[str, Any]] | None = None) -> Answer:
    return Answer(answer=text, refused=False, citations=[], condensed_question="?",
                  generator="extractive", latency_ms=1.0,
                  trace={"mode": "answer", "retrieved": retrieved or []})


class _QA:
    """Answers every question with the same text."""

    def __init__(self, text: str = "光荣和ω-force 开发") -> None:
        self.text = text

    def answer(self, question: str, history: list[Turn] | None = None, *,
               top_k: int | None = None, generator: Generator | None = None) -> Answer:
        return _answer(self.text)

    def generators(self) -> list[str]:
        return ["extractive"]


def test_any_of_scoring() -> None:
    q = convert_cjrc(CJRC)[1][-1]  # 3_1: any_of 电动车一辆 | 电动车
    assert metrics.answer_correct("他偷了一辆电动车。", q.must_contain, q.any_of)
    assert not metrics.answer_correct("他偷了一辆自行车。", q.must_contain, q.any_of)
    hit = [{"doc_id": "cjrc-2.txt", "text": "电动车"}, {"doc_id": "cjrc-3.txt", "text": CASE_C}]
    right = score_answer(q, _answer("盗窃电动车", hit), clauses=False)
    assert right["answer_correct"] is True and right["clause_correct"] is None
    assert right["hits"] == {1: False, 5: True} and right["rr"] == 0.5
    wrong = score_answer(q, _answer("盗窃摩托车", hit[:1]), clauses=False)
    assert wrong["answer_correct"] is False and wrong["hits"][5] is False
    record = evaluate_one(_QA("摩托车"), q, clauses=False)
    assert record["any_of"] == ["电动车一辆", "电动车"] and not record["correct"]
    assert failure_reasons(record)[0] == "answer quotes none of 电动车一辆 | 电动车"


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def fake_chain(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The chain and embedder faked; records the corpus folder it was asked to index."""
    import vectorstore.indexer

    seen: dict[str, Any] = {}

    def ingest_corpus(settings: Any, *, embedder: Any = None) -> Any:
        seen["files"] = sorted(p.name for p in Path(settings.corpus_dir).iterdir())
        return types.SimpleNamespace(added=seen["files"], failed={})

    fake = types.ModuleType("assistant.factory")
    fake.ingest_corpus = ingest_corpus  # type: ignore[attr-defined]
    fake.build_qa = lambda settings, *, generator=None, index=None: _QA()  # type: ignore[attr-defined]
    fake.make_index = lambda settings, *, embedder, sweep: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assistant.factory", fake)
    # The run loads its encoder through the indexer; patching the indexer's own name keeps the
    # fake out of a module that binds make_embedder when it is first imported.
    monkeypatch.setattr(vectorstore.indexer, "make_store_embedder", lambda settings: "EMB")
    return seen


def test_malformed_question_file_is_one_line_exit_2(tmp_path: Path) -> None:
    good = {"id": "any id", "question": "q?", "lang": "zh", "doc": "a.txt", "clause": "一、",
            "answer": "x", "must_contain": ["x"], "type": "fact", "history": []}
    bad = dict(good, id="other", lang="fr")
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", "utf-8")
    result = CliRunner().invoke(app, ["run", "--questions", str(path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and f"{path}:2" in result.output
    assert "lang" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["run", "--questions", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and missing.output.count("\n") == 1


def test_missing_datasets_dir_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--dataset", "cmrc2018"],
                                env={"PQA_DATASETS_DIR": str(tmp_path)})
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "not found" in result.output and str(tmp_path) in result.output
    both = CliRunner().invoke(app, ["run", "--dataset", "policy", "--corpus", str(tmp_path)])
    assert both.exit_code == 2 and "--dataset" in both.output


def test_dataset_run_indexes_the_converted_sample(tmp_path: Path,
                                                  fake_chain: dict[str, Any]) -> None:
    (tmp_path / "cmrc2018").mkdir()
    (tmp_path / "cmrc2018" / "cmrc2018_dev.json").write_text(json.dumps(CMRC), "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "run", "--dataset", "cmrc2018", "--datasets-dir", str(tmp_path), "--sample", "1",
        "--distractors", "0", "--out", str(out), "--generator", "extractive"])
    assert result.exit_code == 0, result.output
    assert len(fake_chain["files"]) == 1  # the sampled question's document only
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    overall = summary["systems"]["policyqa"]["overall"]
    assert overall["clause_accuracy"] is None and overall["answer_chars_p50"] == 13
    assert summary["meta"]["dataset"] == "cmrc2018" and summary["meta"]["sample"] == 1
    assert "| Clause accuracy (top citation) | n/a |" in result.output
    assert "| Median answer length | 13 chars |" in result.output


def test_named_policy_sets_load() -> None:
    for name, folder in (("policy-heldout", "heldout"), ("policy-dev", "dev")):
        named = load_dataset(name)
        assert named.corpus_dir is not None and named.corpus_dir.name == folder
        assert named.clauses and named.documents is None and named.questions
        assert named.source.endswith(f"policy_{folder}.jsonl")
