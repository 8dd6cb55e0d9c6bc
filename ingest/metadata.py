"""Document metadata from the head and signature of a policy text.

Rules follow the genre: a title ends with a document-type word (规划, 方案, 意见 …) and
is often repeated; a notice 《X》的通知 wraps the policy X; a signature is issuer
lines followed by a 年月日 date (the 成文日期); a document number reads like
武文[2012]20号; a government site's record table labels 发文字号, 成文日期 and 发布日期.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.boilerplate import is_chrome
from ingest.dates import date_line, find_date, split_glued_date

DOC_TYPES = (
    "规划纲要|实施方案|行动方案|行动计划|实施意见|实施细则|管理办法|规划|纲要|方案|计划|意见|"
    "通知|办法|条例|规定|细则|措施|决定|公告|通告|批复|报告|要点|指南|政策|章程|标准"
)
_PERIOD = r"[(（]\s*((?:19|20)\d{2})\s*[—–\-－~～至到]+\s*((?:19|20)\d{2})\s*年?\s*[)）]"
# A title may end with its status: （试行）, （暂行）, （修订）, （征求意见稿）, （草案）.
_STATUS = r"[(（](?:试行|暂行|修订|修正|征求意见稿|草案|送审稿)[)）]"
TITLE_END = re.compile(rf"(?:{DOC_TYPES})(?:{_PERIOD})?(?:{_STATUS})?$")
_PERIOD_ONLY = re.compile(rf"^{_PERIOD}$")
TRANSMIT = "印发|转发|发布|下发|批转|颁布"
_NOTICE = re.compile(rf"^(?:.*?关于(?:{TRANSMIT}))?[《〈](.+?)[》〉].*?(?:的)?通知$"
                     rf"|^.*?关于(?:{TRANSMIT})(.+?)的通知$")
DOC_NUMBER = r"[\u4e00-\u9fff]{1,12}[〔\[［(（【]\d{4}[〕\]］)）】]第?\d+号"
_DOC_NUMBER = re.compile(rf"^(?:文号\s*[:：]\s*)?({DOC_NUMBER})$")
_RECORD_FIELDS = {
    "发文字号": "doc_number", "文号": "doc_number", "发文号": "doc_number",
    "成文日期": "written", "印发日期": "written", "发文日期": "written",
    "发布日期": "published", "公开日期": "published", "公布日期": "published",
    "发文机关": "issuer", "发布机构": "issuer", "发文单位": "issuer",
}
# Other labels of the same record table, only to know where a value ends.
_OTHER_LABELS = ("索引号|主题分类|主题词|标题|信息来源|来源|有效性|时效|生效日期|废止日期|失效日期|"
                 "访问次数|浏览次数|公开方式|公开范围|体裁分类|组配分类|服务对象|著录日期|内容概述|文种")
_LABEL = re.compile(
    "(" + "|".join(sorted(_RECORD_FIELDS, key=len, reverse=True)) + f"|{_OTHER_LABELS})\\s*[:：]"
)
_BULLET = re.compile(r"^[\s•·▪■□◆◇►▶-]+")
_LABELLED_DATE = re.compile(
    r"(?:发布|成文|印发|发文)?(?:时间|日期)\s*[:：]\s*((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})"
)
_LEADING_DATE = re.compile(r"^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_ISSUER_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}(?:委|政府|办公厅|办公室|局|厅|委员会|部|院|中心|会|署|处|组)$"
)
_ISSUED_BY = re.compile(
    r"^([\u4e00-\u9fff（）()]{2,30}(?:委|政府|办公厅|办公室|局|厅|委员会|部|院|中心|署))关于")
_SOURCE = re.compile(r"(?:来源|发布机构|发文机关|发文单位)\s*[:：]\s*([^\s:：]{2,30})")
_FIVE_YEAR = {"十一五": (2006, 2010), "十二五": (2011, 2015), "十三五": (2016, 2020),
              "十四五": (2021, 2025), "十五五": (2026, 2030)}
_TARGET_YEAR = re.compile(r"(?:到|至|截至|截止到?)\s*((?:19|20)\d{2})\s*年")
_HEAD_LINES = 150  # a portal page may put a hundred navigation lines before the title
# A page title names the site after the document: "…的通知-本委其他文件-北京市发展和改革委员会".
_SITE_SUFFIX = re.compile(r"\s*[-_|｜–—]\s*[^-_|｜–—]{2,30}(?:\s*[-_|｜–—]\s*[^-_|｜–—]{2,30})*$")


@dataclass(frozen=True)
class Metadata:
    """What the head of a document says about it."""

    title: str
    title_index: int | None
    issuer: str | None
    doc_number: str | None
    date: str | None
    period: tuple[int, int] | None
    written_date: str | None = None  # 成文日期: the signature or the record's label
    published_date: str | None = None  # 发布日期: the record's label or the page's stamp
    title_line: str | None = None  # the title's line without a date glued to it


def _iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def _unwrap(title: str) -> str:
    """The policy a transmitting notice wraps (the first it names), else the title itself."""
    title = title.strip()
    m = _NOTICE.match(title)
    if m:
        title = m.group(1) or m.group(2)
    return title.strip("《》〈〉")


def _title_text(line: str) -> str:
    """A line as a title candidate: without a date a listing glued to it, or the site's
    name a page title appends."""
    rest, date = split_glued_date(line)
    line = rest if date and TITLE_END.search(rest) else line.strip()
    bare = _SITE_SUFFIX.sub("", line)
    return bare if bare != line and TITLE_END.search(bare) else line


def _title_candidates(lines: list[str]) -> list[tuple[int, str, int]]:
    """(line index, title text, lines used) for short non-chrome lines near the top."""
    cands: list[tuple[int, str, int]] = []
    for i, line in enumerate(lines[:_HEAD_LINES]):
        s = _title_text(line)
        if (not s or is_chrome(s) or "。" in s or len(s) > 80 or _PERIOD_ONLY.match(s)
                or date_line(s) or _LABEL.match(_BULLET.sub("", s))):
            continue  # a date or a record label never starts a title
        cands.append((i, s, 1))
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        joined = s + nxt
        if nxt and len(joined) <= 80 and "。" not in nxt and TITLE_END.search(joined) and not (
            TITLE_END.search(s) and not _PERIOD_ONLY.match(nxt)
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
        if TITLE_END.search(title):
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


def record_fields(lines: list[str]) -> dict[str, str]:
    """发文字号, 成文日期, 发布日期 and 发文机关 from a record table's labelled lines.

    Several fields may share a line (发文机关：国务院成文日期：2022年01月12日), and a
    label may stand alone with its value on the next line, as flattened tables leave them.
    """
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        s = _BULLET.sub("", line.strip())
        labels = list(_LABEL.finditer(s))
        for k, m in enumerate(labels):
            field = _RECORD_FIELDS.get(m.group(1))
            end = labels[k + 1].start() if k + 1 < len(labels) else len(s)
            value = s[m.end():end].strip()
            if not value and k + 1 == len(labels) and i + 1 < len(lines):
                nxt = _BULLET.sub("", lines[i + 1].strip())
                value = "" if _LABEL.match(nxt) else nxt
            if field is None or field in found or not value:
                continue
            if field == "doc_number":
                n = re.search(DOC_NUMBER, value)
                value = n.group() if n else ""
            elif field in ("written", "published"):
                value = find_date(value) or ""
            elif not _ISSUER_LINE.match(value):
                value = ""
            if value:
                found[field] = value
    return found


def _signature(lines: list[str]) -> tuple[str, str] | None:
    """(issuers, ISO date) of the first signature: issuer lines, then a date line."""
    for i, line in enumerate(lines):
        date = date_line(line)
        if date is None:
            continue
        signers: list[str] = []
        j = i - 1
        while j >= 0 and _ISSUER_LINE.match(lines[j].strip()) and len(signers) < 4:
            signers.insert(0, lines[j].strip())
            j -= 1
        if signers:
            return "、".join(signers), date
    return None


def extract_metadata(lines: list[str], fallback_title: str) -> Metadata:
    """Title, issuer, document number, dates and period of a normalised document."""
    title, title_index = find_title(lines, fallback_title)
    head = lines[:_HEAD_LINES]
    record = record_fields(head)
    signature = _signature(lines)
    issuer = signature[0] if signature else record.get("issuer")
    written = record.get("written") or (signature[1] if signature else None)
    doc_number = record.get("doc_number")
    for line in head:
        if doc_number is None and (n := _DOC_NUMBER.match(line.strip())):
            doc_number = n.group(1)
    title_line, glued = None, None
    if title_index is not None:
        title_line = _title_text(lines[title_index])
        if title_line != lines[title_index].strip():
            glued = split_glued_date(lines[title_index])[1]
    published = record.get("published") or glued
    if published is None:
        for line in head:
            m = _LABELLED_DATE.search(line) or _LEADING_DATE.match(line.strip())
            if m:
                published = _iso(*m.groups())
                break
    date = written or published
    if issuer is None and title_line and (m := _ISSUED_BY.match(title_line)):
        issuer = m.group(1)  # 某市人民政府办公室关于印发…的通知
    if issuer is None:
        for line in lines:
            src = _SOURCE.search(line)
            if src and len(line.strip()) <= 60:
                name = re.sub(r"(?:官网|官方网站|门户网站|网站)$", "", src.group(1))
                if _ISSUER_LINE.match(name):
                    issuer = name
                    break
    period = find_period(title, "\n".join(lines), date)
    return Metadata(title, title_index, issuer, doc_number, date, period,
                    written_date=written, published_date=published, title_line=title_line)
