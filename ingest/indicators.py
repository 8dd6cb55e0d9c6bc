"""Indicator tables rebuilt as one self-labelled line a row.

Plans carry their targets in tables headed 类别 / 指标 / 单位 / 2020年 / 2025年 / 属性.
A retriever that sees the cells apart cannot tell which number belongs to which
indicator or year, so every row becomes one line in which the headers label the values:
``指标：可再生能源装机占比；单位：%；2020年：30；2025年：45；属性：预期性``.

Two shapes arrive: real tables (.docx, HTML, Markdown), already split into rows and
cells, and tables a PDF or web copy flattened to one cell a line. The second is
regrouped only when a run of known header words opens it and the cells fit the header
count row after row; anything else is left as text.
"""

from __future__ import annotations

import re

_YEARISH = r"(?:(?:19|20)\d{2}年?(?:末|底)?|“?十[一二三四五]五”?(?:末|期末)?)"
_VALUE_WORD = r"(?:基期|基准|现状|目标|预期|规划|实际|完成)(?:值|年)?"
_ROLES: dict[str, str] = {
    "category": r"类别|类型|分类|领域|维度|方面|板块",
    "seq": r"序号|编号",
    "name": r"(?:主要|具体)?指标(?:名称|内容)?|名称|项目",
    "unit": r"(?:计量)?单位",
    "value": (rf"{_YEARISH}(?:[(（]?{_VALUE_WORD}[)）]?)?|{_VALUE_WORD}"
              r"|年均增(?:长|速)(?:率)?(?:[(（][%‰][)）])?|累计(?:增长|增加|值)?"),
    "attr": r"(?:指标)?属性|(?:指标)?性质",
    "note": r"备注|说明",
}
_ROLE_RE = {role: re.compile(rf"^(?:{p})$") for role, p in _ROLES.items()}
_QUALIFIER = re.compile(rf"^[(（]{_VALUE_WORD}[)）]$")  # "(基期)" under "2020年"
_ATTR_VALUE = re.compile(r"^(?:约束性|预期性|引导性|约束|预期)(?:指标)?$")
_DASH = {"", "-", "—", "——", "–", "/", "－"}
_MAX_CELL = 60
_NUMBER = re.compile(r"^[\d.,]+[%‰]?$")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def header_role(cell: str) -> str | None:
    """Which kind of column a header cell names, or None if it is not a header word."""
    s = cell.strip()
    return next((role for role, rx in _ROLE_RE.items() if rx.match(s)), None)


def label(header: str) -> str:
    """The header as a value's label: a bare year 2020 reads 2020年."""
    h = header.strip()
    return f"{h}年" if _YEAR.match(h) else h


def is_table_row(line: str) -> bool:
    """A line this module wrote: it opens with a header word as label and holds several values."""
    head, sep, rest = line.partition("：")
    return bool(sep) and header_role(head) is not None and "；" in rest


def labelled_row(headers: list[str], cells: list[str]) -> str:
    """``header：value`` pairs joined by ；, skipping empty and dash-only values."""
    pairs = [f"{label(h)}：{c.strip()}" for h, c in zip(headers, cells, strict=False)
             if c.strip() not in _DASH and c.strip() != h.strip()]
    return "；".join(pairs)


# -- real tables: rows of cells -------------------------------------------------------------

def _distinct(row: list[str]) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in row if c.strip()))


