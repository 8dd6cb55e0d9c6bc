"""Document metadata from the head and signature of a policy text.

Rules follow the genre: a title ends with a document-type word (规划, 方案, 意见 …) and
is often repeated; a notice 《X》的通知 wraps the policy X; a signature is issuer
lines followed by a 年月日 date; a document number reads like 武文[2012]20号.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.boilerplate import is_chrome

DOC_TYPES = (
    "规划纲要|实施方案|行动方案|行动计划|实施意见|实施细则|管理办法|规划|纲要|方案|计划|意见|"
    "通知|办法|条例|规定|细则|措施|决定|公告|通告|批复|报告|要点|指南|政策|章程|标准"
)
_PERIOD = r"[(（]\s*((?:19|20)\d{2})\s*[—–\-－~～至到]+\s*((?:19|20)\d{2})\s*年?\s*[)）]"
_TITLE_END = re.compile(rf"(?:{DOC_TYPES})(?:{_PERIOD})?$")
_PERIOD_ONLY = re.compile(rf"^{_PERIOD}$")
_NOTICE = re.compile(r"^(?:.*?关于印发)?《(.+?)》(?:的)?通知$|^.*?关于印发(.+?)的通知$")
_DOC_NUMBER = re.compile(
    r"^(?:文号\s*[:：]\s*)?([\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d+号)$"
)
_CN_DATE = re.compile(r"^((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日$")
_LABELLED_DATE = re.compile(
    r"(?:发布|成文|印发|发文)?(?:时间|日期)\s*[:：]\s*((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})"
)
_LEADING_DATE = re.compile(r"^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_ISSUER_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}(?:委|政府|办公厅|办公室|局|厅|委员会|部|院|中心|会|署|处|组)$"
)
_SOURCE = re.compile(r"(?:来源|发布机构|发文机关|发文单位)\s*[:：]\s*([^\s:：]{2,30})")
_FIVE_YEAR = {"十一五": (2006, 2010), "十二五": (2011, 2015), "十三五": (2016, 2020),
              "十四五": (2021, 2025), "十五五": (2026, 2030)}
_TARGET_YEAR = re.compile(r"(?:到|至|截至|截止到?)\s*((?:19|20)\d{2})\s*年")
_HEAD_LINES = 60


@dataclass(frozen=True)
class Metadata:
    """What the head of a document says about it."""

    title: str
    title_index: int | None
    issuer: str | None
    doc_number: str | None
    date: str | None
    period: tuple[int, int] | None


def _iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def _unwrap(title: str) -> str:
    title = title.strip()
    m = _NOTICE.match(title)
    if m:
        title = m.group(1) or m.group(2)
    return title.strip("《》")


def _title_candidates(lines: list[str]) -> list[tuple[int, str, int]]:
    """(line index, title text, lines used) for short non-chrome lines near the top."""
    cands: list[tuple[int, str, int]] = []
    for i, line in enumerate(lines[:_HEAD_LINES]):
        s = line.strip()
        if not s or is_chrome(s) or "。" in s or len(s) > 80 or _PERIOD_ONLY.match(s):
            continue
        cands.append((i, s, 1))
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        joined = s + nxt
        if nxt and len(joined) <= 80 and "。" not in nxt and _TITLE_END.search(joined) and not (
            _TITLE_END.search(s) and not _PERIOD_ONLY.match(nxt)
        ):
            cands.append((i, joined, 2))
    return cands


def find_title(lines: list[str], fallback: str) -> tuple[str, int | None]:
    """The document title and the line it starts on."""
    text = "\n".join(lines)
    best: tuple[float, int, str] | None = None
    for i, cand, _used in _title_candidates(lines):
        title = _unwrap(cand)
        if len(re.findall(r"[\u4e00-\u9fff]", title)) < 6 or re.search(r"[!！?？|]", title):
            continue
        score = 0.0
        if _TITLE_END.search(title):
            score += 3
        if text.count(title) >= 2 or text.replace("\n", "").count(title) >= 2:
            score += 2
        if re.search(r"[,，;；:：]", title):
            score -= 2
        score -= i / 40
        if best is None or score > best[0]:
            best = (score, i, title)
    if best is None:
        return fallback, None
    return best[2], best[1]


def find_period(title: str, text: str, date: str | None) -> tuple[int, int] | None:
    """The plan period: explicit in the title, a five-year plan name, or targets in the text."""
    m = re.search(_PERIOD, title)
    if m:
        return int(m.group(1)), int(m.group(2))
    for name, span in _FIVE_YEAR.items():
        if name in title:
            return span
    if date is None:
        return None
    start = int(date[:4])
    years = [int(y) for y in _TARGET_YEAR.findall(text) if start <= int(y) <= start + 15]
    if not years:
        return None
    end = Counter(years).most_common(1)[0][0]
    return (start, end) if end > start else None


def extract_metadata(lines: list[str], fallback_title: str) -> Metadata:
    """Title, issuer, document number, date and period of a normalised document."""
    title, title_index = find_title(lines, fallback_title)
    issuer: str | None = None
    date: str | None = None
    doc_number: str | None = None
    for i, line in enumerate(lines):
        s = line.strip()
        m = _CN_DATE.match(s)
        if m and date is None:
            signers: list[str] = []
            j = i - 1
            while j >= 0 and _ISSUER_LINE.match(lines[j].strip()) and len(signers) < 4:
                signers.insert(0, lines[j].strip())
                j -= 1
            if signers:
                issuer, date = "、".join(signers), _iso(*m.groups())
        if doc_number is None and i < _HEAD_LINES and (n := _DOC_NUMBER.match(s)):
            doc_number = n.group(1)
    head = lines[:_HEAD_LINES]
    if date is None:
        for line in head:
            m = _LABELLED_DATE.search(line) or _LEADING_DATE.match(line.strip())
            if m:
                date = _iso(*m.groups())
                break
    if issuer is None:
        for line in lines:
            src = _SOURCE.search(line)
            if src and len(line.strip()) <= 60:
                name = re.sub(r"(?:官网|官方网站|门户网站|网站)$", "", src.group(1))
                if _ISSUER_LINE.match(name):
                    issuer = name
                    break
    period = find_period(title, "\n".join(lines), date)
    return Metadata(title, title_index, issuer, doc_number, date, period)
