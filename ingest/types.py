"""Data types at the ingest seam: what every later stage consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

PATH_SEP = " > "


@dataclass(frozen=True)
class Clause:
    """One numbered unit of a policy text (a chapter, 一、, (一), 1., 一是, ——, 专栏N).

    ``text`` is the clause's own text (its marker line and body, not its children);
    ``span`` is its character range in the cleaned document text.
    """

    doc_id: str
    path: tuple[str, ...]
    heading: str
    text: str
    span: tuple[int, int]
    kind: str = "clause"  # "clause" | "table" | "preamble"

    @property
    def path_str(self) -> str:
        return PATH_SEP.join(self.path)

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass(frozen=True)
class Document:
    """A cleaned, parsed document. ``doc_id`` is its file name."""

    doc_id: str
    title: str
    text: str
    sha256: str
    source: str = ""
    issuer: str | None = None
    doc_number: str | None = None  # 发文字号, e.g. 川府发〔2022〕12号
    date: str | None = None  # ISO yyyy-mm-dd: the 成文日期 if known, else the 发布日期
    period: tuple[int, int] | None = None
    clauses: tuple[Clause, ...] = field(default_factory=tuple)
    written_date: str | None = None  # 成文日期 (signature or record label), ISO
    published_date: str | None = None  # 发布日期 (record label or page stamp), ISO
    # Titles of the other documents the file holds besides its main one (a notice's second
    # and later documents, annexes), in order; their clause paths start with their title.
    attachments: tuple[str, ...] = ()

    @property
    def period_str(self) -> str:
        return f"{self.period[0]}—{self.period[1]}" if self.period else ""


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: part or all of one clause.

    ``text`` is the clause's own words (what is cited); ``embed_text`` adds the
    document title and clause path so a bare list item still retrieves in context.
    """

    id: str
    doc_id: str
    title: str
    clause_path: str
    heading: str
    text: str
    embed_text: str
    n_tokens: int
    span: tuple[int, int]
    date: str | None = None
    kind: str = "clause"
    seq: int = 0
    context: str = ""  # the parent clause's lead-in (到2016年,全市…实现以下目标:), if any

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for a vector store (scalars only)."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "clause_path": self.clause_path,
            "heading": self.heading,
            "span_start": self.span[0],
            "span_end": self.span[1],
            "n_tokens": self.n_tokens,
            "date": self.date or "",
            "kind": self.kind,
            "seq": self.seq,
            "context": self.context,
        }


class IngestError(Exception):
    """A file that cannot be ingested; the message is one clear line for the user."""
