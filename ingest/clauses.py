"""Parse the clause hierarchy of a cleaned policy text.

Chapter-like markers (第X篇/章/节/条) nest in their fixed order. All other kinds
(一、, (一), 1., (1), ①, 一是, ——, 专栏N, and decimal 2.3 / 2.3.1 by depth) nest by
order of first appearance, the way a reader infers an outline: a kind already open on
the stack closes back to a sibling, a new kind opens a child. 专栏 boxes hang off the
nearest chapter, not a list item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.markers import (
    CHAPTER_RANK,
    Marker,
    is_decimal,
    is_marker_only,
    match_bare_number,
    match_marker,
)
from ingest.outline import Outline
from ingest.types import Clause

PREAMBLE = "前言"
_HEADING_STOP = re.compile(r"[。,，;；:：!！?？]")
_MAX_HEADING = 40
INLINE = {"dash", "shi"}


@dataclass
class _Open:
    marker: Marker
    heading: str
    start: int
    end: int
    lines: list[str] = field(default_factory=list)
    outer: frozenset[str] = frozenset()  # for a box: the kinds it closed when it opened


def join_orphan_markers(lines: list[str]) -> list[str]:
    """Join a marker that stands alone on its line with the text on the next line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        marker = match_marker(line)
        # A decimal number alone ("4.1") may as well be a table cell: parse_clauses
        # decides from the outline, and reads its title from the next line.
        decimal = marker is not None and is_decimal(marker)
        if (nxt and not decimal and is_marker_only(line) and not is_marker_only(nxt)
                and match_marker(nxt) is None):
            sep = "" if line[-1] in "、.．)）" or not line[-1].isdigit() else " "
            out.append(f"{line}{sep}{nxt}")
            i += 2
        else:
            out.append(line)
            i += 1
    return out


def make_heading(marker: Marker, line: str) -> str:
    """A short heading: the marker plus the clause's title, cut at its first pause."""
    if marker.kind == "box":
        return line[:60]
    rest = line[len(marker.text):].strip()
    cut = _HEADING_STOP.search(rest)
    title = (rest[: cut.start()] if cut else rest)[:_MAX_HEADING].strip()
    if marker.kind in CHAPTER_RANK and title:
        return f"{marker.text} {title}"
    sep = " " if marker.text[-1:].isdigit() else ""
    return f"{marker.text}{sep}{title}"


def _detect(line: str, stack: list[_Open], outline: Outline) -> Marker | None:
    marker = match_marker(line)
    if marker is not None and is_decimal(marker):
        ordinals = [o.marker.ordinal for o in stack if o.marker.kind not in INLINE]
        return marker if outline.accept(marker, ordinals) else None
    if marker is not None:
        return marker
    n = match_bare_number(line)
    if n is None or not re.match(r"^\d{1,2}\s+\S", line):
        return None
    # A number without its 、 counts only when it continues an open numbered list,
    # or heads a decimal outline (3 保障措施 over 3.1, 3.2).
    for open_ in reversed(stack):
        if open_.marker.kind == "num" and open_.marker.ordinal == n - 1:
            return Marker("num", line.split()[0], n)
    head = outline.bare_head(line)
    if head is not None and outline.accept(head, []):
        return head
    return None


def _pop_for(marker: Marker, stack: list[_Open]) -> int:
    """How many stack entries stay open when ``marker`` starts a new clause."""
    kinds = [o.marker.kind for o in stack]
    if marker.kind in CHAPTER_RANK:
        rank = CHAPTER_RANK[marker.kind]
        keep = 0
        for i, k in enumerate(kinds):
            if k in CHAPTER_RANK and CHAPTER_RANK[k] < rank:
                keep = i + 1
            else:
                break
        return keep
    if marker.kind == "box":
        keep = 0
        for i, k in enumerate(kinds):
            if k in CHAPTER_RANK:
                keep = i + 1
            else:
                break
        if keep == 0 and kinds and kinds[0] not in INLINE | {"box"}:
            keep = 1  # no chapters: the box belongs to the top-level clause (二、发展目标)
        return keep
    for i in range(len(stack) - 1, -1, -1):
        if stack[i].marker.kind == "box" and marker.kind in stack[i].outer:
            return i  # the outline the box interrupted goes on: the box ends
    if marker.kind in kinds:
        return len(kinds) - 1 - kinds[::-1].index(marker.kind)
    keep = len(kinds)
    if marker.kind not in INLINE:
        # Lead-ins (——, 一是) never parent a numbered outline item: close them first.
        while keep and kinds[keep - 1] in INLINE:
            keep -= 1
    return keep


def parse_clauses(doc_id: str, text: str) -> list[Clause]:
    """Split ``text`` (one paragraph per line) into clauses with paths and spans.

    Text before the first marker becomes a 前言 (preamble) clause.
    """
    clauses: list[Clause] = []
    stack: list[_Open] = []
    preamble: _Open | None = None

    def close(open_: _Open, path: tuple[str, ...]) -> None:
        body = "\n".join(open_.lines)
        kind = "table" if open_.marker.kind == "box" else "clause"
        if open_.marker.kind == "preamble":
            kind = "preamble"
        clauses.append(Clause(doc_id, path, open_.heading, body, (open_.start, open_.end), kind))

    lines = text.split("\n")
    outline = Outline(lines)
    offset = 0
    for i, line in enumerate(lines):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        marker = _detect(line, stack, outline)
        if marker is None:
            target = stack[-1] if stack else preamble
            if target is None:
                preamble = target = _Open(Marker("preamble", "", None), PREAMBLE, start, end)
            target.lines.append(line)
            target.end = end
            continue
        if preamble is not None:
            close(preamble, (PREAMBLE,))
            preamble = None
        keep = _pop_for(marker, stack)
        closed_kinds = frozenset(o.marker.kind for o in stack[keep:])
        while len(stack) > keep:
            closed = stack[-1]
            close(closed, tuple(o.heading for o in stack))
            stack.pop()
        titled = line
        if line.strip() == marker.text.strip() and i + 1 < len(lines):
            titled = f"{line} {lines[i + 1]}"  # an orphan number: its title is the next line
        outer = closed_kinds if marker.kind == "box" else frozenset()
        stack.append(_Open(marker, make_heading(marker, titled), start, end, [line], outer))
    if preamble is not None:
        close(preamble, (PREAMBLE,))
    while stack:
        close(stack[-1], tuple(o.heading for o in stack))
        stack.pop()
    clauses.sort(key=lambda c: c.span[0])
    return clauses
