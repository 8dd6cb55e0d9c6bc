"""A cleaner never removes body text that merely shares a word with page furniture.

备案, 许可证, 技术支持, 退出, APP, 电话： are footer words and policy words alike; the
lines below are conditions, articles and pieces of broken sentences from real documents.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.boilerplate import is_chrome, strip_boilerplate
from ingest.pipeline import parse_file

DEV = Path(__file__).resolve().parents[2] / "evals" / "corpora" / "dev"


@pytest.mark.parametrize(
    "line",
    [
        "1.项目已依法依规完成核准（备案）；",
        "第十六条供热企业应当具备下列条件，并取得供热主管部门核发的供热经营许可证后，方可从事供热经营活动：",
        "（二）未按照规定的权限、程序和条件审批供热经营许可；",
        "（联系人：李老师；联系电话：55590470）",
        "信息来源：省能源局新能源处",
        "时间：2025-09-30 19:15:53",
    ],
)
def test_numbered_clauses_notes_and_record_stamps_are_not_chrome(line: str) -> None:
    assert not is_chrome(line)


def test_pieces_of_a_broken_sentence_survive_between_body_sentences() -> None:
    lines = ["某自治区绿电直连项目开发建设实施方案", "【字体：大中小】【打印本页】",
             "电网企业、电力市场运营机构要按照职责分工，全面落实有关规定，不断提升绿",
             "电直连接入电网和参与市场交易的技术支持能力和服", "务水平。",
             "绿电直连项目新增负荷开工后，盟市能源主管部门", "方可核准（备案）配套新能源", "项目。",
             "各电网企业同步在官方网站和", "APP", "进行公布，公布内容包括机制电量规模、机制电价、执行期限等有关信息。",
             "主办单位：某自治区能源局", "蒙ICP备19004088号", "地址：某市某区某大街5号"]
    kept = strip_boilerplate(lines, title_index=0)
    assert kept == lines[:1] + lines[2:11]


def test_guangdong_notice_keeps_its_first_condition_and_record_lines() -> None:
    text = parse_file(DEV / "guangdong_new_energy_existing_projects_notice.docx").text
    assert "\n1.项目已依法依规完成核准（备案）；\n2.项目已于2025年6月1日前投产" in text
    assert "信息来源：省能源局新能源处" in text and "时间：2025-09-30 19:15:53" in text


def test_inner_mongolia_plan_keeps_whole_sentences() -> None:
    text = parse_file(DEV / "inner_mongolia_green_power_direct_supply_plan.txt").text
    assert "盟市能源主管部门方可核准（备案）配套新能源项目。" in text
    assert "不断提升绿电直连接入电网和参与市场交易的技术支持能力和服务水平。" in text
    assert "所有新增用电负荷取得相关主管部门的核准（备案）文件后均可开展绿电直连。" in text
    assert "来源：内蒙古自治区能源局\n内能源新能发〔2026〕1号\n" in text  # no 朗读 button


def test_shandong_regulation_keeps_its_licence_article() -> None:
    text = parse_file(DEV / "shandong_heating_regulation.txt").text
    assert "第十六条供热企业应当具备下列条件，并取得供热主管部门核发的供热经营许可证后" in text
    assert "（二）未按照规定的权限、程序和条件审批供热经营许可；" in text
