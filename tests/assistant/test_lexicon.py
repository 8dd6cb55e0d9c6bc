"""English → Chinese through the real CC-CEDICT, kept to the words a real corpus uses."""

from pathlib import Path

import pytest

from assistant.lexicon import cedict_index, content_runs, sense_key, stem, translate_english
from assistant.names import CorpusVocab

HELDOUT = Path(__file__).resolve().parents[2] / "evals" / "corpora" / "heldout"
# A sentence as Suzhou's government writes one (数字经济 = digital economy).
SUZHOU = "苏州市人民政府关于加快推进苏州市数字经济高质量发展的实施意见。"


@pytest.fixture(scope="module")
def corpus() -> CorpusVocab:
    """Shanxi's 14th-plan for new energy storage (新型储能) and one sentence."""
    text = (HELDOUT / "shanxi_energy_storage_14th_plan.txt").read_text(encoding="utf-8")
    return CorpusVocab.build([text, SUZHOU])


def translations(text: str, corpus: CorpusVocab) -> dict[str, tuple[str, ...]]:
    return dict(translate_english(text, corpus))


def test_plurals_are_stemmed_to_their_singular() -> None:
    assert stem("policies") == "policy"
    assert stem("taxes") == "tax"
    assert stem("businesses") == "business"
    assert stem("targets") == "target"


def test_words_ending_in_s_that_are_not_plurals_are_kept() -> None:
    assert [stem(w) for w in ("process", "status", "analysis", "bus")] == [
        "process", "status", "analysis", "bus"]


def test_verb_forms_share_their_stem() -> None:
    assert stem("transferred") == stem("transfer") == stem("transfers")
    assert stem("planned") == stem("planning") == stem("plan")
    assert stem("stored") == stem("storing") == stem("store") == stem("stores")
    assert stem("priced") == stem("pricing") == stem("price")
    assert stem("regulated") == stem("regulating") == stem("regulate")
    assert stem("charged") == stem("charging") == stem("charge")
    assert stem("applied") == stem("applies") == stem("apply")
    assert stem("exceeded") == stem("exceed")


def test_stem_keeps_different_words_apart() -> None:
    assert stem("plane") != stem("plan")
    assert stem("planet") != stem("plan")
    assert stem("need") == "need"  # not "ne"
    assert stem("Energy") == "energy"


def test_sense_key_drops_the_wording_of_a_definition() -> None:
    assert sense_key("to store (sth)") == "store"
    assert sense_key("energy storage") == "energy storag" == sense_key("energy storages")
    assert sense_key("a target") == sense_key("target")
    assert sense_key("one of the very many long ways of saying something") == ""


def test_content_runs_split_at_function_words_and_numbers() -> None:
    runs = content_runs("What is the energy-storage target for 2025 in the new plan?")
    assert runs == [["energy", "storage", "target"], ["new", "plan"]]
    assert content_runs("What is it and how is it?") == []


def test_energy_storage_is_the_word_the_corpus_uses(corpus: CorpusVocab) -> None:
    assert "储能" in translations("energy storage", corpus)["energy storage"]
    assert "储能" in translations("How much energy storage will be built?", corpus)["energy storage"]


def test_a_dictionary_sense_the_corpus_never_uses_is_not_offered(corpus: CorpusVocab) -> None:
    senses = [h for h, _ in cedict_index().lookup(stem("target"))]
    assert "靶子" in senses and "目标" in senses  # the dictionary offers both …
    assert not corpus.occurs("靶子")
    found = translations("What is the target?", corpus)["target"]
    assert "目标" in found and "靶子" not in found  # … the corpus uses one


def test_every_offered_word_is_in_the_corpus(corpus: CorpusVocab) -> None:
    question = "Which demonstration projects support the power system and the digital economy?"
    found = [w for _, words in translate_english(question, corpus) for w in words]
    assert found
    assert all(corpus.occurs(w) for w in found)


def test_a_phrase_the_dictionary_lacks_is_composed_in_english_order(corpus: CorpusVocab) -> None:
    found = translations("new energy", corpus)["new energy"]
    assert found[0] == "新能源"
    assert "能耗" not in found  # energy consumption, not "new energy"


def test_dictionary_phrases_translate_whole(corpus: CorpusVocab) -> None:
    assert translations("digital economy", corpus)["digital economy"] == ("数字经济",)
    assert "火电" in translations("thermal power", corpus)["thermal power"]


def test_an_empty_corpus_gets_no_translation() -> None:
    assert translate_english("energy storage target", CorpusVocab.build([""])) == []


def test_a_corpus_in_another_field_gets_none_of_these_words() -> None:
    other = CorpusVocab.build(["宁波市企业技术秘密保护条例。"])
    assert "energy storage" not in translations("energy storage", other)


def test_the_sense_the_corpus_uses_most_comes_first() -> None:
    """CC-CEDICT lists 分享 and 份额 for "share"; each corpus gets the one it uses."""
    market = CorpusVocab.build(["市场份额稳步提高。" * 20 + "成果分享。"])
    results = CorpusVocab.build(["成果分享共同推进。" * 20 + "市场份额。"])
    assert translate_english("share", market) == [("share", ("份额",))]
    assert translate_english("share", results) == [("share", ("分享",))]


def test_usage_from_the_idf_table_follows_document_frequency() -> None:
    vocab = CorpusVocab.from_idf({"项目": 0.5, "植物": 4.0}, "项目 植物".__contains__)
    assert vocab.usage("项目") == 1.0 and 0 < vocab.usage("植物") < 0.05 and vocab.usage("电站") == 0.0
