"""Quotable units of a clause: a unit never loses its figure or its time lead-in."""

from __future__ import annotations

from assistant.retrieval import Evidence
from assistant.units import Unit, is_heading, join_units, numeric, split_units, strip_lead
from ingest.types import Chunk

# Real text: the 2025 goals of the corridor action plan (data/corpus/004_…).
GOALS_2025 = ("到2025年,光谷科技创新大走廊区域创新能力明显增强,“中国光谷”世界影响力初步显现,"
              "成为代表国家参与全球竞争的重要战略科技力量,东湖科学城建设取得明显成效。")
INDICATORS = ("全社会R&D经费支出占地区生产总值的比重超过4.2%,高新技术企业突破15000家,"
              "高新技术产业增加值占地区生产总值的比重达到36%,省级以上科技创新平台超过1500个,"
              "战略科技人才、高水平创新团队等大幅增加。")


def _chunk(text: str, *, heading: str = "", kind: str = "clause") -> Chunk:
    return Chunk(id="004#1", doc_id="004.txt", title="光谷科技创新大走廊行动方案", clause_path=heading,
                 heading=heading, text=text, embed_text=text, n_tokens=len(text), span=(0, len(text)),
                 kind=kind)


def _unit(text: str, chunk: Chunk) -> Unit:
    ev = Evidence(chunk, 1.0, 0.0, 0.0, chunk.title, (2023, 2025), None)
    return Unit(text, ev, 0.5)


def test_a_short_sentence_is_one_unit_with_its_figure() -> None:
    assert split_units("到 2025 年，研发投入占比达到 4.2% 左右。") == ["到 2025 年，研发投入占比达到 4.2% 左右。"]


def test_long_sentence_segments_keep_their_figures() -> None:
    units = split_units(INDICATORS)
    assert len(units) == 5
    # nothing is lost or duplicated: the segments are the sentence
    assert "".join(units) == INDICATORS
    for figure in ("4.2%", "15000家", "36%", "1500个"):
        holders = [u for u in units if figure in u]
        assert len(holders) == 1 and numeric(holders[0])
    assert not numeric(units[-1])  # 战略科技人才…大幅增加: no figure


def test_segments_of_a_long_sentence_keep_its_time_lead() -> None:
    units = split_units(GOALS_2025)
    assert len(units) == 4
    assert all(u.startswith("到2025年,") for u in units)
    assert units[-1] == "到2025年,东湖科学城建设取得明显成效。"


def test_a_spaced_time_lead_is_carried_and_never_a_unit_alone() -> None:
    text = ("到 2025 年，全市高新技术企业数量达到12000家，技术合同成交额突破1000亿元，"
            "规模以上工业企业研发机构覆盖率达到50%以上，创新生态持续优化。")
    units = split_units(text)
    assert len(units) == 4
    assert all(u.startswith("到 2025 年，") and len(u) > len("到 2025 年，") for u in units)
    assert strip_lead(units[1]) == "技术合同成交额突破1000亿元，"


def test_a_thousands_separator_does_not_split_a_figure() -> None:
    text = ("到2025年，全市高新技术企业数量达到12,000家，技术合同成交额突破1,000亿元，"
            "规模以上工业企业研发机构覆盖率达到50%以上，创新生态持续优化。")
    units = split_units(text)
    assert "到2025年，全市高新技术企业数量达到12,000家，" in units
    assert "到2025年，技术合同成交额突破1,000亿元，" in units
    assert not any(u.startswith(("到2025年，000", "000")) for u in units)


def test_a_semicolon_clause_shares_the_year_up_to_the_full_stop() -> None:
    units = split_units("2015年,全市技术合同成交额达到100亿元;高新技术企业达到200家。研发投入持续增长。")
    assert units == ["2015年,全市技术合同成交额达到100亿元;", "2015年,高新技术企业达到200家。",
                     "研发投入持续增长。"]


def test_a_lost_full_stop_before_a_year_starts_a_new_unit() -> None:
    units = split_units("年均增长23.45%2015年,专利申请量达到4万件。")
    assert units == ["年均增长23.45%", "2015年,专利申请量达到4万件。"]


def test_table_rows_stay_whole() -> None:
    table = "高新技术企业数量（家）：2020年8000；2025年15000\n技术合同成交额（亿元）：2020年500；2025年1000"
    assert split_units(table, table=True) == table.split("\n")
    assert len(split_units(table)) > 2  # as plain text the "；" would split the rows


def test_numeric() -> None:
    assert numeric("高新技术企业突破15000家。")
    assert numeric("高新技术产业产值实现翻一番。")
    assert numeric("新建三个国家级平台。")
    assert not numeric("1、加强组织领导。")  # a list marker is no figure
    assert not numeric("（一）组织关键核心技术联合攻关。")
    assert not numeric("坚持创新驱动发展。")


def test_strip_lead() -> None:
    assert strip_lead("到2025年,东湖科学城建设取得明显成效。") == "东湖科学城建设取得明显成效。"
    assert strip_lead("2016年底，完成改造。") == "完成改造。"
    assert strip_lead("东湖科学城建设取得明显成效。") == "东湖科学城建设取得明显成效。"


def test_is_heading() -> None:
    heading = "(三)组织关键核心技术联合攻关"
    body = f"{heading}。深入实施“尖刀”技术攻关工程,力争突破一批关键技术难题。"
    chunk = _chunk(body, heading=heading)
    ev = Evidence(chunk, 1.0, 0.0, 0.0, chunk.title, None, None)
    assert is_heading(f"{heading}。", ev)
    assert not is_heading("深入实施“尖刀”技术攻关工程,力争突破一批关键技术难题。", ev)
    assert not is_heading(f"{heading},", ev)  # cut at a comma: the start of the content
    assert is_heading("一、", ev)  # too short to answer anything
    item = "5、全社会研发投入达到3%以上。"
    one_line = _chunk(item, heading=item)
    assert not is_heading(item, Evidence(one_line, 1.0, 0.0, 0.0, "", None, None))


def test_join_units_says_a_shared_lead_once() -> None:
    chunk = _chunk(GOALS_2025)
    a, b = split_units(GOALS_2025)[0], split_units(GOALS_2025)[3]
    joined = join_units([_unit(a, chunk), _unit(b, chunk)])
    assert joined == "到2025年,光谷科技创新大走廊区域创新能力明显增强,东湖科学城建设取得明显成效。"
    assert joined.count("2025") == 1


def test_join_units_separators() -> None:
    clause = _chunk("x")
    assert join_units([_unit("高新技术企业突破15000家", clause), _unit("省级以上科技创新平台超过1500个", clause)]) == \
        "高新技术企业突破15000家，省级以上科技创新平台超过1500个。"
    table = _chunk("x", kind="table")
    assert join_units([_unit("高新技术企业数量：15000", table), _unit("科技创新平台：1500", table)]) == \
        "高新技术企业数量：15000；科技创新平台：1500。"
