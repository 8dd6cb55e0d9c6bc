"""Evaluation metrics: pure functions over strings, ranked retrievals and result records.

Every string comparison goes through :func:`normalize`, so an answer that writes
``１０，０００家`` or ``10 000家`` still matches the document's ``10000家``.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, runtime_checkable

from ingest.markers import cn_to_int

# --------------------------------------------------------------------------- normalisation

_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+)(?![\d,])")
_WS = re.compile(r"\s+")


def _strip_thousands(text: str) -> str:
    return _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), text)


def normalize(text: str) -> str:
    """The canonical form for substring matching.

    NFKC (full-width digits, letters, ％ and brackets become ASCII), thousands separators
    dropped (``1,000`` → ``1000``), all whitespace removed (Chinese has no word spaces and
    web dumps pad at random), case folded.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _strip_thousands(text)
    return _WS.sub("", text).casefold()


def contains_all(text: str, needles: Iterable[str]) -> bool:
    """True if every needle occurs in ``text`` after normalisation on both sides."""
    hay = normalize(text)
    return all(normalize(n) in hay for n in needles)


# --------------------------------------------------------------------------- retrieval


@runtime_checkable
class Retrieved(Protocol):
    """A retrieved clause: anything with a document id and the clause text."""

    @property
    def doc_id(self) -> str: ...

    @property
    def text(self) -> str: ...


RetrievedItem = Retrieved | tuple[str, str] | Mapping[str, Any]


class Gold(Protocol):
    """What the retrieval metrics read from a gold question (evals.questions.Question)."""

    @property
    def doc(self) -> str | list[str]: ...

    @property
    def must_contain(self) -> list[str]: ...

    @property
    def type(self) -> str: ...


def _item(item: RetrievedItem) -> tuple[str, str]:
    if isinstance(item, tuple):
        return str(item[0]), str(item[1])
    if isinstance(item, Mapping):
        return str(item["doc_id"]), str(item["text"])
    return item.doc_id, item.text


def _doc_key(doc_id: str) -> str:
    return doc_id.strip().removesuffix(".txt")


def _gold_docs(q: Gold) -> set[str]:
    docs = [q.doc] if isinstance(q.doc, str) else q.doc
    return {_doc_key(d) for d in docs}


def pools_evidence(q: Gold) -> bool:
    """Whether the must_contain strings may come from different retrieved clauses.

    Cross-document answers combine clauses by construction; a list's items usually sit
    in sibling clauses (each 专项 of 000 is its own clause). Everything else must be
    stated by one clause.
    """
    return q.type in {"cross_doc", "list"} or len(_gold_docs(q)) > 1


def first_hit_rank(
    retrieved: Sequence[RetrievedItem], question: Gold, *, pooled: bool | None = None
) -> int | None:
    """1-based rank at which the top-k first contains the gold evidence; None if never.

    Single-clause mode: the first clause from a gold document holding every string.
    Pooled mode: the rank at which every string has appeared in some gold-document clause.
    A question with ``any_of`` (alternative answer spans) hits at the first gold-document
    clause holding any one span.
    """
    gold = _gold_docs(question)
    spans = list(getattr(question, "any_of", None) or [])
    if spans:  # alternative spans: the first clause holding any one of them
        ranks = [_first_rank(retrieved, gold, [normalize(s)], pooled=False) for s in spans]
        return min((r for r in ranks if r is not None), default=None)
    pooled = pools_evidence(question) if pooled is None else pooled
    return _first_rank(retrieved, gold, [normalize(s) for s in question.must_contain],
                       pooled=pooled)


def _first_rank(retrieved: Sequence[RetrievedItem], gold: set[str], needles: list[str], *,
                pooled: bool) -> int | None:
    """first_hit_rank for normalised needles: in one clause, or pooled over clauses."""
    missing = set(needles)
    for rank, raw in enumerate(retrieved, start=1):
        doc_id, text = _item(raw)
        if _doc_key(doc_id) not in gold:
            continue
        hay = normalize(text)
        if pooled:
            missing -= {n for n in missing if n in hay}
            if not missing:
                return rank
        elif all(n in hay for n in needles):
            return rank
    return None


def hit_at_k(
    retrieved: Sequence[RetrievedItem], question: Gold, k: int, *, pooled: bool | None = None
) -> bool | None:
    """Whether the top ``k`` retrieved clauses hold the gold evidence (None: unanswerable)."""
    if question.type == "unanswerable":
        return None
    if k < 1:
        raise ValueError("k must be at least 1")
    rank = first_hit_rank(retrieved[:k], question, pooled=pooled)
    return rank is not None


