import pytest

from ingest.clauses import join_orphan_markers, parse_clauses
from ingest.types import Document

PATHS = {
    "002": [
        "一、工作目标",
        "一、工作目标 > ——创新能力稳居全国第一梯队",
        "二、主要任务 > (三)实施产业能级提升行动 > 1.做大做强两大产业集群",
        "二、主要任务 > (二)实施科技企业倍增行动 > 2.支持高新技术企业发展壮大",
        "三、保障措施 > (三)加强评价监测",
    ],
    "003": [
        "第二篇 指导思想和主要目标 > 第四章 主要目标 > 二、具体目标",
        "第二篇 指导思想和主要目标 > 第四章 主要目标 > 二、具体目标 > 1、全社会R&D经费支出占GDP的比重达到3.5%",
        "第二篇 指导思想和主要目标 > 第四章 主要目标 > 专栏3:武汉市“十三五”科技创新发展主要指标",
        "第一篇 发展基础和发展环境 > 第一章 发展基础 > 专栏1:武汉市“十二五”科技创新发展主要指标完成情况",
        "第三篇 战略重点与任务 > 第九章 建设知识产权强市 > 一、促进知识产权创造与运用",
    ],
    "000": [
        "一、指导思想、基本原则和发展目标 > (三)发展目标",
        "一、指导思想、基本原则和发展目标 > (二)基本原则 > 2 政府引导",
        "二、主要任务与发展重点 > (三)实施八大专项 > 8 现代农业专项",
        "二、主要任务与发展重点 > (三)实施八大专项 > 1、光电子与新一代信息技术专项",
    ],
    "001": ["——三个“翻番”", "一、加快推进东湖示范区先行先试 > 一是推进科技与金融结合试点"],
    "004": ["二、科技共兴 > (一)强化东湖科学城辐射带动作用", "一、总体要求"],
}


@pytest.mark.parametrize("key", sorted(PATHS))
def test_named_clauses_have_exact_paths(corpus_docs: dict[str, Document], key: str) -> None:
    paths = {c.path_str for c in corpus_docs[key].clauses}
    for path in PATHS[key]:
        assert path in paths


def test_spans_point_at_clause_text(corpus_docs: dict[str, Document]) -> None:
    for doc in corpus_docs.values():
        for clause in doc.clauses:
            start, end = clause.span
            assert doc.text[start:end] == clause.text
            assert clause.doc_id == doc.doc_id


def test_eight_special_projects_are_siblings(corpus_docs: dict[str, Document]) -> None:
    parent = "二、主要任务与发展重点 > (三)实施八大专项"
    kids = [c for c in corpus_docs["000"].clauses if c.path[:-1] == tuple(parent.split(" > "))]
    assert len(kids) == 8


def test_markers_alone_on_a_line_join_their_text() -> None:
    lines = ["(二)基本原则", "1、", "统筹规划,重点推进。", "2", "政府引导,需求推动。"]
    assert join_orphan_markers(lines) == [
        "(二)基本原则", "1、统筹规划,重点推进。", "2 政府引导,需求推动。"]


def test_generic_hierarchy_with_articles_and_fullwidth_brackets() -> None:
    text = "\n".join([
        "某市促进条例", "第一章 总则", "第一条 为了促进创新,制定本条例。",
        "第二条 本条例适用于本市。", "第二章 扶持措施", "第三条 市政府设立专项资金:",
        "（一）支持研发,每年1亿元;", "（二）支持转化。", "第四条 其他事项。"])
    paths = [c.path_str for c in parse_clauses("x", text)]
    assert paths == [
        "前言", "第一章 总则", "第一章 总则 > 第一条 为了促进创新",
        "第一章 总则 > 第二条 本条例适用于本市", "第二章 扶持措施",
        "第二章 扶持措施 > 第三条 市政府设立专项资金",
        "第二章 扶持措施 > 第三条 市政府设立专项资金 > （一）支持研发",
        "第二章 扶持措施 > 第三条 市政府设立专项资金 > （二）支持转化",
        "第二章 扶持措施 > 第四条 其他事项",
    ]


def test_decimal_numbers_are_not_list_markers() -> None:
    paths = [c.path_str for c in parse_clauses("x", "一、目标\n1.5倍的增长目标。\n2. 其他")]
    assert paths == ["一、目标", "一、目标 > 2. 其他"] or paths == ["一、目标", "一、目标 > 2.其他"]


