"""From a file to a parsed Document: load, normalise, clean, rebuild tables, parse clauses.

Files on disk go through ``parse_file``, uploads held in memory through ``parse_bytes``;
both share the loaders' format dispatch and the same ``IngestLimits``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path, PurePath

from ingest.boilerplate import strip_boilerplate
from ingest.clauses import join_orphan_markers, parse_clauses
from ingest.limits import IngestLimits, resolve_limits
from ingest.loaders import SUPPORTED, check_bytes, check_suffix, extract_text, load_text
from ingest.metadata import extract_metadata
from ingest.normalize import normalize_text
from ingest.tables import rebuild_tables
from ingest.types import Document, IngestError


def parse_text(doc_id: str, raw: str, *, sha256: str = "", source: str = "") -> Document:
    """Parse raw text of a policy document (any page chrome included) into a Document."""
    text = normalize_text(raw)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        raise IngestError("document has no text")
    meta = extract_metadata(lines, fallback_title=Path(doc_id).stem)
    body = strip_boilerplate(lines, meta.title_index)
    body = join_orphan_markers(rebuild_tables(drop_repeated_title(body, meta.title)))
    if not body:
        raise IngestError("nothing left after removing page boilerplate")
    cleaned = "\n".join(body)
    return Document(
        doc_id=doc_id,
        title=meta.title,
        text=cleaned,
        sha256=sha256 or hashlib.sha256(raw.encode()).hexdigest(),
        source=source,
        issuer=meta.issuer,
        doc_number=meta.doc_number,
        date=meta.date,
        period=meta.period,
        clauses=tuple(parse_clauses(doc_id, cleaned)),
    )


def drop_repeated_title(lines: list[str], title: str, window: int = 8) -> list[str]:
    """Drop copies of the title (whole or split over two lines) that a page repeats."""
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
