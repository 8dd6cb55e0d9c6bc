"""Sentences a web page broke over lines are rejoined; structure and list numbers are not."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import parse_text
from ingest.reflow import is_soft_wrapped, join_broken, unwrap_soft

DEV = Path(__file__).resolve().parents[2] / "evals" / "corpora" / "dev"


def test_a_figure_broken_off_its_sentence_is_rejoined() -> None:
    lines = ["新能源年度自发自用电量占申报负荷年度总用电量的比例应不低于", "30%", "，并不断提高自发自用比例，",
             "2030", "年前不低于", "35%", "。"]
    assert join_broken(lines) == ["新能源年度自发自用电量占申报负荷年度总用电量的比例应不低于30%，并不断提高自发自用比例，"
                                  "2030年前不低于35%。"]


def test_a_document_number_in_pieces_is_one_line() -> None:
    assert join_broken(["内能源新能发", "〔", "2", "026", "〕", "1", "号"]) == ["内能源新能发〔2026〕1号"]
    assert join_broken(["[发文字号]", "京发改", "〔2026〕", "341号"]) == ["[发文字号]", "京发改〔2026〕341号"]


def test_list_numbers_headings_and_years_stay_apart() -> None:
    lines = ["(二)基本原则", "1、", "统筹规划,重点推进。", "附件", "2", "指标", "2020", "2025"]
    assert join_broken(lines) == ["(二)基本原则", "1、", "统筹规划,重点推进。", "附件2", "指标", "2020", "2025"]
    assert join_broken(["(一)主要目标", "1", "、全市高新技术企业达到3000家。"])[0] == "(一)主要目标"


def test_soft_wrapped_text_is_unwrapped_up_to_the_next_numbered_clause() -> None:
    lines = ["为进一步明确自治区单一", "电力", "用户绿电直连项目开发建设", "的", "管理相关要求，制定本方案。",
             "一、总体要求", "绿电直连是指风电光伏项目", "通过直连线路", "向单一电力用户供给绿电", "（三）",
             "项目管理", "项目建成后由投资主体", "自行组织综合验收。"]
    assert is_soft_wrapped(lines)
    assert unwrap_soft(lines) == ["为进一步明确自治区单一电力用户绿电直连项目开发建设的管理相关要求，制定本方案。",
                                  "一、总体要求", "绿电直连是指风电光伏项目通过直连线路向单一电力用户供给绿电",
                                  "（三）项目管理", "项目建成后由投资主体自行组织综合验收。"]


def test_a_document_of_whole_lines_is_left_alone() -> None:
    lines = ["一、总体要求", "到2025年，全市高新技术企业达到3000家。"] * 6
    assert not is_soft_wrapped(lines)
    assert unwrap_soft(lines) == lines


def test_a_broken_web_page_keeps_its_figures_title_and_number() -> None:
    """A real page dump (evals/corpora/dev, a development document) parses whole."""
    raw = (DEV / "inner_mongolia_green_power_direct_supply_plan.txt").read_text(encoding="utf-8")
    doc = parse_text("inner_mongolia_green_power_direct_supply_plan.txt", raw)
    assert doc.title == "内蒙古自治区单一电力用户绿电直连项目开发建设实施方案（试行）"
    assert doc.doc_number == "内能源新能发〔2026〕1号"
    assert "比例应不低于30%" in doc.text and "年前不低于35%。" in doc.text
    assert "返回首页" not in doc.text and "大鼠标" not in doc.text
