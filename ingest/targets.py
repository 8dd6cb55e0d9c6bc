"""Every quantitative statement of a policy document as a structured ``Target``, one per figure.

Plans state goals as figures (到2025年，高新技术企业数量达到10000家), in list items under a lead-in
(到2016年,全市…实现以下目标:) and in 专栏 tables; notices and regulations state thresholds, shares
and fines. A year is often said once for a paragraph or list, so a Target inherits it and
``year_from`` says from where: ``sentence`` (earlier in the sentence, or a table row's own
column), ``paragraph`` (an earlier sentence of the line), ``lead-in`` (an ancestor's closing
"…：" sentence), ``heading`` (the clause's heading, then its ancestors'), ``document`` (a
target only: the end of the document's period, 十四五 → 2025). Scope comes only from the
sentence's or the lead-in's opening words (a table row: its label, else the table's title).
Every value must occur verbatim in its sentence and every sentence in the document text, as
the number guard downstream quotes both: a Target that fails is dropped, never repaired.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ingest import indicators
from ingest import target_parts as tp
from ingest.chunking import lead_in
from ingest.indicators import header_role, is_table_row
from ingest.types import Chunk, Clause, Document

_KINDS = {"基期": "baseline", "基准": "baseline", "现状": "baseline", "目标": "target",
          "预期": "target", "规划": "target", "实际": "achieved", "完成": "achieved"}
_ROW = re.compile(r"^(?P<name>[^：；。]{1,60})：(?P<rest>.+)$")
_CELL = re.compile(r"^(?P<year>(?:19|20)\d{2}年)?(?P<word>基期|基准|现状|目标|预期|规划|实际|完成)?值?"
                   r"(?P<value>\S*\d\S*)$")
_YEARISH = re.compile(r"(?:19|20)\d{2}年?")
_UNIT_HINT = re.compile(r"[(（](?P<unit>[^()（）\d]{1,8})[)）]?$")
_PENALTY_TO = re.compile(r"^对(.{2,8}?)(?:可以|可)?处$")  # 对单位用户可以处一万元以上…罚款


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    """A hash of the extractor's own code: stored Targets of another version are stale."""
    h = hashlib.sha1()
    for module in (tp, indicators, sys.modules[__name__]):
        h.update(Path(module.__file__ or "").read_bytes())
    return h.hexdigest()[:12]


@dataclass(frozen=True)
class Target:
    """One figure a document states: what it measures, when, where, and where it is written."""

    metric: str
    value: str  # exactly as written: 10000家, 14%, 翻一番
    number: float | None  # 1.2万家 → 12000.0; None for a range (1—2家)
    unit: str  # as written after the number: 家, 亿元, %, 倍
    qualifier: str  # 力争+超过, 年均增长+以上 …
    year: int | None
    period: tuple[int, int] | None
    kind: str  # "target" | "baseline" | "achieved"
    scope: str
    doc_id: str
    clause_path: str
    sentence: str
    chunk_id: str
    year_from: str = ""  # sentence | paragraph | lead-in | heading | document | "" (none)


@dataclass(frozen=True)
class _Context:
    """What one clause inherits from its ancestors and its document."""

    lead: tp.TimeRef | None
    lead_scope: str
    heading: tp.TimeRef | None
    title_scope: str  # a table's: 专栏1:武汉市“十二五”… → 武汉市
    review: bool  # under a 发展基础 heading: its figures record the past
    ref_year: int | None  # the first year the document plans for
    period: tuple[int, int] | None


@dataclass
class _Draft:
    fig: tp.Figure
    metric: str
    quals: list[str]
    scope: str
    kind: str
    ref: tp.TimeRef | None
    src: str
    split: bool = False  # 分别: the metric names one quantity for each figure that follows
    fixed: bool = False  # the kind is written (a table's 目标 / 完成 column)


