"""The unit a number question asks in, and whether a sentence states a figure in it."""

from __future__ import annotations

import pytest

from assistant.answer_type import AnswerType, holds_new
from assistant.context import build_context
from assistant.query import analyze
from assistant.wanted_unit import states_unit, unit_class, wanted_units


@pytest.mark.parametrize(("question", "classes"), [
    ("居民采暖热价每平方米多少钱？", {"money"}),
    ("对违规企业罚款多少万元？", {"money"}),
    ("室内温度不得低于多少度？", {"temperature"}),
    ("到2025年高新技术企业达到多少家？", {"家"}),
    ("申请期限是多少个工作日？", {"duration"}),
    ("研发经费占GDP比重要达到多少？", {"percent"}),
    ("基本热价最多能占总热价的多少？", {"percent"}),
    ("What percentage of the cost does the city cover?", {"percent"}),
    ("What is the price per kWh for green power?", {"money", "energy"}),
    ("一共有几个项目？", set()),  # 几个 counts anything
    ("目标是多少？", set()),
])
def test_a_question_names_the_class_of_its_answer(question: str, classes: set[str]) -> None:
    assert wanted_units(question) == frozenset(classes)


def test_magnitudes_and_spellings_of_a_unit_share_its_class() -> None:
    assert unit_class("亿元") == unit_class("万元") == unit_class("元") == "money"
    assert unit_class("万人") == "人"
    assert unit_class("％") == unit_class("%") == "percent"


def test_a_sentence_answers_only_with_a_figure_in_the_class_asked() -> None:
    money = frozenset({"money"})
    assert states_unit("煤电容量电价按每千瓦每年330元执行。", money, "容量电价每千瓦每年多少元？")
    assert not states_unit("回收固定成本的比例提升至不低于50%。", money, "容量电价每千瓦每年多少元？")
    assert states_unit("卧室温度不低于十八摄氏度。", frozenset({"temperature"}), "室温不低于多少度？")
    # The figure the question itself states answers nothing.
    assert not states_unit("补助标准为30元。", money, "30元的补助标准何时提高到多少元？")


def test_a_number_question_with_a_unit_wants_a_figure_in_it_and_without_one_any_number() -> None:
    question = "容量电价每千瓦每年多少元？"
    ctx = build_context(analyze(question), {})
    assert ctx.answer_type is AnswerType.NUMBER and ctx.units == frozenset({"money"})
    assert not holds_new(ctx.answer_type, "回收比例不低于50%。", question, ctx.units)
    assert holds_new(ctx.answer_type, "回收比例不低于50%。", question)  # no unit named: any number


def test_a_quantity_named_without_an_interrogative_is_a_number_question() -> None:
    ctx = build_context(analyze("补贴标准？"), {})
    assert ctx.answer_type is AnswerType.NUMBER and "money" in ctx.units
