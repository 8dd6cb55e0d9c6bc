import pytest

from ingest.metadata import extract_metadata, find_period
from ingest.types import Document

TITLES = {
    "000": "武汉市加快高新技术产业发展五年行动计划(2012—2016年)",
    "001": "推动高新技术产业跨越式发展",
    "002": "促进武汉东湖新技术开发区高质量发展行动方案",
    "003": "武汉市科技创新发展“十三五”规划",
    "004": "加快推进光谷科技创新大走廊协同创新高质量发展行动方案(2023—2025年)",
}


@pytest.mark.parametrize("key", sorted(TITLES))
def test_titles(corpus_docs: dict[str, Document], key: str) -> None:
    assert corpus_docs[key].title == TITLES[key]


def test_signed_notice_metadata(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["000"]
    assert doc.issuer == "中共武汉市委、武汉市人民政府"
    assert doc.doc_number == "武文[2012]20号"
    assert doc.date == "2012-05-09"
    assert doc.period == (2012, 2016)


def test_periods_and_dates(corpus_docs: dict[str, Document]) -> None:
    assert corpus_docs["003"].period == (2016, 2020)
    assert corpus_docs["004"].period == (2023, 2025)
    assert corpus_docs["002"].period == (2022, 2025)
    assert corpus_docs["002"].date == "2022-02-21"
    assert corpus_docs["002"].issuer == "武汉市人民政府"


def test_generic_document_head() -> None:
    lines = [
        "成都市人民政府关于印发《成都市科技创新规划(2021—2025年)》的通知",
        "成府发〔2021〕12号",
        "各区(市)县政府:",
        "现将《成都市科技创新规划(2021—2025年)》印发给你们,请认真贯彻执行。",
        "成都市人民政府",
        "2021年9月30日",
    ]
    meta = extract_metadata(lines, fallback_title="x")
    assert meta.title == "成都市科技创新规划(2021—2025年)"
    assert meta.doc_number == "成府发〔2021〕12号"
    assert meta.issuer == "成都市人民政府"
    assert meta.date == "2021-09-30"
    assert meta.period == (2021, 2025)


def test_five_year_plan_name_gives_period() -> None:
    assert find_period("某市“十四五”科技发展规划", "", None) == (2021, 2025)
