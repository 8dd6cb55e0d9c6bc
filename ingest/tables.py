"""Rebuild tables that reach us as text, so that a row never splits across chunks.

Three shapes: Markdown/trafilatura pipe rows (``| 指标 | 2025年 |``); a 序号-led list
flattened to one cell per line (序号 / 指标名称 / 2015 / 2020年目标值 / 1 / R&D… / 3.0 …),
rebuilt as ``高新技术企业数量(家)：2015年1656家；2020年目标3000家``; and indicator tables
with 类别 / 单位 / 属性 columns, rebuilt by ``ingest.indicators`` with every value labelled.
"""

from __future__ import annotations

import re

from ingest.indicators import format_grid, header_role, regroup_flat

_SEQ_HEADERS = {"序号", "编号", "序"}
_NAME_HINT = re.compile(r"名称|指标|项目|内容|类别|名单|事项|任务")
_MAX_CELL = 60
_MIN_CELLS = 8
_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def _is_cell(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) <= _MAX_CELL and "。" not in s


def _is_seq(cell: str, expected: int) -> bool:
    return cell.strip() == str(expected)


def _column_label(header: str) -> str:
    """Turn a header cell into a prefix for its value: 2015 → 2015年, 目标值 → 目标."""
    h = header.strip()
    if _YEAR.match(h):
        return f"{h}年"
    return re.sub(r"值$", "", h)


_UNIT = re.compile(r"[(（]([^()（）\d]{1,6})[)）]?$")
_PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)*$")


def _with_unit(value: str, unit: str) -> str:
    """A plain number takes the unit its indicator names: 3000 under (家) reads 3000家,
    and a pair 30000/12000 under (件) reads 30000件/12000件."""
    if not unit or not _PLAIN_NUMBER.match(value):
        return value
    return "/".join(f"{part}{unit}" for part in value.split("/"))


def format_row(headers: list[str], cells: list[str], seq: str | None = None) -> str:
    """One table row as a self-describing line, each value with its indicator's unit."""
    name_col = next((i for i, h in enumerate(headers) if _NAME_HINT.search(h)), 0)
    name = cells[name_col].strip()
    m = _UNIT.search(name)
    unit = m.group(1) if m else ""
    values = [
        f"{_column_label(h)}{_with_unit(c.strip(), unit)}"
        for i, (h, c) in enumerate(zip(headers, cells, strict=False))
        if i != name_col and c.strip() and c.strip() not in {"-", "—", "/", "–"}
    ]
    if not values:
        return f"{seq}：{name}" if seq else name
    return f"{name}：{'；'.join(values)}"


def _parse_table(cells: list[str]) -> tuple[list[str], int] | None:
    """Rows of a 序号-led flattened table starting at cells[0], and cells consumed."""
    if cells[0].strip() not in _SEQ_HEADERS:
        return None
    try:
        first = next(i for i, c in enumerate(cells) if _is_seq(c, 1))
    except StopIteration:
        return None
    headers = cells[1:first]
    width = first  # 序号 plus the other headers
    if not 1 <= len(headers) <= 8:
        return None
    if any(header_role(h) in ("unit", "attr", "category") for h in headers):
        return None  # an indicator table: every value gets its header as label instead
    rows: list[str] = []
    pos, n = first, 1
    while pos + width <= len(cells) and _is_seq(cells[pos], n):
        row = cells[pos + 1 : pos + width]
        if any(not _is_cell(c) for c in row):
            break
        rows.append(format_row(headers, row, seq=str(n)))
        pos += width
        n += 1
    if len(rows) < 2:
        return None
    return rows, pos


_PIPE_ROW = re.compile(r"^\|.*\|$")
_PIPE_RULE = re.compile(r"^\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$")


def rebuild_pipe_tables(lines: list[str]) -> list[str]:
    """Replace runs of two or more ``| a | b |`` rows (HTML via trafilatura, Markdown) by rows."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _PIPE_ROW.match(lines[j].strip()):
            j += 1
        if j - i >= 2:
            grid = [[c.strip() for c in ln.strip()[1:-1].split("|")]
                    for ln in lines[i:j] if not _PIPE_RULE.match(ln.strip())]
            out.extend(format_grid(grid))
            i = j
        else:
            out.append(lines[i])
            i += 1
    return out


def rebuild_tables(lines: list[str]) -> list[str]:
    """Replace every pipe table and flattened table in ``lines`` (blank lines ignored) by rows."""
    src = rebuild_pipe_tables([ln for ln in lines if ln.strip()])
    out: list[str] = []
    i = 0
    while i < len(src):
        if src[i].strip() in _SEQ_HEADERS:
            run_end = i
            while run_end < len(src) and _is_cell(src[run_end]):
                run_end += 1
            if run_end - i >= _MIN_CELLS:
                parsed = _parse_table(src[i:run_end])
                if parsed is not None:
                    rows, used = parsed
                    out.extend(rows)
                    i += used
                    continue
        out.append(src[i])
        i += 1
    return regroup_flat(out)
