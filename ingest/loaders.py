"""Read a file of any supported format into plain text, or fail with one clear line."""

from __future__ import annotations

import io
from pathlib import Path

from charset_normalizer import from_bytes

from ingest.types import IngestError

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
MAX_BYTES = 20 * 1024 * 1024


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """File bytes, after the checks every format shares."""
    if path.suffix.lower() not in SUPPORTED:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}; "
                          f"supported: {', '.join(sorted(SUPPORTED))}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"file too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise IngestError("file is empty")
    return data


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown encoding (UTF-8, GB18030, Big5 …); reject binary data."""
    if b"\x00" in data[:8192]:
        raise IngestError("file looks binary (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError("cannot detect the text encoding; the file may be binary")
    text = str(best)
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t\f"))
    if bad > max(8, len(text) // 100):
        raise IngestError("file looks binary or corrupt (undecodable characters)")
    return text


def html_to_text(html: str) -> str:
    """Main text of an HTML page; trafilatura drops navigation, ads and footers."""
    import trafilatura

    text = trafilatura.extract(
        html, include_tables=True, include_comments=False, favor_recall=True,
        output_format="txt", with_metadata=False,
    )
    title = trafilatura.extract_metadata(html)
    head = title.title if title is not None and title.title else ""
    if not text:
        raise IngestError("HTML page has no extractable main text")
    return f"{head}\n{text}" if head and head not in text[:200] else text


def pdf_to_text(data: bytes) -> str:
    """Text of every PDF page; scanned (image-only) PDFs have none and are rejected."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"corrupt or unreadable PDF: {exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise IngestError("PDF has no text layer (scanned image?)")
    return text


def docx_to_text(data: bytes) -> str:
    """Paragraphs and tables of a .docx, tables one row per line (cells joined by tabs)."""
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"corrupt or unreadable .docx: {exc}") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text.strip() for cell in row.cells))
    text = "\n".join(lines)
    if not text.strip():
        raise IngestError(".docx contains no text")
    return text


def load_text(path: Path, max_bytes: int = MAX_BYTES) -> tuple[str, bytes]:
    """Raw text of a document and its bytes (for hashing)."""
    data = read_bytes(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_to_text(data), data
    if suffix == ".docx":
        return docx_to_text(data), data
    text = decode_text(data)
    if suffix in {".html", ".htm"}:
        return html_to_text(text), data
    return text, data
