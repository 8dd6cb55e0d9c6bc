"""Clause-path matching: is a cited clause (``一、… > (三)… > 2.…``) the gold clause?

Kept apart from :mod:`evals.metrics` because it is its own small grammar of Chinese
numbering (第X条, (三), ①, 专栏1 …) and shares nothing with answer or number scoring.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.markers import cn_to_int

_WS = re.compile(r"\s+")

_CN = "零〇一二两三四五六七八九十百"
_PAUSE = re.compile(r"[,;:!?。]")  # after NFKC; 、 and . are not pauses (3.5%, A、B)
_QUOTES = re.compile(r"[\"'“”‘’「」『』《》]")
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ① … ⑳
_NUMBERINGS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"^第([{_CN}\d]+)(?:篇|编|部分)")),
    ("chapter", re.compile(rf"^第([{_CN}\d]+)章")),
    ("section", re.compile(rf"^第([{_CN}\d]+)节")),
    ("article", re.compile(rf"^第([{_CN}\d]+)条")),
    ("box", re.compile(r"^专栏\s*(\d+)\s*[:：]?")),
    ("pcn", re.compile(rf"^[(（]\s*([{_CN}]+)\s*[)）]")),
    ("pnum", re.compile(r"^[(（]\s*(\d{1,2})\s*[)）]")),
    ("cn", re.compile(rf"^([{_CN}]+)\s*[、.．]")),
    ("shi", re.compile(rf"^([{_CN}]+)是")),
    ("num", re.compile(r"^(\d{1,2})(?:\s*[、.．](?!\d)|\s+|(?=[\u4e00-\u9fff]))")),
    ("dash", re.compile(r"^(?:——|—|--)")),
]


@dataclass(frozen=True)
class PathPart:
    """One component of a clause path: its numbering (kind, ordinal) and its heading."""

    kind: str
    ordinal: int | None
    heading: str


def parse_part(component: str) -> PathPart:
    """Split ``(三)实施产业能级提升行动`` into ("pcn", 3, "实施产业能级提升行动").

    Brackets of either width, 、 / . / a lost separator after a digit, and spacing are
    all tolerated; a component without numbering is kind "plain".
    """
    s = component.strip()
    if s[:1] in _CIRCLED:
        return PathPart("circled", _CIRCLED[s[0]], _heading(s[1:]))
    s = unicodedata.normalize("NFKC", s).strip()
    for kind, pattern in _NUMBERINGS:
        m = pattern.match(s)
        if m:
            ordinal = cn_to_int(m.group(1)) if m.groups() else None
            return PathPart(kind, ordinal, _heading(s[m.end():]))
    return PathPart("plain", None, _heading(s))


def _heading(rest: str) -> str:
    """The comparable heading: no quotes or spaces, cut at the first pause."""
    h = _QUOTES.sub("", unicodedata.normalize("NFKC", rest))
    h = _WS.sub("", h).casefold()
    cut = _PAUSE.search(h)
    return h[: cut.start()] if cut else h


def split_path(path: str) -> list[PathPart]:
    """A clause path ``a > b > c`` as parts (``>`` or ＞ with any spacing)."""
    return [parse_part(p) for p in re.split(r"\s*[>＞]\s*", path) if p.strip()]


HEADING_SIMILARITY = 0.6


def headings_agree(a: str, b: str) -> bool:
    """Headings agree if one is empty, one is a prefix of the other, or they are close.

    Close means difflib ratio >= 0.6 on the pause-cut headings: tolerates a reworded
    word or a heading the parser truncated, but not two different tasks that share a
    number (``二、具体目标`` vs ``二、完善科技人才评价机制``).
    """
    if not a or not b or a.startswith(b) or b.startswith(a):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= HEADING_SIMILARITY


def parts_match(cited: PathPart, gold: PathPart) -> bool:
    """Same numbering kind and ordinal, and agreeing headings.

    Unnumbered parts (—— lead-ins, plain titles) have only their heading to go on, so
    for them an empty heading matches only another empty one.
    """
    if cited.kind != gold.kind or cited.ordinal != gold.ordinal:
        return False
    if gold.ordinal is None and (not cited.heading or not gold.heading):
        return cited.heading == gold.heading
    return headings_agree(cited.heading, gold.heading)


def clause_match(cited_path: str | None, gold_path: str | Sequence[str]) -> bool:
    """Whether a cited clause path is the gold clause or one of its descendants.

    The gold path's innermost component must match (:func:`parts_match`) some component
    of the cited path. Matching on the innermost component rather than the full path
    tolerates citations that omit or re-nest outer levels. With several gold paths,
    any match counts.
    """
    if not cited_path or not cited_path.strip():
        return False
    golds = [gold_path] if isinstance(gold_path, str) else list(gold_path)
    cited = split_path(cited_path)
    for g in golds:
        gparts = split_path(g)
        if gparts and any(parts_match(c, gparts[-1]) for c in cited):
            return True
    return False