def _context(doc: Document, clause: Clause, by_path: dict[tuple[str, ...], Clause]) -> _Context:
    """The nearest lead-in and heading time frame and scope above a clause, and its plan years."""
    ancestors = [by_path[clause.path[:i]] for i in range(len(clause.path) - 1, 0, -1)
                 if clause.path[:i] in by_path]
    leads = [lead_in(a) for a in ancestors]
    heads = [c.heading for c in (clause, *ancestors)]
    return _Context(
        next((r[-1] for t in leads if (r := tp.time_refs(t))), None),
        next((s for t in leads if (s := tp.scope_at(t))), ""),
        next((r[-1] for h in heads if (r := tp.time_refs(h))), None),
        tp.scope_at(re.sub(r"^专栏\s*\d+\s*[:：]?", "", heads[0])),
        any(tp.REVIEW_HEADING.search(h) for h in heads),
        doc.period[0] if doc.period else int(doc.date[:4]) if doc.date else None, doc.period)


def _sentence(s: str, carry: list[tp.TimeRef], ctx: _Context) -> list[_Draft]:
    """One draft per figure of a sentence, its metric read from the words around it."""
    figs = tp.find_figures(s)
    figs = [f for i, f in enumerate(figs) if not tp.is_label(s, figs, i) and not tp.is_condition(s, f)]
    refs, scope0 = tp.time_refs(s), tp.scope_at(s) or ctx.lead_scope
    drafts: list[_Draft] = []
    for i, fig in enumerate(figs):
        pre = s[tp.segment_start(s, fig.start, figs[i - 1].tail if i else 0):fig.start]
        metric, quals = tp.read_metric(pre)
        prev = drafts[-1] if drafts else None
        if noun := tp.noun_after(s, figs, i):
            metric = noun
        elif metric.startswith("占") and prev:  # …超过8000亿元,占全市…的60%左右
            metric = prev.metric.split("占")[0] + metric
        elif not metric and prev:  # 两院院士新增13人,达到68人: the subject is elided
            share = "占" in prev.metric and prev.fig.unit == "%" and fig.unit != "%"
            metric = prev.metric.split("占")[0] if share else prev.metric
        metric += tp.share_noun(s, fig) if "占" in metric else ""  # 占全国50%的市场份额
        if metric.endswith(("罚款", "罚金")) and (why := tp.offence(s, fig)):
            metric = f"{metric}({why})"  # one quantity per offence: 罚款(擅自改建供热设施)
        scope = m.group(1) if (m := _PENALTY_TO.match(pre)) else scope0
        if (m := tp.SCOPE.match(metric)) and len(metric) - m.end() >= 2:
            scope, metric = m.group(), metric[m.end():].strip("，,、")
        if not metric or tp.AREA_END.search(metric) or tp.is_window(s, fig, metric):
            continue  # nothing named, only a place (各区应达到15%以上), or a deadline
        if prev and s[prev.fig.tail:fig.start] in tp.JOINS[1:]:  # 30%至60%
            quals.append("区间")
            prev.quals += [] if "区间" in prev.quals else ["区间"]
        quals += [q for q in (fig.approx, fig.post) if q] + (["区间"] if fig.is_range else [])
        quals += [fig.value] if fig.unit == "倍" and not fig.value[0].isdigit() else []  # 翻一番
        ref, src = next((r for r in reversed(refs) if r.pos < fig.start), None), "sentence"
        if ref is None and carry:
            ref, src = carry[-1], "paragraph"
        # 由1000亿元提升到3300亿元 is a baseline; a threshold (完成投资45%以上的项目) no record
        past = ref.year < (ctx.ref_year or 0) if ref else ctx.review or (bool(
            tp.ACHIEVED_WORDS.search(pre)) and s[fig.tail:fig.tail + 1] != "的")
        kind = "baseline" if tp.BASELINE_WORDS.search(pre) else "achieved" if past else "target"
        drafts.append(_Draft(fig, metric, quals, scope, kind, ref, src if ref else "", "分别" in pre))
    for i, d in enumerate(drafts):  # 发明专利申请量和授权量分别突破30000件和12000件
        parts = [p for p in re.split(r"[和与及、]", d.metric) if p]
        group = drafts[i:i + len(parts)]
        if d.split and len(parts) == len(group) > 1 and all(g.metric == d.metric for g in group):
            for g, part in zip(group, parts, strict=True):
                g.metric = part
    return drafts


