from ingest.attachments import find_parts, parse_parts, transmitted_names
from ingest.pipeline import parse_text
from ingest.types import Document
from tests.ingest.genre import GOV_PAGE, NOTICE_WITH_TWO_RULES

RULE_1 = "临川市城市建设投资集团有限公司管理办法"
RULE_2 = "临川市国有资本运营有限公司管理办法"


def test_names_come_from_the_notice_title_and_its_transmitting_sentence() -> None:
    lines = ["东江市人民政府关于印发《东江市数据要素改革方案》和《东江市公共数据开放管理办法》的通知",
             "根据《中华人民共和国数据安全法》，结合本市实际。",  # cited, not transmitted
             "现将《东江市数据要素改革方案》《东江市公共数据开放管理办法》印发给你们。"]
    assert transmitted_names(lines) == ["东江市数据要素改革方案", "东江市公共数据开放管理办法"]


def test_each_transmitted_document_has_its_clauses_under_its_own_title() -> None:
    doc = parse_text("rules.txt", NOTICE_WITH_TWO_RULES)
    assert doc.title == RULE_1  # the notice just transmits it
    assert doc.attachments == (RULE_2,)
    paths = [c.path_str for c in doc.clauses]
    notice = "临川市人民政府办公室关于转发" + RULE_1 + "和" + RULE_2 + "的通知"
    assert paths == [
        notice,
        "前言", "第一条 为规范市城投集团的经营管理", "第二条 市城投集团是市政府出资设立的国有独资公司",
        "第三条 市城投集团的主要职责", "第三条 市城投集团的主要职责 > （一）承担城市基础设施项目投资建设",
        "第三条 市城投集团的主要职责 > （二）经营管理授权范围内的国有资产",
        RULE_2, f"{RULE_2} > 第一条 为规范市国资运营公司的经营管理",
        f"{RULE_2} > 第二条 市国资运营公司注册资本金1000万元", f"{RULE_2} > 第三条 本办法自印发之日起施行",
    ]
    assert "转发给你们" in doc.clauses[0].text and doc.clauses[0].kind == "preamble"
    assert doc.doc_number == "临府办发〔2018〕52号"
    assert (doc.written_date, doc.published_date, doc.date) == ("2018-10-14", "2024-07-02", "2018-10-14")
    assert doc.issuer == "临川市人民政府办公室"


def test_spans_of_every_part_point_into_the_document_text() -> None:
    for raw in (NOTICE_WITH_TWO_RULES, GOV_PAGE):
        doc = parse_text("x.txt", raw)
        for clause in doc.clauses:
            assert doc.text[clause.span[0] : clause.span[1]] == clause.text


def test_a_notice_whose_document_is_not_in_the_file_stays_one_part() -> None:
    lines = ["关于印发《某市科技创新规划》的通知", "现将《某市科技创新规划》印发给你们，请认真贯彻执行。",
             "某市人民政府", "2021年9月30日"]
    assert find_parts(lines) == []


def test_annexes_of_an_ordinary_document_get_their_own_root() -> None:
    lines = ["某市促进人工智能产业发展若干措施", "一、支持企业研发", "对研发投入给予补助。",
             "附件1", "重点任务分工表", "序号：1；任务：建设算力中心；牵头单位：市发展改革委"]
    parts = find_parts(lines)
    assert [(p.kind, p.root, p.start, p.end) for p in parts] == [
        ("main", "", 0, 3), ("attachment", "重点任务分工表", 3, 6)]
    paths = [c.path_str for c in parse_parts("x", lines, parts)]
    assert paths == ["前言", "一、支持企业研发", "重点任务分工表"]


def test_the_seed_notice_is_its_own_section(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["000"]
    first, second = doc.clauses[0], doc.clauses[1]
    assert first.path_str == "《武汉市加快高新技术产业发展五年行动计划(2012—2016年)》的通知"
    assert first.text.endswith("2012年5月9日")
    assert second.path_str == "前言" and second.text.startswith("武汉市加快高新技术产业发展五年行动计划")
