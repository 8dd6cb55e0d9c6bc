"""The runner on fixed answers (exact metrics), the files it writes, the gate, the CLI,
and the tutorial baseline on a tiny corpus with a fake embedder."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings
from typer.testing import CliRunner

from assistant.types import Answer, Citation, Generator, Turn
from evals.__main__ import DEFAULT_FLOORS, app
from evals.baseline import build_baseline, split_corpus
from evals.questions import Question
from evals.runner import (
    FloorCheck,
    build_summary,
    check_floors,
    evaluate_one,
    gate_passed,
    load_floors,
    run_questions,
    write_outputs,
)

D2 = "002_fdf6c96830e6b8c3.txt"
D3 = "003_5cbdcb84e36c06ba.txt"
GOAL = "一、工作目标"
GOAL_TEXT = "到2025年，经济总量突破5000亿元，发明专利拥有量翻一番。"


def q(id_: str, type_: str = "numeric_target", lang: str = "zh", must: list[str] | None = None,
      history: list[dict[str, str]] | None = None, text: str | None = None) -> Question:
    answerable = type_ != "unanswerable"
    return Question.model_validate({
        "id": id_, "question": text or f"question {id_}", "lang": lang,
        "doc": D2 if answerable else [], "clause": GOAL if answerable else [],
        "answer": f"gold {id_}", "must_contain": (must or ["5000亿元"]) if answerable else [],
        "type": type_, "history": history or [],
    })


def chunk(doc: str, text: str, clause: str = GOAL) -> dict[str, Any]:
    return {"doc_id": doc, "clause": clause, "text": text, "score": 0.5, "dense": 0.5,
            "lexical": 0.5}


def ans(text: str, *, refused: bool = False, cite: tuple[str, str, str] | None = (D2, GOAL, GOAL_TEXT),
        retrieved: list[dict[str, Any]] | None = None) -> Answer:
    citations = [] if cite is None else [
        Citation(n=1, doc_id=cite[0], title="行动方案", clause=cite[1], text=cite[2], score=0.9)]
    return Answer(answer=text, refused=refused, citations=citations, condensed_question="?",
                  generator="extractive", latency_ms=1.0,
                  trace={"mode": "refusal" if refused else "answer", "retrieved": retrieved or []})


class FakeQA:
    """Fixed answers keyed by question text; records the history each call received."""

    def __init__(self, answers: dict[str, Answer | Exception]) -> None:
        self.answers = answers
        self.histories: dict[str, list[Turn] | None] = {}

    def answer(self, question: str, history: list[Turn] | None = None, *,
               top_k: int | None = None, generator: Generator | None = None) -> Answer:
        self.histories[question] = history
        out = self.answers[question]
        if isinstance(out, Exception):
            raise out
        return out


HIT_AT_2 = [chunk(D3, "无关内容"), chunk(D2, GOAL_TEXT)]
QUESTIONS = [
    q("q001"),                                              # right, hit at rank 2
    q("q002", "unanswerable"),                              # correctly refused
    q("q003"),                                              # wrongly refused
    q("q004", "followup", history=[{"role": "user", "content": "东湖高新区目标？"},
                                   {"role": "assistant", "content": "见工作目标。"}]),
    q("q005", lang="en"),                                   # raises
    q("q006", lang="en"),                                   # ungrounded number, wrong doc
    q("q007", "unanswerable", text="<script>alert(1)</script>"),  # answered: wrong
]
ANSWERS: dict[str, Answer | Exception] = {
    "question q001": ans("经济总量突破5000亿元 [1]", retrieved=HIT_AT_2),
    "question q002": ans("没有找到。", refused=True, retrieved=[chunk(D3, "x")]),
    "question q003": ans("没有找到。", refused=True, retrieved=[chunk(D2, GOAL_TEXT)]),
    "question q004": ans("突破5000亿元。", retrieved=[chunk(D2, GOAL_TEXT)]),
    "question q005": RuntimeError("index missing"),
    "question q006": ans("Output of 7000亿元 [1]", cite=(D3, GOAL, "经济总量5000亿元"),
                         retrieved=[chunk(D3, "经济总量5000亿元")] * 6),
    "<script>alert(1)</script>": ans("<b>boom</b>", retrieved=[chunk(D3, "y")]),
}


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return run_questions(FakeQA(dict(ANSWERS)), QUESTIONS)


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


def test_metrics_per_record(records: list[dict[str, Any]]) -> None:
    r = by_id(records)
    assert (r["q001"]["hit_at_1"], r["q001"]["hit_at_5"], r["q001"]["rr"]) == (False, True, 0.5)
    assert r["q001"]["answer_correct"] and r["q001"]["clause_correct"] and r["q001"]["grounded"]
    assert r["q001"]["correct"] and r["q001"]["refusal_correct"]
    assert r["q002"]["correct"] and r["q002"]["hit_at_5"] is None and r["q002"]["rr"] is None
    assert r["q002"]["answer_correct"] is None and r["q002"]["clause_correct"] is None
    assert not r["q003"]["correct"] and r["q003"]["clause_correct"] is False
    assert r["q003"]["hit_at_1"] is True and not r["q003"]["refusal_correct"]
    assert r["q004"]["correct"]
    assert r["q005"]["error"] == "RuntimeError: index missing" and not r["q005"]["correct"]
    assert (r["q005"]["hit_at_5"], r["q005"]["rr"], r["q005"]["answer"]) == (False, 0.0, "")
    assert r["q006"]["grounded"] is False and r["q006"]["ungrounded"] == ["7000亿"]
    assert r["q006"]["clause_correct"] is False  # right clause path, wrong document
    assert r["q006"]["hit_at_5"] is False and r["q006"]["answer_correct"] is False
    assert not r["q007"]["correct"] and not r["q007"]["refusal_correct"]
    assert all(rec["latency_ms"] >= 0 for rec in records)


def test_history_is_passed_as_turns() -> None:
    fake = FakeQA(dict(ANSWERS))
    evaluate_one(fake, QUESTIONS[3])
    history = fake.histories["question q004"]
    assert history == [Turn(role="user", content="东湖高新区目标？"),
                       Turn(role="assistant", content="见工作目标。")]
    evaluate_one(fake, QUESTIONS[0])
    assert fake.histories["question q001"] == []


def test_no_clause_scoring_for_clauseless_systems() -> None:
    rec = evaluate_one(FakeQA(dict(ANSWERS)), QUESTIONS[0], system="baseline", clauses=False)
    assert rec["system"] == "baseline" and rec["clause_correct"] is None


def test_summary_aggregates(records: list[dict[str, Any]]) -> None:
    s = build_summary({"policyqa": records}, {"n_questions": 7})["systems"]["policyqa"]
    o = s["overall"]
    assert o["n"] == 7 and o["n_errors"] == 1
    assert o["answer_accuracy"] == pytest.approx(2 / 5)   # q001, q004 of 5 answerable
    assert o["accuracy"] == pytest.approx(3 / 7)          # + q002
    assert o["hit@1"] == pytest.approx(2 / 5)             # q003, q004
    assert o["hit@5"] == pytest.approx(3 / 5)             # + q001
    assert o["mrr"] == pytest.approx((0.5 + 1 + 1) / 5)
    assert o["clause_accuracy"] == pytest.approx(2 / 5)   # q001, q004
    assert o["refusal_accuracy"] == pytest.approx(4 / 7)  # q003, q005, q007 wrong
    assert o["refusal_recall"] == pytest.approx(1 / 2)
    assert s["by_type"]["unanswerable"]["refusal_accuracy"] == pytest.approx(1 / 2)
    assert s["by_type"]["followup"]["n"] == 1
    assert s["by_lang"]["en"]["n"] == 2 and s["by_lang"]["en"]["n_errors"] == 1
    assert s["by_lang"]["en"]["answer_accuracy"] == 0.0


def test_write_outputs(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    base = run_questions(FakeQA(dict(ANSWERS)), QUESTIONS, system="baseline", clauses=False)
    runs = {"policyqa": records, "baseline": base}
    summary = build_summary(runs, {"n_questions": 7, "descriptions": {"baseline": "tutorial"}})
    paths = write_outputs(tmp_path / "out", summary, runs)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report.html", "results.jsonl", "summary.json", "summary.md"]
    lines = [json.loads(x) for x in paths["results.jsonl"].read_text("utf-8").splitlines()]
    assert len(lines) == 14 and {x["system"] for x in lines} == {"policyqa", "baseline"}
    assert lines[0]["hits"] == {"1": False, "5": True}
    saved = json.loads(paths["summary.json"].read_text("utf-8"))
    assert list(saved["systems"]) == ["policyqa", "baseline"]
    assert saved["systems"]["baseline"]["overall"]["clause_accuracy"] is None
    md = paths["summary.md"].read_text("utf-8")
    assert "| Metric | policyqa | baseline |" in md
    assert "| Clause accuracy (top citation) | 40.0% | n/a |" in md
    page = paths["report.html"].read_text("utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;boom&lt;/b&gt;" in page and 'id="failures"' in page
    assert page.count("<svg") >= 10  # 4 metrics x 2 groupings + 2 latency histograms


def test_gate_passes_and_fails(records: list[dict[str, Any]]) -> None:
    summary = build_summary({"policyqa": records}, {})
    ok = check_floors(summary, {"answer_accuracy": 0.4, "hit_at_5": 0.6})
    assert gate_passed(ok) and [c.value for c in ok] == pytest.approx([0.4, 0.6])
    bad = check_floors(summary, {"answer_accuracy": 0.41, "refusal_accuracy": 0.5})
    assert [c.passed for c in bad] == [False, True] and not gate_passed(bad)
    assert FloorCheck("hit_at_5", 0.0, None).passed
    assert not FloorCheck("hit_at_5", 0.1, None).passed
    with pytest.raises(KeyError, match="baseline"):
        check_floors(summary, {}, system="baseline")


def test_floors_file(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_FLOORS.read_text("utf-8"))
    assert "only ever raised" in data["note"]
    floors = load_floors(DEFAULT_FLOORS)
    assert set(floors) == {"answer_accuracy", "hit_at_5", "refusal_accuracy"}
    assert all(0.0 < v <= 1.0 for v in floors.values())
    typo = tmp_path / "floors.json"
    typo.write_text('{"hit_at5": 0.9}')
    with pytest.raises(ValueError, match="unknown floor"):
        load_floors(typo)


def test_gate_cli(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(build_summary({"policyqa": records}, {})), "utf-8")
    floors = tmp_path / "floors.json"
    floors.write_text('{"note": "x", "answer_accuracy": 0.9, "hit_at_5": 0.5}')
    failed = CliRunner().invoke(app, ["gate", str(path), "--floors", str(floors)])
    assert failed.exit_code == 1
    assert "BELOW FLOOR" in failed.output and "answer_accuracy" in failed.output
    lenient = tmp_path / "lenient.json"
    lenient.write_text('{"note": "x", "answer_accuracy": 0.0, "hit_at_5": 0.0}')
    passed = CliRunner().invoke(app, ["gate", str(path), "--floors", str(lenient)])
    assert passed.exit_code == 0, passed.output


@pytest.fixture
def fake_factory(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """assistant.factory and the store's embedder replaced by fakes; returns what they were given."""
    import vectorstore.indexer

    seen: dict[str, Any] = {}

    def ingest_corpus(settings: Any, *, embedder: Any = None) -> Any:
        seen["ingest"] = (settings.corpus_dir, settings.data_dir, settings.chroma_url, embedder)
        return types.SimpleNamespace(added=["a.txt"], failed={"bad.pdf": "no text layer"})

    def build_qa(settings: Any, *, generator: Any = None, index: Any = None) -> FakeQA:
        seen["build_qa"] = (generator, index)
        qa = FakeQA(dict(ANSWERS))
        qa.generators = lambda: ["extractive"]  # type: ignore[attr-defined]
        return qa

    fake = types.ModuleType("assistant.factory")
    fake.build_qa = build_qa  # type: ignore[attr-defined]
    fake.ingest_corpus = ingest_corpus  # type: ignore[attr-defined]
    fake.make_index = lambda settings, *, embedder, sweep: ("index", embedder, sweep)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assistant.factory", fake)
    monkeypatch.setattr(vectorstore.indexer, "make_store_embedder", lambda settings: "EMB")
    return seen


