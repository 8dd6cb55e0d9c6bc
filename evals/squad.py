"""Reading SQuAD-style JSON (CMRC 2018, CJRC): paragraphs, their questions and answer spans.

Only the parts the converters in :mod:`evals.datasets` need, kept apart so the dataset
rules (what becomes a document, which questions are kept) read without the JSON plumbing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

YES_NO = frozenset({"YES", "NO"})  # CJRC's answers to 是否 questions: labels, not spans
NGRAM = 4  # README: a question names its case if it shares a 4-character string with it only


class SquadFormatError(ValueError):
    """The JSON is not SQuAD-shaped; the message says where, on one line."""


@dataclass(frozen=True)
class Qa:
    """One question: its dataset id, text, distinct non-empty answer texts, impossibility."""

    id: str
    question: str
    spans: tuple[str, ...]
    impossible: bool

    @property
    def yes_no(self) -> bool:
        """A CJRC yes/no question: some annotator answered with a YES/NO label, not a span."""
        return any(s in YES_NO for s in self.spans)


@dataclass(frozen=True)
class Paragraph:
    """One context with the title the data gives it (article title or case name)."""

    id: str
    title: str
    context: str
    qas: tuple[Qa, ...]


def is_true(value: Any) -> bool:
    """CJRC writes is_impossible as the string "true"/"false"; SQuAD 2.0 as a boolean."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def distinct_spans(answers: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Annotators' answer texts, stripped, empty ones dropped, duplicates removed, in order."""
    out: list[str] = []
    for a in answers:
        text = str(a.get("text") or "").strip()
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _qa(raw: Mapping[str, Any], where: str) -> Qa:
    if not isinstance(raw, Mapping) or "question" not in raw:
        raise SquadFormatError(f"{where}: a qas entry without 'question'")
    return Qa(id=str(raw.get("id") or where), question=str(raw["question"]).strip(),
              spans=distinct_spans(raw.get("answers") or []),
              impossible=is_true(raw.get("is_impossible")))


def paragraphs(data: Mapping[str, Any]) -> list[Paragraph]:
    """Every paragraph of ``data["data"][].paragraphs[]`` in file order.

    Paragraph id: the paragraph's ``id``, else its article's ``caseid``/``id`` (with the
    paragraph's index if the article has several), else ``p<n>``. Title: the article's
    ``title``, else the paragraph's ``casename``, else the id.
    """
    articles = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(articles, list):
        raise SquadFormatError("no top-level 'data' list (expected SQuAD-style JSON)")
    out: list[Paragraph] = []
    for i, art in enumerate(articles):
        paras = art.get("paragraphs") if isinstance(art, Mapping) else None
        if not isinstance(paras, list):
            raise SquadFormatError(f"data[{i}]: no 'paragraphs' list")
        art_id = str(art.get("caseid") or art.get("id") or "")
        for j, p in enumerate(paras):
            where = f"data[{i}].paragraphs[{j}]"
            if not isinstance(p, Mapping) or not isinstance(p.get("context"), str):
                raise SquadFormatError(f"{where}: no 'context' string")
            pid = str(p.get("id") or "") or (
                (art_id if len(paras) == 1 else f"{art_id}_{j}") if art_id else f"p{len(out)}")
            title = str(art.get("title") or p.get("casename") or "").strip() or pid
            qas = tuple(_qa(q, f"{where}.qas[{k}]") for k, q in enumerate(p.get("qas") or []))
            out.append(Paragraph(id=pid, title=title, context=p["context"], qas=qas))
    return out


def ngrams(text: str, n: int = NGRAM) -> set[str]:
    """The distinct n-character substrings of ``text``."""
    return {text[i:i + n] for i in range(len(text) - n + 1)}


def unique_ngram_owner(contexts: Sequence[str], wanted: set[str], n: int = NGRAM
                       ) -> dict[str, int]:
    """For each wanted n-gram found in the contexts: the index of the one context holding it,
    or -1 if two or more do. N-grams in no context are absent."""
    owner: dict[str, int] = {}
    for i, ctx in enumerate(contexts):
        for g in ngrams(ctx, n) & wanted:
            owner[g] = i if g not in owner else -1
    return owner


def names_its_context(question: str, own: int, owner: Mapping[str, int], n: int = NGRAM
                      ) -> bool:
    """Whether some n-character string of the question occurs in its own context and in no
    other, so the question can only be about that context in a pooled index."""
    return any(owner.get(g) == own for g in ngrams(question, n))
