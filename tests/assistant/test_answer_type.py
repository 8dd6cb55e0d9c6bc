"""What kind of answer a question wants, and whether a sentence holds one."""

from __future__ import annotations

import pytest

from assistant.answer_type import AnswerType, holds, holds_new, question_type

T = AnswerType


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("东湖高新区何时成立？", T.TIME),
        ("《武汉市加快高新技术产业发展五年行动计划》是哪一年印发的？", T.TIME),
        ("行动方案的实施期限是多长时间？", T.TIME),
        ("到2025年全社会R&D经费支出占地区生产总值的比重要达到多少？", T.NUMBER),
        ("光谷科技创新大走廊要培育几家高新技术企业？", T.NUMBER),
        ("关键核心技术联合攻关由哪个部门负责？", T.AGENT),
        ("行动计划由谁组织实施？", T.AGENT),
        ("东湖科学城位于哪里？", T.PLACE),
        ("为什么要建设光谷科技创新大走廊？", T.REASON),
        ("如何支持企业开展关键核心技术攻关？", T.METHOD),
        ("“尖刀”技术攻关工程重点聚焦哪些领域？", T.LIST),
        ("是否设立科技成果转化专项资金？", T.YESNO),
        ("行动方案的指导思想是什么？", T.OTHER),
    ],
)
def test_chinese_question_words(question: str, kind: AnswerType) -> None:
    assert question_type(question) is kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When was the East Lake High-tech Zone founded?", T.TIME),
        ("In which year does the action plan end?", T.TIME),
        ("How many high-tech enterprises should the corridor have by 2025?", T.NUMBER),
        ("What percentage of GDP should R&D spending reach?", T.NUMBER),
        ("Which department is responsible for the joint research projects?", T.AGENT),
        ("Who issued the five-year action plan?", T.AGENT),
        ("Where is the science city located?", T.PLACE),
        ("Why was the innovation corridor planned?", T.REASON),
        ("How does the city support start-ups?", T.METHOD),
        ("What are the key industries of the corridor?", T.LIST),
        ("Does the plan set up a special fund?", T.YESNO),
        ("Tell me about the guiding ideology.", T.OTHER),
    ],
)
def test_english_question_words(question: str, kind: AnswerType) -> None:
    assert question_type(question) is kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # English plurals of bodies and places (…ies) name the same kind as the singular.
        ("Which agencies are responsible for the corridor?", T.AGENT),
        ("Which companies were listed in 2015?", T.AGENT),
        ("Which authorities approve the projects?", T.AGENT),
        ("Which cities does the corridor cover?", T.PLACE),
        ("Which countries does the zone cooperate with?", T.PLACE),
    ],
)
def test_english_plural_nouns(question: str, kind: AnswerType) -> None:
    assert question_type(question) is kind


def test_zai_na_xie_asks_for_a_list_not_a_place() -> None:
    # 在哪些领域 / 在哪些方面 ask which fields; only 在哪 alone or with a place noun asks where.
    assert question_type("东湖高新区在哪些领域取得突破？") is T.LIST
    assert question_type("政策重点在哪些方面发力？") is T.LIST
    assert question_type("重点在哪个领域发力？") is not T.PLACE
    assert question_type("项目总部设在哪？") is T.PLACE
    assert question_type("新的科创平台设在哪个区？") is T.PLACE
    assert question_type("面向哪个市场推广？") is not T.PLACE


def test_a_reason_cue_wins_over_a_figure_in_the_question() -> None:
    assert question_type("为什么到2025年R&D经费支出比重要超过4.2%？") is T.REASON


def test_a_year_in_the_question_is_not_a_time_question() -> None:
    assert question_type("2025年高新技术企业要达到多少家？") is T.NUMBER


def test_holds_time() -> None:
    assert holds(T.TIME, "到2025年，光谷科技创新大走廊区域创新能力明显增强。")
    assert holds(T.TIME, "本方案自印发之日起施行。")
    assert holds(T.TIME, "申请人应在30个工作日内提交材料。")
    assert not holds(T.TIME, "加快建设武汉具有全国影响力的科技创新中心。")


def test_holds_number() -> None:
    assert holds(T.NUMBER, "全社会R&D经费支出占地区生产总值的比重超过4.2%。")
    assert holds(T.NUMBER, "高新技术产业产值实现翻一番。")
    assert holds(T.NUMBER, "每年新增三家国家级孵化器。")
    assert not holds(T.NUMBER, "坚持创新驱动发展，深化科技体制改革。")


def test_holds_agent_reason_list_method() -> None:
    assert holds(T.AGENT, "牵头单位：省科技厅。")
    assert not holds(T.AGENT, "坚持创新驱动发展。")
    assert holds(T.REASON, "由于国际形势复杂多变，产业链供应链面临挑战。")
    assert not holds(T.REASON, "加快建设东湖科学城。")
    assert holds(T.LIST, "聚焦光电子信息、新能源与智能网联汽车、生命健康、高端装备等领域。")
    assert not holds(T.LIST, "加快建设东湖科学城。")
    assert holds(T.METHOD, "通过设立专项资金支持企业研发。")
    assert not holds(T.METHOD, "东湖科学城建设取得明显成效。")


def test_holds_place_by_name_tag() -> None:
    # 武汉 has no place suffix: jieba's ns tag finds it.
    assert holds(T.PLACE, "项目将落户武汉。")
    assert not holds(T.PLACE, "坚持创新驱动发展。")


def test_untyped_answers_hold_anywhere() -> None:
    assert holds(T.OTHER, "坚持创新驱动发展。")


def test_holds_new_ignores_what_the_question_states() -> None:
    q = "到2025年高新技术企业要达到多少家？"
    assert not holds_new(T.NUMBER, "到2025年，东湖科学城建设取得明显成效。", q)
    assert holds_new(T.NUMBER, "到2025年，高新技术企业突破15000家。", q)
    assert holds_new(T.TIME, "本方案于2022年2月印发。", "本方案何时印发？")
    assert not holds_new(T.TIME, "到2025年，东湖科学城建设取得明显成效。", "到2025年东湖科学城建设要取得什么成效？")


def test_holds_new_compares_whole_figures() -> None:
    # The 2 and 5 of "2.5%" are digits of the asked year, but 2.5 is a new figure.
    q = "2025年研发投入占比是多少？"
    assert holds_new(T.NUMBER, "研发投入占比达到2.5%。", q)
    assert holds_new(T.NUMBER, "高新技术企业达到5家。", q)
    assert not holds_new(T.NUMBER, "2025年研发投入占比稳步提高。", q)
    # a figure the question states with a decimal is stated as a whole
    assert not holds_new(T.NUMBER, "研发投入占比超过4.2%。", "研发投入占比超过4.2%的目标是哪一年提出的？")


def test_holds_new_finds_names_without_a_suffix() -> None:
    assert holds_new(T.PLACE, "项目将落户武汉。", "项目将落户在哪里？")
