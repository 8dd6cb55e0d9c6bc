"""A numbered heading a page broke into pieces takes only its own pieces, and a part
named as the subject of a sentence (第一部分为…。) is not a heading."""

from __future__ import annotations

from pathlib import Path

from ingest.clauses import parse_clauses
from ingest.markers import match_marker
from ingest.pipeline import parse_file
from ingest.reflow import unwrap_soft

DEV = Path(__file__).resolve().parents[2] / "evals" / "corpora" / "dev"
_WRAPPED = ["本方案适用于", "单一电力", "用户", "绿电直连项目", "开发建设", "的", "管理", "。"]  # makes it soft-wrapped


def test_heading_pieces_stop_where_the_body_begins() -> None:
    lines = [*_WRAPPED, "（一）", "强化源荷匹配", "并网型", "绿电直连项目", "按照“以荷定源”原",
             "则科学确定新能源电源类型和装机规模。"]
    out = unwrap_soft(lines)
    assert out[-2:] == ["（一）强化源荷匹配", "并网型绿电直连项目按照“以荷定源”原则科学确定新能源电源类型和装机规模。"]


def test_heading_pieces_ending_on_a_pause_and_two_character_titles_are_joined() -> None:
    lines = [*_WRAPPED, "（一）", "新增", "用电", "负荷。", "所有新增用电均可开展绿电直连。",
             "（二）", "项目", "申报", "绿电直连", "项目", "是", "同一投资主体的，", "由项目公司进行申报。"]
    out = unwrap_soft(lines)
    assert out[-4:] == ["（一）新增用电负荷。", "所有新增用电均可开展绿电直连。", "（二）项目申报",
                        "绿电直连项目是同一投资主体的，由项目公司进行申报。"]


def test_a_part_named_in_a_sentence_is_not_a_chapter() -> None:
    assert match_marker("第一部分为项目实施方案。") is None
    assert match_marker("第一部分 总体要求") is not None
    text = "一、申报书主要内容\n项目申报书分为三部分。\n第一部分为项目实施方案。\n第二部分为各项承诺书。\n二、项目申报名称"
    paths = [c.path for c in parse_clauses("d", text)]
    assert paths == [("一、申报书主要内容",), ("二、项目申报名称",)]


def test_inner_mongolia_headings_and_annex_outline() -> None:
    doc = parse_file(DEV / "inner_mongolia_green_power_direct_supply_plan.txt")
    heads = {c.heading for c in doc.clauses}
    assert {"（一）强化源荷匹配", "四、交易与价格机制", "（一）项目申报", "（二）项目批复"} <= heads
    annex = [c.path for c in doc.clauses if c.path[0].endswith("申报大纲")]
    assert not any(p.startswith("第") for path in annex for p in path[1:])
    assert ("内蒙古自治区单一电力用户绿电直连项目申报大纲", "二、项目申报名称项目申报名称") in annex
