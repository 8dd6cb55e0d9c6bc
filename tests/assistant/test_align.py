"""The slot around a question's interrogative, and how close together a sentence holds its words."""

from __future__ import annotations

from assistant.align import SLOT_CHARS, slot, slot_match, window_coverage
from assistant.context import char_bigrams


def test_slot_is_the_text_either_side_of_the_interrogative() -> None:
    assert slot("长鼻王是由哪个公司生产的？") == ("长鼻王是由", "公司生产")
    assert slot("山东省供热条例自什么时候起施行？") == ("省供热条例自", "起施行")  # six characters each side


def test_slot_keeps_at_most_slot_chars_each_side() -> None:
    left, right = slot("内蒙古自治区能源局印发的实施方案要求自发自用电量比例不低于多少以上才能申报项目？")
    assert len(left) == SLOT_CHARS and left == "用电量比例不低于"[-SLOT_CHARS:]
    assert right == "以上才能申报"


def test_no_interrogative_no_slot() -> None:
    assert slot("请介绍供热条例") == ("", "")


def test_the_answer_sentence_fills_the_slot_and_an_echo_does_not() -> None:
    left, right = slot("长鼻王是由哪个公司生产的？")
    answer = "它由台商合资的嘉兴长鼻王食品有限公司生产，台商合资杭州大恩食品有限公司经销。"
    echo = "长鼻王是一种膨化夹心卷的商标名。"
    a_left, a_right = slot_match(answer, left, right)
    e_left, e_right = slot_match(echo, left, right)
    assert a_right == 4 / SLOT_CHARS and e_right == 0.0  # 公司生产 vs nothing
    assert a_left + a_right > e_left + e_right


def test_window_coverage_prefers_words_held_together() -> None:
    grams = char_bigrams("供热企业经营许可证")
    together = "申请供热企业经营许可证的，应当具备下列条件。"
    scattered = "供热" + "，" * 30 + "企业" + "，" * 30 + "经营许可" + "。"
    assert window_coverage(together, grams) == 1.0
    assert window_coverage(scattered, grams) < 0.5
    assert window_coverage("无关的句子。", grams) == 0.0
    assert window_coverage(together, frozenset()) == 0.0
