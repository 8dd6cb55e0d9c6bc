"""Readable views of a run: a markdown headline table and one self-contained HTML report.

The HTML has inline CSS and hand-made SVG charts (no scripts, fonts or images from
anywhere), so it can be attached to CI or mailed and still open. Every piece of text
from questions, answers or documents goes through ``html.escape``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from evals import metrics

Kind = str  # "pct" | "num" | "ms" | "int" | "chars"
HEADLINE: list[tuple[str, str, Kind]] = [
    ("Questions", "n", "int"),
    ("End-to-end accuracy", "accuracy", "pct"),
    ("Answer accuracy (answerable)", "answer_accuracy", "pct"),
    ("Median answer length", "answer_chars_p50", "chars"),
    ("Hit@1", "hit@1", "pct"),
    ("Hit@5", "hit@5", "pct"),
    ("MRR@10", "mrr", "num"),
    ("Clause accuracy (top citation)", "clause_accuracy", "pct"),
    ("Numbers grounded", "grounded_rate", "pct"),
    ("Refusal accuracy", "refusal_accuracy", "pct"),
    ("Refusal precision", "refusal_precision", "pct"),
    ("Refusal recall", "refusal_recall", "pct"),
    ("False refusal rate", "false_refusal_rate", "pct"),
    ("Latency p50", "latency_ms_p50", "ms"),
    ("Latency p95", "latency_ms_p95", "ms"),
    ("Errors", "n_errors", "int"),
]
GROUP_METRICS: list[tuple[str, str, Kind]] = [
    ("Accuracy", "accuracy", "pct"), ("Hit@5", "hit@5", "pct"), ("MRR@10", "mrr", "num"),
    ("Clause accuracy", "clause_accuracy", "pct"),
]
COLORS = ["#2563eb", "#9ca3af", "#f59e0b", "#10b981"]
CSS = """
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ddd;padding:3px 8px;
vertical-align:top}th{background:#f5f5f5}td.v{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555}.charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}
figcaption{font-weight:600;font-size:.9em}svg text{font-size:11px;fill:#333}
.fail td{font-size:.9em}.fail td.ans{white-space:pre-wrap;max-width:28em}
.cite{color:#444}.why{color:#b91c1c}.legend span{display:inline-block;width:.8em;height:.8em;
margin:0 .3em 0 1em;vertical-align:middle}
"""


def fmt(value: Any, kind: Kind) -> str:
    """A figure for people; None (not applicable or not computable) is "n/a"."""
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:,.0f} ms"
    if kind == "int":
        return str(int(value))
    if kind == "chars":
        return f"{value:,.0f} chars"
    return f"{value:.3f}"


def _systems(summary: Mapping[str, Any]) -> dict[str, Any]:
    return dict(summary.get("systems") or {})


def _caption(meta: Mapping[str, Any]) -> str:
    parts = [f"{meta.get('n_questions', '?')} questions from {meta.get('questions', '?')}",
             f"generator {meta.get('generator') or 'default'}"]
    if meta.get("dataset"):
        parts.insert(0, f"dataset {meta['dataset']}")
    if meta.get("sample") is not None:
        parts.append(f"stratified sample of {meta['sample']} (seed {meta.get('seed')})")
    if meta.get("n_documents") is not None:
        extra = meta.get("distractors")
        parts.append(f"{meta['n_documents']} documents indexed" + (
            f" (the sample's own + up to {extra} distractors)" if extra is not None else ""))
    excluded = meta.get("excluded")
    if excluded:
        parts.append("excluded " + ", ".join(f"{k}: {v}" for k, v in sorted(excluded.items())))
    used = meta.get("generators_used")
    if used:
        parts.append("answers by " + ", ".join(f"{k}: {v}" for k, v in sorted(used.items())))
    for key in ("corpus", "commit", "started"):
        if meta.get(key):
            parts.append(f"{key} {meta[key]}")
    return "; ".join(parts)


def render_markdown(summary: Mapping[str, Any]) -> str:
    """The headline table (policyqa next to the baseline) for the README."""
    systems = _systems(summary)
    meta = summary.get("meta") or {}
    names = list(systems)
    lines = [f"Evaluation: {_caption(meta)}.", "",
             "| Metric | " + " | ".join(names) + " |",
             "|---|" + "---:|" * len(names)]
    for label, key, kind in HEADLINE:
        cells = [fmt(systems[n]["overall"].get(key), kind) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for name, text in (meta.get("descriptions") or {}).items():
        lines += ["", f"*{name}*: {text}."]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- SVG charts


def bar_chart(title: str, categories: Sequence[str],
              series: Mapping[str, Sequence[float | None]], *, kind: Kind = "pct",
              vmax: float = 1.0) -> str:
    """Horizontal grouped bars, one group per category and one bar per system."""
    label_w, plot_w, bar_h, gap = 120, 240, 11, 8
    group_h = len(series) * bar_h + gap
    height = len(categories) * group_h + 16
    parts = [f'<line x1="{label_w}" y1="0" x2="{label_w}" y2="{height - 12}" stroke="#999"/>']
    for i, cat in enumerate(categories):
        y0 = i * group_h + 4
        parts.append(f'<text x="{label_w - 6}" y="{y0 + len(series) * bar_h / 2 + 4}" '
                     f'text-anchor="end">{escape(cat)}</text>')
        for j, (name, values) in enumerate(series.items()):
            v = values[i]
            w = 0.0 if v is None else plot_w * max(0.0, min(v / vmax, 1.0))
            y = y0 + j * bar_h
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                         f'fill="{COLORS[j % len(COLORS)]}"><title>{escape(name)}: '
                         f'{escape(fmt(v, kind))}</title></rect>')
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">'
                         f'{escape(fmt(v, kind))}</text>')
    width = label_w + plot_w + 60
    return (f'<figure><figcaption>{escape(title)}</figcaption><svg width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}">{"".join(parts)}</svg></figure>')


def histogram(title: str, values: Sequence[float], *, bins: int = 12, color: str = COLORS[0]
              ) -> str:
    """Latency histogram with its own range (the systems differ by orders of magnitude)."""
    if not values:
        return f"<figure><figcaption>{escape(title)}</figcaption><p>no data</p></figure>"
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / step), bins - 1)] += 1
    plot_w, plot_h, left, top = 360, 120, 30, 10
    bw = plot_w / bins
    top_count = max(counts)
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
             f'stroke="#999"/>', f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">'
             f'{top_count}</text>']
    for i, c in enumerate(counts):
        h = plot_h * c / top_count
        edge = lo + i * step
        parts.append(f'<rect x="{left + i * bw + 1:.1f}" y="{top + plot_h - h:.1f}" '
                     f'width="{bw - 2:.1f}" height="{h:.1f}" fill="{color}"><title>'
                     f'{edge:,.0f}–{edge + step:,.0f} ms: {c}</title></rect>')
    for x, v, anchor in ((left, lo, "start"), (left + plot_w, hi, "end")):
        parts.append(f'<text x="{x}" y="{top + plot_h + 14}" text-anchor="{anchor}">'
                     f'{v:,.0f} ms</text>')
    p50, p95 = metrics.percentile(values, 50), metrics.percentile(values, 95)
    width, height = left + plot_w + 10, top + plot_h + 20
    return (f'<figure><figcaption>{escape(title)} (p50 {fmt(p50, "ms")}, p95 '
            f'{fmt(p95, "ms")})</figcaption><svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f'{"".join(parts)}</svg></figure>')


# --------------------------------------------------------------------------- HTML sections


def _headline_table(systems: Mapping[str, Any]) -> str:
    head = "".join(f"<th>{escape(n)}</th>" for n in systems)
    rows = "".join(
        f"<tr><td>{escape(label)}</td>"
        + "".join(f'<td class="v">{escape(fmt(s["overall"].get(key), kind))}</td>'
                  for s in systems.values()) + "</tr>"
        for label, key, kind in HEADLINE)
    return f"<table><tr><th>Metric</th>{head}</tr>{rows}</table>"


def _group_section(title: str, group: str, systems: Mapping[str, Any]) -> str:
    """Bars for each metric by type or language, then the same figures as a table."""
    cats = sorted({c for s in systems.values() for c in s[group]})

    def values(s: Mapping[str, Any], key: str) -> list[float | None]:
        return [s[group].get(c, {}).get(key) for c in cats]

    charts = "".join(
        bar_chart(f"{label} by {title.lower()}", cats,
                  {n: values(s, key) for n, s in systems.items()}, kind=kind,
                  vmax=1.0)
        for label, key, kind in GROUP_METRICS)
    head1 = "".join(f'<th colspan="{len(systems)}">{escape(label)}</th>'
                    for label, _, _ in GROUP_METRICS)
    head2 = "".join(f"<th>{escape(n)}</th>" for _ in GROUP_METRICS for n in systems)
    first = next(iter(systems.values()))
    rows = "".join(
        f"<tr><td>{escape(c)}</td><td class='v'>{first[group].get(c, {}).get('n', 0)}</td>"
        + "".join(f'<td class="v">{escape(fmt(s[group].get(c, {}).get(key), kind))}</td>'
                  for _, key, kind in GROUP_METRICS for s in systems.values()) + "</tr>"
        for c in cats)
    table = (f'<table><tr><th rowspan="2">{escape(title)}</th><th rowspan="2">n</th>{head1}</tr>'
             f"<tr>{head2}</tr>{rows}</table>")
    return f'<h2>By {escape(title.lower())}</h2><div class="charts">{charts}</div>{table}'


def failure_reasons(r: Mapping[str, Any]) -> list[str]:
    """Why a record failed, in words a reviewer can act on."""
    if r.get("error"):
        return [f"error: {r['error']}"]
    reasons = []
    answerable = r.get("type") != "unanswerable"
    if answerable and r.get("refused"):
        reasons.append("refused an answerable question")
    elif not answerable and not r.get("refused"):
        reasons.append("answered an unanswerable question")
    elif answerable and r.get("any_of"):
        if not metrics.answer_correct(r.get("answer", ""), [], r["any_of"]):
            reasons.append("answer quotes none of " + " | ".join(r["any_of"]))
    elif answerable:
        missing = [s for s in r.get("must_contain") or []
                   if not metrics.contains_all(r.get("answer", ""), [s])]
        if missing:
            reasons.append("answer lacks " + ", ".join(missing))
    if answerable and r.get("hit_at_5") is False:
        reasons.append("gold evidence not in the top 5 retrieved")
    return reasons


def _citations_html(r: Mapping[str, Any]) -> str:
    items = []
    for c in r.get("citations") or []:
        text = c.get("text", "")
        snippet = text if len(text) <= 160 else text[:160] + "…"
        items.append(f"<li>[{escape(str(c.get('n')))}] {escape(c.get('title', ''))} · "
                     f"{escape(c.get('clause', '') or '—')}<br>{escape(snippet)}</li>")
    return f'<ol class="cite">{"".join(items)}</ol>' if items else "—"


def _failures_table(records: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for r in records:
        history = "".join(f"<div>{escape(t['role'])}: {escape(t['content'])}</div>"
                          for t in r.get("history") or [])
        ours = ("(refused) " if r.get("refused") else "") + str(r.get("answer", ""))
        rows.append(
            f"<tr><td>{escape(str(r['id']))}<br>{escape(str(r['type']))}<br>"
            f"{escape(str(r['lang']))}</td><td>{history}{escape(str(r['question']))}"
            f'<div class="why">{escape("; ".join(failure_reasons(r)))}</div></td>'
            f"<td>{escape(str(r.get('gold_answer', '')))}</td>"
            f'<td class="ans">{escape(ours)}</td><td>{_citations_html(r)}</td></tr>')
    return ('<table class="fail"><tr><th>Question</th><th>Asked</th><th>Gold answer</th>'
            f"<th>Our answer</th><th>Our citations</th></tr>{''.join(rows)}</table>")


def _failures_section(runs: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    out = ['<h2 id="failures">Failures</h2>']
    for i, (name, records) in enumerate(runs.items()):
        failed = [r for r in records if not r.get("correct") or r.get("error")]
        title = f"{name}: {len(failed)} of {len(records)} questions wrong"
        body = _failures_table(failed) if failed else "<p>None.</p>"
        if i == 0:
            out.append(f"<h3>{escape(title)}</h3>{body}")
        else:  # the comparison system's failures are context, not the work list
            out.append(f"<details><summary>{escape(title)}</summary>{body}</details>")
    return "".join(out)


def render_html(summary: Mapping[str, Any], runs: Mapping[str, Sequence[Mapping[str, Any]]]
                ) -> str:
    """The whole report as one HTML string with no external references."""
    systems = _systems(summary)
    meta = summary.get("meta") or {}
    legend = "".join(f'<span style="background:{COLORS[i % len(COLORS)]}"></span>{escape(n)}'
                     for i, n in enumerate(systems))
    notes = "".join(f"<p class='meta'><b>{escape(n)}</b>: {escape(t)}.</p>"
                    for n, t in (meta.get("descriptions") or {}).items())
    latency = "".join(
        histogram(f"{name} latency", [r["latency_ms"] for r in records
                                      if r.get("latency_ms") is not None],
                  color=COLORS[i % len(COLORS)])
        for i, (name, records) in enumerate(runs.items()))
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>policyqa evaluation</title><style>{CSS}</style></head><body>"
        f"<h1>policyqa evaluation</h1><p class='meta'>{escape(_caption(meta))}</p>{notes}"
        f"<p class='legend'>{legend}</p><h2>Headline</h2>{_headline_table(systems)}"
        f"{_group_section('Type', 'by_type', systems)}"
        f"{_group_section('Language', 'by_lang', systems)}"
        f'<h2>Latency</h2><div class="charts">{latency}</div>'
        f"{_failures_section(runs)}</body></html>\n"
    )
