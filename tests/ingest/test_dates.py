import pytest

from ingest.dates import date_line, find_date, split_glued_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2022年5月12日", "2022-05-12"),
        ("2024-04-06 16:34", "2024-04-06"),
        ("2022/5/1", "2022-05-01"),
        ("二○一八年十月十四日", "2018-10-14"),
        ("二〇二二年十二月三十一日", "2022-12-31"),
        ("（2023年3月13日）", "2023-03-13"),
    ],
)
def test_a_whole_line_date_in_any_of_the_genres_forms(text: str, iso: str) -> None:
    assert date_line(text) == iso
    assert find_date(f"成文日期：{text}") == iso


def test_a_period_or_a_sentence_is_not_a_date_line() -> None:
    assert date_line("(2021—2025年)") is None
    assert date_line("2022年5月12日起施行。") is None


@pytest.mark.parametrize(
    ("line", "rest", "iso"),
    [
        ("2023年5月12日关于印发西川市优化营商环境若干措施的通知", "关于印发西川市优化营商环境若干措施的通知", "2023-05-12"),
        ("关于进一步支持科技型中小企业发展的若干意见2022-03-01", "关于进一步支持科技型中小企业发展的若干意见", "2022-03-01"),
        ("[2021-09-30] 某市科技创新规划(2021—2025年)", "某市科技创新规划(2021—2025年)", "2021-09-30"),
    ],
)
def test_a_date_glued_to_a_title_is_split_off(line: str, rest: str, iso: str) -> None:
    assert split_glued_date(line) == (rest, iso)


def test_a_stamp_with_a_few_words_is_not_split() -> None:
    assert split_glued_date("2012-03-20 17:53我要评论") == ("2012-03-20 17:53我要评论", None)
