"""The quantitative targets of the indexed documents, and their metric groups, over HTTP.

``GET /v1/targets`` filters the targets store page by page, ``GET /v1/targets.csv`` streams
every match as a spreadsheet (read from one snapshot of the store), ``GET /v1/metrics``
lists the metric groups and ``/v1/metrics/{id}/timeline`` one metric across plans and
years. Every figure comes with the sentence it was read from. Store calls are blocking SQLite work, so each runs in a
worker thread; an unreadable store is a 503, never a 500.
"""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from assistant.api.deps import TargetsDep
from assistant.api.errors import APIError, ErrorBody
from assistant.api.target_schemas import (
    Kind,
    MetricOut,
    MetricsPage,
    TargetOut,
    TargetsPage,
    TimelineOut,
)
from vectorstore.metric_groups import Metric, count_metrics, get_metric, list_metrics, timeline
from vectorstore.targets_store import MAX_PAGE, Batches, Filters, StoredTarget, TargetStore

log = logging.getLogger(__name__)
router = APIRouter(tags=["targets"], responses={
    501: {"model": ErrorBody, "description": "This server has no targets index."}})
T = TypeVar("T")

METRIC_ID = r"^m[0-9a-f]{10}$"
MAX_TEXT = 200  # a filter string: longer ones only cost time
MAX_OFFSET = 1_000_000_000  # beyond any store; keeps SQLite's 64-bit OFFSET from overflowing
MIN_YEAR, MAX_YEAR = 1900, 2100
CSV_COLUMNS = ["doc_id", "clause_path", "metric", "value", "number", "unit", "qualifier", "year",
               "period_start", "period_end", "kind", "scope", "year_from", "metric_id", "metric_name",
               "chunk_id", "sentence"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such metric."}}

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows to return (at most {MAX_PAGE}).")]
MetricId = Annotated[str, Path(pattern=METRIC_ID, description="m + 10 hex digits, from /v1/metrics.")]


async def _store(fn: Callable[..., T], *args: object) -> T:
    """Run a store call in a thread; a SQLite failure (locked, unreadable) is a clean 503."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except sqlite3.Error as exc:
        log.error("targets store error: %s", exc)
        raise APIError(503, f"the targets index is unavailable: {exc}", code="store_unavailable",
                       headers={"Retry-After": "10"}) from exc


async def target_filters(
    q: Annotated[str, Query(max_length=MAX_TEXT, description="Substring of the metric, its group's "
                                                             "names or the sentence.")] = "",
    metric: Annotated[str, Query(max_length=MAX_TEXT, description="Substring of the metric as written.")] = "",
    metric_id: Annotated[str | None, Query(pattern=METRIC_ID, description="A metric group's id.")] = None,
    year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="The target's year.")] = None,
    doc_id: Annotated[str, Query(max_length=MAX_TEXT, description="Exactly this document.")] = "",
    scope: Annotated[str, Query(max_length=MAX_TEXT, description="Substring of the scope (全市 …).")] = "",
    kind: Annotated[Kind | None, Query(description="target, baseline or achieved.")] = None,
) -> Filters:
    """The filters shared by the JSON and CSV endpoints (blank means no filter)."""
    return Filters(q=q.strip(), metric=metric.strip(), metric_id=metric_id or "", year=year,
                   doc_id=doc_id.strip(), scope=scope.strip(), kind=kind or "")


FiltersDep = Annotated[Filters, Depends(target_filters)]


def _page(store: TargetStore, filters: Filters, offset: int, limit: int) -> tuple[int, list[StoredTarget]]:
    return store.count(filters), store.rows(filters, limit=limit, offset=offset)


@router.get("/targets", response_model=TargetsPage, summary="Quantitative targets, filtered, with citations")
async def list_targets(store: TargetsDep, filters: FiltersDep, offset: Offset = 0,
                       limit: Limit = 100) -> TargetsPage:
    total, rows = await _store(_page, store, filters, offset, limit)
    end = offset + len(rows)
    return TargetsPage(total=total, offset=offset, limit=limit, next_offset=end if end < total else None,
                       items=[TargetOut.of(r) for r in rows])


_CSV_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "Every matching target as CSV (UTF-8 with BOM); `X-Total-Count` gives the rows.",
    "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get("/targets.csv", response_class=StreamingResponse, responses=_CSV_DOC,
            summary="Every matching target as a CSV file")
async def targets_csv(store: TargetsDep, filters: FiltersDep) -> StreamingResponse:
    # One read transaction for the whole export, so an ingest landing meanwhile is either
    # wholly in it or not at all. Its first batch is read before the status line, so a
    # failing store is still a clean 503.
    batches = store.iter_rows(filters, batch=MAX_PAGE)
    total, first = await _store(next, batches)
    return StreamingResponse(_csv_stream(batches, first), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="targets.csv"',
                                      "X-Total-Count": str(total)})


async def _csv_stream(batches: Batches, rows: list[StoredTarget]) -> AsyncIterator[bytes]:
    """The header with a BOM (Excel then reads UTF-8), then the rows a batch at a time; the
    store's connection closes when the stream ends, fails or is dropped by the client."""
    try:
        yield "\ufeff".encode() + csv_lines([CSV_COLUMNS])
        while rows:
            yield csv_lines([csv_row(r) for r in rows])
            _, rows = await anyio.to_thread.run_sync(next, batches, (0, []))
    finally:
        batches.close()  # not while a thread reads: a cancelled run_sync waits for it


def csv_lines(rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def csv_row(row: StoredTarget) -> list[str]:
    """One CSV line, in ``CSV_COLUMNS`` order."""
    t = row.target
    start, end = t.period or (None, None)
    values: dict[str, object] = {
        "doc_id": t.doc_id, "clause_path": t.clause_path, "metric": t.metric, "value": t.value,
        "number": _number(t.number), "unit": t.unit, "qualifier": t.qualifier, "year": t.year,
        "period_start": start, "period_end": end, "kind": t.kind, "scope": t.scope,
        "year_from": t.year_from, "metric_id": row.metric_id, "metric_name": row.metric_name,
        "chunk_id": t.chunk_id, "sentence": t.sentence}
    return [_cell(values[c]) for c in CSV_COLUMNS]


def _number(n: float | None) -> str:
    if n is None:
        return ""
    return str(int(n)) if n.is_integer() and abs(n) < 1e15 else repr(n)


def _cell(value: object) -> str:
    """Text as a spreadsheet shows it: one starting like a formula (=, +, -, @) gets a quote,
    so a crafted upload cannot run a formula in whoever opens the export."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def _metrics_page(store: TargetStore, q: str, offset: int, limit: int) -> tuple[int, list[Metric]]:
    return count_metrics(store, q=q), list_metrics(store, q=q, limit=limit, offset=offset)


@router.get("/metrics", response_model=MetricsPage, summary="Metric groups, those in most documents first")
async def list_metric_groups(
    store: TargetsDep,
    q: Annotated[str, Query(max_length=MAX_TEXT, description="Substring of a name or a target's metric.")] = "",
    offset: Offset = 0, limit: Limit = 100,
) -> MetricsPage:
    total, found = await _store(_metrics_page, store, q.strip(), offset, limit)
    end = offset + len(found)
    return MetricsPage(total=total, offset=offset, limit=limit, next_offset=end if end < total else None,
                       items=[MetricOut.of(m) for m in found])


async def _metric(store: TargetStore, metric_id: str) -> Metric:
    found = await _store(get_metric, store, metric_id)
    if found is None:
        raise APIError(404, f"no metric {metric_id!r}; see /v1/metrics")
    return found


@router.get("/metrics/{metric_id}", response_model=MetricOut, responses=_NOT_FOUND, summary="One metric group")
async def get_metric_group(store: TargetsDep, metric_id: MetricId) -> MetricOut:
    return MetricOut.of(await _metric(store, metric_id))


@router.get("/metrics/{metric_id}/timeline", response_model=TimelineOut, responses=_NOT_FOUND,
            summary="A metric across plans and years, each point cited")
async def metric_timeline(store: TargetsDep, metric_id: MetricId) -> TimelineOut:
    metric = await _metric(store, metric_id)
    points = await _store(timeline, store, metric_id)
    return TimelineOut(metric=MetricOut.of(metric), truncated=len(points) < metric.targets,
                       points=[TargetOut.of(p) for p in points])
