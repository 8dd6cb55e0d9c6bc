"""Place and body names: which ones the corpus uses, and how English spells them.

English writes Chinese names in pinyin (Ningbo, Pudong New Area), so a name index keyed by
toneless pinyin, built from the corpus's own text, translates them without a word list.
A name that matches nothing is a search term, not a reason to refuse: only a Chinese place
name the corpus never mentions is certainly a place it lacks.

``CorpusVocab`` holds the corpus's tokens and names and can look text up, which every English
translation is checked against.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from assistant.lexicon import EN_STOPWORDS
from vectorstore.lexical import _jieba, posseg, tokenize

# Longest first, so 新区 is stripped before 区.
PLACE_SUFFIXES = ("特别行政区", "经济技术开发区", "高新技术产业开发区", "自治区", "自治州", "自治县",
                  "开发区", "高新区", "示范区", "试验区", "合作区", "科学城", "新区", "园区",
                  "省", "市", "区", "县", "州", "镇", "乡")
# English words for the suffixes; a name with one prefers the corpus form that has it.
EN_SUFFIXES = {
    "special administrative region": "特别行政区", "economic and technological development zone":
    "经济技术开发区", "autonomous region": "自治区", "autonomous prefecture": "自治州",
    "development zone": "开发区", "high-tech zone": "高新区", "hi-tech zone": "高新区",
    "demonstration zone": "示范区", "pilot zone": "试验区", "science city": "科学城",
    "new area": "新区", "new district": "新区", "industrial park": "园区", "park": "园区",
    "province": "省", "city": "市", "municipality": "市", "district": "区", "zone": "区",
    "county": "县", "prefecture": "州", "town": "镇", "township": "乡",
}
_SUFFIX_ENDS = frozenset(s[-1] for s in PLACE_SUFFIXES)
# English words that are never a name: function words and the words of place suffixes.
_NOT_NAMES = EN_STOPWORDS | {w for phrase in EN_SUFFIXES for w in re.split(r"[ -]", phrase)}
_NAME_TAGS = frozenset({"ns", "nt"})
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,12}")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？:;：；\"“(（\n])\s*$")
_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINAL = ("(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|iu|in"
          "|ua|uo|ui|un|ue|a|o|e|i|u)")
_PINYIN_WORD = re.compile(rf"(?:{_INITIAL}{_FINAL}){{2,4}}", re.I)


def is_pinyin_name(word: str) -> bool:
    """A capitalised word spelled wholly in pinyin syllables: Chengdu, Shenzhen, Zhangjiang."""
    return word[:1].isupper() and bool(_PINYIN_WORD.fullmatch(word))


def pinyin_key(text: str) -> str:
    """Letters only, lower case, ü and v as u: Xi'an → xian, Lüliang → luliang."""
    return re.sub(r"[^a-z]", "", text.lower().replace("ü", "u").replace("v", "u"))


def _split_suffix(name: str) -> tuple[str, str]:
    """(stem, suffix): 广东省 → (广东, 省); a stem keeps at least two characters."""
    if name[-1:] not in _SUFFIX_ENDS:
        return name, ""
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)], suffix
    return name, ""


def is_name(word: str, tags: Mapping[str, str], known: Mapping[str, int]) -> bool:
    """A place or body name: a dictionary word tagged ns/nt, a word with a place suffix
    (黄石市), or a word the dictionary lacks (张江, found by jieba's HMM)."""
    if not _CJK_NAME.fullmatch(word):
        return False
    return tags.get(word) in _NAME_TAGS or bool(_split_suffix(word)[1]) or (
        len(word) <= 4 and not known.get(word))


@dataclass(frozen=True)
class NameIndex:
    """Corpus names by toneless pinyin, with and without their suffix."""

    names: frozenset[str]
    by_pinyin: dict[str, str]  # pinyin → the most common name or stem spelled so

    @classmethod
    def build(cls, texts: Iterable[str]) -> NameIndex:
        """Index the names ``texts`` use; this tokenizes them, as the lexical index does."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(tokenize(text))
        return cls.from_words(counts)

    @classmethod
    def from_words(cls, words: Mapping[str, float]) -> NameIndex:
        """Index the names among a corpus's words, each mapped to how common it is (a
        count, or minus its IDF): the retriever's IDF table serves without tokenizing again."""
        from pypinyin import lazy_pinyin

        tags: Mapping[str, str] = posseg().dt.word_tag_tab
        known: Mapping[str, int] = _jieba().dt.FREQ  # type: ignore[attr-defined]
        names = [w for w in words if is_name(w, tags, known)]
        best: dict[str, tuple[float, str]] = {}
        for name in names:
            stem, suffix = _split_suffix(name)
            for form in [name, stem] if suffix else [name]:
                key = pinyin_key("".join(lazy_pinyin(form)))
                if key and (key not in best or words[name] > best[key][0]):
                    best[key] = (words[name], form)
        return cls(frozenset(names), {k: form for k, (_, form) in best.items()})

    def lookup(self, english_text: str) -> list[tuple[str, str]]:
        """(English name, Chinese name) for capitalised words or adjacent ones (Zhang Jiang)
        whose pinyin a corpus name has; a following suffix (New Area, City) picks the form
        with that suffix when the corpus uses it: Pudong New Area → 浦东新区."""
        words = list(_EN_WORD.finditer(english_text))
        found: list[tuple[str, str]] = []
        i = 0
        while i < len(words):
            hit = self._match(english_text, words, i)
            if hit is None:
                i += 1
                continue
            end, chinese = hit
            found.append((_bare(english_text[words[i].start() : words[end - 1].end()]), chinese))
            i = end
        return found

    def _match(self, text: str, words: list[re.Match[str]], i: int) -> tuple[int, str] | None:
        """(index after the name, Chinese) for the name starting at word ``i``."""
        for n in (3, 2, 1):
            span = words[i : i + n]
            if len(span) < n or not all(w.group()[0].isupper() for w in span):
                continue
            if not _adjacent(text, span):
                continue
            chinese = self.by_pinyin.get(pinyin_key("".join(_bare(w.group()) for w in span)))
            if chinese is None:
                continue
            end = i + n
            for m in (4, 3, 2, 1):  # "Economic and Technological Development Zone" … "City"
                tail = words[end - 1 : end + m]
                phrase = " ".join(_bare(w.group()).lower() for w in tail[1:])  # Area's
                if len(tail) == m + 1 and _adjacent(text, tail) and phrase in EN_SUFFIXES:
                    full = chinese + EN_SUFFIXES[phrase]
                    return end + m, full if full in self.names else chinese
            return end, chinese
        return None