def _row(line: str) -> tuple[str, str, list[tuple[str, str, str]]] | None:
    """(metric, unit, [(year, kind word, value)]) of a row ``ingest.tables`` rebuilt, or None."""
    if is_table_row(line):  # 指标：…；单位：%；2020年：30；2025年：45
        cells = [c.partition("：") for c in line.split("；")]
        name = next((v for h, _, v in cells if header_role(h) == "name"), "")
        unit = next((v for h, _, v in cells if header_role(h) == "unit"), "")
        rows = [(f"{h[:4]}年" if (y := _YEARISH.match(h)) else "", h[y.end():] if y else h, v)
                for h, _, v in cells if header_role(h) == "value" and re.search(r"\d", v)]
        return (name, unit, rows) if name and rows else None
    m = _ROW.match(line)  # 高新技术企业数量(家)：2015年1656家；2020年目标3000家
    found = [_CELL.match(c) for c in m.group("rest").split("；")] if m else []
    if not m or not all(c and (c.group("year") or c.group("word")) for c in found):
        return None
    hint = _UNIT_HINT.search(m.group("name"))
    name = m.group("name")[: hint.start()] if hint else m.group("name")
    return name, hint.group("unit") if hint else "", [
        (c.group("year") or "", c.group("word") or "", c.group("value")) for c in found if c]


def _attribute_drafts(line: str, ctx: _Context) -> list[_Draft]:
    """A rebuilt row of a table whose columns are quantities, each with its unit in its
    header, and whose rows are categories (响应类型：日前响应；补贴价格（元/千瓦时）：1.5): one
    draft per numeric cell, its metric the column named for the row's label."""
    pairs = [c.partition("：") for c in line.rstrip("。").split("；")]
    if len(pairs) < 2 or not all(sep and h and v for h, sep, v in pairs):
        return []
    label = next((v for _, _, v in pairs if tp.to_number(v) is None and not re.search(r"\d", v)), "")
    drafts: list[_Draft] = []
    at = 0
    for head, _, value in pairs:
        at = line.index(f"{head}：{value}", at) + len(head) + 1
        hint = _UNIT_HINT.search(head)
        number = tp.to_number(value)
        if hint is None or number is None:
            continue
        factor, base = tp.split_unit(hint.group("unit"))
        fig = tp.Figure(at, at + len(value), at + len(value), value, round(number * factor, 6), base)
        name = head[: hint.start()]
        drafts.append(_Draft(fig, f"{name}（{label}）" if label else name, [], ctx.title_scope, "target",
                             None, ""))
    return drafts


def _row_drafts(line: str, ctx: _Context) -> list[_Draft]:
    """Table cells as drafts: the column says the year and, by its word, the kind."""
    parsed = _row(line)
    if parsed is None:
        return _attribute_drafts(line, ctx)
    name, unit, cells = parsed
    drafts: list[_Draft] = []
    for k, (year, word, value) in enumerate(cells):
        at = line.index(value, line.index("：") + 1)
        figs = [replace(f, start=f.start + at, end=f.end + at, tail=f.tail + at)
                for f in tp.find_figures(value)]
        if not figs and (n := tp.to_number(value)) is not None:  # 30 under a 单位：% column
            factor, base = tp.split_unit(unit)
            figs = [tp.Figure(at, at + len(value), at + len(value), value, round(n * factor, 6), base)]
        y = int(year[:4]) if year else None
        kind = _KINDS.get(word) or ("baseline" if y and k + 1 < len(cells) else "achieved"
                                    if y and ctx.ref_year and y < ctx.ref_year else "target")
        metrics = name.split("/")  # 发明专利申请量/发明专利授权量(件)：…15077件/6003件
        for j, fig in enumerate(figs):
            metric = metrics[j] if len(metrics) == len(figs) else name
            cut = m.end() if (m := tp.SCOPE.match(metric)) and len(metric) - m.end() >= 2 else 0
            drafts.append(_Draft(fig, metric[cut:], [q for q in (fig.approx, fig.post) if q],
                                 metric[:cut] or ctx.title_scope, kind,
                                 tp.TimeRef(0, y, None) if y else None, "sentence" if y else "",
                                 fixed=bool(word)))
    return drafts


