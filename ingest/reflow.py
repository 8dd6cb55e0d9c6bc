"""Rejoin sentences that a web page or PDF export broke over several lines.

Government pages often wrap each inline element in its own tag, so a dump puts a line
break wherever a number, a bold word or a link sat: "应不低于\\n30%\\n。", "内能源新能发\\n〔\\n2\\n026\\n〕\\n1\\n号".
A number cut away from its sentence is lost to every later stage: the quoted sentence
reads "比例应不低于。" and the figure is nowhere. Two passes, both by rules of written
Chinese rather than of any site:

- ``join_broken`` (every document): a line never starts with closing punctuation, never
  ends on an opening bracket, and a number never stands apart from its digits or its
  unit. These joins are safe before page furniture is removed.
- ``unwrap_soft`` (only a document most of whose lines stop mid-sentence): a line that
  ends without a sentence end continues on the next, unless the next starts a numbered
  clause, an attachment or a labelled record field, or the line is a numbered heading
  or ends like a document title (…的通知, …方案（试行）).
"""

from __future__ import annotations

import re

from ingest.boilerplate import is_record
from ingest.markers import is_marker_only, match_marker
from ingest.metadata import DOC_NUMBER, TITLE_END

_STARTS_CLOSED = re.compile(r"^[，。、；：！？）】》」』”’%‰〕\]］,.;:!?)]")
_ENDS_OPEN = re.compile(r"[（【《「『“‘〔［(\[]$")
_DIGITS_ONLY = re.compile(r"^\d{1,3}$")
_NUMBER_PIECE = re.compile(r"^\d+(?:\.\d+)?\s*[%‰]?[。，；]?$")
_MARKER_TAIL = re.compile(r"^[、.．)）]")  # "1" then "、…": a list number, not a figure
_UNIT_AFTER_NUMBER = re.compile(r"^(?:[年月日号万亿元%‰倍个家项次千百吨亩米度]|千瓦|兆瓦|小时)")
_DOC_CODE = re.compile(r"^[〔［]")  # 〔2026〕 after an issuer's code 京发改
_SENTENCE_END = "。！？；：!?;:"
_PUNCT_END = _SENTENCE_END + "，、,）)》」”"
_ATTACHMENT = re.compile(r"^附件\s*\d{0,2}\s*[:：]?$")
_LABEL = re.compile(r"^[\[【]?[\u4e00-\u9fff]{2,5}[\]】]?\s*[:：]")  # 发布日期：, [来源]：
_TAIL = 8  # the longest piece of a heading broken over lines
_HEADING = 30  # a numbered line this short is a heading
SOFT_SHARE = 0.4  # share of unpunctuated short lines that marks a soft-wrapped document
_SHORT = 20
_MIN_TITLE = 4  # a heading's title is seldom shorter: 项目 / 申报 are two pieces of one
_DOC_NUMBER = re.compile(DOC_NUMBER)


def _is_heading(line: str) -> bool:
    return match_marker(line) is not None and len(line) <= _HEADING


def _hard_join(prev: str, line: str, nxt: str) -> bool:
    if _STARTS_CLOSED.match(line) or _ENDS_OPEN.search(prev):
        return True
    if prev[-1].isdigit() and (line[0].isdigit() and (_DIGITS_ONLY.match(prev) or _DIGITS_ONLY.match(line))):
        return True  # 2 / 026
    if prev[-1].isdigit() and _UNIT_AFTER_NUMBER.match(line) and not match_marker(line):
        return True  # 2030 / 年前不低于
    if prev[-1] in "〕]］" and line[0].isdigit() and len(line) <= 6:
        return True  # 京发改〔2026〕 / 341号
    if _DOC_CODE.match(line) and not prev[-1].isdigit() and prev[-1] not in _PUNCT_END and len(prev) <= 12:
        return True  # 京发改 / 〔2026〕
    if _ATTACHMENT.match(prev):
        return line.isdigit() and len(line) <= 2  # 附件 / 2
    if not _NUMBER_PIECE.match(line) or prev[-1] in _SENTENCE_END or _is_heading(prev):
        return False
    if line.isdigit():  # a bare integer is a figure only when its unit follows (2000 / 万元)
        return bool(_UNIT_AFTER_NUMBER.match(nxt)) and not _MARKER_TAIL.match(nxt)
    return prev[-1] not in "）)》」”"  # 应不低于 / 30%, not a figure after a closed bracket