def write_questions(path: Path, questions: list[Question]) -> Path:
    path.write_text("\n".join(x.model_dump_json() for x in questions), "utf-8")
    return path


def test_run_cli(tmp_path: Path, fake_factory: dict[str, Any]) -> None:
    qfile = write_questions(tmp_path / "q.jsonl", QUESTIONS[:4])
    out = tmp_path / "run"
    lenient = tmp_path / "floors.json"
    lenient.write_text('{"note": "x", "answer_accuracy": 0.0, "hit_at_5": 0.0}')
    result = CliRunner().invoke(app, ["run", "--questions", str(qfile), "--out", str(out),
                                      "--gate", "--floors", str(lenient), "--generator", "extractive"])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "| Metric | policyqa |" in result.output
    assert fake_factory["build_qa"] == ("extractive", ("index", "EMB", False))
    assert "ingest" not in fake_factory
    meta = json.loads((out / "summary.json").read_text("utf-8"))["meta"]
    assert meta["n_questions"] == 4 and meta["generator"] == "extractive"
    assert meta["generators_used"] == {"extractive": 4}


def test_run_cli_fails_on_errors_and_unknown_generator(
    tmp_path: Path, fake_factory: dict[str, Any]
) -> None:
    qfile = write_questions(tmp_path / "q.jsonl", QUESTIONS[4:5])  # raises
    result = CliRunner().invoke(app, ["run", "--questions", str(qfile), "--out",
                                      str(tmp_path / "a")])
    assert result.exit_code == 1 and "1 question(s) raised" in result.output
    assert (tmp_path / "a" / "report.html").is_file()  # written before failing
    result = CliRunner().invoke(app, ["run", "--questions", str(qfile), "--out",
                                      str(tmp_path / "b"), "--generator", "openai"])
    assert result.exit_code == 2 and "not available" in result.output


