from ingest.normalize import normalize_text


def test_fullwidth_digits_and_letters_become_ascii() -> None:
    assert normalize_text("２０２５年ＲＤ投入３．５％") == "2025年RD投入3.5%\n"


def test_crlf_private_use_and_cjk_spaces() -> None:
    raw = "第一章  发展基础\r\n\ue010统筹　规划 协同创新 高质量\r\n"
    assert normalize_text(raw) == "第一章发展基础\n统筹规划协同创新高质量\n"


def test_spaces_between_latin_words_are_kept() -> None:
    assert normalize_text("East Lake  High-tech Zone 2025 年") == "East Lake High-tech Zone 2025 年\n"


def test_punctuation_is_left_as_written() -> None:
    assert normalize_text("目标：达到10000家，翻一番。") == "目标：达到10000家，翻一番。\n"
