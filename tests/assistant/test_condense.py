from pathlib import Path

import pytest

from assistant.condense import condense_rules, is_followup, keeps_context
from assistant.query import load_lexicon
from assistant.types import Turn

# Place aliases are corpus data: the seed corpus's rows, as the served chain loads them.
SEED = load_lexicon(dirs=(Path(__file__).resolve().parents[2] / "data" / "lexicon",))


def _history(question: str) -> list[Turn]:
    return [Turn(role="user", content=question), Turn(role="assistant", content="……")]


@pytest.mark.parametrize(
    ("prev", "followup", "expected"),
    [
        ("东湖高新区2025年高新技术企业数量目标是多少？", "那上市企业呢？", "东湖高新区2025年上市企业数量目标是多少？"),
        ("东湖高新区2025年高新技术企业数量目标是多少？", "2020年呢？", "东湖高新区2020年高新技术企业数量目标是多少？"),
        ("光谷科技创新大走廊2025年R&D经费支出占比目标是多少？", "那东湖高新区呢？", "东湖高新区2025年R&D经费支出占比目标是多少？"),
        ("What was the target for high-tech enterprises in 2016?", "And for 2020?", "What was the target for high-tech enterprises in 2020?"),
        # A plan's period (2012–2016) names the plan; the asked year is the free one.
        ("What did Wuhan's 2012–2016 action plan target for 2014?", "And for 2016?",
         "What did Wuhan's 2012–2016 action plan target for 2016?"),
        # A year beyond that period asks about whichever plan covers it.
        ("What R&D intensity did Wuhan's 2012–2016 action plan target for 2016?", "And for 2020?",
         "What R&D intensity did Wuhan's action plan target for 2020?"),
        # A quoted name belongs to the subject it qualifies, and is swapped out with it.
        ("东湖高新区对“揭榜挂帅”项目单个项目最高资助多少？", "那关键核心技术攻关项目呢？",
         "东湖高新区关键核心技术攻关项目单个项目最高资助多少？"),
    ],
)
def test_followups_become_standalone(prev: str, followup: str, expected: str) -> None:
    assert condense_rules(followup, _history(prev), SEED) == expected


def test_standalone_questions_are_unchanged() -> None:
    q = "东湖高新区2025年发明专利目标是什么？"
    assert condense_rules(q, _history("八大专项有哪些？")) == q
    assert condense_rules("那上市企业呢？", []) == "那上市企业呢？"


def test_followup_detection() -> None:
    assert is_followup("那上市企业呢？") and is_followup("And for 2020?")
    assert not is_followup("武汉市十三五规划的总体目标是什么？")


_PREV = [Turn(role="user", content="2012年发布会上说到2016年技术合同成交额要达到多少？"),
         Turn(role="assistant", content="300亿元")]


@pytest.mark.parametrize(
    ("question", "rewrite", "kept"),
    [
        ("高新技术企业呢？", "2012年发布会上说到2016年高新技术企业要达到多少？", True),
        ("高新技术企业呢？", "高新技术企业是多少？", False),  # nothing carried forward
        ("高新技术企业呢？", "2012年发布会上说到2016年技术合同成交额要达到多少？", False),  # new subject lost
        ("那2020年呢？", "2012年发布会上说到2016年技术合同成交额要达到多少？", False),  # new year lost
        ("那2020年呢？", "2020年技术合同成交额要达到多少？", True),
        ("那2020年呢？", "2012—2016年行动计划中2020年技术合同成交额要达到多少？", False),  # stale period
    ],
)
def test_an_llm_rewrite_is_kept_only_if_it_carries_the_context(question: str, rewrite: str, kept: bool) -> None:
    assert keeps_context(question, rewrite, _PREV) is kept