def test_run_cli_corpus_uses_a_temporary_local_store(
    tmp_path: Path, fake_factory: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PQA_CHROMA_URL", "http://chroma.invalid:8000")
    qfile = write_questions(tmp_path / "q.jsonl", QUESTIONS[:1])
    other = tmp_path / "other"
    other.mkdir()
    result = CliRunner().invoke(app, ["run", "--questions", str(qfile), "--corpus", str(other),
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    corpus_dir, data_dir, chroma_url, embedder = fake_factory["ingest"]
    assert corpus_dir == other and chroma_url is None and embedder == "EMB"
    assert data_dir.name.startswith("policyqa-eval-") and not data_dir.exists()  # cleaned up
    assert "bad.pdf" in result.output
    meta = json.loads((tmp_path / "run" / "summary.json").read_text("utf-8"))["meta"]
    assert meta["corpus"] == str(other) and meta["ingest"]["added"] == 1


# --------------------------------------------------------------------------- baseline


class HashEmbeddings(Embeddings):
    """Character-bigram hashing: similar text, similar vector; records which side is used."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * 64
        for a, b in itertools.pairwise(text):
            v[hashlib.md5((a + b).encode()).digest()[0] % 64] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append("passage")
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.calls.append("query")
        return self._vec(text)


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    para = "第{0}条 科技企业倍增行动，高新技术企业数量力争突破10000家。" * 3
    (corpus / "001_aaaaaaaaaaaaaaaa.txt").write_text(
        "\n\n".join(para.format(i) for i in range(12)), "utf-8")
    (corpus / "002_bbbbbbbbbbbbbbbb.txt").write_text(
        "生命健康产业总收入突破3000亿元。\n\n光电子信息产业产值达到5000亿元。", "utf-8")
    (corpus / "notes.xyz").write_text("ignored", "utf-8")
    return corpus


def test_baseline_splits_raw_text(tiny_corpus: Path) -> None:
    chunks = split_corpus(tiny_corpus)
    assert {c.doc_id for c in chunks} == {"001_aaaaaaaaaaaaaaaa.txt", "002_bbbbbbbbbbbbbbbb.txt"}
    assert all(len(c.text) <= 500 for c in chunks)
    first = [c for c in chunks if c.doc_id.startswith("001")]
    assert len(first) > 1 and [c.seq for c in first] == list(range(len(first)))
    assert len([c for c in chunks if c.doc_id.startswith("002")]) == 1


def test_baseline_answers_with_top_chunk(tiny_corpus: Path) -> None:
    emb = HashEmbeddings()
    tutorial = build_baseline(tiny_corpus, emb, k=3)
    try:
        out = tutorial.answer("光电子信息产业产值达到多少？", [Turn(role="user", content="x")])
    finally:
        tutorial.close()
    assert not out.refused and out.trace["mode"] == "baseline"
    assert len(out.trace["retrieved"]) == 3
    top = out.trace["retrieved"][0]
    assert top["doc_id"] == "002_bbbbbbbbbbbbbbbb.txt" and "5000亿元" in top["text"]
    assert out.answer == top["text"] and out.citations[0].clause == ""
    assert "passage" in emb.calls and emb.calls[-1] == "query"
