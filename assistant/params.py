"""Every weight and threshold of retrieval fusion, sentence selection and refusal, in one file.

The packaged ``data/params.json`` is written by ``python -m evals fit`` (see evals/fit.py):
selection and refusal are logistic models fitted on a public reading-comprehension set,
and the file records what it was fitted on and validated on. The few values no fitting
data can set (how far English coverage is discounted) are marked as priors there.
A user may point ``PQA_PARAMS_PATH`` at a file fitted on their own data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, model_validator


class Logistic(BaseModel):
    """A logistic model over named features: p = σ(bias + Σ wᵢ·xᵢ)."""

    features: list[str]
    weights: list[float]
    bias: float = 0.0
    # Feature scaling fitted with the weights (x' = (x - mean) / scale).
    mean: list[float] = Field(default_factory=list)
    scale: list[float] = Field(default_factory=list)

    @model_validator(mode="after")
    def _same_length(self) -> Logistic:
        n = len(self.features)
        if len(self.weights) != n or (self.mean and len(self.mean) != n) or (self.scale and len(self.scale) != n):
            raise ValueError("features, weights, mean and scale must have the same length")
        return self

    def logit(self, x: Mapping[str, float]) -> float:
        z = self.bias
        for i, (name, w) in enumerate(zip(self.features, self.weights, strict=True)):
            v = float(x.get(name, 0.0))
            if self.mean:
                v = (v - self.mean[i]) / (self.scale[i] or 1.0)
            z += w * v
        return z

    def prob(self, x: Mapping[str, float]) -> float:
        z = self.logit(x)
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


class RetrievalParams(BaseModel):
    """Fusion of the dense and lexical rankings, and the boosts applied after it."""

    rrf_k: float = 60.0
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    dense_k: int = 40
    coverage_base: float = 0.35  # boost = coverage_base + coverage of the question's terms
    year_in_text: float = 1.25
    doc_year: float = 1.2
    plan_named: float = 1.3
    period_cover: float = 0.3
    period_miss: float = 0.7
    alias: float = 1.15
    quoted_heading: float = 2.0
    period_named: float = 1.5


class SelectParams(BaseModel):
    """Scoring of quotable sentences, and when further sentences join the best one."""

    model: Logistic
    join_same_clause: float = 0.8  # another sentence of the best clause joins at ≥ this × best p
    join_other_clause: float = 0.9
    max_units: int = 4
    evidence_depth: int = 4


class RefuseParams(BaseModel):
    """The one refusal decision: refuse when P(answerable) < threshold."""

    model: Logistic
    threshold: float = 0.5
    en_coverage_scale: float = 1.6  # prior: English reaches Chinese text only through translation


class ReaderParams(BaseModel):
    """The local LLM as a reader: how much its pick among the top sentences counts.

    Priors, in logits: fitting them needs the LLM over the whole fitting set (hours here).
    """

    candidates: int = Field(default=5, ge=1, le=9)  # sentences shown, best first
    pick_logit: float = 2.0  # added to a picked sentence's selection logit
    none_logit: float = -1.5  # added to P(answerable)'s logit when the reader picks none


class Params(BaseModel):
    fitted_on: str = ""
    validated_on: str = ""
    fit_report: dict[str, Any] = Field(default_factory=dict)
    priors: list[str] = Field(default_factory=list)  # values set by hand, not fitted
    retrieval: RetrievalParams = Field(default_factory=RetrievalParams)
    select: SelectParams
    refuse: RefuseParams
    reader: ReaderParams = Field(default_factory=ReaderParams)


def load_params(path: Path | None = None) -> Params:
    """The packaged parameters, or a user's file in the same format."""
    if path is not None:
        text = path.read_text(encoding="utf-8")
    else:
        text = (resources.files("assistant") / "data" / "params.json").read_text(encoding="utf-8")
    return Params.model_validate(json.loads(text))


@lru_cache(maxsize=1)
def default_params() -> Params:
    return load_params()
