"""Quotable units of a clause: sentences, comma segments of long ones, table rows whole.

Units are what an extractive answer quotes verbatim, so a unit never loses the figure or
the time lead-in (到2025年,…) that makes it true.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.query import YEAR
from assistant.retrieval import Evidence

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
# A comma between digits (12,000) groups thousands; it ends no segment.
_SEGMENT = re.compile(r"(?:[^,，]|(?<=\d),(?=\d{3}(?!\d)))+[,，]?")
_HAS_NUMBER = re.compile(r"\d|翻[一两二三四]?番|[一二两三四五六七八九十]倍|[一二三四五六七八九十百千]+[个家所项]")
LONG_SENTENCE = 60
# Web dumps lose full stops: "年均增长23.45%2015年,专利申请量…" is two sentences.
_LOST_STOP = re.compile(r"(?<=%)(?=(?:19|20)\d{2}年)")
_TIME_LEAD = re.compile(r"^(?:到|至|在|截至)?\s*(?:19|20)\d{2}\s*年(?:前|底|末)?\s*[,，]?$")
_ROW = re.compile(r"^[^：。]{2,40}：.+；?")
_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[、.．]|[(（][\d一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")
_LEAD_PREFIX = re.compile(r"^(?:到|至|在|截至)?\s*(?:19|20)\d{2}\s*年(?:前|底|末)?\s*[,，]")


@dataclass(frozen=True)
class Unit:
    """A quotable piece of a clause, with how well it answers (a probability once scored)."""

    text: str
    evidence: Evidence
    score: float
    prev: str = ""  # the unit before it in the same clause ("" for the first)
    features: dict[str, float] = field(default_factory=dict, compare=False)


def numeric(text: str) -> bool:
    """A figure in the text, not counting a list marker (1、) at its start."""
    return bool(_HAS_NUMBER.search(_LIST_MARK.sub("", text)))


def strip_lead(text: str) -> str:
    return _LEAD_PREFIX.sub("", text)


def split_units(text: str, table: bool = False) -> list[str]:
    """Quotable units: table rows whole; sentences; comma segments of long sentences.

    A segment keeps its sentence's time lead-in (到2025年,…) so the year stays attached,
    and so does each "；" clause up to the full stop ("2015年,A;B。": B is about 2015 too).
    """
    out: list[str] = []
    for line in text.split("\n"):
        if table and _ROW.match(line):
            out.append(line.strip())
            continue
        carry = ""
        for sentence in (s for piece in _LOST_STOP.split(line) for s in _SENTENCE.findall(piece)):
            s = sentence.strip()
            if not s:
                continue
            segments = [seg.strip() for seg in _SEGMENT.findall(s) if seg.strip()]
            own = segments[0] if segments and _TIME_LEAD.match(segments[0]) else ""
            lead = own or ("" if YEAR.search(s) else carry)
            if len(s) <= LONG_SENTENCE:
                out.append(f"{lead}{s}" if lead and not own else s)
            else:
                out.extend(f"{lead}{seg}" if lead else seg for seg in segments if seg != own)
            carry = "" if s.endswith(("。", "！", "？", "!", "?")) else (own or carry)
    return out


def sentences(text: str) -> list[str]:
    """The sentences of a clause, split once for all its units."""
    return [s.strip() for s in _SENTENCE.findall(text)]


def sentence_of(unit: str, clause_sentences: Sequence[str]) -> str:
    """The whole sentence that holds a unit (a comma segment's sentence)."""
    core = strip_lead(unit).rstrip(",，;；")
    return next((s for s in clause_sentences if core in s), unit)


def is_heading(text: str, ev: Evidence) -> bool:
    """A heading sentence repeats the path; it answers nothing.

    Only a whole sentence counts: a heading cut at a comma ("1、…超过13000亿元,") is the
    start of the clause's content and stays quotable.
    """
    if len(text) < 4:
        return True
    bare = text.strip().rstrip("。;；!?！？")
    if bare == ev.chunk.title.strip():  # the document's own title, repeated in its text
        return True
    heading = ev.chunk.heading.strip()
    if len(ev.chunk.text.strip()) <= len(heading) + 1:
        return False  # a one-line item (5、…达到3%以上。) is its own heading and its content
    return bare == heading and not text.strip().endswith((",", "，"))


def join_units(units: Sequence[Unit]) -> str:
    """Units of one clause joined back into readable Chinese."""
    text = ""
    leads: set[str] = set()
    for u in units:
        piece = u.text
        lead = _LEAD_PREFIX.match(piece)
        if lead:  # two segments of one sentence share its time lead: say it once
            if lead.group() in leads:
                piece = piece[lead.end():]
            leads.add(lead.group())
        if text and not text.endswith(("。", ";", "；", "!", "?", ",", "，")):
            text += "；" if u.evidence.chunk.kind == "table" else "，"
        text += piece
    return text.rstrip(",，") + ("" if text.endswith(("。", "；", ";")) else "。")
