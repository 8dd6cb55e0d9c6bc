"""Place names of all China in English, from CC-CEDICT: Jiangsu → 江苏, Suzhou → 苏州.

A corpus's own names are indexed by their pinyin (assistant.names), so an English name the
corpus uses is translated. A name it does not use could be anything ("Dean" is a person,
"Jiangsu" a province), so it is no proof of absence by itself. The dictionary settles it:
a proper-noun entry whose definition begins with that very spelling and calls it a
province, city, county … names a place, and when the corpus holds none of its headwords,
no document concerns that place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from assistant.lexicon import cedict_source
from assistant.names import pinyin_key
from vectorstore.lexical import posseg

_ENTRY = re.compile(r"^\S+ (?P<zh>\S+) \[(?P<py>[^\]]+)\] /(?P<first>[^/]*)/")
# A first sense that is one name, then at most three lower-case words, then the kind of place:
# "Jiangsu province …", "Shandong, province in …", "Xi'an, sub-provincial city …". "China
# University of …" or "Taiwan capital" (investment) are no such sense.
_PLACE_SENSE = re.compile(
    r"^(?P<name>[A-Z][a-z'’-]+)(?: \([^)]*\))?,? (?:[a-z][a-z-]* ){0,3}"
    r"(?i:province|city|county|district|prefecture|municipality|autonomous region|region|town|township|"
    r"special administrative region|new area)\b")


@lru_cache(maxsize=1)
def _places() -> dict[str, tuple[str, ...]]:
    """English spelling (lower case) → the simplified headwords CC-CEDICT gives for it."""
    out: dict[str, list[str]] = {}
    with cedict_source().open(encoding="utf-8") as lines:
        for line in lines:
            m = _ENTRY.match(line)
            if m is None or len(m.group("zh")) < 2 or not m.group("py")[:1].isupper():
                continue  # not a proper noun (CC-CEDICT capitalises their pinyin)
            sense = _PLACE_SENSE.match(m.group("first"))
            if sense is not None:
                out.setdefault(sense.group("name").lower().replace("’", "'"), []).append(m.group("zh"))
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def chinese_place(english: str) -> tuple[str, ...]:
    """The Chinese names a one-word English place name spells ("Jiangsu" → 江苏), or ()."""
    return _places().get(english.lower().replace("’", "'"), ())


@lru_cache(maxsize=1)
def _place_words_by_pinyin() -> dict[str, tuple[str, ...]]:
    """jieba's place words (tag ns) by toneless pinyin: every place a spelling may mean."""
    from pypinyin import lazy_pinyin

    out: dict[str, list[str]] = {}
    for word, tag in posseg().dt.word_tag_tab.items():
        if tag == "ns" and len(word) >= 2:
            out.setdefault(pinyin_key("".join(lazy_pinyin(word))), []).append(word)
    return {k: tuple(v) for k, v in out.items()}


def absent_place(english: str, occurs: Callable[[str], bool]) -> tuple[str, ...]:
    """The Chinese names of an English place name the corpus never mentions, or () when it is
    no known place or the corpus mentions it (in English, or as any place spelled so:
    "Xinjiang" is also 新疆, which CC-CEDICT's first sense does not give)."""
    names = chinese_place(english)
    if not names or occurs(english):
        return ()
    spelled = _place_words_by_pinyin().get(pinyin_key(english), ())
    if any(occurs(n) for n in (*names, *spelled)):
        return ()
    return names
