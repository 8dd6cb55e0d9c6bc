"""Run a question set through a QA service, score every answer, summarise, and gate.

Scoring is the metrics module's; this module only decides what each metric is applied
to (the trace's ranked chunks, the top citation, the answer text) and writes the files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.types import Answer, Generator, Turn
from evals import metrics
from evals.questions import Question

KS = (1, 5)
MRR_K = 10  # MRR@10: the same depth for every system
PRIMARY = "policyqa"


class Answerer(Protocol):
    """The one QAService method the runner calls (PolicyQA and the baseline both have it)."""

    def answer(
        self,
        question: str,
        history: list[Turn] | None = None,
        *,
        top_k: int | None = None,
        generator: Generator | None = None,
    ) -> Answer: ...


def _same_doc(a: str, b: str) -> bool:
    return a.strip().removesuffix(".txt") == b.strip().removesuffix(".txt")


def _gold_pairs(q: Question) -> list[tuple[str, str]]:
    """(doc, clause) pairs: alternatives within one document, or a cross-document list."""
    if len(q.docs) == 1:
        return [(q.docs[0], c) for c in q.clauses]
    return list(zip(q.docs, q.clauses, strict=True))


def _any_of(q: Question) -> list[str]:
    """Alternative acceptable spans of a converted dataset question (evals.datasets), else []."""
    return list(getattr(q, "any_of", None) or [])


def score_answer(q: Question, answer: Answer, *, clauses: bool = True) -> dict[str, Any]:
    """Every metric of one answer, as JSON-ready values (None: not applicable).

    The top citation's clause counts only if it is in a gold document, so two documents
    that both have a "一、工作目标" are not confused. ``clauses=False`` for systems
    without clauses (the baseline), whose clause accuracy is then n/a.
    """
    retrieved: list[Mapping[str, Any]] = list(answer.trace.get("retrieved") or [])
    cited = [f"{c.title}\n{c.clause}\n{c.text}" for c in answer.citations]
    ungrounded = metrics.ungrounded_numbers(answer.answer, cited)
    out: dict[str, Any] = {
        "hits": {k: metrics.hit_at_k(retrieved, q, k) for k in KS},
        "rr": metrics.reciprocal_rank(retrieved, q, MRR_K),
        "answer_correct": metrics.answer_correct(answer.answer, q.must_contain, _any_of(q))
        if q.answerable else None,
        "clause_correct": None,
        "grounded": not ungrounded,
        "ungrounded": ungrounded,
    }
    if clauses and q.answerable:
        top = answer.citations[0] if answer.citations and not answer.refused else None
        out["clause_correct"] = top is not None and any(
            _same_doc(top.doc_id, d) and metrics.clause_match(top.clause, c)
            for d, c in _gold_pairs(q)
        )
    return out


def _failed_scores(q: Question, *, clauses: bool) -> dict[str, Any]:
    """The scores of a question whose answer raised: wrong on every count that applies."""
    wrong = False if q.answerable else None
    return {
        "hits": dict.fromkeys(KS, wrong), "rr": 0.0 if q.answerable else None,
        "answer_correct": wrong, "clause_correct": wrong if clauses else None,
        "grounded": None, "ungrounded": [],
    }


def _answer_fields(answer: Answer | None, generator: Generator | None) -> dict[str, Any]:
    """What the system said, as stored in results.jsonl (empty when it raised)."""
    if answer is None:
        return {"answer": "", "refused": False, "citations": [], "generator": generator,
                "generator_used": None, "mode": None, "retrieved": []}
    return {
        "answer": answer.answer, "refused": answer.refused,
        "citations": [c.model_dump() for c in answer.citations],
        "generator": answer.generator,
        "generator_used": answer.trace.get("generator_used", answer.generator),
        "mode": answer.trace.get("mode"),
        "retrieved": [dict(r) for r in answer.trace.get("retrieved") or []][:MRR_K],
    }


def evaluate_one(
    qa: Answerer, q: Question, *, system: str = PRIMARY, clauses: bool = True,
    generator: Generator | None = None, top_k: int | None = None,
) -> dict[str, Any]:
    """Ask one question (with its history) and return its full result record."""
    history = [Turn(role=t.role, content=t.content) for t in q.history]
    start = time.perf_counter()
    answer: Answer | None = None
    error: str | None = None
    try:
        answer = qa.answer(q.question, history, top_k=top_k, generator=generator)
    except Exception as exc:  # one broken question must not lose the whole run
        error = f"{type(exc).__name__}: {exc}"[:500]
    latency = round((time.perf_counter() - start) * 1000, 2)
    if answer is None:
        scores = _failed_scores(q, clauses=clauses)
    else:
        scores = score_answer(q, answer, clauses=clauses)
    record: dict[str, Any] = {
        "system": system, "id": q.id, "type": q.type, "lang": q.lang,
        "question": q.question, "history": [t.model_dump() for t in q.history],
        "gold_answer": q.answer, "gold_doc": q.docs, "gold_clause": q.clauses,
        "must_contain": q.must_contain, "any_of": _any_of(q),
        **_answer_fields(answer, generator),
        **scores,
        **{f"hit_at_{k}": hit for k, hit in scores["hits"].items()},
        "latency_ms": latency,
        "error": error,
    }
    # A crash is not a correct refusal decision, whichever way the question goes.
    record["refusal_correct"] = error is None and record["refused"] == (not q.answerable)
    record["correct"] = metrics.is_correct(metrics.EvalRecord.from_mapping(record))
    return record


def run_questions(
    qa: Answerer, questions: Sequence[Question], *, system: str = PRIMARY, clauses: bool = True,
    generator: Generator | None = None, top_k: int | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate every question in order; ``on_result`` is called after each (progress)."""
    records = []
    for q in questions:
        record = evaluate_one(qa, q, system=system, clauses=clauses, generator=generator,
                              top_k=top_k)
        records.append(record)
        if on_result is not None:
            on_result(record)
    return records


