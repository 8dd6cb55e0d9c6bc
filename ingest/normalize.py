"""Text normalisation: one canonical form before any rule looks at the text."""

from __future__ import annotations

import re

# Full-width digits and Latin letters map to ASCII; punctuation is left as written,
# because quoted clauses must read as the source does.
_FULLWIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0xFF05: 0x25,  # ％ → %: percentages must match digits either way
    0xFF0E: 0x2E,  # ． between digits is a decimal point (1．5); handled below too
}
_INVISIBLE = re.compile("[\ue000-\uf8ff\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile("[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019《》"
_SPACE_IN_CJK = re.compile(
    rf"(?<=[{_CJK}{_CJK_PUNCT}]) +(?=[{_CJK}{_CJK_PUNCT}])"
    rf"|(?<=[{_CJK}]) +(?=[,.;:!?)(])|(?<=[,.;:!?)(]) +(?=[{_CJK}])"
)
# Typographic digit-group separators (thin, narrow no-break, figure, punctuation space):
# "1 000 000" written by Word or LaTeX. Only whole groups of three digits join, so
# two numbers in separate table cells never merge.
_THIN_GROUPS = re.compile(r"(?<![\d.])\d{1,3}(?:[\u2009\u202f\u2007\u2008\u2006]\d{3})+(?![\d.])")
# The same with ordinary spaces is ambiguous ("1 200" may be two cells); it joins only
# when a money or magnitude unit follows, as in "1 000 万元".
_SPACED_AMOUNT = re.compile(
    r"(?<![\d.])(?<![\d.] )\d{1,3}(?: \d{3})+(?= ?(?:万|亿|千|百|元|美元))"
)
# Spaces that PDF and Word exports put around numbers inside Chinese prose:
# "到 2025 年" and "4.2 % 左右". A line holding two space-separated numbers is a
# table row, not prose, and keeps its spacing.
_SPACE_AROUND_NUMBER = re.compile(
    rf"(?<=[{_CJK}{_CJK_PUNCT}]) +(?=\d)"
    rf"|(?<=\d) +(?=[{_CJK}{_CJK_PUNCT}%‰])"
    rf"|(?<=[%‰]) +(?=[{_CJK}{_CJK_PUNCT}])"
)
_TWO_NUMBERS = re.compile(r"\d[%‰]? +[-+]?\d")
# A leading outline number keeps its space ("2.3 推进…", "3 保障措施"): it is a marker.
_LEADING_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\.? +")
# Markdown archives of laws: "## 第一章  总则" is the chapter, "<!-- INFO END -->" nothing.
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def join_digit_groups(line: str) -> str:
    """Join digit groups split by a thin space ("1 000"), or by a space before 万元."""
    line = _THIN_GROUPS.sub(lambda m: re.sub(r"\D", "", m.group()), line)
    line = _SPACES.sub(" ", line)
    return _SPACED_AMOUNT.sub(lambda m: m.group().replace(" ", ""), line)


def tighten_numbers(line: str) -> str:
    """Remove layout spaces between numbers and Chinese text, unless the line is a table row."""
    if _TWO_NUMBERS.search(line):
        return line
    lead = _LEADING_NUMBER.match(line)
    head = lead.group() if lead else ""
    return head + _SPACE_AROUND_NUMBER.sub("", line[len(head):])


def normalize_text(text: str) -> str:
    """Canonicalise line ends, invisible characters, full-width alphanumerics and spacing.

    Markdown heading marks and HTML comments go (law archives keep texts as Markdown).
    Spaces between Chinese characters are layout artefacts of web pages (justified
    titles, table padding), not words, so they are removed; so are spaces between a
    number and Chinese text. A blank-only line becomes empty.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HTML_COMMENT.sub("", _INVISIBLE.sub("", text))
    text = text.translate(_FULLWIDTH_ALNUM)
    lines = []
    for line in text.split("\n"):
        line = _MARKDOWN_HEADING.sub("", join_digit_groups(line).strip())
        line = _SPACE_IN_CJK.sub("", line)
        lines.append(tighten_numbers(line))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def is_cjk(ch: str) -> bool:
    """True for a Chinese ideograph."""
    return bool(re.match(f"[{_CJK}]", ch))
