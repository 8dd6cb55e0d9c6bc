""".docx bombs are refused from the zip directory and a bounded scan, before python-docx.

Every malicious file is built here for real; see hostile.py.
"""

from __future__ import annotations

import io
import random
import zipfile

import docx
import pytest

from ingest.limits import IngestLimits
from ingest.pipeline import parse_bytes
from ingest.types import IngestError
from tests.ingest.hostile import docx_with_body, lie_about_size, raises_limit, rezip


@pytest.mark.parametrize(
    ("body", "prefix"),
    [
        (b"<w:p/>" * 200_000, b"w"),
        (b"<w:p></w:p>" * 200_000, b"w"),
        (b'<w:p w:rsidR="00AB12CD"/>' * 200_000, b"w"),
        (b"<w:tbl>" + b"<w:tr/>" * 200_000 + b"</w:tbl>", b"w"),
        (b"<x:p/>" * 200_000, b"x"),  # any prefix bound to the Word namespace is read as w:
    ],
    ids=["empty", "open-close", "attributes", "table-rows", "other-prefix"],
)
def test_paragraph_bomb_is_refused_before_python_docx(body: bytes, prefix: bytes) -> None:
    data = docx_with_body(body, prefix)
    assert len(data) < 100_000  # a small file, a huge count
    exc = raises_limit("max_paragraphs", parse_bytes, "bomb.docx", data)
    assert ".docx has more than 50000 paragraphs" in str(exc)
    assert exc.allowed == 50_000 and exc.value is not None and exc.value > 50_000


def test_paragraph_count_uses_the_limit_given() -> None:
    data = docx_with_body("<w:p><w:r><w:t>第一条</w:t></w:r></w:p>".encode() * 30)
    assert "第一条" in parse_bytes("ok.docx", data, limits=IngestLimits(max_paragraphs=30)).text
    raises_limit("max_paragraphs", parse_bytes, "x.docx", data, limits=IngestLimits(max_paragraphs=29))


def test_element_bomb_inside_one_paragraph_is_refused() -> None:
    data = docx_with_body(b"<w:p>" + b"<w:r/>" * 110_000 + b"</w:p>")
    exc = raises_limit("max_paragraphs", parse_bytes, "runs.docx", data,
                       limits=IngestLimits(max_paragraphs=100))
    assert "more than 102000 XML elements" in str(exc)


def test_inflation_bomb_is_refused_from_the_zip_directory() -> None:
    data = docx_with_body(b"<w:p><w:r><w:t>" + b" " * 5_000_000 + b"</w:t></w:r></w:p>")
    assert len(data) < 100_000
    exc = raises_limit("max_inflated_bytes", parse_bytes, "zip.docx", data,
                       limits=IngestLimits(max_inflated_bytes=1024 * 1024))
    assert exc.status == 413 and exc.value is not None and exc.value > 5_000_000
    assert ".docx unpacks to more than 1 MB" in str(exc)


def test_absurd_compression_ratio_is_refused_with_default_limits() -> None:
    data = docx_with_body(b"<w:p><w:r><w:t>" + b" " * 5_000_000 + b"</w:t></w:r></w:p>")
    with pytest.raises(IngestError, match=r"inflates more than 100:1"):
        parse_bytes("zip.docx", data)


def test_member_lying_about_its_size_is_refused() -> None:
    honest = docx_with_body(b"<w:p/>" * 10 + b"<w:p><w:r><w:t>" + b" " * 3_000_000 + b"</w:t></w:r></w:p>")
    data = lie_about_size(honest, "word/document.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("word/document.xml").file_size == 1000
    with pytest.raises(IngestError, match=r"corrupt or unreadable \.docx"):
        parse_bytes("liar.docx", data, limits=IngestLimits(max_inflated_bytes=1024 * 1024))


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(5000),
        b"PK\x03\x04" + random.Random(8).randbytes(5000),
        rezip({"word/document.xml": None}),
        rezip({"[Content_Types].xml": None}),
        rezip({"word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p>'}),
        rezip({"word/document.xml": b"<not xml at all"}),
        rezip({"word/styles.xml": b"<w:styles><broken"}),
        rezip({}, method=zipfile.ZIP_BZIP2),
    ],
    ids=["random", "zip-magic", "no-document", "no-content-types", "truncated-xml",
         "not-xml", "broken-styles", "bzip2"],
)
def test_corrupt_docx_is_one_ingest_error(data: bytes) -> None:
    with pytest.raises(IngestError) as err:
        parse_bytes("broken.docx", data)
    assert type(err.value) is IngestError
    assert ".docx" in str(err.value) and "\n" not in str(err.value)


def test_real_docx_with_a_table_still_parses() -> None:
    document = docx.Document()
    document.add_paragraph("某市数字经济发展规划(2021—2025年)")
    document.add_paragraph("一、发展目标")
    table = document.add_table(rows=3, cols=2)
    for i, row in enumerate(table.rows):
        row.cells[0].text, row.cells[1].text = f"指标{i}", f"{i * 100}亿元"
    out = io.BytesIO()
    document.save(out)
    # 2 paragraphs, 3 rows and a paragraph in each of the 6 cells: python-docx parses 11.
    doc = parse_bytes("规划.docx", out.getvalue(), limits=IngestLimits(max_paragraphs=11))
    raises_limit("max_paragraphs", parse_bytes, "规划.docx", out.getvalue(),
                 limits=IngestLimits(max_paragraphs=10))
    assert doc.title == "某市数字经济发展规划(2021—2025年)"
    assert "200亿元" in doc.text


