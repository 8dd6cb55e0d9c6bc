"""How a sentence lines up with the question around the word that asks.

A Chinese question is its answer sentence with the answer swapped for an interrogative:
"长鼻王是由哪个公司生产的" ↔ "它由……公司生产". The words just before and just after the
interrogative (its *slot*) are the best evidence of where the answer sits, far better than
how many of the question's words a sentence repeats anywhere. And the question's words
answer together: a sentence that holds them close to each other is about what is asked,
one that scatters them over a long span mostly is not. Both are features for selection.
"""

from __future__ import annotations

import re

# General Chinese interrogatives, longest first; not any corpus's terms.
_ASKING = re.compile(
    r"为什么|为何|什么时候|什么样的?|什么|哪一?[个位家年种些天部所条座项名国次类方]?|多少|多大|多长|多久|多高|"
    r"几[个位家年种天月次名岁项条]?|谁|何[时地处种人]?|怎么样?|怎样|如何")
_NOISE = re.compile(r"[\s？?。，,！!“”\"'《》〈〉「」、：:（）()]")
_EDGE_RIGHT = re.compile(r"^(?:的|是|呢|了|吗)+|(?:的|呢|了|吗|啊)+$")
SLOT_CHARS = 6  # the slot's context on each side, in characters
WINDOW = 24  # the span, in characters, within which the question's words should sit


def slot(question: str) -> tuple[str, str]:
    """The question's text just before and just after its interrogative ("", "" without one)."""
    m = _ASKING.search(question)
    if m is None:
        return "", ""
    left = _NOISE.sub("", question[: m.start()])
    right = _EDGE_RIGHT.sub("", _NOISE.sub("", question[m.end():]))
    return left[-SLOT_CHARS:], right[:SLOT_CHARS]


def slot_match(text: str, left: str, right: str) -> tuple[float, float]:
    """How much of the slot's left context ends, and right context starts, inside ``text`` (0–1)."""
    def longest(piece: str, suffix: bool) -> int:
        for k in range(len(piece), 0, -1):
            if (piece[-k:] if suffix else piece[:k]) in text:
                return k
        return 0

    return (longest(left, True) / SLOT_CHARS if left else 0.0,
            longest(right, False) / SLOT_CHARS if right else 0.0)


def window_coverage(text: str, grams: frozenset[str], width: int = WINDOW) -> float:
    """The largest share of the question's character pairs found within ``width`` characters."""
    if not grams:
        return 0.0
    found = [(i, text[i : i + 2]) for i in range(len(text) - 1) if text[i : i + 2] in grams]
    best = 0
    for k, (start, _) in enumerate(found):
        best = max(best, len({g for i, g in found[k:] if i - start <= width}))
    return best / len(grams)