@dataclass(frozen=True, eq=False)
class CorpusVocab:
    """The corpus's own words and names: English is translated only into what it uses."""

    vocab: frozenset[str]
    names: NameIndex
    # Whether a string occurs anywhere in the corpus (the index's substring lookup).
    occurs_in: Callable[[str], bool] = field(default=lambda _text: False, repr=False)
    # How much the corpus uses each token, relative to its most used one (0–1].
    usage_of: Mapping[str, float] = field(default_factory=dict, repr=False)
    _occurs: dict[str, bool] = field(default_factory=dict, repr=False, init=False)

    @classmethod
    def build(cls, texts: Sequence[str]) -> CorpusVocab:
        """Tokenize ``texts`` (as the lexical index does) and index their names."""
        counts = Counter(tok for text in texts for tok in tokenize(text))
        top = max(counts.values(), default=1)
        joined = "\n".join(texts)
        return cls(frozenset(counts), NameIndex.from_words(counts), joined.__contains__,
                   {w: c / top for w, c in counts.items()})

    @classmethod
    def from_idf(cls, idf: Mapping[str, float], occurs: Callable[[str], bool]) -> CorpusVocab:
        """From the index's IDF table and substring lookup, without tokenizing the corpus
        again (a token's document frequency is about e^-idf of the corpus)."""
        low = min(idf.values(), default=0.0)
        return cls(frozenset(idf), NameIndex.from_words({w: -v for w, v in idf.items()}), occurs,
                   {w: math.exp(low - v) for w, v in idf.items()})

    def has_token(self, word: str) -> bool:
        return word in self.vocab

    def usage(self, word: str) -> float:
        """How much the corpus uses ``word`` (0 for a word it does not tokenize)."""
        return self.usage_of.get(word, 0.0)

    def occurs(self, text: str) -> bool:
        if text not in self._occurs:
            self._occurs[text] = self.occurs_in(text)
        return self._occurs[text]


def _bare(word: str) -> str:
    """The word without a possessive: Ningbo's → Ningbo."""
    return re.sub(r"['’]s$", "", word)


def _adjacent(text: str, words: list[re.Match[str]]) -> bool:
    """Whether the words follow each other with only spaces between them."""
    return all(not text[a.end() : b.start()].strip() for a, b in pairwise(words))


def english_names(text: str) -> list[str]:
    """Capitalised pinyin-looking words that are not at the start of a sentence: a word
    there ("Into", "Under") is capitalised for the sentence, not for a name. English
    words of place suffixes ("Area" in Pudong New Area, "Zone") are not names either."""
    out = []
    for m in _EN_WORD.finditer(text):
        word = _bare(m.group()).rstrip("'’")
        if (is_pinyin_name(word) and word.lower() not in _NOT_NAMES
                and not _SENTENCE_START.search(text[: m.start()])):
            out.append(word)
    return list(dict.fromkeys(out))


def _mask(text: str, names: Iterable[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = re.sub(re.escape(name), " ", text, flags=re.I)
    return text


def place_names(text: str, known: Iterable[str] = ()) -> list[str]:
    """Chinese place names (jieba ns) in a question, known names (光谷) masked first.

    English words are never returned: a pinyin word may be a name the corpus spells in
    Chinese, or no name at all ("Into", "Under"), so it is searched for, not refused.
    """
    masked = _mask(text, known)
    words = posseg().cut(masked)
    return list(dict.fromkeys(w.word for w in words if w.flag == "ns" and len(w.word) >= 2))


def unknown_places(question: str, known_names: Iterable[str], occurs: Callable[[str], bool],
                   names: NameIndex | None = None) -> list[str]:
    """Places the question names that the corpus certainly lacks: Chinese place names
    absent from its text. English names are search terms, never returned."""
    known = list(known_names)
    if names is not None:
        known += [en for en, _ in names.lookup(question)]
    indexed = names.names if names is not None else frozenset()
    return [n for n in place_names(question, known) if n not in indexed and not occurs(n)]
