"""The whole pipeline on genre texts: a government page and a PDF-style five-year plan."""

from ingest.chunking import chunk_document
from ingest.pipeline import parse_text
from tests.ingest.genre import FIVE_YEAR_PLAN, GOV_PAGE

PLAN = "南岭县促进残疾人就业行动方案（2024—2026年）"


def test_government_page_metadata_and_clean_text() -> None:
    doc = parse_text("page.html.txt", GOV_PAGE)
    assert doc.title == PLAN
    assert doc.doc_number == "南政办发〔2024〕7号"
    assert (doc.written_date, doc.published_date, doc.date) == ("2024-04-02", "2024-04-06", "2024-04-02")
    assert doc.issuer == "南岭县人民政府办公室"
    assert doc.period == (2024, 2026)
    for furniture in ("字体", "打印本页", "关闭窗口", "上一篇", "下一篇", "分享到", "扫一扫", "索引号"):
        assert furniture not in doc.text, furniture
    assert "到2026年，全县新增残疾人就业300人以上，持证残疾人就业率达到60%以上。" in doc.text


def test_government_page_notice_and_plan_clauses() -> None:
    doc = parse_text("page.html.txt", GOV_PAGE)
    paths = [c.path_str for c in doc.clauses]
    assert paths[0].startswith("南岭县人民政府办公室关于印发")
    assert paths[1:] == ["前言", "一、总体目标", "二、主要措施",
                         "二、主要措施 > （一）实施机关、事业单位带头安置残疾人就业行动",
                         "二、主要措施 > （二）实施残疾人职业技能提升行动", "三、保障措施"]


def test_five_year_plan_outline_table_and_numbers() -> None:
    doc = parse_text("plan.txt", FIVE_YEAR_PLAN)
    paths = {c.path_str for c in doc.clauses}
    assert "三、主要任务 > 3.1 夯实数字基础设施 > 3.1.1 建设高速泛在的信息网络" in paths
    assert "三、主要任务 > 3.2 推进数字产业化 > 3.2.1 做强电子信息制造业" in paths
    assert "四、保障措施 > 4.1 加强组织领导" in paths
    box = next(c for c in doc.clauses if c.kind == "table")
    assert box.path_str == "二、发展目标 > 专栏1“十四五”时期数字经济发展主要指标"
    assert "类别：数字产业化；指标：数字经济核心产业增加值占比；单位：%；2020年：7.6；2025年：10；属性：预期性" in box.text
    assert "到2025年，数字经济核心产业增加值占地区生产总值比重达到10%左右。" in doc.text
    assert "全市投入1000万元支持芯片设计" in doc.text


def test_citations_stop_at_the_deepest_clause() -> None:
    doc = parse_text("plan.txt", FIVE_YEAR_PLAN)
    chunk = next(c for c in chunk_document(doc) if "算力中心" in c.text)
    assert chunk.clause_path == "三、主要任务 > 3.1 夯实数字基础设施 > 3.1.2 布局算力基础设施"
    assert chunk.heading == "3.1.2 布局算力基础设施"
