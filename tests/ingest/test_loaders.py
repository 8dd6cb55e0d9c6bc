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


def test_docx_indicator_table_stays_in_place_as_labelled_rows(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("某市能源发展“十四五”规划")
    document.add_paragraph("二、发展目标")
    document.add_paragraph("专栏1 主要指标")
    table = document.add_table(rows=4, cols=6)
    cells = [["类别", "指标", "单位", "2020年", "2025年", "属性"],
             ["能源结构", "可再生能源装机占比", "%", "30", "45", "预期性"],
             ["能源结构", "非化石能源消费比重", "%", "12.5", "16", "约束性"],
             ["能源效率", "单位GDP能耗下降", "%", "—", "13.5", "约束性"]]
    for row, values in zip(table.rows, cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.cell(1, 0).merge(table.cell(2, 0)).text = "能源结构"  # a vertically merged 类别
    document.add_paragraph("三、主要任务")
    path = tmp_path / "energy.docx"
    document.save(str(path))
    doc = parse_file(path)
    box = next(c for c in doc.clauses if c.heading.startswith("专栏1"))
    assert box.path_str == "二、发展目标 > 专栏1主要指标"  # normalised: no space after 1
    assert box.text.split("\n")[1:] == [
        "类别：能源结构；指标：可再生能源装机占比；单位：%；2020年：30；2025年：45；属性：预期性",
        "类别：能源结构；指标：非化石能源消费比重；单位：%；2020年：12.5；2025年：16；属性：约束性",
        "类别：能源效率；指标：单位GDP能耗下降；单位：%；2025年：13.5；属性：约束性",
    ]
    assert [c.path_str for c in doc.clauses][-1] == "三、主要任务"


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


def test_html_indicator_table_becomes_labelled_rows(tmp_path: Path) -> None:
    html = """<html><head><title>某市数字经济发展规划</title></head><body><article>
    <h1>某市数字经济发展规划</h1><p>一、发展目标</p>
    <p>到2025年，全市数字经济核心产业增加值占比达到10%左右，形成一批具有竞争力的企业。</p>
    <p>专栏1 主要指标</p>
    <table><tr><td>类别</td><td>指标</td><td>单位</td><td>2020年</td><td>2025年</td><td>属性</td></tr>
    <tr><td>创新</td><td>新增注册企业数</td><td>万户</td><td>1.2</td><td>2.0</td><td>预期性</td></tr></table>
    <p>二、主要任务</p><p>加快建设5G网络和数据中心，提升网络能力和算力水平，夯实数字底座。</p>
    </article></body></html>"""
    doc = parse_file(_write(tmp_path, "plan.html", html.encode()))
    box = next(c for c in doc.clauses if c.heading.startswith("专栏1"))
    assert box.text.split("\n")[1] == "类别：创新；指标：新增注册企业数；单位：万户；2020年：1.2；2025年：2.0；属性：预期性"
