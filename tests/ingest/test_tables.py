from ingest.tables import format_row, rebuild_tables
from ingest.types import Document


def test_flattened_indicator_table_becomes_rows() -> None:
    cells = ["专栏9:主要指标", "序号", "指标名称", "2020", "2025年目标值",
             "1", "高新技术企业数量(家)", "6259", "10000",
             "2", "创谷(个)", "-", "15", "注:数据来源统计局。"]
    assert rebuild_tables(cells) == [
        "专栏9:主要指标",
        "高新技术企业数量(家)：2020年6259家；2025年目标10000家",
        "创谷(个)：2025年目标15个",
        "注:数据来源统计局。",
    ]


def test_list_table_keeps_its_numbering() -> None:
    assert format_row(["文件名称"], ["《某条例》"], seq="3") == "3：《某条例》"


def test_short_lines_that_are_not_tables_are_untouched() -> None:
    lines = ["中共武汉市委", "武汉市人民政府", "2012年5月9日"]
    assert rebuild_tables(lines) == lines


def test_thirteenth_plan_tables_come_out_as_rows(corpus_docs: dict[str, Document]) -> None:
    text = corpus_docs["003"].text
    assert "高新技术企业数量(家)：2015年1656家；2020年目标3000家" in text
    assert "高新技术企业数量(家)：2010年473家；完成1656家" in text
    assert "R&D经费支出占GDP的比重(%：2010年2.46%；目标3%；完成3%" in text
    assert "发明专利申请量/发明专利授权量(件)：2015年15077件/6003件；2020年目标30000件/12000件" in text
    box = next(c for c in corpus_docs["003"].clauses if c.heading.startswith("专栏3"))
    assert box.kind == "table"
    lines = box.text.split("\n")
    assert len([ln for ln in lines if "：" in ln]) == 14  # 14 indicator rows
    assert lines[-1].startswith("注:")


def test_pipe_rows_from_an_html_or_markdown_table_become_labelled_rows() -> None:
    lines = ["专栏2 主要指标", "| 指标 | 单位 | 2020年 | 2025年 | 属性 |", "|---|---|---|---|---|",
             "| 研发投入强度 | % | 2.4 | 3.0 | 预期性 |", "二、主要任务"]
    assert rebuild_tables(lines) == [
        "专栏2 主要指标", "指标：研发投入强度；单位：%；2020年：2.4；2025年：3.0；属性：预期性", "二、主要任务"]


def test_a_single_pipe_line_is_not_a_table() -> None:
    lines = ["| 首页 | 政务公开 |", "某市数字经济发展规划"]
    assert rebuild_tables(lines) == lines


def test_seq_led_table_with_unit_and_attribute_columns_labels_every_value() -> None:
    cells = ["序号", "指标", "单位", "2020年", "2025年", "属性",
             "1", "研发投入强度", "%", "2.4", "3.0", "预期性",
             "2", "高新技术企业数量", "家", "6259", "10000", "预期性"]
    assert rebuild_tables(cells) == [
        "序号：1；指标：研发投入强度；单位：%；2020年：2.4；2025年：3.0；属性：预期性",
        "序号：2；指标：高新技术企业数量；单位：家；2020年：6259；2025年：10000；属性：预期性",
    ]
