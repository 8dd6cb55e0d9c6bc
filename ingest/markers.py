"""Clause numbering of Chinese policy text, recognised at the start of a line."""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUM = "[一二三四五六七八九十百零〇两]+"
_NUM = rf"(?:{CN_NUM}|\d+)"

# Chapter-like levels have a fixed order; every other kind nests by first appearance.
CHAPTER_RANK = {"pian": 0, "zhang": 1, "jie": 2, "tiao": 3}

_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("pian", re.compile(rf"^第{_NUM}(?:篇|编|部分)")),
    ("zhang", re.compile(rf"^第{_NUM}章")),
    ("jie", re.compile(rf"^第{_NUM}节")),
    ("tiao", re.compile(rf"^第{_NUM}条")),
    ("box", re.compile(r"^专栏\s*\d+")),
    ("cn", re.compile(rf"^{CN_NUM}[、.．]")),
    ("pcn", re.compile(rf"^[(（]{CN_NUM}[)）]")),
    ("num", re.compile(r"^\d{1,2}[、.．](?!\d)")),
    ("pnum", re.compile(r"^[(（]\d{1,2}[)）]")),
    ("circ", re.compile(r"^[①-⑳]")),
    ("shi", re.compile(rf"^{CN_NUM}是(?=[^,，。:：;；]{{2}})")),
    ("dash", re.compile(r"^——(?=\S)")),
]
_BARE_NUM = re.compile(r"^(\d{1,2})(?:\s+(?=\S)|$)")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Marker:
    """A recognised clause marker: its kind, its literal text and its ordinal."""

    kind: str
    text: str
    ordinal: int | None


def cn_to_int(s: str) -> int | None:
    """Convert a Chinese numeral below 1000 (一, 十二, 二十三, 一百零五) to an int."""
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


def _ordinal(text: str) -> int | None:
    m = re.search(rf"\d+|{CN_NUM}", text)
    return cn_to_int(m.group()) if m else None


def match_marker(line: str) -> Marker | None:
    """The clause marker a line starts with, if any (bare numbers are not markers here)."""
    for kind, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            text = m.group()
            return Marker(kind, text, None if kind == "dash" else _ordinal(text))
    return None


def match_bare_number(line: str) -> int | None:
    """A list number that lost its punctuation ("2" alone, or "2 text"); caller checks sequence."""
    m = _BARE_NUM.match(line)
    return int(m.group(1)) if m else None


def is_marker_only(line: str) -> bool:
    """A line holding only a marker, whose text follows on the next line."""
    m = match_marker(line)
    if m is not None:
        return line.strip() == m.text.strip()
    return bool(re.fullmatch(r"\d{1,2}", line.strip()))
