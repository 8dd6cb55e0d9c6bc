"""Read a file of any supported format into plain text, or fail with one clear line.

Uploads are untrusted: a small .docx or PDF can expand into gigabytes or millions of
paragraphs. Each format is measured against ``IngestLimits`` before its expensive step
(python-docx's parse, pypdf's text extraction), and any parser failure is an IngestError.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Any

from charset_normalizer import from_bytes

from ingest.indicators import format_grid
from ingest.limits import (
    DEFAULT_LIMITS,
    IngestLimits,
    LimitExceededError,
    check_docx,
    fmt_limit,
    one_line,
    resolve_limits,
)
from ingest.types import IngestError

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
MAX_BYTES = DEFAULT_LIMITS.max_bytes

_TOO_MUCH_TEXT = "text has more than {allowed} characters"


def check_suffix(name: str) -> str:
    """The file's lower-case suffix, if it is a supported format."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(f"unsupported file type {suffix or '(none)'!r}; "
                          f"supported: {', '.join(sorted(SUPPORTED))}")
    return suffix


def check_bytes(data: bytes, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """The checks every format shares: not too large, not empty."""
    limits.check("max_bytes", len(data), "file too large ({value}, more than {allowed})")
    if not data or data.isspace():
        raise IngestError("file is empty")


def read_bytes(path: Path, max_bytes: int | None = None, *,
               limits: IngestLimits | None = None) -> bytes:
    """File bytes, after the checks every format shares; the size is checked before reading."""
    limits = resolve_limits(limits, max_bytes)
    check_suffix(path.name)
    try:
        size = path.stat().st_size
        limits.check("max_bytes", size, "file too large ({value}, more than {allowed})")
        with path.open("rb") as f:
            data = f.read(limits.max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    check_bytes(data, limits)
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


# -- PDF ---------------------------------------------------------------------------------

def pdf_to_text(data: bytes, limits: IngestLimits = DEFAULT_LIMITS) -> str:
    """Text of every PDF page; scanned (image-only) PDFs have none and are rejected.

    Pages are counted before any is read; decoded streams and text are totalled page by
    page, so a bomb stops at the first page over a limit, not after extracting them all.
    """
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import FileNotDecryptedError, LimitReachedError

    try:
        with apply_configuration(None, **_pdf_configuration(limits)):
            reader = PdfReader(io.BytesIO(data))
            pages = _pdf_pages(reader, limits)
    except IngestError:
        raise
    except LimitReachedError as exc:
        raise _pdf_limit(exc, limits) from exc
    except FileNotDecryptedError as exc:
        raise IngestError("PDF is password-protected") from exc
    except Exception as exc:  # hostile input: pypdf also raises KeyError, struct.error …
        raise IngestError(f"corrupt or unreadable PDF: {one_line(exc)}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise IngestError("PDF has no text layer (scanned image?)")
    return text


def _pdf_configuration(limits: IngestLimits) -> dict[str, int]:
    """pypdf's own per-stream bounds (``pypdf.Configuration``), tied to ours."""
    cap = limits.max_inflated_bytes
    return {
        "zlib_maximum_output_length": cap,
        "lzw_maximum_output_length": cap,
        "run_length_maximum_output_length": cap,
        "brotli_maximum_output_length": cap,
        "jbig2_maximum_output_length": cap,
        "array_based_stream_maximum_output_length": cap,
        "stream_decoding_work_maximum_length": 3 * cap,
        "maximum_declared_stream_length": limits.max_bytes,  # no stream outgrows its file
        # Pages plus the tree's inner nodes (fewer than its pages); stops a lying /Count.
        "page_tree_maximum_entries": 2 * limits.max_pages + 100,
    }


def _pdf_pages(reader: Any, limits: IngestLimits) -> list[str]:
    pages_msg = "PDF has more than {allowed} pages ({value})"
    declared = reader.root_object["/Pages"].get_object().get("/Count")
    declared = declared.get_object() if declared is not None else 0
    limits.check("max_pages", declared if isinstance(declared, int) else 0, pages_msg)
    limits.check("max_pages", len(reader.pages), pages_msg)  # /Count may lie
    budget = _PdfBudget(limits)
    texts: list[str] = []
    n_chars = 0
    for page in reader.pages:
        budget.add_page(page)
        texts.append(page.extract_text() or "")
        n_chars += len(texts[-1]) + 1
        limits.check("max_text_chars", n_chars, "PDF " + _TOO_MUCH_TEXT)
    return texts


class _PdfBudget:
    """Decoded bytes of the streams text extraction reads, summed over the document.

    pypdf caps each stream; this caps their sum: page content streams and the form
    XObjects they draw (recursively), each counted once however many pages share it.
    """

    def __init__(self, limits: IngestLimits) -> None:
        self.limits = limits
        self.used = 0
        self.seen: dict[int, Any] = {}  # id -> object, held so that no id is reused

    def add_page(self, page: Any) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

        todo: list[Any] = [page.get("/Contents"), page.get("/Resources")]
        while todo:
            obj = todo.pop()
            obj = obj.get_object() if obj is not None else None
            if obj is None or id(obj) in self.seen:
                continue
            self.seen[id(obj)] = obj
            if isinstance(obj, ArrayObject):
                todo.extend(obj)
            elif isinstance(obj, StreamObject):
                if obj.get("/Subtype") not in (None, "/Form"):
                    continue  # images are not decoded to extract text
                self.used += len(obj.get_data())
                self.limits.check("max_inflated_bytes", self.used,
                                  "PDF streams decode to more than {allowed}")
                todo.append(obj.get("/Resources"))
            elif isinstance(obj, DictionaryObject):  # a /Resources dictionary
                xobjects = obj.get("/XObject")
                if isinstance(xobjects, DictionaryObject):
                    todo.extend(xobjects.values())


def _pdf_limit(exc: Exception, limits: IngestLimits) -> IngestError:
    """pypdf's LimitReachedError as ours when it maps to one of our limits, else plain."""
    message = one_line(exc)
    if "page tree entry limit" in message:
        return LimitExceededError("max_pages", None, limits.max_pages,
                                  f"PDF has more than {limits.max_pages} pages")
    if "decompress" in message.lower() or "decoding work" in message.lower():
        allowed = limits.max_inflated_bytes
        return LimitExceededError("max_inflated_bytes", None, allowed, "a PDF stream decodes "
                                  f"to more than {fmt_limit('max_inflated_bytes', allowed)}")
    return IngestError(f"PDF exceeds a safety limit of the PDF reader: {message}")


# -- .docx -------------------------------------------------------------------------------

def docx_to_text(data: bytes, limits: IngestLimits = DEFAULT_LIMITS) -> str:
    """Paragraphs and tables of a .docx in document order, each table row one labelled line.

    A table stays where it stands in the text (an indicator table sits under its 专栏
    heading), and each row reads ``指标：…；单位：…；2025年：…`` (``ingest.indicators``).
    """
    import docx

    check_docx(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_docx_lines(document, limits))
    except IngestError:
        raise
    except Exception as exc:  # KeyError (missing part), lxml XMLSyntaxError, ValueError …
        raise IngestError(f"corrupt or unreadable .docx: {one_line(exc)}") from exc
    if not text.strip():
        raise IngestError(".docx contains no text")
    return text


def _docx_lines(document: Any, limits: IngestLimits) -> Iterator[str]:
    n_chars = 0

    from docx.table import Table

    def lines() -> Iterator[str]:
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                # python-docx repeats a merged cell's text in every row and column it spans
                yield from format_grid([[c.text.strip() for c in row.cells] for row in block.rows])
            else:
                yield block.text

    for line in lines():
        n_chars += len(line) + 1
        limits.check("max_text_chars", n_chars, ".docx " + _TOO_MUCH_TEXT)
        yield line


# -- any format --------------------------------------------------------------------------

def extract_text(name: str, data: bytes, limits: IngestLimits = DEFAULT_LIMITS) -> str:
    """Raw text of a document's bytes; ``name`` (its file name) selects the format."""
    suffix = check_suffix(name)
    if suffix == ".pdf":
        text = pdf_to_text(data, limits)
    elif suffix == ".docx":
        text = docx_to_text(data, limits)
    else:
        # No encoding takes more than 4 bytes a character: refuse before decoding.
        limits.check("max_text_chars", len(data) // 4, _TOO_MUCH_TEXT)
        text = decode_text(data)
        limits.check("max_text_chars", len(text), _TOO_MUCH_TEXT + " ({value})")
        if suffix in {".html", ".htm"}:
            text = html_to_text(text)
    limits.check("max_text_chars", len(text), _TOO_MUCH_TEXT + " ({value})")
    return text


def load_text(path: Path, max_bytes: int | None = None, *,
              limits: IngestLimits | None = None) -> tuple[str, bytes]:
    """Raw text of a document and its bytes (for hashing)."""
    limits = resolve_limits(limits, max_bytes)
    data = read_bytes(path, limits=limits)
    return extract_text(path.name, data, limits), data
