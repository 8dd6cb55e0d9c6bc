"""From a file to a parsed Document: load, normalise, clean, rebuild tables, parse clauses.

Files on disk go through ``parse_file``, uploads held in memory through ``parse_bytes``;
both share the loaders' format dispatch and the same ``IngestLimits``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path, PurePath

from ingest.attachments import Part, find_parts, parse_parts
from ingest.boilerplate import strip_boilerplate
from ingest.clauses import join_orphan_markers, parse_clauses
from ingest.dates import date_line
from ingest.limits import IngestLimits, resolve_limits
from ingest.loaders import SUPPORTED, check_bytes, check_suffix, extract_text, load_text
from ingest.metadata import Metadata, extract_metadata, find_period
from ingest.normalize import normalize_text
from ingest.reflow import join_broken, unwrap_soft
from ingest.tables import rebuild_tables
from ingest.types import Document, IngestError


def parse_text(doc_id: str, raw: str, *, sha256: str = "", source: str = "") -> Document:
    """Parse raw text of a policy document (any page chrome included) into a Document.

    Tables are rebuilt before page chrome is removed, so that no cell is mistaken for
    furniture; a file holding a notice and the documents it transmits is parsed part by part.
    """
    text = normalize_text(raw)
    lines = join_broken(rebuild_tables([ln for ln in text.split("\n") if ln.strip()]))
    if not lines:
        raise IngestError("document has no text")
    meta = extract_metadata(lines, fallback_title=Path(doc_id).stem)
    if meta.title_index is not None and meta.title_line:
        lines[meta.title_index] = meta.title_line  # without the date a listing glued to it
    body = strip_boilerplate(lines, meta.title_index)
    body = join_orphan_markers(drop_repeated_title(unwrap_soft(body), meta.title_line or meta.title))
    if not body:
        raise IngestError("nothing left after removing page boilerplate")
    cleaned = "\n".join(body)
    parts = find_parts(body)
    title, period, written, date = _main_document(meta, body, parts)
    return Document(
        doc_id=doc_id,
        title=title,
        text=cleaned,
        sha256=sha256 or hashlib.sha256(raw.encode()).hexdigest(),
        source=source,
        issuer=meta.issuer,
        doc_number=meta.doc_number,
        date=date,
        period=period,
        clauses=tuple(parse_parts(doc_id, body, parts) if parts else parse_clauses(doc_id, cleaned)),
        written_date=written,
        published_date=meta.published_date,
        attachments=tuple(p.title for p in parts if p.kind == "attachment"),
    )


def _main_document(meta: Metadata, body: list[str], parts: list[Part]
                   ) -> tuple[str, tuple[int, int] | None, str | None, str | None]:
    """Title, period, 成文日期 and date once a transmitting notice is told from its documents.

    The file is titled by the main document the notice transmits, and the date closing
    the notice is its 成文日期 even when no issuer line signs it.
    """
    title, period, written, date = meta.title, meta.period, meta.written_date, meta.date
    notice = next((p for p in parts if p.kind == "notice"), None)
    if notice is None:
        return title, period, written, date
    if written is None:
        written = next((d for ln in reversed(body[notice.start : notice.end])
                        if (d := date_line(ln))), None)
        date = written or date
    main = next(p.title for p in parts if p.kind == "main")
    if main != title:
        title, period = main, find_period(main, "\n".join(body), date)
    return title, period, written, date


def drop_repeated_title(lines: list[str], title: str, window: int = 8) -> list[str]:
    """Drop copies of the title line (whole or split over two lines) that a page repeats.

    ``title`` is the line as written (a transmitting notice's line, say), not the
    title derived from it.
    """
    if not lines or lines[0] != title:
        return lines
    out = [lines[0]]
    i = 1
    while i < len(lines):
        if i < window and lines[i] == title:
            i += 1
        elif i < window and i + 1 < len(lines) and lines[i] + lines[i + 1] == title:
            i += 2
        else:
            out.append(lines[i])
            i += 1
    return out


def parse_file(path: Path, *, max_bytes: int | None = None,
               limits: IngestLimits | None = None) -> Document:
    """Parse one file; its file name is its doc_id. Raises IngestError with a clear message.

    ``max_bytes`` is the older way to set ``limits.max_bytes`` and overrides it if given.
    """
    raw, data = load_text(path, limits=resolve_limits(limits, max_bytes))
    return parse_text(path.name, raw, sha256=hashlib.sha256(data).hexdigest(), source=str(path))


def parse_bytes(name: str, data: bytes, *, limits: IngestLimits | None = None,
                source: str = "") -> Document:
    """Parse an upload held in memory, named by its own file name (doc_id, title fallback).

    Nothing is written to disk first, so no temporary file name can leak into the
    doc_id or title; the result equals ``parse_file`` of the same bytes but for ``source``.
    """
    doc_id = PurePath(name).name
    if not doc_id:
        raise IngestError("the upload has no file name")
    limits = resolve_limits(limits)
    check_suffix(doc_id)
    check_bytes(data, limits)
    raw = extract_text(doc_id, data, limits)
    return parse_text(doc_id, raw, sha256=hashlib.sha256(data).hexdigest(), source=source)


def file_sha256(path: Path) -> str:
    """Content hash used to skip unchanged files without parsing them."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def discover(paths: list[Path]) -> Iterator[Path]:
    """Files to ingest under the given files and folders, in a stable order.

    Explicitly named files are yielded whatever their suffix, so the loader can say
    why it rejects them; folders contribute only supported files (hidden ones skipped).
    """
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in SUPPORTED:
                    yield f
        else:
            yield p
