from pathlib import Path

import pytest

from assistant.names import CorpusVocab
from assistant.query import analyze, chinese_amounts, detect_lang, load_lexicon
from assistant.terms import content_terms

ROOT = Path(__file__).resolve().parents[2]
# The seed corpus's own glossary and alias rows (user data, not packaged defaults).
SEED = load_lexicon(dirs=(ROOT / "data" / "lexicon",))


def test_chinese_question_years_and_aliases() -> None:
    q = analyze("光谷2025年发明专利目标是什么？", SEED)
    assert q.lang == "zh" and q.years == (2025,)
    assert "东湖高新区" in q.expansions and q.wants_number and not q.is_comparison


def test_english_question_is_expanded_with_glossary_and_aliases() -> None:
    q = analyze("What is the 2025 patent target for the optical valley?", SEED)
    assert q.lang == "en" and q.years == (2025,)
    assert {"东湖高新区", "专利", "目标"} <= set(q.expansions)


def test_five_year_plan_names_become_periods() -> None:
    assert analyze("十三五期间的目标", SEED).periods == ((2016, 2020),)
    q = analyze("What did the 13th Five-Year plan set for makerspaces?", SEED)
    assert q.periods == ((2016, 2020),) and "众创空间" in q.expansions


def test_corridor_is_not_mistaken_for_the_zone() -> None:
    q = analyze("光谷科技创新大走廊2025年的目标", SEED)
    assert [g[0] for g in q.alias_groups] == ["光谷科技创新大走廊"]


def test_comparison_questions() -> None:
    assert analyze("高新技术企业数量目标在各个规划中分别是多少", SEED).is_comparison
    assert analyze("How did the R&D-intensity target change from plan to plan?", SEED).is_comparison
    # Two places named ask about two documents; one place is one document.
    assert analyze("浙江省和江苏省的数字经济规划对算力的表述有什么不一样", SEED).is_comparison
    assert not analyze("浙江省数字经济规划对算力是怎么表述的", SEED).is_comparison


def test_user_glossary_extends_the_packaged_one(tmp_path: Path) -> None:
    extra = tmp_path / "g.tsv"
    extra.write_text("hydrogen energy\t氢能\n", encoding="utf-8")
    lex = load_lexicon(extra_glossary=extra)
    assert "氢能" in analyze("What about hydrogen energy?", lex).expansions


def test_detect_lang() -> None:
    assert detect_lang("东湖高新区 R&D 投入") == "zh"
    assert detect_lang("What is the R&D target of 东湖?") == "en"


def test_glossary_matches_hyphens_and_inflections() -> None:
    q = analyze("How large is the equity-incentive fund? Which patents were transferred?", SEED)
    assert {"股权激励", "专利", "转让"} <= set(q.translations)
    assert "专利" not in analyze("What is the patently obvious answer?", SEED).translations


def test_english_amounts_are_rescaled_to_chinese_units() -> None:
    assert chinese_amounts("sold for 10 million yuan; 8,000 patents; 1.5 billion yuan; by 2016") == [
        "1000万元", "8000", "15亿元"]
    assert "1000万元" in analyze("Which system was transferred for 10 million yuan?", SEED).translations


def test_comparison_wording_is_not_a_content_term() -> None:
    idf = {"不同": 5.0, "有何": 5.0, "产值": 2.0}
    terms = content_terms(analyze("两份文件对产值的目标有何不同？", SEED), idf)
    assert "产值" in terms and not {"不同", "有何"} & set(terms)


def test_short_glossary_words_do_not_match_inside_longer_ones() -> None:
    assert "人工智能" not in analyze("The speech aimed for 8,000 patent grants", SEED).translations
    assert "人工智能" in analyze("What about AI?", SEED).translations


def test_a_stated_figure_with_a_number_asked_is_a_comparison() -> None:
    assert analyze("发布会提出2016年技术合同成交额达到300亿元，2015年实际达到了多少？", SEED).is_comparison
    assert not analyze("到2016年要打造的4个千亿产值高新技术产业是哪些？", SEED).is_comparison


_SHANXI_STORAGE = Path(__file__).resolve().parents[2] / "evals/corpora/heldout/shanxi_energy_storage_14th_plan.txt"
_GUANGDONG = "广东省人民政府办公厅关于印发广东省推动新型储能产业高质量发展指导意见的通知。"


@pytest.fixture(scope="module")
def storage_corpus() -> CorpusVocab:
    return CorpusVocab.build([_SHANXI_STORAGE.read_text(encoding="utf-8"), _GUANGDONG])


def test_english_words_are_translated_into_the_corpus_words(storage_corpus: CorpusVocab) -> None:
    q = analyze("How much energy storage capacity will be built?", corpus=storage_corpus)
    assert "储能" in q.term_translations and "储能" in q.expansions
    assert "储能" not in analyze("How much energy storage capacity will be built?").term_translations


def test_a_pinyin_name_the_corpus_uses_becomes_an_alias_group(storage_corpus: CorpusVocab) -> None:
    q = analyze("What are the energy storage goals of Guangdong?", corpus=storage_corpus)
    assert ("广东", "Guangdong") in q.alias_groups and "广东" in q.expansions
    assert q.search_names == () and "储能" in q.term_translations


def test_a_pinyin_name_the_corpus_lacks_is_searched_as_written(storage_corpus: CorpusVocab) -> None:
    q = analyze("What are the energy storage goals of Hangzhou?", corpus=storage_corpus)
    assert q.search_names == ("Hangzhou",) and not any("Hangzhou" in g for g in q.alias_groups)


def test_a_sentence_initial_word_is_neither_name_nor_search_name(storage_corpus: CorpusVocab) -> None:
    q = analyze("Into which fields does Shanxi direct energy storage?", corpus=storage_corpus)
    assert ("山西", "Shanxi") in q.alias_groups
    assert "Into" not in q.search_names and not any("Into" in g for g in q.alias_groups)
