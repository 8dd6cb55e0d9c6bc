"""``python -m evals fit``: fit the chain's selection and refusal models on data meant for
fitting, and write them into the parameters file (assistant/params.py).

The fitting set is CMRC 2018 trial (CC BY-SA 4.0): Wikipedia paragraphs, every question
answerable. Each question is asked over the pooled paragraphs as it is, and again with the
paragraph that holds its answer withheld (the topic is absent). With
``--withhold-sentences`` it is also asked with only the sentences that hold the answer cut
out (its words are there, its answer is not); that is off by default because on CJRC dev
it refused no more unanswerable questions and it raised false refusals. Selection learns
which sentence holds a gold span; refusal learns to tell answerable runs from the others. A fifth of the paragraphs is held back to report both models on
questions they were not fitted on; CJRC dev and the held-out policy set validate them
(``python -m evals run``) and nothing is fitted on those.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console

from assistant.decide import REFUSE_FEATURES
from assistant.params import Logistic, Params, default_params
from assistant.select import FEATURES
from evals.datasets import DatasetQuestion, convert_cmrc, datasets_dir, write_corpus
from evals.datasets import _read_json as read_json

console = Console(stderr=True)
FIT_FILE = "cmrc2018/cmrc2018_trial.json"
VALIDATION_SHARE = 0.2
MAX_FALSE_REFUSALS = 0.08  # the threshold keeps at most this share of answerable questions refused
_SPACE = re.compile(r"\s+")


@dataclass
class Case:
    """One question's candidate units: asked as it is, with its paragraph withheld, and with
    only the sentences that hold the answer withheld (its words stay, its answer goes)."""

    qid: str
    doc: str
    held_back: bool
    rows: list[dict[str, float]]  # unit features, answerable run
    labels: list[int]  # 1 when the unit holds a gold span
    withheld: list[dict[str, float]]  # unit features with the answer's paragraph withheld
    ctx: Any  # the QuestionContext, and both runs' evidence, for the refusal features
    inside: list[Any]
    outside: list[Any]
    masked: list[dict[str, float]] = field(default_factory=list)  # answer sentences withheld
    masked_ev: list[Any] = field(default_factory=list)
    refuse_in: dict[str, float] = field(default_factory=dict)  # once selection is fitted
    refuse_out: dict[str, float] = field(default_factory=dict)
    refuse_masked: dict[str, float] = field(default_factory=dict)


def _norm(text: str) -> str:
    return _SPACE.sub("", text)


def _without(ev: Any, sentences: Sequence[str]) -> Any:
    """The evidence with the given sentences cut out of its clause text."""
    text = ev.chunk.text
    for s in sentences:
        text = text.replace(s, "")
    return replace(ev, chunk=replace(ev.chunk, text=text))


def collect(qa: Any, questions: Sequence[DatasetQuestion], held: set[str], depth: int = 8, *,
            withhold_sentences: bool = False) -> list[Case]:
    """Candidate units and their labels for every question (the slow part: retrieval)."""
    from assistant.select import candidates

    params = qa.params
    cases: list[Case] = []
    for i, q in enumerate(questions):
        ctx = qa.analyse(q.question)
        pool = qa.retriever.search(ctx.q, k=2 * depth)
        inside = pool[:depth]
        outside = [e for e in pool if e.chunk.doc_id != q.context_doc][:depth]
        units = candidates(ctx, inside, params.select)
        gold = [_norm(s) for s in q.any_of if s.strip()]
        labels = [int(any(g in _norm(u.text) for g in gold)) for u in units]
        away = candidates(ctx, outside, params.select)
        case = Case(q.id, q.context_doc or "", (q.context_doc or "") in held,
                    [u.features for u in units], labels, [u.features for u in away], ctx, inside, outside)
        answers = [u.text for u, lab in zip(units, labels, strict=True) if lab]
        if answers and withhold_sentences:
            case.masked_ev = [_without(e, answers) for e in inside]
            case.masked = [u.features for u in candidates(ctx, case.masked_ev, params.select)
                           if not any(g in _norm(u.text) for g in gold)]
        cases.append(case)
        if (i + 1) % 100 == 0:
            console.print(f"  {i + 1}/{len(questions)} questions")
    return cases


def _fit_logistic(x: np.ndarray, y: np.ndarray, names: list[str]) -> Logistic:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(x), y)
    return Logistic(features=names, weights=[round(float(w), 5) for w in model.coef_[0]],
                    bias=round(float(model.intercept_[0]), 5),
                    mean=[round(float(m), 6) for m in scaler.mean_],
                    scale=[round(float(s), 6) for s in scaler.scale_])


def _fit_ranker(cases: Sequence[Case], names: list[str], max_pairs: int = 40,
                prior: Logistic | None = None) -> Logistic:
    """Selection as ranking: which unit of one question's candidates holds the answer.

    A pointwise fit mostly learns what answer-bearing sentences look like across all
    questions; what selection needs is the best of *these* candidates. So the weights are
    fitted on differences between a gold unit and the other units of the same question
    (a linear pairwise ranker), then calibrated to a probability on every unit, so that
    the decide stage and the join ratios read it as a probability. A feature that never
    varies in the fitting set keeps its weight from ``prior`` (and is listed as a prior).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x_all = np.array([[r[n] for n in names] for c in cases for r in c.rows])
    y_all = np.array([lab for c in cases for lab in c.labels])
    scaler = StandardScaler().fit(x_all)
    rng = random.Random(7)
    diffs = []
    for c in cases:
        if not c.rows:
            continue
        x = scaler.transform(np.array([[r[n] for n in names] for r in c.rows]))
        pos = [i for i, lab in enumerate(c.labels) if lab]
        neg = [i for i, lab in enumerate(c.labels) if not lab]
        pairs = [(p, n) for p in pos for n in neg]
        for p, n in rng.sample(pairs, min(max_pairs, len(pairs))):
            diffs.append(x[p] - x[n])
    d = np.array(diffs)
    ranker = LogisticRegression(C=1.0, fit_intercept=False, max_iter=2000).fit(
        np.vstack([d, -d]), np.array([1] * len(d) + [0] * len(d)))
    w = ranker.coef_[0]
    score = scaler.transform(x_all) @ w
    calib = LogisticRegression(max_iter=1000).fit(score[:, None], y_all)
    a, b = float(calib.coef_[0][0]), float(calib.intercept_[0])
    weights = [round(float(a * v), 5) for v in w]
    for i, name in enumerate(names):  # no variation here (no tables in the fitting set): keep the prior
        if scaler.var_[i] == 0 and prior is not None and name in prior.features:
            j = prior.features.index(name)
            weights[i] = round(prior.weights[j] / ((prior.scale[j] if prior.scale else 1.0) or 1.0), 5)
    return Logistic(features=names, weights=weights, bias=round(b, 5),
                    mean=[round(float(m), 6) for m in scaler.mean_],
                    scale=[round(float(s), 6) for s in scaler.scale_])


