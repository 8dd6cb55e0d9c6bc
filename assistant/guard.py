"""The guard stage: an LLM's answer is shown only as far as every number in it is in a
cited clause, its citation markers point at real citations, and it keeps the figure the
best quote gives."""

from __future__ import annotations

import re

from assistant.draft import Draft
from assistant.grounding import (
    drop_restated_years,
    extract_numbers,
    name_plans,
    ungrounded_numbers,
    unitless_numbers,
)
from assistant.query import YEAR

MARKER = re.compile(r"\s*\[(\d+)\]")
_PLACEHOLDER = re.compile(r"\s*\[n\]")
# Where unchecked text stops being safe to show: a number, a marker, or a multiple.
_UNCHECKED = re.compile(r"[\d０-９\[［]|翻|倍")
# A number, marker or multiple the model may still be writing (10000 → 10000家, 翻 → 翻一番).
_OPEN_TAIL = re.compile(r"(?:[\d０-９][\d０-９.．,，\s万亿千百十%％倍]*|[\[［][^\]］]*|翻[一两二三四]?|倍)$")
_ITEM_NUMBER = re.compile(r"^\s*[(（]?\d{1,2}[、.)）]")


def check(text: str, draft: Draft) -> tuple[str, list[str]]:
    """Drop [n] markers that point at nothing; list numbers no citation grounds."""
    valid = {c.n for c in draft.citations}
    text = MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in valid else "", text)
    text = _PLACEHOLDER.sub("", text).strip()  # the prompt's own "[n]", copied
    # What a reader sees in a citation, and nothing else: a year that only the clause's
    # lead-in (2020年,实现以下具体目标:) states cannot be checked there, so it fails.
    sources = [f"{c.title}\n{c.clause}\n{c.text}" for c in draft.citations]
    text = drop_restated_years(name_plans(text, sources), YEAR.findall(draft.ctx.text), sources)
    # A number is copied with the unit its clause gives it, in English answers too
    # (the prompt asks for 15000家): "15000 enterprises" may drop 以上 or 左右 with it.
    missing = ungrounded_numbers(text, sources) + unitless_numbers(text, sources)
    return text, missing


def showable(shown: str, pending: str, draft: Draft) -> str:
    """What a stream may show of the sentence in progress: up to its last complete
    number when every number so far passes the guard, else up to its first number."""
    closed = _OPEN_TAIL.sub("", pending)
    if _UNCHECKED.search(closed):
        checked, missing = check(shown + closed, draft)
        if not missing:
            return checked
    safe = _UNCHECKED.split(pending, maxsplit=1)[0]
    return (shown + safe).strip() if shown or safe.strip() else ""


def dropped(best: str, answer: str, question: str) -> list[str]:
    """The best sentence's figures when the answer keeps none of them.

    The guard proves each number the LLM writes is in a cited clause, not that it is the
    one asked for: a 1.5B model will answer 3000万元 from the second quote where the first
    says 1000万元. An answer may leave out figures nobody asked for, but not all of them.
    Years, item numbers and figures the question itself states (三个翻番) are not answers.
    """
    best = _ITEM_NUMBER.sub("", best)
    figures = [n.text for n in extract_numbers(best)
               if not YEAR.fullmatch(n.text) and ungrounded_numbers(n.text, [question])]
    kept = [f for f in figures if not ungrounded_numbers(f, [answer])]
    return [] if kept else figures


def terse(text: str) -> bool:
    """An answer that is little more than a figure ("5000亿元 [1]") does not say what it counts."""
    words = re.sub(r"\[\d+\]|[\d.,%]+|[亿万千元个家件项倍年]", "", text)
    return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z]+", words)) < 4
