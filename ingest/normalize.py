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


def normalize_text(text: str) -> str:
    """Canonicalise line ends, invisible characters, full-width alphanumerics and spacing.

    Spaces between Chinese characters are layout artefacts of web pages (justified
    titles, table padding), not words, so they are removed; a blank-only line becomes empty.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = text.translate(_FULLWIDTH_ALNUM)
    lines = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        line = _SPACE_IN_CJK.sub("", line)
        lines.append(line)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def is_cjk(ch: str) -> bool:
    """True for a Chinese ideograph."""
    return bool(re.match(f"[{_CJK}]", ch))