def _top1(cases: Sequence[Case], model: Logistic) -> float:
    """Share of questions whose best-scored unit holds a gold span."""
    hits = [c.labels[int(np.argmax([model.logit(r) for r in c.rows]))] if c.rows else 0 for c in cases]
    return float(np.mean(hits)) if hits else 0.0


def _refusal_rows(qa: Any, cases: Sequence[Case], select: Logistic) -> None:
    """Refusal features of each run, from the unit the fitted selection model would pick."""
    from assistant.decide import evidence_features
    from assistant.units import Unit

    def features(rows: list[dict[str, float]], evidence: list[Any], ctx: Any) -> dict[str, float]:
        if not rows or not evidence:
            return evidence_features(ctx, evidence, None, qa.params.refuse)
        probs = [select.prob(r) for r in rows]
        best = int(np.argmax(probs))
        return evidence_features(ctx, evidence, Unit("", evidence[0], probs[best], "", rows[best]),
                                 qa.params.refuse)

    for c in cases:
        c.refuse_in = features(c.rows, c.inside, c.ctx)
        c.refuse_out = features(c.withheld, c.outside, c.ctx)
        if c.masked_ev:
            c.refuse_masked = features(c.masked, c.masked_ev, c.ctx)


def _threshold(p_in: np.ndarray, p_out: np.ndarray) -> float:
    """The threshold that refuses least among those whose balanced accuracy is within one
    standard error of the best (the one-standard-error rule), refusing at most
    MAX_FALSE_REFUSALS of the answerable runs.

    Balanced accuracy is flat over a wide range of thresholds on the fitting set, so its
    arg-max moves with noise; within that noise the rule answers rather than refuses,
    because a wrong refusal costs as much as a wrong answer and the fitting set's
    unanswerable runs (a withheld paragraph) are easier to spot than a user's.
    """
    grid = [float(t) for t in np.linspace(0.02, 0.98, 97)]
    scored: list[tuple[float, float, float]] = []  # (threshold, balanced accuracy, its standard error)
    for t in grid:
        false_refusals = float(np.mean(p_in < t))
        if false_refusals > MAX_FALSE_REFUSALS:
            continue
        refused = float(np.mean(p_out < t))
        se = 0.5 * math.sqrt(false_refusals * (1 - false_refusals) / max(1, len(p_in))
                             + refused * (1 - refused) / max(1, len(p_out)))
        scored.append((t, 0.5 * (1 - false_refusals) + 0.5 * refused, se))
    if not scored:
        return 0.5
    _, best, se = max(scored, key=lambda x: x[1])
    return round(min(t for t, bal, _ in scored if bal >= best - se), 3)


