"""Metric groups: the Targets of different plans that measure the same quantity.

Plans word one quantity differently (高新技术企业数量 / 高新技术企业 / 高新技术企业总数), so
Targets are grouped by what their metric text means, not by its string:

1. **Key.** A Target's key is its metric text, normalized (NFKC, no spaces or quotes, each
   glossary synonym replaced by its row's first term, so 研究与开发 and 研发 are one), plus
   its *dimension*: the unit without its magnitude (亿元 and 万元 are both 元; 万人 is 人), and
   "growth" when the figure is a rate of change (年均增长30%) rather than a level or a share.
   Targets with one key are always one metric.
2. **Meaning and wording.** Keys of one dimension join when they are similar: each key,
   most used first, joins the most similar group when the similarity reaches
   ``JOIN_SIMILARITY``, or starts a group. Similarity is the cosine of the texts' embeddings
   (the index's e5 encoder, as queries) to the group's centroid, weighted by
   ``MEANING_WEIGHT``, plus the cosine of their characters to the group leader's: e5 puts
   all short metric phrases close together, and shared characters tell 高新技术企业 from
   上市企业. Keys of different dimensions never join: a level, its growth rate and its
   share are different quantities.

``JOIN_SIMILARITY`` and ``MEANING_WEIGHT`` are fitted together on the seed gold groups
(``python -m evals targets --fit``) and checked on the held-out gold. A group's canonical name is its most used text, its id a
hash of that name and dimension, so it stays the same while its members come and go.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

JOIN_SIMILARITY = 0.90  # fitted with MEANING_WEIGHT on the seed gold (F 0.950): see the docstring
MEANING_WEIGHT = 0.375
CHAR_DIM = 512  # hashed: two given characters share a bucket 1 time in 512; the matrix stays small
_MAGNITUDE = re.compile(r"^(?:千万|百万|万亿|万|亿|千|百|十)(?=.)")
_DROP = re.compile(r"[\s\"'“”‘’「」『』《》]")
_GROWTH = re.compile(r"增长|增速|增幅|提高|提升|下降|降低|减少|压减")

Embed = Callable[[list[str]], np.ndarray]


def unit_dimension(unit: str, qualifier: str = "", metric: str = "") -> str:
    """What a figure measures in: 亿元 → 元, 万人 → 人, % → %; "growth:%" for a rate of change."""
    u = unicodedata.normalize("NFKC", unit).strip()
    while _MAGNITUDE.match(u):
        u = _MAGNITUDE.sub("", u, count=1)
    growth = bool(_GROWTH.search(qualifier) or _GROWTH.search(metric[-4:]))
    return f"growth:{u}" if growth and u in ("%", "倍", "") else u


def synonym_table(glossary: Sequence[tuple[str, list[str]]]) -> dict[str, str]:
    """Each term of a glossary row (R&D, 研究与开发) → the row's first Chinese term (研发)."""
    out: dict[str, str] = {}
    for _, terms in glossary:
        chinese = [t for t in terms if re.search(r"[\u4e00-\u9fff]", t)]
        for t in terms:
            if chinese and t != chinese[0] and len(t) >= 2:
                out.setdefault(t, chinese[0])
    return out


def normalize_metric(text: str, synonyms: Mapping[str, str]) -> str:
    """The metric text as grouped: NFKC, no spaces or quotes, glossary synonyms unified."""
    t = _DROP.sub("", unicodedata.normalize("NFKC", text))
    for term in sorted(synonyms, key=len, reverse=True):
        if term in t:
            t = t.replace(term, synonyms[term])
    return t


def group_key(metric: str, unit: str, qualifier: str, synonyms: Mapping[str, str]) -> str:
    return f"{unit_dimension(unit, qualifier, metric)}|{normalize_metric(metric, synonyms)}"


@dataclass(frozen=True)
class KeyStats:
    """One key as the store counts it: its text, how many Targets and documents use it."""

    key: str
    text: str  # the metric text most used under this key
    targets: int
    documents: int

    @property
    def dimension(self) -> str:
        return self.key.split("|", 1)[0]


@dataclass(frozen=True)
class MetricGroup:
    id: str
    name: str
    dimension: str
    keys: tuple[str, ...]


def metric_id(name: str, dimension: str) -> str:
    return "m" + hashlib.sha1(f"{dimension}|{name}".encode()).hexdigest()[:10]


def char_vector(text: str) -> np.ndarray:
    """The text's characters as a unit bag-of-characters vector, hashed into ``CHAR_DIM`` buckets."""
    v = np.zeros(CHAR_DIM, dtype=np.float32)
    for ch in text:
        v[ord(ch) % CHAR_DIM] += 1.0
    return v / max(float(np.linalg.norm(v)), 1e-12)