def _when(d: _Draft, ctx: _Context) -> tuple[int | None, tuple[int, int] | None, str, str]:
    """Year, period, where they came from, and the kind once an inherited year is known."""
    kind = d.kind
    ref, src = next(((r, f) for r, f in ((d.ref, d.src), (ctx.lead, "lead-in"),
                                         (ctx.heading, "heading")) if r), (None, ""))
    if ref is not None:
        if kind == "target" and not d.fixed and src in ("lead-in", "heading") and ctx.ref_year \
                and ref.year < ctx.ref_year:
            kind = "achieved"
        return ref.base if kind == "baseline" and ref.period else ref.year, ref.period, src, kind
    if kind == "target" and ctx.period:
        return ctx.period[1], ctx.period, "document", kind
    return None, None, "", kind


def _line(doc: Document, clause: Clause, ctx: _Context, line: str, pos: int,
          chunks: list[Chunk]) -> list[Target]:
    """Targets of one line: a table row as a whole, else sentence by sentence."""
    pieces: list[tuple[int, str, list[_Draft]]] = []
    if drafts := _row_drafts(line, ctx):
        pieces.append((pos, line, drafts))
    else:
        carry: list[tp.TimeRef] = []
        for part in tp.SENTENCE_END.split(line):
            start, s = pos + len(part) - len(part.lstrip()), part.strip()
            pos += len(part)
            if s:
                pieces.append((start, s, _sentence(s, carry, ctx)))
                carry += tp.time_refs(s)
    out: list[Target] = []
    for start, s, drafts in pieces:
        end = start + len(s)
        chunk = next((c.id for c in chunks if c.span[0] <= start and end <= c.span[1]), "")
        for d in drafts:
            year, period, src, kind = _when(d, ctx)
            at = start + d.fig.start  # a sentence cut across chunks: the chunk with the value
            out.append(Target(
                d.metric, d.fig.value, d.fig.number, d.fig.unit, "+".join(dict.fromkeys(d.quals)),
                year, period, kind, d.scope, doc.doc_id, clause.path_str, s,
                chunk or next((c.id for c in chunks if c.span[0] <= at < c.span[1]), ""), src))
    return out


def verbatim(target: Target, doc: Document) -> bool:
    """The number guard: the value is quoted from its sentence, the sentence from the document."""
    return bool(target.value) and target.value in target.sentence and target.sentence in doc.text


def extract_targets(doc: Document, chunks: Sequence[Chunk]) -> list[Target]:
    """Every figure the document states, one Target each, in document order."""
    by_path = {c.path: c for c in doc.clauses}
    by_clause: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_clause.setdefault(chunk.clause_path, []).append(chunk)
    out: list[Target] = []
    for clause in doc.clauses:
        ctx, pos = _context(doc, clause, by_path), clause.span[0]
        for line in clause.text.split("\n"):
            out += _line(doc, clause, ctx, line, pos, by_clause.get(clause.path_str, []))
            pos += len(line) + 1
    return [t for t in out if verbatim(t, doc)]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ingest.targets FILE...``: each file's Targets as a table, for the eye."""
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table

    from ingest.chunking import chunk_document
    from ingest.pipeline import parse_file
    from ingest.types import IngestError

    console, failed = Console(), 0
    for name in sys.argv[1:] if argv is None else argv:
        try:
            doc = parse_file(Path(name))
        except IngestError as exc:
            console.print(f"[red]error[/] {name}: {exc}")
            failed += 1
            continue
        targets = extract_targets(doc, chunk_document(doc))
        table = Table(title=f"{doc.doc_id}: {len(targets)} targets")
        for column in ("metric", "value", "year", "kind", "scope", "clause"):
            table.add_column(column, overflow="fold")
        for t in targets:
            table.add_row(t.metric, t.value, str(t.year or ""), t.kind, t.scope, t.clause_path)
        console.print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
