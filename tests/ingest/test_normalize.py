import pytest

from ingest.normalize import normalize_text


def test_fullwidth_digits_and_letters_become_ascii() -> None:
    assert normalize_text("２０２５年ＲＤ投入３．５％") == "2025年RD投入3.5%\n"


def test_crlf_private_use_and_cjk_spaces() -> None:
    raw = "第一章  发展基础\r\n\ue010统筹　规划 协同创新 高质量\r\n"
    assert normalize_text(raw) == "第一章发展基础\n统筹规划协同创新高质量\n"


def test_spaces_between_latin_words_are_kept() -> None:
    assert normalize_text("East Lake  High-tech Zone 2025 年") == "East Lake High-tech Zone 2025年\n"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("到 2025 年，可再生能源消费占比达到 4.2% 左右", "到2025年，可再生能源消费占比达到4.2%左右"),
        ("年均增长 6.5 % 以上", "年均增长6.5%以上"),
        ("2022 年 3 月 1 日", "2022年3月1日"),
        ("临府办发〔2018〕 52 号", "临府办发〔2018〕52号"),
        ("第 3 条 本办法自印发之日起施行", "第3条本办法自印发之日起施行"),
    ],
)
def test_spaces_around_numbers_in_prose_are_removed(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean + "\n"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("总投资 1\u2009000\u2009000 元", "总投资1000000元"),  # thin spaces between groups
        ("注册资本金 1 000 万元", "注册资本金1000万元"),  # a money unit follows
    ],
)
def test_digit_groups_join_when_unambiguous(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean + "\n"


@pytest.mark.parametrize(
    "row",
    ["2021 2025", "研发投入强度 % 2.4 3.0 预期性", "1 200 300", "序号 2021 2025 年"],
)
def test_separate_numbers_never_merge(row: str) -> None:
    assert normalize_text(row) == row + "\n"


def test_a_leading_outline_number_keeps_its_space() -> None:
    assert normalize_text("2.3 推进 产业基础高级化") == "2.3 推进产业基础高级化\n"


def test_punctuation_is_left_as_written() -> None:
    assert normalize_text("目标：达到10000家，翻一番。") == "目标：达到10000家，翻一番。\n"


def test_markdown_heading_marks_and_comments_go() -> None:
    text = "# 山东省供热条例\n\n<!-- INFO END -->\n\n## 第一章  总则\n\n第一条 为了规范供热用热行为。\n"
    assert normalize_text(text) == "山东省供热条例\n\n第一章总则\n\n第一条为了规范供热用热行为。\n"
