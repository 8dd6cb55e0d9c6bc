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