def _is_header_words(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(header_role(c) or _QUALIFIER.match(c) for c in cells)


def format_grid(rows: list[list[str]]) -> list[str]:
    """Lines for a table given as rows of cells (a .docx table, an HTML or Markdown table).

    The first row with two or more distinct cells is the header; a row of header words
    right under it (基期 / 目标 under 2020年 / 2025年) refines it. A row spanning the
    whole table (a caption or a group title) stays a plain line.
    """
    out: list[str] = []
    headers: list[str] | None = None
    fresh = False  # no data row under the current header yet
    for row in rows:
        distinct = _distinct(row)
        if not distinct:
            continue
        if len(distinct) == 1 and len(row) > 1:
            out.append(distinct[0])
        elif not all(_is_cell(c, 30) for c in row) and (headers is None or len(row) != len(headers)):
            out.extend(distinct)  # text laid out in a table, not a table of data
            headers = None
        elif headers is None or len(row) != len(headers):
            headers, fresh = [c.strip() for c in row], True
        elif fresh and _is_header_words(row):
            headers = [h if not c.strip() or c.strip() == h else f"{h}{c.strip()}"
                       for h, c in zip(headers, row, strict=True)]
        else:
            out.append(labelled_row(headers, row))
            fresh = False
    if headers is not None and fresh:
        out.append(" ".join(headers))  # a header with no rows: keep its words
    return out


# -- flattened tables: one cell a line --------------------------------------------------------

def _is_cell(line: str, limit: int = _MAX_CELL) -> bool:
    s = line.strip()
    return len(s) <= limit and "。" not in s


def _fits(role: str, cell: str) -> bool:
    """Whether a cell can stand in a column of this role."""
    c = cell.strip()
    if not c or not _is_cell(c):
        return False
    if role == "attr":
        return bool(_ATTR_VALUE.match(c)) or c in _DASH
    if role == "seq":
        return c.isdigit()
    if role == "value":
        # a number, a dash, or a short worded target (持续提升, 保持稳定)
        return bool(re.search(r"\d", c)) or c in _DASH or (
            len(c) <= 8 and bool(re.search(r"[\u4e00-\u9fff]", c)) and not _ATTR_VALUE.match(c))
    if role == "unit":
        return len(c) <= 10 and not _NUMBER.match(c) and not _ATTR_VALUE.match(c)
    if role in ("name", "category"):
        return bool(re.search(r"[\u4e00-\u9fffA-Za-z]", c)) and not _ATTR_VALUE.match(c) \
            and header_role(c) is None
    return True  # note


def _header_run(lines: list[str], i: int) -> tuple[list[str], list[str], int] | None:
    """Headers, their roles and the index after them, for a header run starting at ``i``."""
    headers: list[str] = []
    roles: list[str] = []
    j = i
    while j < len(lines):
        s = lines[j].strip()
        role = header_role(s)
        if role is not None:
            headers.append(s)
            roles.append(role)
        elif headers and _QUALIFIER.match(s):
            headers[-1] += s
        else:
            break
        j += 1
    if len(headers) < 3 or "name" not in roles or "value" not in roles:
        return None
    return headers, roles, j


def _leading(roles: list[str]) -> int:
    """How many leading columns are merged-cell groups (类别) that a row may omit."""
    n = 0
    while n < len(roles) and roles[n] == "category":
        n += 1
    return n


def regroup_flat(lines: list[str]) -> list[str]:
    """Replace each flattened indicator table (header run, then cells) by labelled rows.

    A row may lack its leading 类别 cells (a merged cell is written once for its group)
    and inherits them from the row above. Regrouping stops at the first run of cells
    that fits no row; what is left stays as it was.
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        run = _header_run(lines, i)
        if run is None:
            out.append(lines[i])
            i += 1
            continue
        headers, roles, pos = run
        rows, pos = _rows(lines, pos, headers, roles)
        if not rows:
            out.append(lines[i])
            i += 1
            continue
        out.extend(rows)
        i = pos
    return out


def _rows(lines: list[str], pos: int, headers: list[str],
          roles: list[str]) -> tuple[list[str], int]:
    rows: list[str] = []
    carry = [""] * _leading(roles)
    n = len(headers)
    while pos < len(lines):
        for skip in range(len(carry) + 1):
            width = n - skip
            cells = [c.strip() for c in lines[pos : pos + width]]
            if len(cells) == width and all(_fits(r, c) for r, c in zip(roles[skip:], cells, strict=True)):
                break
        else:
            break
        if skip and not all(carry[:skip]):
            break  # a row without its group, and no group above it
        full = carry[:skip] + cells
        carry = full[: len(carry)]
        rows.append(labelled_row(headers, full))
        pos += width
    return rows, pos
