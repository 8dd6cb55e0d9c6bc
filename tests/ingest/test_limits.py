"""PDF, text and size limits, and uploads parsed from memory; real documents still parse.

Every malicious file is built here for real; see hostile.py.
"""

from __future__ import annotations

import io
import pickle
import random
from pathlib import Path

import pypdf
import pytest
from pypdf import PdfWriter

from ingest.limits import IngestLimits, LimitExceededError, check_chunk_count
from ingest.loaders import load_text
from ingest.pipeline import parse_bytes, parse_file
from ingest.types import IngestError
from tests.ingest.hostile import form_pdf, pdf, raises_limit, text_page

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


# -- PDF ------------------------------------------------------------------------------------

def test_pdf_with_too_many_pages_is_refused_before_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pdf([text_page("page")] * 6)
    calls: list[int] = []
    original = pypdf.PageObject.extract_text
    monkeypatch.setattr(pypdf.PageObject, "extract_text",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    exc = raises_limit("max_pages", parse_bytes, "long.pdf", data, limits=IngestLimits(max_pages=5))
    assert (exc.value, exc.allowed) == (6, 5) and calls == []
    assert parse_bytes("ok.pdf", data, limits=IngestLimits(max_pages=6)).text


@pytest.mark.parametrize("n_pages", [30, 150])
def test_pdf_page_count_that_lies_is_not_believed(n_pages: int) -> None:
    writer = PdfWriter()
    for _ in range(n_pages):
        writer.add_blank_page(72, 72)
    out = io.BytesIO()
    writer.write(out)
    declared = f"/Count {n_pages}".encode()
    data = out.getvalue().replace(declared, b"/Count 1".ljust(len(declared)))  # offsets kept
    assert data.count(b"/Count 1 ") == 1
    # 30 pages: counted after flattening; 150: pypdf stops flattening (max_pages * 2 + 100).
    exc = raises_limit("max_pages", parse_bytes, "liar.pdf", data, limits=IngestLimits(max_pages=5))
    assert exc.value == (30 if n_pages == 30 else None)


def test_pdf_text_stops_at_the_first_page_over_max_text_chars(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pdf([text_page("x" * 100)] * 5)
    calls: list[int] = []
    original = pypdf.PageObject.extract_text
    monkeypatch.setattr(pypdf.PageObject, "extract_text",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    raises_limit("max_text_chars", parse_bytes, "words.pdf", data,
                 limits=IngestLimits(max_text_chars=150))
    assert len(calls) == 2, "pages after the limit are not extracted"


def test_pdf_stream_bomb_is_stopped_by_pypdf_configuration() -> None:
    data = pdf([text_page("Hi", padding=5_000_000)])
    assert len(data) < 100_000
    exc = raises_limit("max_inflated_bytes", parse_bytes, "bomb.pdf", data,
                       limits=IngestLimits(max_inflated_bytes=1024 * 1024))
    assert "PDF stream decodes to more than 1 MB" in str(exc)


def test_pdf_streams_are_bounded_in_sum_not_only_each() -> None:
    data = pdf([text_page(f"p{i}", padding=400_000) for i in range(4)])
    exc = raises_limit("max_inflated_bytes", parse_bytes, "many.pdf", data,
                       limits=IngestLimits(max_inflated_bytes=1024 * 1024))
    assert "PDF streams decode to more than 1 MB" in str(exc)
    assert "p3" in parse_bytes("many.pdf", data).text


def test_pdf_form_xobjects_count_once_however_many_pages_draw_them() -> None:
    limits = IngestLimits(max_inflated_bytes=1024 * 1024)
    forms = [text_page(f"form{i}", padding=600_000) for i in range(2)]
    shared = parse_bytes("shared.pdf", form_pdf(forms, [0, 0, 0]), limits=limits)
    assert shared.text.count("form0") == 3
    exc = raises_limit("max_inflated_bytes", parse_bytes, "two.pdf", form_pdf(forms, [0, 1]),
                       limits=limits)
    assert "PDF streams decode to more than 1 MB" in str(exc)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n" + random.Random(3).randbytes(4000), pdf([text_page("cut")])[:600]],
    ids=["random", "truncated"],
)
def test_corrupt_pdf_is_one_ingest_error(data: bytes) -> None:
    with pytest.raises(IngestError) as err:
        parse_bytes("broken.pdf", data)
    assert type(err.value) is IngestError and "\n" not in str(err.value)
    assert "PDF" in str(err.value)


# -- text, size, chunks -------------------------------------------------------------------

def test_text_over_max_text_chars() -> None:
    limits = IngestLimits(max_text_chars=100)
    exc = raises_limit("max_text_chars", parse_bytes, "long.txt", ("条" * 150).encode("gb18030"),
                       limits=limits)
    assert exc.value == 150 and "text has more than 100 characters" in str(exc)
    # Too many bytes for any encoding to fit: refused before decoding.
    assert raises_limit("max_text_chars", parse_bytes, "huge.txt", b"a" * 1000, limits=limits).value == 250
    html = "<html><body><p>" + "政策" * 100 + "</p></body></html>"
    raises_limit("max_text_chars", parse_bytes, "page.html", html.encode(), limits=limits)


def test_file_size_limit_for_bytes_and_files(tmp_path: Path) -> None:
    exc = raises_limit("max_bytes", parse_bytes, "big.txt", b"a" * 2048,
                       limits=IngestLimits(max_bytes=1024))
    assert "file too large (2 KB, more than 1 KB)" in str(exc)
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 2048)
    assert raises_limit("max_bytes", load_text, path, max_bytes=1024).value == 2048
    assert raises_limit("max_bytes", parse_file, path, limits=IngestLimits(max_bytes=1024))
    # The older keyword overrides the limits' file size.
    assert parse_file(path, max_bytes=4096, limits=IngestLimits(max_bytes=1024)).doc_id == "big.txt"


def test_chunk_count() -> None:
    check_chunk_count("a.txt", [1] * 5, IngestLimits(max_chunks=5))
    exc = raises_limit("max_chunks", check_chunk_count, "{a}.txt", [1] * 6, IngestLimits(max_chunks=5))
    assert str(exc).startswith("{a}.txt has more than 5 chunks (6)")


def test_limits_are_validated_and_errors_pickle() -> None:
    assert IngestLimits() == IngestLimits(20 * 1024 * 1024, 100 * 1024 * 1024, 50_000, 2_000,
                                          2_000_000, 5_000)
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="max_pages"):
            IngestLimits(max_pages=bad)  # type: ignore[arg-type]
    exc = LimitExceededError("max_pages", 7, 5, "PDF has more than 5 pages (7)")
    back = pickle.loads(pickle.dumps(exc))
    assert (back.limit, back.value, back.allowed, back.status, str(back)) == (
        "max_pages", 7, 5, 422, str(exc))
    assert str(exc) == "PDF has more than 5 pages (7) (limit max_pages, PQA_MAX_PAGES)"


# -- uploads parsed from memory ---------------------------------------------------------------

def test_parse_bytes_names_the_document_by_its_own_file_name() -> None:
    data = "到2025年,全市高新技术企业数量达到5000家。\n研发经费投入强度达到3%。\n".encode()
    doc = parse_bytes("规划.txt", data)
    assert doc.doc_id == "规划.txt" and doc.title == "规划"
    assert {c.doc_id for c in doc.clauses} == {"规划.txt"}
    assert "upload" not in doc.title and doc.source == ""
    assert parse_bytes("uploads/规划.txt", data, source="/corpus/规划.txt").doc_id == "规划.txt"
    with pytest.raises(IngestError, match="unsupported file type"):
        parse_bytes("规划.exe", data)
    with pytest.raises(IngestError, match="empty"):
        parse_bytes("规划.txt", b" \n ")


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_documents_parse_identically_from_file_and_bytes(path: Path) -> None:
    from_file = parse_file(path)
    from_bytes = parse_bytes(path.name, path.read_bytes(), source=str(path))
    assert from_bytes == from_file
    assert len(from_file.clauses) > 5
