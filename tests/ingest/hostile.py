"""Malicious and broken files, built for real (zipfile, python-docx, pypdf's PdfWriter)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from typing import Any

import docx
import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)

from ingest.limits import LimitExceededError, env_name

W_NS = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def template() -> bytes:
    """A blank .docx as python-docx writes it: real content types, styles, theme."""
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def rezip(replace: dict[str, bytes | None], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """python-docx's own template with some parts replaced (bytes) or left out (None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template())) as src, zipfile.ZipFile(out, "w", method) as dst:
        for info in src.infolist():
            data = replace.get(info.filename, src.read(info.filename))
            if data is not None:
                dst.writestr(info.filename, data)
    return out.getvalue()


def docx_with_body(body: bytes, prefix: bytes = b"w") -> bytes:
    """A valid .docx whose document body is ``body`` (raw WordprocessingML)."""
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<' + prefix
           + b":document xmlns:" + prefix + b'="' + W_NS + b'"><' + prefix + b":body>" + body
           + b"</" + prefix + b":body></" + prefix + b":document>")
    return rezip({"word/document.xml": xml})


def raises_limit(limit: str, call: Callable[..., Any], *args: Any, **kw: Any) -> LimitExceededError:
    """Run ``call``; it must raise LimitExceededError for ``limit``, named as users see it."""
    with pytest.raises(LimitExceededError) as err:
        call(*args, **kw)
    exc = err.value
    assert exc.limit == limit
    assert f"limit {limit}, {env_name(limit)})" in str(exc)
    assert exc.status == (413 if limit in {"max_bytes", "max_inflated_bytes"} else 422)
    assert "\n" not in str(exc)
    return exc


def lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the central directory so ``member`` claims ``size`` uncompressed bytes."""
    buf = bytearray(data)
    name = member.encode()
    pos = buf.find(b"PK\x01\x02")
    while pos >= 0:
        (name_len,) = struct.unpack_from("<H", buf, pos + 28)
        if bytes(buf[pos + 46 : pos + 46 + name_len]) == name:
            struct.pack_into("<I", buf, pos + 24, size)
            return bytes(buf)
        pos = buf.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{member} not found")


def _helvetica() -> DictionaryObject:
    """Resources naming Helvetica /F1."""
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    return DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})


def pdf(contents: list[bytes]) -> bytes:
    """One page per content stream, Flate-compressed, with Helvetica as /F1."""
    writer = PdfWriter()
    for content in contents:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = _helvetica()
        stream = DecodedStreamObject()
        stream.set_data(content)
        page.replace_contents(stream)
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_page(text: str, padding: int = 0) -> bytes:
    """A content stream showing ``text``, padded with spaces that compress to nothing."""
    return f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() + b" " * padding


def form_pdf(forms: list[bytes], pages: list[int]) -> bytes:
    """Pages that each draw one form XObject (``pages[i]`` indexes ``forms``), Flate-compressed."""
    writer = PdfWriter()
    refs = []
    for content in forms:
        form = DecodedStreamObject()
        form.set_data(content)
        form.update({NameObject("/Type"): NameObject("/XObject"),
                     NameObject("/Subtype"): NameObject("/Form"),
                     NameObject("/BBox"): ArrayObject([NumberObject(n) for n in (0, 0, 200, 200)]),
                     NameObject("/Resources"): _helvetica()})
        refs.append(writer._add_object(form.flate_encode()))
    for i in pages:
        page = writer.add_blank_page(200, 200)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/X1"): refs[i]})})
        stream = DecodedStreamObject()
        stream.set_data(b"/X1 Do")
        page.replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
