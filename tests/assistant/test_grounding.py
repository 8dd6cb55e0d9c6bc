import pytest

from assistant.grounding import (
    drop_restated_years,
    extract_numbers,
    is_grounded,
    name_plans,
    ungrounded_numbers,
    unitless_numbers,
)

CLAUSE = "到2025年,东湖高新区高新技术企业数量力争突破10000家,瞪羚企业数量翻一番,经济总量突破5000亿元,研发经费投入年均增长14%以上。"


@pytest.mark.parametrize(
    "answer",
    [
        "高新技术企业达到１０,０００家 [1]",
        "经济总量突破0.5万亿元",
        "研发经费年均增长14%以上，瞪羚企业翻一番。",
        "1. 到2025年突破10000家\n2. 翻一番",
        "According to the plan, by 2025 there will be 10,000 high-tech enterprises [1].",
        "The economy should exceed 500 billion yuan [1].",
    ],
)
def test_grounded_answers_pass(answer: str) -> None:
    assert is_grounded(answer, [CLAUSE])


@pytest.mark.parametrize(
    ("answer", "bad"),
    [
        ("到2030年达到12000家", ["2030", "12000"]),
        ("年均增长15%", ["15%"]),
        ("瞪羚企业翻两番", ["翻两番"]),
        ("经济总量突破6000亿元", ["6000亿"]),
        # 5000亿 is 500 billion: the figure copied with an English scale word is ten times off.
        ("The economy should exceed 5000 billion yuan [1].", ["5000 billion"]),
        ("over 10000 thousand enterprises", ["10000 thousand"]),
    ],
)
def test_invented_numbers_are_caught(answer: str, bad: list[str]) -> None:
    assert ungrounded_numbers(answer, [CLAUSE]) == bad


def test_scaling_and_units_are_parsed() -> None:
    nums = {n.text: n.value for n in extract_numbers("5000亿元、1.2万家、3.5%")}
    assert nums == {"5000亿": 5e11, "1.2万": 12000.0, "3.5%": 3.5}


def test_a_number_written_without_its_unit_is_flagged() -> None:
    src = ["形成40个国内一流的特色高新技术产业基地和集群;到2025年产值达到5000亿元,年均增长16.5%。"]
    assert unitless_numbers("形成40 [1]", src) == ["40"]
    assert unitless_numbers("产值达到5000。", src) == ["5000"]
    assert unitless_numbers("形成40个基地，到2025年产值5000亿元，增长16.5%[1]", src) == []
    assert unitless_numbers("到2025，", src) == []  # years are not counts
    assert unitless_numbers("The corridor should form 40.", src) == ["40"]  # a full stop is not a decimal point


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("东湖高新区2030年发明专利目标是翻一番。", "东湖高新区发明专利目标是翻一番。"),
        ("到2030年，达到12000家。", "达到12000家。"),
        ("The 2030 target is 12000 enterprises by 2030.", "The target is 12000 enterprises."),
        ("到2025年突破10000家。", "到2025年突破10000家。"),  # the clause states 2025: kept
    ],
)
def test_a_restated_year_no_source_states_is_removed(answer: str, expected: str) -> None:
    assert drop_restated_years(answer, ["2025", "2030"], [CLAUSE]) == expected


def test_plan_ordinals_become_the_plan_name_only_where_a_source_names_it() -> None:
    src = ["武汉市科技创新发展“十三五”规划"]
    assert name_plans("the 13th Five-Year plan", src) == "the “十三五” plan"
    assert ungrounded_numbers(name_plans("the 12th Five-Year plan", src), src) == ["12"]
