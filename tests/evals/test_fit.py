"""The fitting script's pieces: the ranker, the threshold, the report in the packaged file."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from assistant.params import default_params
from evals.__main__ import app
from evals.fit import MAX_FALSE_REFUSALS, Case, _fit_ranker, _threshold, _top1

NAMES = ["signal", "noise"]


def _case(rng: random.Random, n: int = 8) -> Case:
    """A question whose gold unit has a higher "signal" but a random "noise", like a real
    candidate list in which one feature tells the answer apart and another does not."""
    gold = rng.randrange(n)
    rows = [{"signal": rng.random() + (1.5 if i == gold else 0.0), "noise": rng.random()} for i in range(n)]
    return Case("q", "d", False, rows, [int(i == gold) for i in range(n)], [], None, [], [])


def test_the_ranker_learns_which_feature_tells_the_gold_unit_apart() -> None:
    rng = random.Random(3)
    fit = [_case(rng) for _ in range(200)]
    held = [_case(rng) for _ in range(100)]
    model = _fit_ranker(fit, NAMES)
    signal, noise = model.weights
    assert signal > 0 and abs(noise) < signal / 5
    assert _top1(held, model) > 0.9
    # Calibrated: gold units get a higher probability than the others, on average.
    gold_p = np.mean([model.prob(r) for c in held for r, lab in zip(c.rows, c.labels, strict=True) if lab])
    other_p = np.mean([model.prob(r) for c in held for r, lab in zip(c.rows, c.labels, strict=True) if not lab])
    assert gold_p > 0.5 > other_p


def test_the_threshold_keeps_false_refusals_under_the_cap() -> None:
    rng = np.random.default_rng(0)
    p_in = rng.beta(5, 2, 500)  # answerable runs: mostly high
    p_out = rng.beta(2, 5, 500)  # withheld runs: mostly low
    t = _threshold(p_in, p_out)
    assert np.mean(p_in < t) <= MAX_FALSE_REFUSALS
    assert np.mean(p_out < t) > 0.5, "it still refuses most unanswerable runs"


def _balanced(p_in: np.ndarray, p_out: np.ndarray, t: float) -> float:
    return 0.5 * float(np.mean(p_in >= t)) + 0.5 * float(np.mean(p_out < t))


def test_on_a_flat_optimum_the_threshold_refuses_less_within_one_standard_error() -> None:
    # Balanced accuracy rises slowly up to the false-refusal cap: its arg-max is noise.
    p_in, p_out = np.linspace(0.3, 1.0, 1000), np.linspace(0.0, 0.5, 1000)
    grid = [t for t in np.linspace(0.02, 0.98, 97) if np.mean(p_in < t) <= MAX_FALSE_REFUSALS]
    arg_max = max(grid, key=lambda t: _balanced(p_in, p_out, t))
    t = _threshold(p_in, p_out)
    assert t < arg_max - 0.005, "a lower threshold, refusing fewer answerable runs"
    assert _balanced(p_in, p_out, t) >= _balanced(p_in, p_out, arg_max) - 0.01


def test_a_sharp_optimum_is_kept() -> None:
    # Separated runs: any threshold in the gap is right, and the lowest of them is chosen.
    p_in, p_out = np.linspace(0.6, 1.0, 500), np.linspace(0.0, 0.295, 500)
    t = _threshold(p_in, p_out)
    assert 0.295 < t <= 0.31 and np.mean(p_out < t) == 1.0 and np.mean(p_in < t) == 0.0


def test_the_threshold_of_inseparable_runs_refuses_almost_nothing() -> None:
    same = np.linspace(0.0, 1.0, 101)
    assert np.mean(same < _threshold(same, same)) <= MAX_FALSE_REFUSALS


def test_the_packaged_parameters_say_what_they_were_fitted_and_validated_on() -> None:
    params = default_params()
    assert "CMRC 2018" in params.fitted_on
    assert "CJRC" in params.validated_on
    report = params.fit_report
    assert report["fit_questions"] > report["validation_questions"] > 0
    assert 0.0 <= report["refusal_validation"]["false_refusals"] <= 1.0


def test_a_missing_datasets_folder_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["fit", "--datasets-dir", str(tmp_path), "--out", str(tmp_path / "p.json")])
    assert result.exit_code == 2
    assert "not found" in result.output and "cmrc2018_trial.json" in result.output.replace("\n", "")
    assert "Traceback" not in result.output
    assert not (tmp_path / "p.json").exists()


def test_a_question_without_candidates_counts_as_a_miss() -> None:
    empty = Case("q", "d", False, [], [], [], None, [], [])
    assert _top1([empty], default_params().select.model) == 0.0