def join_broken(lines: list[str]) -> list[str]:
    """Join the pieces of a sentence whose break no written Chinese would make."""
    out: list[str] = []
    kept = [s for s in (raw.strip() for raw in lines) if s]
    for i, line in enumerate(kept):
        nxt = kept[i + 1] if i + 1 < len(kept) else ""
        if out and _hard_join(out[-1], line, nxt):
            out[-1] += line
        else:
            out.append(line)
    return out


def is_soft_wrapped(lines: list[str]) -> bool:
    """Whether most lines stop mid-sentence: short, unpunctuated and not numbered headings."""
    if len(lines) < 10:
        return False
    soft = sum(1 for ln in lines if len(ln) < _SHORT and ln[-1] not in _PUNCT_END and match_marker(ln) is None)
    return soft / len(lines) >= SOFT_SHARE


def _heading_rest(heading: str, lines: list[str], i: int) -> int:
    """How many of the short pieces from ``lines[i]`` on finish the numbered ``heading``.

    A heading the page broke into pieces ends on its own pause: （一） / 新增 / 用电 / 负荷。
    Pieces that reach no pause within a heading's length are the first words of the
    body (（一） / 强化源荷匹配 / 并网型 / 绿电直连项目 / 按照…), except those that make a
    title of one or two characters whole (（一） / 项目 / 申报).
    """
    if heading[-1] in _SENTENCE_END:
        return 0
    length = len(heading)
    n = 0
    for line in lines[i:]:
        length += len(line)
        if len(line) > _TAIL or length > _HEADING or match_marker(line) is not None:
            break
        n += 1
        if line[-1] in _SENTENCE_END:
            return n
    title = len(heading) - len(m.text) if (m := match_marker(heading)) else len(heading)
    if title >= _MIN_TITLE or not n:
        return 0
    for k, line in enumerate(lines[i : i + n], 1):
        title += len(line)
        if title >= _MIN_TITLE:
            return k
    return n


def _stands_alone(line: str) -> bool:
    """A line that takes no continuation: a sentence end, an attachment label, a numbered
    heading, a record stamp (来源：某局) or a document number on its own."""
    return (line[-1] in _SENTENCE_END or bool(_ATTACHMENT.match(line)) or _is_heading(line)
            or is_record(line) or bool(_DOC_NUMBER.fullmatch(line)))


def unwrap_soft(lines: list[str]) -> list[str]:
    """In a soft-wrapped document, a line without an ending continues on the next one."""
    if not is_soft_wrapped(lines):
        return lines
    out: list[str] = []
    closed = True  # whether the last line takes no continuation (a heading, an ending)
    rest = 0  # pieces still to join to the heading before them
    for i, line in enumerate(lines):
        prev = out[-1] if out else ""
        if prev and is_marker_only(prev) and match_marker(line) is None:
            out[-1] = f"{prev}{line}"  # （三） / 项目管理: the marker's title
            closed = True
            rest = _heading_rest(out[-1], lines, i + 1)
        elif rest:
            out[-1] += line  # （一）新增 / 用电 / 负荷。: the rest of a heading, in pieces
            rest -= 1
        elif (not closed and match_marker(line) is None and not _ATTACHMENT.match(line)
              and not TITLE_END.search(prev) and not _LABEL.match(line)):
            out[-1] += line
            closed = _stands_alone(out[-1])
        else:
            out.append(line)
            closed = _stands_alone(line)
            rest = _heading_rest(line, lines, i + 1) if _is_heading(line) else 0
    return out