class _Groups:
    """One dimension's groups: summed meaning vectors (their centroids) and the leaders' characters."""

    def __init__(self, dim: int) -> None:
        self.sums = np.zeros((8, dim), dtype=np.float32)
        self.cents = np.zeros((8, dim), dtype=np.float32)
        self.chars = np.zeros((8, CHAR_DIM), dtype=np.float32)
        self.sizes = np.zeros(8, dtype=np.float32)
        self.ids: list[int] = []

    def best(self, v: np.ndarray, c: np.ndarray, weight: float) -> tuple[int, float]:
        n = len(self.ids)
        if not n:
            return -1, -1.0
        sims = weight * (self.cents[:n] @ v) + (1.0 - weight) * (self.chars[:n] @ c)
        i = int(np.argmax(sims))
        return i, float(sims[i])

    def add(self, group: int, v: np.ndarray, c: np.ndarray) -> None:
        n = len(self.ids)
        if n == len(self.sums):  # grow by doubling: adding stays amortized O(1)
            self.sums, self.cents, self.chars, self.sizes = (
                np.concatenate([a, np.zeros_like(a)]) for a in (self.sums, self.cents, self.chars, self.sizes))
        self.sums[n], self.cents[n], self.chars[n], self.sizes[n] = v, v, c, c.sum()
        self.ids.append(group)

    def join(self, i: int, v: np.ndarray) -> None:
        self.sums[i] += v
        self.cents[i] = self.sums[i] / max(float(np.linalg.norm(self.sums[i])), 1e-12)


def cluster(stats: Sequence[KeyStats], vectors: Mapping[str, np.ndarray], *,
            join: float = JOIN_SIMILARITY, weight: float = MEANING_WEIGHT) -> list[MetricGroup]:
    """Leader clustering per dimension, most used keys first; deterministic for one input.

    A key joins the group it is most similar to when that similarity reaches ``join``: the
    cosine of its meaning to the group's centroid, weighted by ``weight``, plus that of its
    characters to the group leader's, weighted by the rest.
    """
    order = sorted(stats, key=lambda s: (s.dimension, -s.targets, -s.documents, len(s.text), s.key))
    groups: list[list[KeyStats]] = []
    by_dim: dict[str, _Groups] = {}
    for s in order:
        v = vectors[s.key]
        c = char_vector(s.key.split("|", 1)[1])
        dim = by_dim.setdefault(s.dimension, _Groups(len(v)))
        i, sim = dim.best(v, c, weight)
        if i >= 0 and sim >= join:
            groups[dim.ids[i]].append(s)
            dim.join(i, v)
            continue
        dim.add(len(groups), v, c)
        groups.append([s])
    return [_group(g) for g in groups]


def _group(members: list[KeyStats]) -> MetricGroup:
    lead = members[0]  # the most used key of the group
    dim = lead.dimension
    name = lead.text
    if dim.startswith("growth:") and not _GROWTH.search(name):
        name += "增长率" if dim == "growth:%" else "增长"
    return MetricGroup(id=metric_id(name, dim), name=name, dimension=dim, keys=tuple(m.key for m in members))


def key_stats(used: Sequence[tuple[str, str, str, int, int]]) -> tuple[list[KeyStats], dict[str, dict[str, int]]]:
    """From (key, metric text, unit, targets, documents) counts: each key's most used text and
    totals, and how often each unit is written under it."""
    texts: dict[str, dict[str, int]] = {}
    units: dict[str, dict[str, int]] = {}
    docs: dict[str, int] = {}
    for key, metric, unit, n, n_docs in used:
        texts.setdefault(key, {})[metric] = texts.get(key, {}).get(metric, 0) + n
        units.setdefault(key, {})[unit] = units.get(key, {}).get(unit, 0) + n
        docs[key] = max(docs.get(key, 0), n_docs)
    stats = [KeyStats(key=k, text=_most_used(t), targets=sum(t.values()), documents=docs[k])
             for k, t in texts.items()]
    return stats, units


def _most_used(counts: Mapping[str, int]) -> str:
    return min(counts, key=lambda m: (-counts[m], len(m), m))


class TargetFields(Protocol):
    @property
    def metric(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def qualifier(self) -> str: ...
    @property
    def doc_id(self) -> str: ...


def assign(targets: Sequence[TargetFields], embed: Embed, *, synonyms: Mapping[str, str],
           join: float = JOIN_SIMILARITY, weight: float = MEANING_WEIGHT, vectors: Mapping[str, np.ndarray] | None = None) -> list[str]:
    """The metric id of each target, grouped as the store groups them (for evaluation)."""
    keys = [group_key(t.metric, t.unit, t.qualifier, synonyms) for t in targets]
    counts: dict[tuple[str, str, str], list[str]] = {}
    for k, t in zip(keys, targets, strict=True):
        counts.setdefault((k, t.metric, t.unit), []).append(t.doc_id)
    stats, _ = key_stats([(k, m, u, len(d), len(set(d))) for (k, m, u), d in counts.items()])
    have = dict(vectors or {})
    have.update(embed_keys([s.key for s in stats if s.key not in have], embed))
    by_key = {k: g.id for g in cluster(stats, have, join=join, weight=weight) for k in g.keys}
    return [by_key[k] for k in keys]


def embed_keys(keys: Sequence[str], embed: Embed) -> dict[str, np.ndarray]:
    """Unit vectors of the keys' texts (the dimension is not embedded: it only partitions).

    One text per call: the int8 encoder quantizes activations per batch, so a text's vector
    would otherwise depend on which texts share its batch, and groups on the order keys
    arrive in. Metric texts are short; this costs milliseconds per new key.
    """
    out: dict[str, np.ndarray] = {}
    for k in keys:
        v = np.asarray(embed([k.split("|", 1)[1]]), dtype=np.float32)[0]
        out[k] = v / max(float(np.linalg.norm(v)), 1e-12)
    return out
