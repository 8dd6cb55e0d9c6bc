import pytest

from ingest.metadata import extract_metadata, find_period, record_fields
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


def test_record_table_fields_on_their_own_lines_and_shared_lines() -> None:
    lines = [
        "• 发文字号:", "南政办发〔2024〕7号",  # label and value in separate cells
        "发文机关：南岭县人民政府办公室成文日期：2024年04月02日",  # two fields on one line
        "发布日期:2024-04-06访问次数: 信息来源:南岭县人民政府办公室",
        "南岭县促进残疾人就业行动方案",
    ]
    assert record_fields(lines) == {"doc_number": "南政办发〔2024〕7号", "issuer": "南岭县人民政府办公室",
                                    "written": "2024-04-02", "published": "2024-04-06"}


def test_written_and_published_dates_are_kept_apart() -> None:
    lines = ["发布时间：2015-06-04 10:00", "某市科技创新行动计划的通知", "某府发〔2012〕20号",
             "现将《某市科技创新行动计划》印发给你们。", "某市人民政府", "二○一二年五月九日"]
    meta = extract_metadata(lines, fallback_title="x")
    assert (meta.written_date, meta.published_date, meta.date) == ("2012-05-09", "2015-06-04", "2012-05-09")
    assert meta.doc_number == "某府发〔2012〕20号"
    assert meta.issuer == "某市人民政府"


@pytest.mark.parametrize(
    ("head", "title", "date"),
    [
        ("2023年5月12日西川市优化营商环境若干措施", "西川市优化营商环境若干措施", "2023-05-12"),
        ("关于进一步支持科技型中小企业发展的若干意见2022-03-01",
         "关于进一步支持科技型中小企业发展的若干意见", "2022-03-01"),
    ],
)
def test_title_without_a_glued_date_and_the_date_in_metadata(head: str, title: str, date: str) -> None:
    meta = extract_metadata([head, "一、总体要求", "坚持稳中求进。"], fallback_title="x")
    assert (meta.title, meta.title_line, meta.published_date, meta.date) == (title, title, date, date)


def test_a_notice_naming_two_documents_is_titled_by_the_first() -> None:
    lines = ["东江市人民政府关于印发《东江市数据要素市场化配置改革方案》和《东江市公共数据开放管理办法》的通知",
             "东府发〔2023〕5号"]
    meta = extract_metadata(lines, fallback_title="x")
    assert meta.title == "东江市数据要素市场化配置改革方案"
    assert meta.issuer == "东江市人民政府"  # named in the notice's title


def test_a_page_title_loses_the_site_name_and_a_title_may_end_in_its_status() -> None:
    lines = ["北京市发展和改革委员会关于公开征集新能源供热项目的通知-本委其他文件-北京市发展和改革委员会",
             "各有关单位：", "现组织开展新能源供热项目公开征集工作。"]
    assert extract_metadata(lines, fallback_title="x").title == "北京市发展和改革委员会关于公开征集新能源供热项目的通知"
    trial = ["内蒙古自治区单一电力用户绿电直连项目开发建设实施方案（试行）", "一、总体要求", "为进一步明确管理要求，制定本方案。"]
    assert extract_metadata(trial, fallback_title="x").title == trial[0]