def fit_params(qa: Any, questions: Sequence[DatasetQuestion], *, source: str, seed: int = 20240601,
               withhold_sentences: bool = False) -> Params:
    """Fit selection, then refusal, and return the parameters with a report of both."""
    docs = sorted({q.context_doc or "" for q in questions})
    held = set(random.Random(seed).sample(docs, round(VALIDATION_SHARE * len(docs))))
    t0 = time.perf_counter()
    cases = collect(qa, questions, held, withhold_sentences=withhold_sentences)
    fit_cases = [c for c in cases if not c.held_back]
    val_cases = [c for c in cases if c.held_back]
    names = list(FEATURES)
    y = np.array([lab for c in fit_cases for lab in c.labels])
    select = _fit_ranker(fit_cases, names, prior=qa.params.select.model)
    _refusal_rows(qa, cases, select)
    rnames = list(REFUSE_FEATURES)
    negatives = [c.refuse_out for c in fit_cases] + [c.refuse_masked for c in fit_cases if c.refuse_masked]
    rx = np.array([[c.refuse_in[n] for n in rnames] for c in fit_cases]
                  + [[f[n] for n in rnames] for f in negatives])
    ry = np.array([1] * len(fit_cases) + [0] * len(negatives))
    refuse = _fit_logistic(rx, ry, rnames)
    p_in = np.array([refuse.prob(c.refuse_in) for c in fit_cases])
    p_out = np.array([refuse.prob(f) for f in negatives])
    threshold = _threshold(p_in, p_out)
    v_masked = np.array([refuse.prob(c.refuse_masked) for c in val_cases if c.refuse_masked])
    v_in = np.array([refuse.prob(c.refuse_in) for c in val_cases])
    v_out = np.array([refuse.prob(c.refuse_out) for c in val_cases])
    report = {
        "questions": len(cases), "fit_questions": len(fit_cases), "validation_questions": len(val_cases),
        "selection_rows": len(y), "selection_positive_share": round(float(y.mean()), 4),
        "selection_top1_validation": {"before": round(_top1(val_cases, qa.params.select.model), 4),
                                      "fitted": round(_top1(val_cases, select), 4)},
        "refusal_validation": {"false_refusals": round(float(np.mean(v_in < threshold)), 4),
                               "withheld_refused": round(float(np.mean(v_out < threshold)), 4),
                               "answer_sentences_withheld_refused": round(float(np.mean(v_masked < threshold)), 4)
                               if len(v_masked) else None},
        "refusal_fit": {"false_refusals": round(float(np.mean(p_in < threshold)), 4),
                        "withheld_refused": round(float(np.mean(p_out < threshold)), 4)},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    base = qa.params
    return base.model_copy(update={
        "fitted_on": f"{source}: {len(fit_cases)} questions (answerable, and again with the answer's "
                     "paragraph withheld" + ("; and with only its answer sentences cut out)"
                                             if withhold_sentences else ")"),
        "validated_on": f"{len(val_cases)} held-back questions of the same file (figures in fit_report); "
                        "CJRC dev and the held-out policy set via `python -m evals run`",
        "fit_report": report,
        "priors": ["retrieval.* (hand-set boosts for years, plan periods and aliases; the fitting set "
                   "has none)", "refuse.en_coverage_scale (no English fitting data)",
                   "select.join_other_clause, select.max_units (hand-set)",
                   "select.join_same_clause (chosen on the development policy set, "
                   "evals/questions/policy_dev.jsonl: the ratio below which accuracy gains "
                   "flatten while answers keep growing; figures in the README)",
                   "select weights of features that never vary in the fitting set (table, "
                   "table_asked: it has no tables)", "reader.* (fitting them needs the LLM over "
                   "the whole fitting set)"],
        "select": base.select.model_copy(update={"model": select}),
        "refuse": base.refuse.model_copy(update={"model": refuse, "threshold": threshold}),
    })


def fit_command(
    datasets: Annotated[Path | None, typer.Option(
        "--datasets-dir", envvar="PQA_DATASETS_DIR", show_default=False,
        help="Folder with cmrc2018/; default shared/datasets beside the checkout.")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the parameters.")] = Path(
        "assistant/data/params.json"),
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    withhold_sentences: Annotated[bool, typer.Option(help=(
        "Also fit refusal on each question with only its answer sentences cut out. Off: on "
        "CJRC dev it refused no more unanswerable questions and raised false refusals."))] = False,
) -> None:
    """Fit selection and refusal on CMRC 2018 trial and write the parameters file."""
    from assistant.factory import build_qa, ingest_corpus, make_index
    from assistant.settings import Settings
    from evals.datasets import DatasetError
    from vectorstore.indexer import make_store_embedder

    path = datasets_dir(datasets) / FIT_FILE
    try:
        docs, questions, _ = convert_cmrc(read_json(path))
    except DatasetError as e:
        console.print(f"[bold red]{e}[/bold red]")
        raise typer.Exit(2) from e
    questions = questions[:limit] if limit else questions
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(TemporaryDirectory(prefix="policyqa-fit-")))
        corpus = write_corpus(docs, tmp / "corpus")
        # The index is kept between fits (an unchanged paragraph is not embedded again).
        embedder = make_store_embedder(Settings())
        backend = getattr(embedder, "backend", "torch")
        store = Settings().data_dir / ("fit-cmrc2018" if backend == "torch" else f"fit-cmrc2018-{backend}")
        settings = Settings().model_copy(update={"corpus_dir": corpus, "data_dir": store, "chroma_url": None,
                                                      "lexicon_dir": tmp / "lexicon"})
        with console.status(f"indexing {len(docs)} paragraphs of {path.name}"):
            ingest_corpus(settings, embedder=embedder)
        qa = build_qa(settings, generator="extractive", with_llm=False,
                      index=make_index(settings, embedder=embedder, sweep=False))
        qa.params = default_params()
        params = fit_params(qa, questions, source=f"CMRC 2018 trial ({path.name})",
                            withhold_sentences=withhold_sentences)
    out.write_text(json.dumps(params.model_dump(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    console.print_json(json.dumps(params.fit_report, ensure_ascii=False))
    typer.echo(str(out))
