"""The Targets tab's chart: one metric's values across plans and years as an inline SVG.

Server-rendered, so it needs no script from elsewhere and every string in it is escaped
here; each point carries only a key ("c:0") naming a charted row kept in the session, as
the table's rows do. Only one unit is charted (the metric's commonest), since values in
different units cannot share an axis.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from vectorstore.metric_groups import Metric

KINDS = {"target": "目标 / target", "achieved": "实际 / achieved", "baseline": "基期 / baseline"}
TARGET_ATTR = "data-pqa-target"  # a click on an element carrying it opens the Targets panel


def note(text: str) -> str:
    return f'<div class="pqa-targets-note" role="note">{html.escape(text)}</div>'


_SHAPES = {"target": "#2563eb", "achieved": "#16a34a", "baseline": "#d97706"}
_OFFSET = {"baseline": -7.0, "achieved": 0.0, "target": 7.0}  # same year: side by side
_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 600, 300, 70, 18, 16, 34


def chart_points(rows: Sequence[dict[str, Any]], unit: str) -> tuple[list[dict[str, Any]], int]:
    """The rows that can be charted in ``unit`` (one number, a year), one per document, year,
    kind and value; and how many were left out (another unit, a range, no year)."""
    points: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    skipped = 0
    for r in rows:
        x = r["year"] if r["year"] is not None else (r["period"][1] if r["period"] else None)
        if r["unit"] != unit or r["number"] is None or x is None or not math.isfinite(r["number"]):
            skipped += 1
            continue
        key = (r["doc_id"], x, r["kind"], r["number"])
        if key not in seen:
            seen.add(key)
            points.append({**r, "x": x})
    return points, skipped


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def _fmt(v: float) -> str:
    if abs(v - round(v)) < 1e-9:
        return f"{round(v):,}"
    return f"{v:,.3f}".rstrip("0").rstrip(".")


def _marker(kind: str, x: float, y: float) -> str:
    color = _SHAPES.get(kind, "#6b7280")
    if kind == "achieved":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{color}"/>'
    if kind == "baseline":
        return (f'<polygon points="{x:.1f},{y - 6.5:.1f} {x + 6.5:.1f},{y:.1f} {x:.1f},{y + 6.5:.1f} '
                f'{x - 6.5:.1f},{y:.1f}" fill="{color}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{color}"/>'


def render_chart(metric: Metric, points: Sequence[dict[str, Any]], skipped: int) -> str:
    """The metric's values as an inline SVG scatter: year across, value up, one colour and
    marker per kind, with a legend; only the group's commonest unit is charted."""
    unit = metric.unit or "—"
    title = (f'<div class="pqa-chart-title">{html.escape(metric.name)} '
             f"<span>{html.escape(metric.name_en)}</span></div>")
    docs = len({p["doc_id"] for p in points})
    about = (f"单位 / Unit: <b>{html.escape(unit)}</b> · {len(points)} 个数值，来自 {docs} 份文件 / "
             f"{len(points)} values from {docs} documents")
    if skipped:
        about += (f" · 另有 {skipped} 条为其他单位、范围或无年份，未画出 / {skipped} more in other units, "
                 "ranges or without a year are not charted")
    head = f'{title}<div class="pqa-chart-note">{about}</div>'
    if not points:
        return f'<div class="pqa-chart">{head}{note("没有可画的数值 / Nothing to chart.")}</div>'
    xs = [float(p["x"]) for p in points]
    ys = [float(p["number"]) for p in points]
    x0, x1 = min(xs) - 0.5, max(xs) + 0.5
    lo, hi = min(0.0, *ys), max(0.0, *ys)
    step = _nice_step(hi - lo if hi > lo else 1.0)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    hi = hi if hi > lo else lo + step
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + (x - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return _TOP + (hi - y) / (hi - lo) * plot_h

    grid = []
    for i in range(round((hi - lo) / step) + 1):
        v = lo + i * step
        grid.append(f'<line class="pqa-grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{py(v):.1f}" y2="{py(v):.1f}"/>'
                    f'<text class="pqa-tick" x="{_LEFT - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{_fmt(v)}</text>')
    first, last = math.ceil(x0), math.floor(x1)
    every = max(1, math.ceil((last - first + 1) / 12))
    for year in range(first, last + 1, every):
        grid.append(f'<text class="pqa-tick" x="{px(year):.1f}" y="{_H - _BOTTOM + 16}" '
                    f'text-anchor="middle">{year}</text>')
    marks = []
    for i, p in enumerate(points):
        where = f"《{p['title'] or p['doc_id']}》 {p['clause']}".strip()
        tip = f"{p['x']} · {p['value']} · {KINDS.get(p['kind'], p['kind'])} · {p['scope']} · {where}"
        marks.append(f'<g class="pqa-pt pqa-pt-{html.escape(p["kind"])}" {TARGET_ATTR}="c:{i}" tabindex="0" '
                     f'role="button"><title>{html.escape(tip)}</title>'
                     f"{_marker(p['kind'], px(float(p['x'])) + _OFFSET.get(p['kind'], 0.0), py(float(p['number'])))}</g>")
    axes = (f'<line class="pqa-axis" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{_TOP + plot_h}" y2="{_TOP + plot_h}"/>'
            f'<line class="pqa-axis" x1="{_LEFT}" x2="{_LEFT}" y1="{_TOP}" y2="{_TOP + plot_h}"/>'
            f'<text class="pqa-tick" x="12" y="{_TOP + plot_h / 2:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {_TOP + plot_h / 2:.1f})">{html.escape(unit)}</text>')
    svg = (f'<svg class="pqa-chart-svg" viewBox="0 0 {_W} {_H}" role="img" '
           f'aria-label="{html.escape(metric.name)} ({html.escape(unit)})">'
           f'{"".join(grid)}{axes}{"".join(marks)}</svg>')
    counts = {k: sum(p["kind"] == k for p in points) for k in KINDS}
    legend = "".join(
        f'<span class="pqa-legend-item pqa-legend-{k}"><svg viewBox="0 0 14 14" width="14" height="14">'
        f"{_marker(k, 7, 7)}</svg> {KINDS[k]} ({n})</span>" for k, n in counts.items() if n)
    return f'<div class="pqa-chart">{head}{svg}<div class="pqa-legend">{legend}</div></div>'
