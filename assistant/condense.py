"""Rewrite a follow-up question into a standalone one, by rules (no LLM needed).

"那上市企业呢？" after "东湖高新区2025年高新技术企业数量目标是多少？" becomes
"东湖高新区2025年上市企业数量目标是多少？"; "And for 2020?" swaps the year. The rules
carry the subject, year and place of the previous question forward.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.query import YEAR_RANGE, Lexicon, analyze, default_lexicon, detect_lang
from assistant.terms import content_terms
from assistant.types import Turn

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)年?")
_FOLLOWUP_ZH = re.compile(r"^(?:那么?|那个|还有|另外|以及|和|再问一下|同样)|呢[？?]?$|^(?:它|其|这个|该)")
_FOLLOWUP_EN = re.compile(
    r"^(?:and|what about|how about|and what about|what of|same for|also|then)\b|^(?:for|in)\s+\d{4}", re.I
)
_FILLER_ZH = re.compile(r"^(?:那么?|还有|另外|以及|和|再问一下|同样)|[呢吗？?。!！\s]+$")
_FILLER_EN = re.compile(r"^(?:and what about|what about|how about|and|what of|same for|also|then)\s*|[?.!\s]+$", re.I)


def is_followup(question: str) -> bool:
    """Short elliptical questions that lean on the previous turn."""
    q = question.strip()
    if detect_lang(q) == "en":
        return bool(_FOLLOWUP_EN.search(q)) or len(q.split()) <= 3
    return bool(_FOLLOWUP_ZH.search(q)) or len(re.sub(r"\W", "", q)) <= 5


def last_user_question(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return turn.content.strip()
    return None


def _replace_subject(prev: str, focus: str) -> str:
    """Swap the noun phrase in ``prev`` that shares ``focus``'s head word (企业, patents)."""
    # The head is the longest suffix of the focus that prev also uses (上市企业 → 企业).
    head = next((focus[-k:] for k in range(len(focus) - 1, 0, -1) if focus[-k:] in prev), "")
    if not head:
        # No shared head word: keep prev's place/year lead and its question tail, swap the middle.
        tail = re.search(r"(?:要|将|应|计划|力争)?(?:达到|突破|超过|是|为|有)[^，,。]*[？?]?$", prev)
        leads = list(re.finditer(r"(?:19|20)\d{2}年|区|市|省|县|大走廊|光谷", prev))
        if tail and leads and leads[-1].end() <= tail.start():
            return prev[: leads[-1].end()] + focus + prev[tail.start():]
        return f"{prev.rstrip('？?。')}：{focus}"
    # The longest span of prev ending in the head word, made of Chinese/Latin word chars.
    match = None
    for m in re.finditer(rf"[\u4e00-\u9fffA-Za-z&“”‘’「」]*?{re.escape(head)}", prev):  # “揭榜挂帅”项目
        match = m
        break
    if match is None:
        return f"{prev.rstrip('？?。')}：{focus}"
    start = match.start()
    # Do not swallow a place or year: keep prev up to the last such anchor before the phrase.
    anchors = [m.end() for m in re.finditer(r"(?:19|20)\d{2}年?|区|市|省|县|大走廊|光谷", prev[: match.end()])]
    anchors = [a for a in anchors if a <= match.end() - len(head)]
    if anchors:
        start = max(start, max(anchors))
    return prev[:start] + focus + prev[match.end():]


def condense_rules(question: str, history: Sequence[Turn], lexicon: Lexicon | None = None) -> str:
    """The standalone form of ``question`` given ``history`` (unchanged if not a follow-up)."""
    prev = last_user_question(history)
    if not prev or not is_followup(question):
        return question.strip()
    lex = lexicon or default_lexicon()
    q = question.strip()
    en = detect_lang(q) == "en"
    rest = (_FILLER_EN if en else _FILLER_ZH).sub("", q).strip()
    new_years = _YEAR.findall(rest)
    rest_wo_year = re.sub(r"^(?:in|for|the|of|,|，|的|\s)+|(?:in|for|the|of|,|，|的|\s)+$", "", _YEAR.sub("", rest))
    if new_years and not rest_wo_year:
        # Only a year: ask the same thing about that year.
        # The asked year, not one naming a plan's period (2012–2016): the last free one.
        asked = int(new_years[0][:4])
        if any(not int(a) <= asked <= int(b) for a, b in YEAR_RANGE.findall(prev)):
            # A year beyond the named plan's period asks about whichever plan covers it.
            prev = re.sub(r"\s{2,}", " ", YEAR_RANGE.sub("", prev))
        ranges = [m.span() for m in YEAR_RANGE.finditer(prev)]
        free = [m for m in _YEAR.finditer(prev) if not any(a <= m.start() < b for a, b in ranges)]
        if free:
            m = free[-1]
            year = new_years[0].rstrip("年") + ("年" if m.group().endswith("年") else "")
            return prev[: m.start()] + year + prev[m.end():]
        return f"{prev.rstrip('？?。')}（{new_years[0]}）" if not en else f"{prev.rstrip('?')} in {new_years[0]}?"
    if lex.alias_groups(rest) and not lex.translate(rest) and len(rest) <= 12:
        # Only a place: ask the same about that place.
        groups = lex.alias_groups(prev)
        for group in groups:
            for name in sorted(group, key=len, reverse=True):
                if name.lower() in prev.lower():
                    return re.sub(re.escape(name), rest, prev, count=1, flags=re.I)
        return f"{rest}{prev}"
    if en:
        return f"{prev.rstrip('?')} — {rest}?"
    return _replace_subject(prev, rest)


def keeps_context(question: str, rewrite: str, history: Sequence[Turn], lexicon: Lexicon | None = None) -> bool:
    """Whether an LLM's standalone rewrite of a follow-up can replace the rules' one.

    A 1.5B model often returns the follow-up unchanged ("技术合同成交额是多少？") or the
    previous question without the new subject. Keep its rewrite only when it carries a
    topic of the previous question forward and keeps every year and topic of the new one.
    """
    prev = last_user_question(history)
    if not prev or not is_followup(question):
        return True
    lex = lexicon or default_lexicon()
    new, old, out = (set(content_terms(analyze(t, lex))) for t in (question, prev, rewrite))
    carried = (old - new) & out or (_years(prev) - _years(question)) & _years(rewrite)
    asked = {int(y) for y in _years(question)}
    # "And for 2020?" after a 2012–2016 plan: a period that excludes the new year must go.
    stale = any(not int(a) <= y <= int(b) for a, b in YEAR_RANGE.findall(rewrite) for y in asked)
    return bool(carried) and new <= out and _years(question) <= _years(rewrite) and not stale


def _years(text: str) -> set[str]:
    return {y.rstrip("年") for y in _YEAR.findall(text)}
