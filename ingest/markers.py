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
    ("dec", re.compile(r"^[1-9]\d?(?:\.[1-9]\d?){1,3}[.、]?(?=\s*[^\s\d.]|\s*$)")),
    ("num", re.compile(r"^\d{1,2}[、.．](?!\d)")),
    ("pnum", re.compile(r"^[(（]\d{1,2}[)）]")),
    ("circ", re.compile(r"^[①-⑳]")),
    ("shi", re.compile(rf"^{CN_NUM}是(?=[^,，。:：;；]{{2}})")),
    ("dash", re.compile(r"^——(?=\S)")),
]
# After a decimal outline number ("2.3 推进…") comes a title; after a quantity
# ("1.2万家", "2.5%左右", "3.5 亿元") a unit. A unit rules the heading out.
_UNIT_AFTER = re.compile(
    r"\s*(?:[%％‰万亿千百倍个家元年月日周岁天时分秒度米克吨项件台套辆座所户人次名位条张册本亩公顷]"
    r"|平方|立方|[a-zA-Z]*[/／])"
)
# "第一部分为项目实施方案。": a sentence whose subject is a part, not the part's heading.
_PART_AS_SUBJECT = re.compile(r"\s*[为是]")
_SENTENCE_END = ("。", "；", ";")
_BARE_NUM = re.compile(r"^(\d{1,2})(?:\s+(?=\S)|$)")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Marker:
    """A recognised clause marker: its kind, its literal text and its ordinal."""

    kind: str
    text: str
    ordinal: int | None


_CN_POWERS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(s: str) -> int | None:
    """Convert a numeral below ten thousand (一, 十二, 二十三, 一百零五, 五千, or digits) to an int."""
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch in _CN_POWERS:
            total, cur = total + (cur or 1) * _CN_POWERS[ch], 0
        else:
            return None
    return total + cur


def _ordinal(text: str) -> int | None:
    m = re.search(rf"\d+|{CN_NUM}", text)
    return cn_to_int(m.group()) if m else None


def match_marker(line: str) -> Marker | None:
    """The clause marker a line starts with, if any (bare numbers are not markers here).

    A chapter-like number that is the subject of a sentence (第一部分为…。) is no marker.
    Decimal outline numbers come back as kinds ``dec2``, ``dec3`` … by their depth, so
    2.3 and 2.3.1 nest like any two marker kinds; a number followed by a unit is a quantity.
    """
    for kind, pattern in _MARKERS:
        m = pattern.match(line)
        if not m:
            continue
        text = m.group()
        if (kind in ("pian", "zhang", "jie") and line.rstrip().endswith(_SENTENCE_END)
                and _PART_AS_SUBJECT.match(line, m.end())):
            return None
        if kind == "dec":
            if _UNIT_AFTER.match(line, m.end()):
                return None
            number = outline_number(text)
            return Marker(f"dec{len(number)}", text, number[-1])
        return Marker(kind, text, None if kind == "dash" else _ordinal(text))
    return None


def outline_number(text: str) -> tuple[int, ...]:
    """The components of a decimal outline number: "2.3.1" → (2, 3, 1)."""
    return tuple(int(p) for p in re.findall(r"\d+", text))


def is_decimal(marker: Marker) -> bool:
    """True for a decimal outline marker (2.3, 2.3.1 …)."""
    return marker.kind.startswith("dec")


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
