"""Chinese lexical search: bm25s over jieba search-mode tokens, and the IDF table."""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

_PUNCT = re.compile(r"^[\W_]+$")
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 等 对 为 把 被 将 由 从 到 以 于 也 都 就 又 并 而 其 之 这 那 那么 "
    "什么 多少 哪些 哪个 哪 几 吗 呢 啊 吧 怎么 怎样 如何 请问 是否 有 没有 个 中 上 下 "
    "谁 哪里 何 何时 为何 为什么 什么样 怎么样 具体 指 分别 要 应 应该 能 会 "
    "what which who how many much is are was were the a an of for in on to and or by "
    "with does did do its it this that there their be been as at from into than".split()
)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba() -> object:
    """jieba with its dictionary loaded once, quietly (it logs to stderr by default)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def posseg() -> Any:
    """jieba's part-of-speech tagger, on the same quietly initialised dictionary."""
    _jieba()
    import jieba.posseg

    return jieba.posseg


def add_words(words: Iterable[str]) -> None:
    """Teach the tokenizer domain terms (高新技术企业, 东湖高新区) so they stay whole."""
    jieba = _jieba()
    with _lock:
        for w in words:
            if w and len(w) >= 2:
                jieba.add_word(w, freq=50000)  # type: ignore[attr-defined]


def tokenize(text: str) -> list[str]:
    """Search-mode tokens (whole words plus their sub-words), lower-cased, no stopwords."""
    jieba = _jieba()
    return _kept(jieba.cut_for_search(text.lower()))  # type: ignore[attr-defined]


def _kept(tokens: Iterable[str]) -> list[str]:
    return [t for t in (t.strip() for t in tokens) if t and t not in STOPWORDS and not _PUNCT.match(t)]


@lru_cache(maxsize=4)
def _index_tokenizer(words: tuple[str, ...]) -> Any:
    """A jieba tokenizer of its own with exactly these words added, whatever else the process
    has taught the shared one: the index's tokens depend only on the words it records."""
    import jieba

    _jieba()  # quiet logging
    tok = jieba.Tokenizer()
    tok.initialize()
    for w in words:
        if len(w) >= 2:
            tok.add_word(w, freq=50000)
    return tok


def index_tokenize(text: str, words: Sequence[str]) -> list[str]:
    """``tokenize`` for the lexical index, with exactly ``words`` kept whole."""
    tok = _index_tokenizer(tuple(sorted(set(words))))
    return _kept(tok.cut_for_search(text.lower()))


def idf_table(token_lists: Iterable[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency of every token over tokenized chunks."""
    df: dict[str, int] = {}
    n = 0
    for tokens in token_lists:
        n += 1
        for tok in set(tokens):
            df[tok] = df.get(tok, 0) + 1
    n = max(1, n)
    return {t: math.log(1 + n / c) for t, c in df.items()}


class LexicalIndex:
    """BM25 over a fixed list of tokenized texts; saved with the index, loaded memory-mapped."""

    def __init__(self, token_lists: Sequence[Sequence[str]] = (), *, bm25: bm25s.BM25 | None = None,
                 size: int | None = None) -> None:
        if bm25 is not None:
            self._bm25, self.size = bm25, int(size or 0)
            return
        self.size = len(token_lists)
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
        self._bm25 = bm25s.BM25()
        corpus = [list(t) or ["∅"] for t in token_lists]
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    @classmethod
    def of_texts(cls, texts: Sequence[str]) -> LexicalIndex:
        return cls([tokenize(t) for t in texts])

    def save(self, folder: Path) -> None:
        if self.size:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        """The saved index, its arrays memory-mapped (servers share the pages)."""
        if not size:
            return cls()
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return cls(bm25=bm25, size=size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for ``query`` (zeros when nothing matches)."""
        return self.token_scores(tokenize(query))

    def token_scores(self, tokens: Sequence[str]) -> np.ndarray:
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