def test_lead_ins_close_before_numbered_items() -> None:
    text = "——目标一:到2025年。\n——目标二:翻一番。\n一、任务\n一是做好甲。\n二是做好乙。\n二、保障"
    paths = [c.path_str for c in parse_clauses("x", text)]
    assert paths == ["——目标一", "——目标二", "一、任务", "一、任务 > 一是做好甲",
                     "一、任务 > 二是做好乙", "二、保障"]


# -- decimal outline numbering (十四五 plans) --------------------------------------------------

PLAN_OUTLINE = "\n".join([
    "某市“十四五”制造业高质量发展规划",
    "二、主要任务",
    "2.1 提升产业链现代化水平",
    "2.2 推进智能制造",
    "2.3 推进产业基础高级化",
    "2.3.1 实施产业基础再造工程。围绕关键基础材料、核心零部件开展攻关。",
    "2.3.2 建设公共服务平台。",
    "2.4 发展服务型制造",
    "三、保障措施",
    "3.1 加强组织领导",
])


def test_decimal_outline_becomes_part_of_the_clause_tree() -> None:
    paths = [c.path_str for c in parse_clauses("x", PLAN_OUTLINE)]
    assert paths == [
        "前言", "二、主要任务",
        "二、主要任务 > 2.1 提升产业链现代化水平",
        "二、主要任务 > 2.2 推进智能制造",
        "二、主要任务 > 2.3 推进产业基础高级化",
        "二、主要任务 > 2.3 推进产业基础高级化 > 2.3.1 实施产业基础再造工程",
        "二、主要任务 > 2.3 推进产业基础高级化 > 2.3.2 建设公共服务平台",
        "二、主要任务 > 2.4 发展服务型制造",
        "三、保障措施", "三、保障措施 > 3.1 加强组织领导",
    ]


def test_quantities_years_and_table_values_are_not_headings() -> None:
    text = "\n".join([
        "二、发展目标", "2.1 总体目标",
        "1.2万家企业完成数字化改造。",  # a quantity with its unit
        "2.5%左右的增速。",
        "2025.6 完成中期评估",  # a year, not an outline number
        "1.5",  # a table value alone on its line
        "预期性",
        "4.1 不接续大纲的编号",  # no 4 open, no 4.0
        "2.2 具体目标",
    ])
    paths = [c.path_str for c in parse_clauses("x", text)]
    assert paths == ["二、发展目标", "二、发展目标 > 2.1 总体目标", "二、发展目标 > 2.2 具体目标"]


def test_bare_chapter_numbers_head_their_decimal_sections() -> None:
    text = "\n".join(["1 总则", "1.1 编制依据", "1.2 规划期限", "2 发展目标", "2.1 总体目标"])
    paths = [c.path_str for c in parse_clauses("x", text)]
    assert paths == ["1 总则", "1 总则 > 1.1 编制依据", "1 总则 > 1.2 规划期限",
                     "2 发展目标", "2 发展目标 > 2.1 总体目标"]


def test_decimal_number_alone_takes_its_title_from_the_next_line() -> None:
    text = "三、主要任务\n3.1\n加快建设创新平台。支持企业建设研发机构。"
    lines = join_orphan_markers(text.split("\n"))
    clauses = parse_clauses("x", "\n".join(lines))
    assert [c.heading for c in clauses] == ["三、主要任务", "3.1 加快建设创新平台"]
    assert clauses[1].text == "3.1\n加快建设创新平台。支持企业建设研发机构。"


def test_a_box_without_chapters_ends_where_the_outline_goes_on() -> None:
    text = "\n".join(["一、发展目标", "专栏1 主要指标", "类别：创新；指标：研发投入强度；2025年：3%",
                      "二、主要任务", "(一)建设平台", "专栏2 重点工程", "1.实验室工程", "(二)培育企业"])
    paths = [c.path_str for c in parse_clauses("x", text)]
    assert paths == [
        "一、发展目标", "一、发展目标 > 专栏1 主要指标", "二、主要任务", "二、主要任务 > (一)建设平台",
        "二、主要任务 > 专栏2 重点工程", "二、主要任务 > 专栏2 重点工程 > 1.实验室工程",
        "二、主要任务 > (二)培育企业",
    ]
