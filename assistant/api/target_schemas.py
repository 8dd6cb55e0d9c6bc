"""Response models of the targets and metrics endpoints (``assistant.api.routes.targets``).

A target is returned with the sentence it was read from and where that sentence is
(document, clause path, chunk), so every figure can be checked against its source like an
answer's citation. The citation keeps the store's field names (``clause_path``,
``sentence``) rather than the answer Citation's, as it has no title, score or [n] marker.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from vectorstore.metric_groups import Metric
from vectorstore.targets_store import StoredTarget

Kind = Literal["target", "baseline", "achieved"]


class TargetCitation(BaseModel):
    """Where a figure is written: ``sentence`` occurs verbatim in the document's text."""

    doc_id: str
    clause_path: str = Field(description='Joined with " > ", like an answer citation\'s `clause`.')
    chunk_id: str
    sentence: str


class TargetOut(BaseModel):
    """One figure a document states, and the metric group it belongs to (None until grouped)."""

    metric: str
    value: str = Field(description="Exactly as written: 10000家, 14%, 翻一番.")
    number: float | None = Field(description="The value as a number; None for a range.")
    unit: str
    qualifier: str
    year: int | None
    period: tuple[int, int] | None
    kind: str = Field(description="target | baseline | achieved")
    scope: str
    year_from: str = Field(description="Where the year was read: sentence, paragraph, lead-in, "
                                       "heading, document, or empty.")
    metric_id: str | None
    metric_name: str | None
    citation: TargetCitation

    @classmethod
    def of(cls, row: StoredTarget) -> TargetOut:
        t = row.target
        return cls(metric=t.metric, value=t.value, number=t.number, unit=t.unit, qualifier=t.qualifier,
                   year=t.year, period=t.period, kind=t.kind, scope=t.scope, year_from=t.year_from,
                   metric_id=row.metric_id, metric_name=row.metric_name,
                   citation=TargetCitation(doc_id=t.doc_id, clause_path=t.clause_path,
                                           chunk_id=t.chunk_id, sentence=t.sentence))


class TargetsPage(BaseModel):
    """A page of matching targets; ``total`` counts every match, ``next_offset`` is None at the end."""

    total: int
    offset: int
    limit: int
    next_offset: int | None
    items: list[TargetOut]


class MetricOut(BaseModel):
    """A metric group: the same quantity as written across plans."""

    id: str
    name: str
    name_en: str
    unit: str = Field(description="The unit most of its targets are written in.")
    dimension: str
    targets: int
    documents: int
    first_year: int | None
    last_year: int | None

    @classmethod
    def of(cls, m: Metric) -> MetricOut:
        return cls(id=m.id, name=m.name, name_en=m.name_en, unit=m.unit, dimension=m.dimension,
                   targets=m.targets, documents=m.documents, first_year=m.first_year,
                   last_year=m.last_year)


class MetricsPage(BaseModel):
    """A page of metric groups, those found in most documents first; ``total`` counts every
    group matching, ``next_offset`` is None at the end."""

    total: int
    offset: int
    limit: int
    next_offset: int | None
    items: list[MetricOut]


class TimelineOut(BaseModel):
    """A metric's targets in time order (by year, baselines and achieved values first)."""

    metric: MetricOut
    truncated: bool = Field(description="True when the metric has more points than were returned.")
    points: list[TargetOut]
