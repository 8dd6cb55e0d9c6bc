"""The 指标 / Targets tab: every quantitative target of the indexed documents, and one metric's
values across plans and years.

The table and the chart are server-rendered HTML (the chart an inline SVG) from the targets
store (``vectorstore.targets_store``) and its metric groups (``vectorstore.metric_groups``);
every string from the corpus or the user is escaped here. A row or a chart point carries
only a key ("r:3", "c:0") naming a row kept in the session's state, as a citation carries
"turn:n", so the browser never names a document or clause; clicking it opens the clause in
context exactly as a citation does. The work is bounded: one page of rows with the count of
matches, a search text of bounded length, one metric's timeline. Nothing runs at import time,
and the tab keeps working (saying why) without a store or with an empty one.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from typing import Any

import gradio as gr

from assistant import ui_render as render
from assistant.library import DocumentLibrary
from assistant.ui_assets import TARGETS_JS
from assistant.ui_chart import KINDS, TARGET_ATTR, chart_points, note, render_chart
from ingest.types import PATH_SEP
from vectorstore.metric_groups import Metric, get_metric, list_metrics, timeline
from vectorstore.targets_store import Filters, StoredTarget, TargetStore

log = logging.getLogger(__name__)

MAX_ROWS = 200  # rows of one table page
MAX_QUERY = 60  # characters of search text
MAX_METRICS = 500  # metric groups offered in the dropdown
KIND_CHOICES = [("全部 / all", ""), *((label, kind) for kind, label in KINDS.items())]
HEADERS = ["指标 / Metric", "数值 / Value", "年份 / Year", "范围 / Scope", "规划 / Plan",
           "条款 / Clause", "类型 / Kind"]
UNAVAILABLE = "指标库不可用 / The targets store is not available here."
NOT_YET = "指标库暂不可用 / The targets store is not available yet"
FAILED = "读取指标失败 / Reading the targets failed."
PANEL_PLACEHOLDER = (
    '<div class="pqa-panel pqa-panel-empty">点击表格中的一行，查看条款原文及其上下文。'
    "<br>Click a row of the table to read its clause in context.</div>"
)
CHART_PLACEHOLDER = (
    '<div class="pqa-chart pqa-panel-empty">选择一个指标，查看它在各规划、各年份中的数值。'
    "<br>Choose a metric (or click a row) to chart its values across plans and years.</div>"
)
_KEY = re.compile(r"^([rc]):(\d{1,4})$")
_METRIC_ID = re.compile(r"^[\w-]{1,64}$")

State = dict[str, list[dict[str, Any]]]  # {"rows": table rows, "chart": charted points}


def clean_query(q: str | None) -> str:
    """Search text as searched: printable characters only, trimmed, at most MAX_QUERY long."""
    return "".join(ch for ch in (q or "") if ch.isprintable()).strip()[:MAX_QUERY].strip()


def _row(st: StoredTarget, titles: dict[str, str]) -> dict[str, Any]:
    """A stored Target as kept in the session state (plain JSON values)."""
    t = st.target
    return {"doc_id": t.doc_id, "title": titles.get(t.doc_id, ""), "clause": t.clause_path,
            "sentence": t.sentence, "metric": t.metric, "value": t.value, "number": t.number,
            "unit": t.unit, "year": t.year, "period": list(t.period) if t.period else None,
            "kind": t.kind, "scope": t.scope, "metric_id": st.metric_id or "",
            "metric_name": st.metric_name or ""}


class TargetsTab:
    """The tab's handlers; the store is the library indexer's (absent → the tab says so)."""

    def __init__(self, library: DocumentLibrary | None) -> None:
        self.library = library

    def open_store(self) -> tuple[TargetStore | None, str]:
        """(the indexer's store, "") or (None, why there is none). Asked at each call, never
        while the page is built: the server's library is a stand-in until its models load."""
        if self.library is None:
            return None, UNAVAILABLE
        try:
            store = getattr(self.library.indexer, "targets", None)
        except AttributeError:
            return None, UNAVAILABLE
        except Exception as exc:  # the server's services still loading, or none
            return None, f"{NOT_YET} ({exc})"
        return (store, "") if isinstance(store, TargetStore) else (None, UNAVAILABLE)

    @property
    def store(self) -> TargetStore | None:
        return self.open_store()[0]

    def titles(self) -> dict[str, str]:
        if self.library is None:
            return {}
        try:
            return {d.doc_id: d.title for d in self.library.documents()}
        except Exception:  # still loading: plans are named by doc_id
            log.exception("listing documents failed")
            return {}

    # -- the table ----------------------------------------------------------------------
    def search(self, q: str | None, kind: str | None, state: State | None) -> tuple[str, State]:
        """(table HTML, state): the first MAX_ROWS targets matching, and how many match."""
        state = {"rows": [], "chart": list((state or {}).get("chart") or [])}
        store, why = self.open_store()
        if store is None:
            return note(why), state
        filters = Filters(q=clean_query(q), kind=kind if kind in KINDS else "")
        try:
            total = store.count(filters)
            found = store.rows(filters, limit=MAX_ROWS)
        except Exception:
            log.exception("reading the targets failed")
            return note(FAILED), state
        titles = self.titles()
        state["rows"] = [_row(st, titles) for st in found]
        return render_table(state["rows"], total, filters.q), state

    # -- the chart ----------------------------------------------------------------------
    def metric_choices(self) -> list[tuple[str, str]]:
        """Dropdown choices: metric groups, those in most documents first."""
        store = self.store
        if store is None:
            return []
        try:
            return [_metric_choice(m) for m in list_metrics(store, limit=MAX_METRICS)]
        except Exception:
            log.exception("listing metrics failed")
            return []

    def metric_update(self, selected: str | None = None) -> dict[str, Any]:
        """The dropdown's fresh choices, with ``selected`` chosen (and offered) when given."""
        choices = self.metric_choices()
        store = self.store
        if selected and store is not None and selected not in {v for _, v in choices}:
            metric = get_metric(store, selected)
            if metric is not None:
                choices.append(_metric_choice(metric))
        return gr.update(choices=choices, value=selected) if selected else gr.update(choices=choices)

    def chart(self, metric_id: str | None, state: State | None) -> tuple[str, State]:
        """(chart HTML, state): the metric's values in its commonest unit, by year and kind."""
        state = {"rows": list((state or {}).get("rows") or []), "chart": []}
        store, why = self.open_store()
        if store is None:
            return note(why), state
        metric_id = str(metric_id or "")
        if not _METRIC_ID.match(metric_id):
            return CHART_PLACEHOLDER, state
        try:
            metric = get_metric(store, metric_id)
            found = timeline(store, metric_id) if metric is not None else []
        except Exception:
            log.exception("reading metric %s failed", metric_id)
            return note(FAILED), state
        if metric is None:
            return CHART_PLACEHOLDER, state
        titles = self.titles()
        points, skipped = chart_points([_row(st, titles) for st in found], metric.unit)
        state["chart"] = points
        return render_chart(metric, points, skipped), state

    # -- a click on a row or a point -----------------------------------------------------
    def open_row(self, state: State | None, evt: gr.EventData) -> tuple[str, Any, Any, State]:
        """(clause panel, metric dropdown, chart, state) for the clicked row's key.

        A table row also charts its metric; a chart point leaves the chart as it is.
        """
        state = state or {"rows": [], "chart": []}
        m = _KEY.match(str(getattr(evt, "pqa_row", "") or ""))
        rows = state.get("rows" if m and m.group(1) == "r" else "chart") or []
        if m is None or int(m.group(2)) >= len(rows):
            return PANEL_PLACEHOLDER, gr.update(), gr.update(), state
        row = rows[int(m.group(2))]
        panel = self.clause_panel(row)
        if m.group(1) == "c" or not row.get("metric_id"):
            return panel, gr.update(), gr.update(), state
        chart, state = self.chart(row["metric_id"], state)
        return panel, self.metric_update(row["metric_id"]), chart, state

    def clause_panel(self, row: dict[str, Any]) -> str:
        """The target's clause among its neighbours, its sentence marked (as a citation's)."""
        clauses = []
        if self.library is not None:
            try:
                clauses = self.library.clauses(row["doc_id"])
            except Exception as exc:  # deleted since, or still loading: the sentence alone
                log.info("no clauses for %s: %s", row["doc_id"], exc)
        cite = {"title": row["title"] or row["doc_id"], "clause": row["clause"], "text": row["sentence"],
                "doc_id": row["doc_id"]}
        return _row_summary(row) + render.render_clause_panel(cite, clauses)


def _metric_choice(m: Metric) -> tuple[str, str]:
    unit = f" ({m.unit})" if m.unit else ""
    return f"{m.name}{unit} · {m.targets} 条 / {m.documents} 份", m.id


def _year(row: dict[str, Any]) -> str:
    if row.get("year") is not None:
        return str(row["year"])
    period = row.get("period")
    return f"{period[0]}—{period[1]}" if period else ""


def _kind_badge(kind: str) -> str:
    css = kind if kind in KINDS else "other"
    return f'<span class="pqa-kind pqa-kind-{css}">{html.escape(KINDS.get(kind, kind))}</span>'


def render_table(rows: Sequence[dict[str, Any]], total: int, q: str = "") -> str:
    """The count of matches and one page of rows, each a button that opens its clause."""
    searched = f"「{html.escape(q)}」 " if q else ""
    count = f'<div class="pqa-targets-count">{searched}共 <b>{total}</b> 条匹配 / {total} matches'
    if total > len(rows):
        count += f" · 显示前 {len(rows)} 条，请细化搜索 / showing the first {len(rows)}; refine the search"
    count += "</div>"
    if not rows:
        return count + note("没有匹配的指标 / No targets match.")
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    body = []
    for i, r in enumerate(rows):
        group = (f'<div class="pqa-group">{html.escape(r["metric_name"])}</div>'
                 if r["metric_name"] and r["metric_name"] != r["metric"] else "")
        clause = str(r["clause"]).split(PATH_SEP)[-1] if r["clause"] else ""
        body.append(
            f'<tr class="pqa-trow" {TARGET_ATTR}="r:{i}" tabindex="0" title="查看条款 / Open clause">'
            f'<td>{html.escape(r["metric"])}{group}</td><td class="pqa-num">{html.escape(r["value"])}</td>'
            f"<td>{html.escape(_year(r))}</td><td>{html.escape(r['scope'])}</td>"
            f'<td title="{html.escape(r["doc_id"])}">{html.escape(r["title"] or r["doc_id"])}</td>'
            f'<td title="{html.escape(r["clause"])}">{html.escape(clause)}</td>'
            f"<td>{_kind_badge(r['kind'])}</td></tr>")
    return (f'{count}<div class="pqa-targets-scroll"><table class="pqa-targets">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _row_summary(row: dict[str, Any]) -> str:
    parts = [row["metric_name"] or row["metric"], row["value"], _year(row), row["scope"]]
    text = " · ".join(html.escape(str(p)) for p in parts if p)
    return f'<div class="pqa-target-summary">{text} {_kind_badge(row["kind"])}</div>'


# -- the chart ----------------------------------------------------------------------------
# -- layout ---------------------------------------------------------------------------------
def layout_targets(tab: TargetsTab, tab_item: gr.Tab, private: dict[str, Any]) -> None:
    """The tab's components and wiring, inside ``gr.Tab(...)``; data loads when the tab opens."""
    state = gr.State({"rows": [], "chart": []})
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=420):
            if tab.library is None:  # the store itself is looked up only when the tab opens
                gr.Markdown(UNAVAILABLE, elem_id="pqa-targets-note")
            with gr.Row():
                query = gr.Textbox(label="搜索指标 / Search targets", elem_id="pqa-targets-q", scale=4,
                                   max_length=MAX_QUERY, max_lines=1,
                                   placeholder="例如 / e.g. 高新技术企业、专利、R&D")
                kind = gr.Dropdown(KIND_CHOICES, value="", label="类型 / Kind", scale=1,
                                   elem_id="pqa-targets-kind")
                go = gr.Button("搜索 / Search", variant="primary", scale=1, elem_id="pqa-targets-search")
            table = gr.HTML(note("打开本页时载入 / Loads when the tab opens."), elem_id="pqa-targets",
                            js_on_load=None)
        with gr.Column(scale=3, min_width=360):
            metric = gr.Dropdown([], label="指标走势 / Metric over time", elem_id="pqa-metric")
            chart = gr.HTML(CHART_PLACEHOLDER, elem_id="pqa-chart", js_on_load=None)
            gr.Markdown("#### 条款原文 / Clause")
            panel = gr.HTML(PANEL_PLACEHOLDER, elem_id="pqa-target-panel", js_on_load=TARGETS_JS)

    def opened(q: str, k: str, s: State) -> tuple[str, State, dict[str, Any]]:
        return (*tab.search(q, k, s), tab.metric_update())

    tab_item.select(opened, [query, kind, state], [table, state, metric], **private)
    for trigger in (go.click, query.submit, kind.input):
        trigger(tab.search, [query, kind, state], [table, state], **private)
    metric.input(tab.chart, [metric, state], [chart, state], **private)
    panel.click(tab.open_row, [state], [panel, metric, chart, state], **private)