def reciprocal_rank(
    retrieved: Sequence[RetrievedItem],
    question: Gold,
    k: int | None = None,
    *,
    pooled: bool | None = None,
) -> float | None:
    """1 / (smallest k with hit@k), 0.0 if no hit in the top ``k``; None for unanswerable."""
    if question.type == "unanswerable":
        return None
    items = retrieved if k is None else retrieved[:k]
    rank = first_hit_rank(items, question, pooled=pooled)
    return 0.0 if rank is None else 1.0 / rank


# --------------------------------------------------------------------------- clause paths

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


# --------------------------------------------------------------------------- answers


def answer_correct(answer_text: str, must_contain: Sequence[str],
                   any_of: Sequence[str] = ()) -> bool:
    """All gold strings occur in the answer after normalisation (vacuously true for []).

    With ``any_of`` (annotators' alternative spans, as in CMRC/CJRC) the answer is correct
    when it quotes any one of them, whatever ``must_contain`` says.
    """
    if any_of:
        return any(contains_all(answer_text, [s]) for s in any_of)
    return contains_all(answer_text, must_contain)


# --------------------------------------------------------------------------- grounding

_CITATION = re.compile(r"[\[【]\s*\d+(?:\s*[,，、\-–~]\s*\d+)*\s*[\]】]")
_CIRCLED_RE = re.compile("[\u2460-\u2473]")
_LINE_NUMBERING = re.compile(
    r"(?m)^[ \t]*(?:[-*•·][ \t]*)?(?:\d{1,2}[.、)](?!\d)|\(\d{1,2}\))"
)
_INLINE_NUMBERING = re.compile(
    r"(?<![\d.])\d{1,2}、|(?<![\d.])\d{1,2}\.(?=[\u4e00-\u9fff])|\(\d{1,2}\)"
    r"|专栏\s*\d+|第\d+[篇章节条款项]"
)
_NUMBER = re.compile(
    r"(?<![A-Za-z_\d.])(\d+(?:\.\d+)?)(?:(?![A-Za-z_\d])\s*(万亿|亿|万)"
    r"|\s*(thousand|million|billion|trillion)\b|(?![A-Za-z_\d]))",
    re.IGNORECASE,
)
_SCALE = {
    "万": 10**4, "亿": 10**8, "万亿": 10**12,
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
}


@dataclass(frozen=True)
class Number:
    """A number as written (``surface``), its value with 万/亿 applied, and its bare value."""

    surface: str
    value: float
    bare: float
    scaled: bool


def _clean_for_numbers(text: str) -> str:
    text = _CITATION.sub(" ", text)
    text = _CIRCLED_RE.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _strip_thousands(text)
    text = _LINE_NUMBERING.sub(" ", text)
    return _INLINE_NUMBERING.sub(" ", text)


def extract_numbers(text: str) -> list[Number]:
    """Quantities in ``text``: citation markers [1], list numbering and identifiers skipped.

    Digits glued to Latin letters or ``_`` (5G, T4, file ids) are names, not quantities.
    """
    out: list[Number] = []
    for m in _NUMBER.finditer(_clean_for_numbers(text)):
        bare = float(m.group(1))
        unit = (m.group(2) or m.group(3) or "").lower()
        scale = _SCALE.get(unit, 1)
        out.append(Number(m.group(0).strip(), bare * scale, bare, bool(unit)))
    return out


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def ungrounded_numbers(answer_text: str, cited_texts: Sequence[str]) -> list[str]:
    """Numbers in the answer that no citation states, as written in the answer.

    A number is grounded if its value (万/亿 and English thousand/million/billion
    applied, so 1万 = 10000 and 200 billion = 2000亿) equals a cited value, or if its
    figure equals a cited figure and one of the two carries no scale word: a table cell
    ``2000`` under a header ``(亿元)`` grounds ``2000亿元``, but ``2000万元`` is not
    grounded by ``2000亿元``.
    """
    cited = [n for t in cited_texts for n in extract_numbers(t)]
    out: list[str] = []
    for n in extract_numbers(answer_text):
        ok = any(
            _same(n.value, c.value) or ((not c.scaled or not n.scaled) and _same(n.bare, c.bare))
            for c in cited
        )
        if not ok and n.surface not in out:
            out.append(n.surface)
    return out


