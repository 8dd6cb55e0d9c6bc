"""Aggregation over per-question results: accuracy, refusal, hit@k and latency summaries.

Kept apart from :mod:`evals.metrics`, which scores one question; this module only
counts and averages the records those scores produce.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0–100) with linear interpolation, as numpy's default; None if empty."""
    xs = sorted(float(v) for v in values)
    if not xs:
        return None
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    pos = (len(xs) - 1) * p / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class EvalRecord:
    """The outcome of one question; metrics a run did not compute stay None.

    ``hits`` maps k to hit@k. ``answer_correct`` is judged on the answer text alone;
    :func:`summarize` counts a refused answerable question as incorrect.
    """

    id: str
    type: str
    lang: str
    refused: bool
    answer_correct: bool | None = None
    clause_correct: bool | None = None
    grounded: bool | None = None
    hits: dict[int, bool | None] = field(default_factory=dict)
    rr: float | None = None
    latency_ms: float | None = None

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EvalRecord:
        """Build from a dict (e.g. a JSON line); unknown keys are ignored, hit keys → int."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["hits"] = {int(k): v for k, v in dict(data.get("hits") or {}).items()}
        return cls(**kwargs)


RecordLike = EvalRecord | Mapping[str, Any]


def _records(records: Iterable[RecordLike]) -> list[EvalRecord]:
    return [r if isinstance(r, EvalRecord) else EvalRecord.from_mapping(r) for r in records]


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _mean(values: Iterable[float | bool | None]) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def refusal_stats(records: Iterable[RecordLike]) -> dict[str, float | int | None]:
    """Refusal precision/recall on unanswerable questions and false refusals on answerable ones.

    precision = refused unanswerable / all refusals; recall = refused unanswerable /
    unanswerable; false_refusal_rate = refused answerable / answerable. None when the
    denominator is zero.
    """
    recs = _records(records)
    tp = sum(r.refused and not r.answerable for r in recs)
    fp = sum(r.refused and r.answerable for r in recs)
    n_unans = sum(not r.answerable for r in recs)
    n_ans = len(recs) - n_unans
    return {
        "refusal_precision": _ratio(tp, tp + fp),
        "refusal_recall": _ratio(tp, n_unans),
        "false_refusal_rate": _ratio(fp, n_ans),
        "n_refused": tp + fp,
        "n_unanswerable": n_unans,
        "n_answerable": n_ans,
    }


def is_correct(r: EvalRecord) -> bool:
    """End-to-end correctness: a refusal when unanswerable, a right unrefused answer otherwise."""
    if not r.answerable:
        return r.refused
    return not r.refused and bool(r.answer_correct)


def _group(recs: list[EvalRecord], ks: Sequence[int]) -> dict[str, Any]:
    answerable = [r for r in recs if r.answerable]
    lat = [r.latency_ms for r in recs if r.latency_ms is not None]
    out: dict[str, Any] = {
        "n": len(recs),
        "accuracy": _mean(is_correct(r) for r in recs),
        "answer_accuracy": _mean(
            None if r.answer_correct is None and not r.refused else is_correct(r)
            for r in answerable
        ),
        "clause_accuracy": _mean(r.clause_correct for r in answerable),
        "grounded_rate": _mean(r.grounded for r in answerable if not r.refused),
        "mrr": _mean(r.rr for r in answerable),
        "latency_ms_p50": percentile(lat, 50),
        "latency_ms_p95": percentile(lat, 95),
    }
    for k in ks:
        out[f"hit@{k}"] = _mean(r.hits.get(k) for r in answerable)
    out.update(refusal_stats(recs))
    return out


def summarize(records: Iterable[RecordLike]) -> dict[str, Any]:
    """Aggregates overall, per question type and per language; plain JSON-ready values."""
    recs = _records(records)
    ks = sorted({k for r in recs for k in r.hits})  # same keys in every group
    by_type: dict[str, list[EvalRecord]] = {}
    by_lang: dict[str, list[EvalRecord]] = {}
    for r in recs:
        by_type.setdefault(r.type, []).append(r)
        by_lang.setdefault(r.lang, []).append(r)
    return {
        "overall": _group(recs, ks),
        "by_type": {t: _group(v, ks) for t, v in sorted(by_type.items())},
        "by_lang": {lang: _group(v, ks) for lang, v in sorted(by_lang.items())},
    }
