"""Bounds on the work one document may cause, checked before the expensive step.

Uploads come from untrusted clients: a small file can expand into millions of paragraphs,
gigabytes of XML or thousands of pages. Every loader checks these limits first and fails
with ``LimitExceededError``, which names the limit and the setting that raises it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sized
from dataclasses import dataclass, fields, replace

from ingest.types import IngestError

MB = 1024 * 1024
SIZE_LIMITS = frozenset({"max_bytes", "max_inflated_bytes"})


@dataclass(frozen=True)
class IngestLimits:
    """Per-document limits; defaults fit real policy documents with a wide margin.

    A long provincial five-year plan is about 150k characters, 60 pages and a few
    thousand paragraphs; the count and length limits leave it a margin of ten or more.
    """

    max_bytes: int = 20 * MB  # the file as uploaded
    max_inflated_bytes: int = 100 * MB  # .docx zip members unpacked; PDF streams decoded
    max_paragraphs: int = 50_000  # .docx paragraphs plus table rows
    max_pages: int = 2_000  # PDF pages
    max_text_chars: int = 2_000_000  # extracted text, any format
    max_chunks: int = 5_000  # chunks of one document (each is embedded)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{f.name} must be a positive integer, not {value!r}")

    def check(self, limit: str, value: int, what: str) -> None:
        """Raise if ``value`` passes ``limit``; ``what`` may use {allowed} and {value}."""
        allowed = getattr(self, limit)
        if value > allowed:
            raise LimitExceededError(
                limit, value, allowed,
                what.format(allowed=fmt_limit(limit, allowed), value=fmt_limit(limit, value)),
            )


DEFAULT_LIMITS = IngestLimits()


def resolve_limits(limits: IngestLimits | None, max_bytes: int | None = None) -> IngestLimits:
    """The limits to use; the older ``max_bytes=`` keyword still overrides the file size."""
    limits = limits or DEFAULT_LIMITS
    return limits if max_bytes is None else replace(limits, max_bytes=max_bytes)


# Sizes are set in megabytes by the assistant's Settings; the counts by their own names.
_ENV = {"max_bytes": "PQA_MAX_UPLOAD_MB", "max_inflated_bytes": "PQA_MAX_INFLATED_MB"}


def env_name(limit: str) -> str:
    """The environment variable that sets ``limit`` (defined by the assistant's Settings)."""
    return _ENV.get(limit, f"PQA_{limit.upper()}")


def fmt_limit(limit: str, n: int) -> str:
    """A limit's value as a person reads it: sizes in MB or KB, counts as numbers."""
    if limit not in SIZE_LIMITS:
        return str(n)
    for unit, scale in (("MB", MB), ("KB", 1024)):
        if n >= scale:
            return f"{round(n / scale, 1):g} {unit}"
    return f"{n} bytes"


class LimitExceededError(IngestError):
    """A document over one of the ``IngestLimits``; refused before the work was done.

    ``status`` is the HTTP status an API should answer: 413 for sizes, 422 for counts.
    ``value`` is None when only "more than allowed" is known (e.g. the PDF reader stopped).
    """

    def __init__(self, limit: str, value: int | None, allowed: int, what: str = "") -> None:
        self.limit = limit
        self.value = value
        self.allowed = allowed
        self.what = what or f"document is over {limit} ({fmt_limit(limit, allowed)})"
        self.env = env_name(limit)
        self.status = 413 if limit in SIZE_LIMITS else 422
        super().__init__(f"{self.what} (limit {limit}, {self.env})")

    def __reduce__(self) -> tuple[type[LimitExceededError], tuple[str, int | None, int, str]]:
        return type(self), (self.limit, self.value, self.allowed, self.what)


def check_chunk_count(doc_id: str, chunks: Sized, limits: IngestLimits | None = None) -> None:
    """Refuse a document with more chunks than ``max_chunks``, before they are embedded."""
    name = doc_id.replace("{", "{{").replace("}", "}}")
    (limits or DEFAULT_LIMITS).check(
        "max_chunks", len(chunks), f"{name} has more than {{allowed}} chunks ({{value}})"
    )


def one_line(exc: BaseException) -> str:
    """An exception as one short line (parser messages may span lines or be empty)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# -- .docx: measured as a zip of XML before python-docx parses it ----------------------

_ZIP_CHUNK = 1 << 20
_MAX_ZIP_MEMBERS = 5_000  # a Word file has dozens; python-docx visits those it links
_MAX_RATIO = 100  # Apache POI's default too; Word's own XML compresses about 10-30:1
_RATIO_FLOOR = 1 << 20  # below 1 MB inflated no member can hurt, whatever its ratio
_ELEMENTS_PER_PARAGRAPH = 20  # element budget: runs, properties … per allowed paragraph
_ELEMENT_ALLOWANCE = 100_000  # styles, theme, numbering: python-docx's blank file has 19k
_CARRY = 72  # longer than any tag the patterns below match
_PARAGRAPH = re.compile(rb"<(?:[^\s/>:<]{1,64}:)?(?:p|tr)[\s/>]")  # <w:p>, <w:p/>, <w:tr …


def check_docx(data: bytes, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """Refuse a .docx that would unpack or parse into more than the limits allow.

    Reads only the zip directory and then streams every member through byte counters
    (at most ``max_inflated_bytes``), so python-docx never sees a bomb.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_members(infos, limits)
            _scan_members(zf, infos, limits)
    except IngestError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, NotImplementedError …
        raise IngestError(f"corrupt or unreadable .docx: {one_line(exc)}") from exc


def _check_members(infos: list[zipfile.ZipInfo], limits: IngestLimits) -> None:
    """What the zip directory declares: member count, total size, compression method."""
    if len(infos) > _MAX_ZIP_MEMBERS:
        raise IngestError(f".docx has {len(infos)} parts, more than a Word file can "
                          f"plausibly have ({_MAX_ZIP_MEMBERS})")
    limits.check("max_inflated_bytes", sum(i.file_size for i in infos),
                 ".docx unpacks to more than {allowed} ({value})")
    for i in infos:
        name = repr(i.filename[:80])
        if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise IngestError(f".docx part {name} uses a compression Word does not write")


def _scan_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo],
                  limits: IngestLimits) -> None:
    """Stream every member with a byte cap, counting paragraphs, table rows and elements.

    A member that has inflated past 1 MB at more than 100:1 (Apache POI's default ratio)
    is refused as it is read; counts come first, so a paragraph bomb reports paragraphs.
    zipfile stops at each member's declared size and then checks its CRC, so a member
    lying about its size fails; the cap here holds even if that ever changes.
    """
    used = 0
    counts = [0, 0]  # paragraphs and table rows; XML elements
    for info in infos:
        with zf.open(info) as member:
            carry = b""
            inflated = 0
            while chunk := member.read(_ZIP_CHUNK):
                used += len(chunk)
                limits.check("max_inflated_bytes", used, ".docx unpacks to more than {allowed}")
                buf = carry + chunk
                cut = buf.rfind(b"<", max(0, len(buf) - _CARRY))  # that tag may go on
                head, carry = (buf, b"") if cut < 0 else (buf[:cut], buf[cut:])
                _count_xml(head, counts, limits)
                inflated += len(chunk)
                if inflated > _RATIO_FLOOR and inflated > _MAX_RATIO * max(info.compress_size, 1):
                    raise IngestError(f".docx part {info.filename[:80]!r} inflates more than "
                                      f"{_MAX_RATIO}:1 (a zip bomb?)")
            _count_xml(carry, counts, limits)


def _count_xml(xml: bytes, counts: list[int], limits: IngestLimits) -> None:
    counts[0] += len(_PARAGRAPH.findall(xml))
    counts[1] += xml.count(b"<") - xml.count(b"</")  # start tags, comments, PIs
    limits.check("max_paragraphs", counts[0], ".docx has more than {allowed} paragraphs")
    max_elements = _ELEMENT_ALLOWANCE + limits.max_paragraphs * _ELEMENTS_PER_PARAGRAPH
    if counts[1] > max_elements:
        raise LimitExceededError(
            "max_paragraphs", None, limits.max_paragraphs,
            f".docx has more than {max_elements} XML elements "
            f"({_ELEMENTS_PER_PARAGRAPH} per allowed paragraph, {_ELEMENT_ALLOWANCE} besides)")
