"""Dates as policy documents write them, and dates glued onto titles by web pages.

A 成文日期 reads 2022年5月12日 or 二〇二二年五月十二日; page stamps read 2022-05-12
08:30 or 2022/5/12. A listing often glues the stamp to the title
("2023年5月12日关于印发…的通知", "关于…的通知2022-03-01"): the title must come without it.
"""

from __future__ import annotations

import re

from ingest.markers import cn_to_int

_CN_DIGIT = "〇○零OΟ一二三四五六七八九"
_CN_YEAR_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {
    "○": "0", "零": "0", "O": "0", "Ο": "0"}
_NUM_DATE = (r"((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
             r"|[-/.](\d{1,2})[-/.](\d{1,2})(?![\d]))")
_CN_DATE = rf"([{_CN_DIGIT}]{{4}})年([一二三四五六七八九十]{{1,2}})月([一二三四五六七八九十]{{1,3}})日"
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
DATE = re.compile(rf"{_NUM_DATE}|{_CN_DATE}")
_WHOLE = re.compile(rf"^[(（]?(?:{_NUM_DATE}|{_CN_DATE}){_TIME}[)）]?$")
_LEADING = re.compile(rf"^[(（【\[]?(?:{_NUM_DATE}){_TIME}[)）】\]]?\s*")
_TRAILING = re.compile(rf"\s*[(（【\[]?(?:{_NUM_DATE}){_TIME}[)）】\]]?$")


def _iso(y: int, m: int, d: int) -> str | None:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _from_match(m: re.Match[str]) -> str | None:
    g = m.groups()
    if g[0]:
        month, day = (g[1], g[2]) if g[1] else (g[3], g[4])
        return _iso(int(g[0]), int(month), int(day))
    year = "".join(_CN_YEAR_DIGITS.get(ch, ch) for ch in g[5])
    month_n, day_n = cn_to_int(g[6]), cn_to_int(g[7])
    if not year.isdigit() or month_n is None or day_n is None:
        return None
    return _iso(int(year), month_n, day_n)


def find_date(text: str) -> str | None:
    """The first date in ``text`` as ISO yyyy-mm-dd, in any of the genre's forms."""
    m = DATE.search(text)
    return _from_match(m) if m else None


def date_line(line: str) -> str | None:
    """ISO date if the whole line is a date (a signature date, a page stamp)."""
    m = _WHOLE.match(line.strip())
    return _from_match(m) if m else None


def split_glued_date(line: str, min_rest: int = 6) -> tuple[str, str | None]:
    """A line without the date glued to its start or end, and that date.

    Only a line with at least ``min_rest`` Chinese characters left is split, so a date
    line or a stamp with a few words ("2012-03-20 我要评论") stays as it is.
    """
    s = line.strip()
    for rx in (_LEADING, _TRAILING):
        m = rx.search(s)
        if m is None:
            continue
        rest = (s[: m.start()] + s[m.end():]).strip()
        if len(re.findall(r"[\u4e00-\u9fff]", rest)) >= min_rest:
            inner = DATE.search(m.group())
            return rest, _from_match(inner) if inner else None
    return s, None
