"""Whether a string occurs anywhere in the corpus, without scanning the corpus.

A sorted array of (character pair, chunk) codes finds the few chunks holding a string's
rarest pairs; only those are searched. Exact like ``s in corpus_text``, and its cost
follows the rarest pair's chunks, not the corpus size. The array is saved with the
lexical index and memory-mapped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

_CHUNK_BITS = 21  # up to two million chunks per index
_CHAR_BITS = 21  # every Unicode code point


def _chars(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _pair_codes(text: str) -> np.ndarray:
    c = _chars(text)
    return (c[:-1] << _CHAR_BITS) | c[1:] if len(c) > 1 else np.zeros(0, dtype=np.int64)


class OccursIndex:
    """Exact substring search over a list of texts, by character-pair postings."""

    def __init__(self, keys: np.ndarray, text_of: Callable[[int], str]) -> None:
        self._keys = keys  # sorted: pair code << _CHUNK_BITS | text position
        self._text_of = text_of

    @classmethod
    def build(cls, texts: Sequence[str]) -> OccursIndex:
        if len(texts) >= 1 << _CHUNK_BITS:
            raise ValueError(f"too many chunks for one index: {len(texts)}")
        # A line break after each text gives its last character a pair too.
        parts = [(np.unique(_pair_codes(t + "\n")) << _CHUNK_BITS) | i for i, t in enumerate(texts)]
        keys = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        return cls(keys, texts.__getitem__)

    def save(self, path: Path) -> None:
        np.save(path, self._keys, allow_pickle=False)

    @classmethod
    def load(cls, path: Path, text_of: Callable[[int], str]) -> OccursIndex:
        return cls(np.load(path, mmap_mode="r", allow_pickle=False), text_of)

    def _holders(self, code: int) -> np.ndarray:
        lo = np.searchsorted(self._keys, code << _CHUNK_BITS)
        hi = np.searchsorted(self._keys, (code + 1) << _CHUNK_BITS)
        return np.asarray(self._keys[lo:hi]) & ((1 << _CHUNK_BITS) - 1)

    def occurs(self, text: str) -> bool:
        """``text in "\\n".join(texts)`` for any text without a line break."""
        if not text:
            return True
        codes = np.unique(_pair_codes(text))
        if not len(codes):  # one character: any pair that starts with it
            c = int(_chars(text)[0])
            lo = np.searchsorted(self._keys, (c << _CHAR_BITS) << _CHUNK_BITS)
            hi = np.searchsorted(self._keys, ((c + 1) << _CHAR_BITS) << _CHUNK_BITS)
            return bool(hi > lo)
        postings = sorted((self._holders(int(code)) for code in codes), key=len)
        candidates = postings[0]
        for other in postings[1:3]:  # the rarest pairs narrow it enough
            candidates = np.intersect1d(candidates, other, assume_unique=True)
            if not len(candidates):
                return False
        return any(text in self._text_of(int(i)) for i in candidates)