def _extras(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Figures summarize() does not have: refusal accuracy (refused iff unanswerable), errors,
    and the median length in characters of the answers given (not refused, not raised), since
    a long answer quotes a gold span more easily and accuracy alone would hide that."""
    n = len(records)
    lengths = [len(str(r.get("answer") or "").strip()) for r in records
               if not r.get("refused") and r.get("error") is None]
    return {
        "refusal_accuracy": sum(bool(r["refusal_correct"]) for r in records) / n if n else None,
        "n_errors": sum(r.get("error") is not None for r in records),
        "answer_chars_p50": metrics.percentile(lengths, 50),
    }


def summarize_system(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """evals.metrics.summarize, plus refusal accuracy and error counts in every group."""
    summary = metrics.summarize(records)
    summary["overall"].update(_extras(records))
    for group, key in (("by_type", "type"), ("by_lang", "lang")):
        for name, agg in summary[group].items():
            agg.update(_extras([r for r in records if r[key] == name]))
    return summary


def build_summary(
    runs: Mapping[str, Sequence[Mapping[str, Any]]], meta: Mapping[str, Any]
) -> dict[str, Any]:
    """summary.json: run metadata and one summary per system (policyqa first)."""
    return {"meta": dict(meta), "systems": {name: summarize_system(r) for name, r in runs.items()}}


def write_outputs(
    out_dir: Path, summary: Mapping[str, Any], runs: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, Path]:
    """Write results.jsonl, summary.json, summary.md and report.html; return their paths."""
    from evals.report import render_html, render_markdown

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in
             ("results.jsonl", "summary.json", "summary.md", "report.html")}
    with paths["results.jsonl"].open("w", encoding="utf-8") as f:
        for records in runs.values():
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    paths["summary.json"].write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["summary.md"].write_text(render_markdown(summary), encoding="utf-8")
    paths["report.html"].write_text(render_html(summary, runs), encoding="utf-8")
    return paths


# --------------------------------------------------------------------------- regression gate

FLOOR_METRICS = {  # floors.json key → key in a summary group
    "answer_accuracy": "answer_accuracy",
    "hit_at_5": "hit@5",
    "refusal_accuracy": "refusal_accuracy",
}


@dataclass(frozen=True)
class FloorCheck:
    """One gated figure: None means the run could not compute it (e.g. no answerable questions)."""

    name: str
    floor: float
    value: float | None

    @property
    def passed(self) -> bool:
        return self.value >= self.floor if self.value is not None else self.floor <= 0


def load_floors(path: Path) -> dict[str, float]:
    """Read floors.json; unknown metric names are errors so a typo cannot disable the gate."""
    data = json.loads(path.read_text(encoding="utf-8"))
    floors = {k: v for k, v in data.items() if k != "note"}
    unknown = sorted(set(floors) - set(FLOOR_METRICS))
    if unknown:
        raise ValueError(f"{path}: unknown floor(s) {unknown}; known: {sorted(FLOOR_METRICS)}")
    bad = [k for k, v in floors.items() if not isinstance(v, int | float) or isinstance(v, bool)]
    if bad:
        raise ValueError(f"{path}: floors must be numbers: {bad}")
    return {k: float(v) for k, v in floors.items()}


def check_floors(
    summary: Mapping[str, Any], floors: Mapping[str, float], *, system: str = PRIMARY
) -> list[FloorCheck]:
    """Compare one system's overall figures with the floors, in the floors' order."""
    systems = summary.get("systems") or {}
    if system not in systems:
        raise KeyError(f"summary has no system {system!r}; it has {sorted(systems)}")
    overall = systems[system]["overall"]
    return [FloorCheck(name, floor, overall.get(FLOOR_METRICS[name]))
            for name, floor in floors.items()]


def gate_passed(checks: Iterable[FloorCheck]) -> bool:
    return all(c.passed for c in checks)
