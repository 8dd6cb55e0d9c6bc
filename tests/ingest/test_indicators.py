from ingest.indicators import format_grid, header_role, labelled_row, regroup_flat
from tests.ingest.genre import FIVE_YEAR_PLAN

HEADER = ["类别", "指标", "单位", "2020年", "2025年", "属性"]


def test_header_words_and_their_roles() -> None:
    roles = [header_role(h) for h in [*HEADER, "基期值", "2025年目标", "年均增长(%)", "备注", "研发投入"]]
    assert roles == ["category", "name", "unit", "value", "value", "attr",
                     "value", "value", "value", "note", None]


def test_a_row_is_one_line_labelled_by_its_headers() -> None:
    row = labelled_row(HEADER[1:], ["可再生能源装机占比", "%", "30", "45", "预期性"])
    assert row == "指标：可再生能源装机占比；单位：%；2020年：30；2025年：45；属性：预期性"


def test_flattened_table_with_merged_categories_is_regrouped() -> None:
    lines = FIVE_YEAR_PLAN.splitlines()
    out = regroup_flat(lines)
    start = out.index("专栏1 “十四五”时期数字经济发展主要指标")
    assert out[start + 1 : start + 5] == [
        "类别：数字基础设施；指标：5G基站数量；单位：万个；2020年：1.1；2025年：2.5；属性：预期性",
        "类别：数字基础设施；指标：千兆宽带用户数；单位：万户；2020年：30；2025年：120；属性：预期性",
        "类别：数字产业化；指标：数字经济核心产业增加值占比；单位：%；2020年：7.6；2025年：10；属性：预期性",
        "注：数字经济核心产业按国家统计局分类统计。",
    ]


def test_cells_that_do_not_fit_the_header_count_are_left_alone() -> None:
    # a blank cell vanished in the copy: the second row is one value short
    lines = ["指标", "单位", "2020年", "2025年", "属性",
             "研发投入强度", "%", "2.4", "3.0", "预期性",
             "每万人发明专利拥有量", "件", "25", "预期性", "三、主要任务"]
    out = regroup_flat(lines)
    assert out[0] == "指标：研发投入强度；单位：%；2020年：2.4；2025年：3.0；属性：预期性"
    assert out[1:] == lines[10:]


def test_header_words_without_rows_are_left_alone() -> None:
    lines = ["类别", "指标", "单位", "一、发展目标", "到2025年，全市研发投入强度达到3%。"]
    assert regroup_flat(lines) == lines


def test_grid_with_a_caption_and_a_second_header_row() -> None:
    rows = [
        ["主要指标", "主要指标", "主要指标", "主要指标", "主要指标"],  # a merged caption row
        ["指标", "单位", "2020年", "2025年", "属性"],
        ["", "", "基期", "目标", ""],
        ["研发投入强度", "%", "2.4", "3", "预期性"],
        ["单位GDP能耗下降", "%", "—", "13.5", "约束性"],
    ]
    assert format_grid(rows) == [
        "主要指标",
        "指标：研发投入强度；单位：%；2020年基期：2.4；2025年目标：3；属性：预期性",
        "指标：单位GDP能耗下降；单位：%；2025年目标：13.5；属性：约束性",
    ]


def test_text_laid_out_in_a_table_stays_text() -> None:
    rows = [["一、总体要求", "坚持稳中求进工作总基调，推动高质量发展，确保各项任务落到实处。"]]
    assert format_grid(rows) == rows[0]
