"""Corpus names by pinyin, English names, and which places a corpus certainly lacks."""

from collections import Counter
from pathlib import Path

import pytest

from assistant.names import (
    CorpusVocab,
    NameIndex,
    english_names,
    is_pinyin_name,
    pinyin_key,
    place_names,
    unknown_places,
)
from vectorstore.lexical import tokenize

HELDOUT = Path(__file__).resolve().parents[2] / "evals" / "corpora" / "heldout"
GUANGDONG = "广东省人民政府办公厅关于印发广东省推动新型储能产业高质量发展指导意见的通知。"
SUZHOU = "苏州市人民政府关于加快推进苏州市数字经济高质量发展的实施意见。"


@pytest.fixture(scope="module")
def corpus() -> CorpusVocab:
    """Shanghai's rules for Zhangjiang biomedicine (浦东新区, 张江) and two sentences."""
    text = (HELDOUT / "shanghai_zhangjiang_biomed_provisions.txt").read_text(encoding="utf-8")
    return CorpusVocab.build([text, GUANGDONG, SUZHOU])


def names(corpus: CorpusVocab, question: str) -> dict[str, str]:
    return dict(corpus.names.lookup(question))


def test_pinyin_names_map_to_the_corpus_names(corpus: CorpusVocab) -> None:
    assert names(corpus, "What are the energy storage goals of Guangdong?") == {"Guangdong": "广东"}
    assert names(corpus, "How does Suzhou grow its digital economy?") == {"Suzhou": "苏州"}
    assert names(corpus, "Which drugs are made in Zhangjiang?") == {"Zhangjiang": "张江"}


def test_a_name_with_its_suffix_takes_the_form_with_the_suffix(corpus: CorpusVocab) -> None:
    assert names(corpus, "What does Pudong New Area do for biomedicine?") == {"Pudong New Area": "浦东新区"}
    assert names(corpus, "What is Suzhou City's plan?") == {"Suzhou City": "苏州市"}
    assert names(corpus, "Pudong New Area's budget") == {"Pudong New Area": "浦东新区"}
    assert names(corpus, "What did Guangdong Province publish?") == {"Guangdong Province": "广东省"}


def test_a_possessive_is_not_part_of_the_name(corpus: CorpusVocab) -> None:
    assert names(corpus, "What is Suzhou's target?") == {"Suzhou": "苏州"}


def test_names_the_corpus_lacks_or_lowercase_words_match_nothing(corpus: CorpusVocab) -> None:
    assert names(corpus, "What is the target of Hangzhou and Chengdu?") == {}
    assert names(corpus, "what does guangdong plan?") == {}


def test_pinyin_key_and_pinyin_words() -> None:
    assert pinyin_key("Xi'an") == "xian"
    assert pinyin_key("Lüliang") == pinyin_key("Lvliang") == "luliang"
    assert is_pinyin_name("Chengdu") and is_pinyin_name("Zhangjiang")
    assert not is_pinyin_name("chengdu")  # not capitalised
    assert not is_pinyin_name("Energy") and not is_pinyin_name("Storage")


def test_a_sentence_initial_word_is_not_a_name() -> None:
    assert english_names("Into which fields does Shanxi direct new energy storage?") == ["Shanxi"]
    assert english_names("Under the plan, what is the target?") == []
    assert english_names("Which plan? Into which fields?") == []


def test_english_suffix_words_are_not_names() -> None:
    assert english_names("What does Pudong New Area do in Zhangjiang Hi-Tech Zone?") == ["Pudong", "Zhangjiang"]


def test_english_names_are_never_unknown_places(corpus: CorpusVocab) -> None:
    for question in ("What is the energy storage target of Hangzhou?",
                     "Into which fields does Chengdu direct funds?",
                     "What does Guangdong plan?"):
        assert unknown_places(question, [], corpus.occurs, corpus.names) == []
        assert place_names(question) == []


def test_a_chinese_place_the_corpus_lacks_is_unknown(corpus: CorpusVocab) -> None:
    assert unknown_places("杭州市的储能目标是多少？", [], corpus.occurs, corpus.names) == ["杭州市"]
    assert unknown_places("浙江的储能目标是多少？", [], corpus.occurs) == ["浙江"]


def test_a_chinese_place_the_corpus_has_is_known(corpus: CorpusVocab) -> None:
    assert unknown_places("广东省的储能目标是多少？", [], corpus.occurs, corpus.names) == []
    assert unknown_places("张江的生物医药产业有哪些支持？", [], corpus.occurs, corpus.names) == []


def test_known_names_are_masked_before_tagging() -> None:
    assert "杭州" not in "".join(place_names("杭州市的目标", known=["杭州市"]))


def test_the_vocab_holds_tokens_and_text(corpus: CorpusVocab) -> None:
    assert corpus.has_token("数字") and corpus.has_token("浦东新区")
    assert not corpus.has_token("靶子")
    assert corpus.occurs("苏州市数字经济") and not corpus.occurs("杭州")


def test_the_idf_table_gives_the_same_names() -> None:
    counts = Counter(tokenize(GUANGDONG + SUZHOU))
    built = NameIndex.build([GUANGDONG, SUZHOU])
    from_idf = CorpusVocab.from_idf({w: 1.0 / c for w, c in counts.items()}, (GUANGDONG + SUZHOU).__contains__)
    assert from_idf.names.lookup("Guangdong and Suzhou") == built.lookup("Guangdong and Suzhou") == [
        ("Guangdong", "广东"), ("Suzhou", "苏州")]
