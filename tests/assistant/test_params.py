"""Params: the logistic models and loading the parameter file."""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.context import build_context
from assistant.decide import evidence_features
from assistant.params import Logistic, Params, default_params, load_params
from assistant.query import analyze
from assistant.retrieval import Evidence
from assistant.select import unit_features
from assistant.units import Unit
from ingest.types import Chunk


def test_prob_matches_the_logistic_function_by_hand() -> None:
    m = Logistic(features=["cov", "type_miss"], weights=[2.0, -1.0], bias=0.5)
    x = {"cov": 1.5, "type_miss": 2.0}
    z = 0.5 + 2.0 * 1.5 - 1.0 * 2.0
    assert m.logit(x) == pytest.approx(1.5)
    assert m.prob(x) == pytest.approx(1.0 / (1.0 + math.exp(-z)))


def test_fitted_scaling_is_applied_before_the_weights() -> None:
    m = Logistic(features=["cov", "novel"], weights=[2.0, -1.0], bias=0.5, mean=[1.0, 0.0], scale=[0.5, 0.0])
    # cov' = (1.5 - 1.0) / 0.5 = 1; a zero scale leaves the feature unscaled: novel' = 2
    assert m.logit({"cov": 1.5, "novel": 2.0}) == pytest.approx(0.5 + 2.0 * 1.0 - 1.0 * 2.0)


def test_a_missing_feature_counts_as_zero() -> None:
    m = Logistic(features=["cov", "novel"], weights=[2.0, 3.0], bias=-1.0)
    assert m.prob({"cov": 1.0}) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert m.prob({}) == pytest.approx(1 / (1 + math.e))


def test_prob_is_monotone_in_a_positive_weight_feature() -> None:
    m = Logistic(features=["cov", "novel"], weights=[3.0, 0.5], bias=-2.0)
    probs = [m.prob({"cov": c / 10, "novel": 0.3}) for c in range(11)]
    assert all(a < b for a, b in pairwise(probs))
    assert all(0.0 < p < 1.0 for p in probs)


def test_prob_is_safe_at_extremes() -> None:
    m = Logistic(features=["cov"], weights=[1.0])
    assert m.prob({"cov": -1e6}) == 0.0
    assert m.prob({"cov": 1e6}) == pytest.approx(1.0)


def test_lengths_must_agree() -> None:
    with pytest.raises(ValidationError, match="same length"):
        Logistic(features=["cov", "novel"], weights=[1.0])
    with pytest.raises(ValidationError, match="same length"):
        Logistic(features=["cov"], weights=[1.0], mean=[0.0, 1.0])


def test_load_params_round_trips(tmp_path: Path) -> None:
    params = default_params().model_copy(deep=True)
    params.select.model.weights[0] = 7.25
    params.refuse.threshold = 0.42
    params.retrieval.rrf_k = 30.0
    path = tmp_path / "params.json"
    path.write_text(json.dumps(params.model_dump(), ensure_ascii=False), encoding="utf-8")
    loaded = load_params(path)
    assert loaded == params
    assert loaded.select.model.weights[0] == 7.25 and loaded.refuse.threshold == 0.42
    assert loaded != default_params()


def test_a_file_without_a_model_names_the_missing_field(tmp_path: Path) -> None:
    data = default_params().model_dump()
    del data["refuse"]
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="refuse"):
        load_params(path)


def test_a_wrong_type_names_the_field(tmp_path: Path) -> None:
    data = default_params().model_dump()
    data["select"]["model"]["weights"] = ["heavy"] * len(data["select"]["model"]["features"])
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="weights"):
        load_params(path)


def test_a_file_that_is_not_json_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    path.write_text("select: {model: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_params(path)


def test_packaged_params_load_and_name_only_features_the_stages_compute() -> None:
    params = default_params()
    assert isinstance(params, Params)
    assert 0.0 < params.refuse.threshold < 1.0
    # A feature name the stages never emit would silently count as 0.
    ctx = build_context(analyze("到2025年高新技术企业要突破多少家？"), {})
    text = "到2025年,高新技术企业突破15000家。"
    chunk = Chunk(id="c", doc_id="d", title="t", clause_path="p", heading="p", text=text, embed_text=text,
                  n_tokens=len(text), span=(0, len(text)))
    ev = Evidence(chunk, 1.0, 0.5, 3.0, "t", None, None)
    select_names = set(unit_features(ctx, text, "", ev, 0, 1.0))
    assert set(params.select.model.features) <= select_names
    best = Unit(text, ev, 0.5, "", unit_features(ctx, text, "", ev, 0, 1.0))
    refuse_names = set(evidence_features(ctx, [ev], best, params.refuse))
    assert set(params.refuse.model.features) <= refuse_names