def numbers_grounded(answer_text: str, cited_texts: Sequence[str]) -> bool:
    """True if every number in the answer appears in the cited clauses."""
    return not ungrounded_numbers(answer_text, cited_texts)


# --------------------------------------------------------------------------- aggregation


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0–100) with linear interpolation, as numpy's default; None if empty."""
    xs = sorted(float(v) for v in values)
    if not xs:
        return None
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    pos = (len(xs) - 1) * p / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class EvalRecord:
    """The outcome of one question; metrics a run did not compute stay None.

    ``hits`` maps k to hit@k. ``answer_correct`` is judged on the answer text alone;
    :func:`summarize` counts a refused answerable question as incorrect.
    """

    id: str
    type: str
    lang: str
    refused: bool
    answer_correct: bool | None = None
    clause_correct: bool | None = None
    grounded: bool | None = None
    hits: dict[int, bool | None] = field(default_factory=dict)
    rr: float | None = None
    latency_ms: float | None = None

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EvalRecord:
        """Build from a dict (e.g. a JSON line); unknown keys are ignored, hit keys → int."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["hits"] = {int(k): v for k, v in dict(data.get("hits") or {}).items()}
        return cls(**kwargs)


RecordLike = EvalRecord | Mapping[str, Any]


def _records(records: Iterable[RecordLike]) -> list[EvalRecord]:
    return [r if isinstance(r, EvalRecord) else EvalRecord.from_mapping(r) for r in records]


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _mean(values: Iterable[float | bool | None]) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def refusal_stats(records: Iterable[RecordLike]) -> dict[str, float | int | None]:
    """Refusal precision/recall on unanswerable questions and false refusals on answerable ones.

    precision = refused unanswerable / all refusals; recall = refused unanswerable /
    unanswerable; false_refusal_rate = refused answerable / answerable. None when the
    denominator is zero.
    """
    recs = _records(records)
    tp = sum(r.refused and not r.answerable for r in recs)
    fp = sum(r.refused and r.answerable for r in recs)
    n_unans = sum(not r.answerable for r in recs)
    n_ans = len(recs) - n_unans
    return {
        "refusal_precision": _ratio(tp, tp + fp),
        "refusal_recall": _ratio(tp, n_unans),
        "false_refusal_rate": _ratio(fp, n_ans),
        "n_refused": tp + fp,
        "n_unanswerable": n_unans,
        "n_answerable": n_ans,
    }


def is_correct(r: EvalRecord) -> bool:
    """End-to-end correctness: a refusal when unanswerable, a right unrefused answer otherwise."""
    if not r.answerable:
        return r.refused
    return not r.refused and bool(r.answer_correct)


def _group(recs: list[EvalRecord], ks: Sequence[int]) -> dict[str, Any]:
    answerable = [r for r in recs if r.answerable]
    lat = [r.latency_ms for r in recs if r.latency_ms is not None]
    out: dict[str, Any] = {
        "n": len(recs),
        "accuracy": _mean(is_correct(r) for r in recs),
        "answer_accuracy": _mean(
            None if r.answer_correct is None and not r.refused else is_correct(r)
            for r in answerable
        ),
        "clause_accuracy": _mean(r.clause_correct for r in answerable),
        "grounded_rate": _mean(r.grounded for r in answerable if not r.refused),
        "mrr": _mean(r.rr for r in answerable),
        "latency_ms_p50": percentile(lat, 50),
        "latency_ms_p95": percentile(lat, 95),
    }
    for k in ks:
        out[f"hit@{k}"] = _mean(r.hits.get(k) for r in answerable)
    out.update(refusal_stats(recs))
    return out


def summarize(records: Iterable[RecordLike]) -> dict[str, Any]:
    """Aggregates overall, per question type and per language; plain JSON-ready values."""
    recs = _records(records)
    ks = sorted({k for r in recs for k in r.hits})  # same keys in every group
    by_type: dict[str, list[EvalRecord]] = {}
    by_lang: dict[str, list[EvalRecord]] = {}
    for r in recs:
        by_type.setdefault(r.type, []).append(r)
        by_lang.setdefault(r.lang, []).append(r)
    return {
        "overall": _group(recs, ks),
        "by_type": {t: _group(v, ks) for t, v in sorted(by_type.items())},
        "by_lang": {lang: _group(v, ks) for lang, v in sorted(by_lang.items())},
    }
