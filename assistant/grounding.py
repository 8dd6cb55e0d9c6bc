"""The number guard: every number in an answer must appear in a cited clause.

Numbers are compared by value after normalising full-width digits, thousands
separators and 万/亿 scaling, so 5000亿元 in a clause grounds 0.5万亿 in an answer. English
scale words count too: "300 billion" grounds as 3000亿, and "3000 billion" for 3000亿元
(ten times the figure) is caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.query import EN_PLAN, EN_PLAN_NAME, EN_SCALE

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％", "0123456789.,%")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|亿|万|千|(?:thousand|million|billion|trillion)\b)?\s*(%|倍)?",
                     re.IGNORECASE)
_MULTIPLE = re.compile(r"翻[一两二三四]?番|倍增")
_MARKER = re.compile(r"\[\d+\]")
_LIST_NUMBER = re.compile(r"(?m)^\s*(?:[-*•]\s*)?\d{1,2}[.、)]\s")
_SCALE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, **EN_SCALE}


@dataclass(frozen=True)
class NumberMention:
    """A number as written and as a comparable value."""

    text: str
    value: float
    unit: str  # "%" | "倍" | "" | "multiple"


def normalize_numbers(text: str) -> str:
    """Full-width digits to ASCII and thousands separators removed."""
    return _THOUSANDS.sub("", text.translate(_FULLWIDTH))


def _without_markers(text: str) -> str:
    """Normalised text without [n] citation markers and list numbering (1. 2、), which are not figures."""
    return _LIST_NUMBER.sub(" ", _MARKER.sub(" ", normalize_numbers(text)))


def extract_numbers(text: str, *, strip_markers: bool = True) -> list[NumberMention]:
    """Numbers, percentages, 万/亿 amounts, multiples (倍, 翻一番) mentioned in ``text``."""
    text = _without_markers(text) if strip_markers else normalize_numbers(text)
    found = [NumberMention(m.group(), 0.0, "multiple") for m in _MULTIPLE.finditer(text)]
    for m in _NUMBER.finditer(text):
        value = float(m.group(1)) * (_SCALE[m.group(2).lower()] if m.group(2) else 1.0)
        found.append(NumberMention(m.group().strip(), value, m.group(3) or ""))
    return found


def _same(a: NumberMention, b: NumberMention) -> bool:
    if a.unit == "multiple" or b.unit == "multiple":
        return a.unit == b.unit and a.text[:2] == b.text[:2] and a.text == b.text
    return abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value))


def ungrounded_numbers(answer: str, sources: Iterable[str]) -> list[str]:
    """Numbers in ``answer`` that no source mentions (empty list: fully grounded)."""
    pool: list[NumberMention] = []
    joined = ""
    for src in sources:
        pool.extend(extract_numbers(src, strip_markers=False))
        joined += normalize_numbers(src) + "\n"
    missing: list[str] = []
    for num in extract_numbers(answer):
        if num.text in joined or any(_same(num, p) for p in pool):
            continue
        missing.append(num.text)
    return missing


_BARE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?!\d|\.\d)\s*(?=$|[^\u4e00-\u9fff%A-Za-z\d])")
_YEARLIKE = re.compile(r"(?:19|20)\d{2}")


def unitless_numbers(answer: str, sources: Iterable[str]) -> list[str]:
    """Numbers an answer writes bare that every source writes with a unit.

    "40" for 40个 or "5000" for 5000亿元 is a misquote even though the value appears; in an
    English answer too, since the prompt asks for the Chinese unit (15000家).
    """
    text = _without_markers(answer)
    joined = "\n".join(normalize_numbers(s) for s in sources)
    found: list[str] = []
    for m in _BARE.finditer(text):
        num = m.group(1)
        if _YEARLIKE.fullmatch(num):
            continue
        uses = re.findall(rf"(?<![\d.]){re.escape(num)}(?![\d.])\s*(.?)", joined)
        if uses and all(re.match(r"[\u4e00-\u9fff%]", u) for u in uses):
            found.append(num)
    return found


def name_plans(answer: str, sources: Iterable[str]) -> str:
    """"13th Five-Year" → “十三五” where a source names that plan: a plan's name, not a figure.

    A plan no source names keeps its digits, so the guard still flags it.
    """
    joined = "\n".join(sources)

    def repl(m: re.Match[str]) -> str:
        name = EN_PLAN_NAME[m.group(1)]
        return f"“{name}”" if name in joined else m.group(0)

    return EN_PLAN.sub(repl, answer)


def drop_restated_years(answer: str, years: Iterable[str], sources: Iterable[str]) -> str:
    """Remove a year the question asked about and the answer restates ("2025年东湖高新区…",
    "by 2025") when no source states it: the answer must not print a number its citation
    lacks, and the year was the user's, not a finding."""
    pool = list(sources)
    for year in dict.fromkeys(years):
        if not ungrounded_numbers(year, pool):
            continue
        answer = re.sub(rf"\s*\b(?:by|in|for|until|before|of)\s+{year}\b|\b{year}\s+(?=[A-Za-z])", "", answer)
        answer = re.sub(rf"(?:到|至|在|于|截至)?{year}年?(?:底|末|前)?[，,]?", "", answer)
    return re.sub(r" {2,}", " ", re.sub(r"\s+([,.;:])", r"\1", answer))


def is_grounded(answer: str, sources: Iterable[str]) -> bool:
    """True if every number in ``answer`` appears in ``sources``."""
    return not ungrounded_numbers(answer, sources)
