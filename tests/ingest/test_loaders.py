from pathlib import Path

import docx
import pytest

from ingest.loaders import load_text
from ingest.pipeline import parse_file
from ingest.types import IngestError


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n ", "empty"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("broken.pdf", b"%PDF-1.4 not really a pdf", "PDF"),
        ("broken.docx", b"PK\x03\x04 truncated zip", "docx"),
        ("image.png", b"\x89PNG\r\n", "unsupported"),
    ],
)
def test_bad_files_fail_with_one_clear_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(IngestError) as err:
        parse_file(_write(tmp_path, name, data))
    assert message.lower() in str(err.value).lower()
    assert "\n" not in str(err.value)


def test_huge_file_is_rejected_before_reading(tmp_path: Path) -> None:
    path = _write(tmp_path, "huge.txt", b"a" * 2048)
    with pytest.raises(IngestError, match="too large"):
        load_text(path, max_bytes=1024)


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read"):
        parse_file(tmp_path / "nope.txt")


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    text = "某市科技创新行动方案\n一、工作目标\n到2025年,高新技术企业数量达到5000家。\n"
    doc = parse_file(_write(tmp_path, "gbk.txt", text.encode("gb18030")))
    assert doc.title == "某市科技创新行动方案"
    assert "5000家" in doc.text


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("某市数字经济发展规划")
    document.add_paragraph("一、发展目标")
    document.add_paragraph("到2025年,数字经济核心产业增加值达到2000亿元。")
    path = tmp_path / "plan.docx"
    document.save(str(path))
    doc = parse_file(path)
    assert doc.title == "某市数字经济发展规划"
    assert [c.path_str for c in doc.clauses] == ["前言", "一、发展目标"]


def test_html_page_main_text(tmp_path: Path) -> None:
    html = """<html><head><title>某市科技创新行动方案</title></head><body>
    <nav>首页 | 新闻 | 政策</nav>
    <article><h1>某市科技创新行动方案</h1>
    <p>一、工作目标</p><p>到2025年,全社会研发经费投入强度达到3.5%,高新技术企业数量达到5000家。</p>
    <p>二、主要任务</p><p>(一)建设创新平台。加快建设一批重点实验室和工程研究中心,提升原始创新能力。</p>
    </article><footer>版权所有 © 某市人民政府 ICP备12345号</footer></body></html>"""
    doc = parse_file(_write(tmp_path, "page.html", html.encode()))
    assert doc.title == "某市科技创新行动方案"
    assert "二、主要任务 > (一)建设创新平台" in {c.path_str for c in doc.clauses}
    assert "版权所有" not in doc.text
