"""A file that holds a notice and the documents it transmits, split into its parts.

A typical file reads: 关于印发《X方案》和《Y办法》的通知, the notice's few lines and its
signature, then the full text of X, then of Y (each often under an 附件1 / 附件2 line).
A reader cites "Y办法 第三条", not "the notice, 第三条", so each part is parsed on its
own: the main document (the first the notice names) keeps plain clause paths under the
file's title, the notice becomes one section named by its own title, and every other
document's clause paths start with that document's title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.clauses import PREAMBLE, parse_clauses
from ingest.metadata import TITLE_END, TRANSMIT
from ingest.types import Clause

_NAMED = re.compile(r"[《〈]([^《》〈〉]{4,80})[》〉]")
_NOTICE_LINE = re.compile(rf"(?:关于(?:{TRANSMIT})|[》〉]).*通知$")
_UNNAMED = re.compile(rf"关于(?:{TRANSMIT})(.+?)的通知$")
_TRANSMIT_SENTENCE = re.compile(rf"现将|(?:{TRANSMIT})给你们|(?:{TRANSMIT})你们|现(?:{TRANSMIT})")
_ANNEX = re.compile(r"^附件\s*\d{0,2}$")  # the line above an attached document
_ANNEX_LIST = re.compile(r"^附件\s*\d{0,2}\s*[:：]")  # the notice's list of attachments
_LISTED = re.compile(r"^[\d一二三四五六七八九十]{1,2}[.、．]")  # "1.X方案" in a list, not a title
_MAX_TITLE = 80


@dataclass(frozen=True)
class Part:
    """Lines ``start:end`` of the body; ``root`` heads its clause paths ("" for the main one).

    ``kind`` is "notice" (the transmitting notice), "main" or "attachment".
    """

    title: str
    start: int
    end: int
    root: str
    kind: str


def _key(text: str) -> str:
    """Compare titles whatever their brackets, dashes and spaces."""
    return re.sub(r"[^\w]", "", text)


def transmitted_names(lines: list[str]) -> list[str]:
    """Titles of the documents the notice heading the text transmits, in the order it names them."""
    notice = next((ln for ln in lines[:3] if len(ln) <= _MAX_TITLE and _NOTICE_LINE.search(ln)), None)
    if notice is None:
        return []
    names = _NAMED.findall(notice)
    if not names and (m := _UNNAMED.search(notice)):
        names = [m.group(1)]
    for line in lines[1:30]:
        if _TRANSMIT_SENTENCE.search(line):
            names += [n for n in _NAMED.findall(line) if TITLE_END.search(n)]
    return list(dict.fromkeys(n.strip() for n in names))


def _title_at(lines: list[str], i: int, key: str) -> bool:
    """Whether the title with ``key`` stands on line i, alone or split over lines i and i+1."""
    line = lines[i].strip()
    if len(line) > _MAX_TITLE or _ANNEX_LIST.match(line) or "。" in line:
        return False
    if _key(line) == key:
        return True
    return i + 1 < len(lines) and _key(line + lines[i + 1]) == key


def _start(lines: list[str], i: int) -> int:
    """An attached document starts at its 附件N line when there is one."""
    return i - 1 if i > 0 and _ANNEX.match(lines[i - 1].strip()) else i


def find_parts(lines: list[str]) -> list[Part]:
    """The notice and the documents it transmits, when the body holds their full text.

    Returns no parts for an ordinary document, or a notice whose documents are not there.
    """
    names = transmitted_names(lines)
    named: list[tuple[int, str]] = []
    for name in names:
        key = _key(name)
        at = next((i for i in range(1, len(lines)) if _title_at(lines, i, key)), None)
        if at is not None and all(at != f for f, _ in named):
            named.append((at, name))
    found = sorted(named + _annexes(lines, {f for f, _ in named}))
    if not found:
        return []
    starts = [_start(lines, i) for i, _ in found]
    head = lines[0].strip()
    if named:
        # The notice just transmits: the first document it names is the file's own.
        main = next(n for n in names if n in {t for _, t in named})
        parts = [Part(head, 0, starts[0], head, "notice")] if starts[0] > 0 else []
    else:
        main = ""  # an ordinary document with annexes: the text before them is the main one
        parts = [Part(head, 0, starts[0], "", "main")]
    for k, (_, title) in enumerate(found):
        end = starts[k + 1] if k + 1 < len(found) else len(lines)
        kind = "main" if title == main else "attachment"
        parts.append(Part(title, starts[k], end, "" if kind == "main" else title, kind))
    return parts


def _annexes(lines: list[str], taken: set[int]) -> list[tuple[int, str]]:
    """Documents under a bare 附件N line that the notice did not name (tables, lists)."""
    out: list[tuple[int, str]] = []
    for i in range(1, len(lines) - 1):
        title = lines[i + 1].strip()
        if (_ANNEX.match(lines[i].strip()) and i + 1 not in taken and len(title) <= _MAX_TITLE
                and "。" not in title and not _LISTED.match(title)):
            out.append((i + 1, title))
    return out


def parse_parts(doc_id: str, lines: list[str], parts: list[Part]) -> list[Clause]:
    """Clauses of every part, spans in the text ``"\\n".join(lines)``, paths under each root."""
    clauses: list[Clause] = []
    for part in parts:
        offset = sum(len(ln) + 1 for ln in lines[: part.start])
        text = "\n".join(lines[part.start : part.end])
        for c in parse_clauses(doc_id, text):
            path = c.path
            if part.root:
                path = (part.root,) if path == (PREAMBLE,) else (part.root, *path)
            span = (c.span[0] + offset, c.span[1] + offset)
            clauses.append(replace(c, path=path, span=span))
    return clauses
