"""Exact, small checks of every evaluation metric, edge cases included."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from evals.metrics import (
    EvalRecord,
    answer_correct,
    clause_match,
    extract_numbers,
    hit_at_k,
    normalize,
    numbers_grounded,
    parse_part,
    percentile,
    reciprocal_rank,
    refusal_stats,
    summarize,
    ungrounded_numbers,
)
from evals.questions import Question

D0 = "000_842cfa3e60598410.txt"
D2 = "002_fdf6c96830e6b8c3.txt"
D3 = "003_5cbdcb84e36c06ba.txt"


def make_q(
    doc: str | list[str], must: list[str], type_: str = "numeric_target", clause: str | list[str] = "x"
) -> Question:
    if type_ == "unanswerable":
        doc, clause, must = [], [], []
    return Question.model_validate(
        {
            "id": "q001", "question": "?", "lang": "zh", "doc": doc, "clause": clause,
            "answer": "a", "must_contain": must, "type": type_, "history": [],
        }
    )


@dataclass
class Hit:
    doc_id: str
    text: str


# ------------------------------------------------------------------ normalisation


def test_normalize_fullwidth_spaces_and_thousands() -> None:
    assert normalize("１０，０００ 家") == "10000家"
    assert normalize("1,000,000.5 元") == "1000000.5元"
    assert normalize("（三）实施\u3000行动") == "(三)实施行动"
    assert normalize("３．５％") == "3.5%"
    assert normalize("R&D Spending") == "r&dspending"
    # not thousands separators: a list, a year followed by a count, a 4-digit group
    assert normalize("1,2,3") == "1,2,3"
    assert normalize("2015,1656") == "2015,1656"
    assert normalize("12,0000") == "12,0000"


# ------------------------------------------------------------------ retrieval


def test_hit_single_doc_needs_one_clause_with_every_string() -> None:
    q = make_q(D2, ["10000家", "100家"])
    split = [(D2, "高新技术企业10000家"), (D2, "上市企业100家")]
    both = (D2, "高新技术企业数量力争突破10000家,上市企业数量达到100家")
    assert hit_at_k(split, q, 5) is False
    assert hit_at_k([*split, both], q, 3) is True
    assert hit_at_k([*split, both], q, 2) is False
    assert reciprocal_rank([*split, both], q) == pytest.approx(1 / 3)
    assert reciprocal_rank([*split, both], q, k=2) == 0.0


def test_hit_ignores_clauses_from_other_documents() -> None:
    q = make_q(D2, ["10000家"])
    assert hit_at_k([(D0, "10000家")], q, 1) is False
    assert hit_at_k([(D0, "10000家"), (D2, "突破10000家")], q, 2) is True
    assert reciprocal_rank([(D0, "10000家"), (D2, "突破10000家")], q) == 0.5


def test_hit_accepts_tuples_dicts_objects_and_ids_without_suffix() -> None:
    q = make_q(D2, ["100家"])
    assert hit_at_k([{"doc_id": D2, "text": "100家"}], q, 1)
    assert hit_at_k([Hit(D2, "100家")], q, 1)
    assert hit_at_k([("002_fdf6c96830e6b8c3", "100家")], q, 1)


def test_hit_normalises_the_retrieved_text() -> None:
    q = make_q(D2, ["10000家"])
    assert hit_at_k([(D2, "力争突破１０，０００ 家")], q, 1) is True


def test_hit_cross_doc_pools_strings_across_gold_documents() -> None:
    q = make_q([D0, D3], ["3%以上", "3.5%"], "cross_doc", ["a", "b"])
    ranked = [(D0, "达到3%以上"), (D2, "3.5%"), (D3, "达到3.5%")]
    assert hit_at_k(ranked, q, 2) is False  # 3.5% only from a non-gold doc so far
    assert hit_at_k(ranked, q, 3) is True
    assert reciprocal_rank(ranked, q) == pytest.approx(1 / 3)


def test_hit_list_questions_pool_sibling_clauses() -> None:
    q = make_q(D0, ["新材料", "现代农业"], "list")
    assert hit_at_k([(D0, "3、新材料专项"), (D0, "8 现代农业专项")], q, 2) is True
    assert hit_at_k([(D0, "3、新材料专项"), (D0, "8 现代农业专项")], q, 2, pooled=False) is False


def test_hit_edge_cases() -> None:
    assert hit_at_k([(D0, "x")], make_q([], [], "unanswerable"), 5) is None
    assert reciprocal_rank([], make_q([], [], "unanswerable")) is None
    q = make_q(D2, ["100家"])
    assert hit_at_k([], q, 5) is False
    assert reciprocal_rank([], q) == 0.0
    with pytest.raises(ValueError):
        hit_at_k([(D2, "100家")], q, 0)


# ------------------------------------------------------------------ clause paths


def test_parse_part_kinds() -> None:
    assert parse_part("(三)实施产业能级提升行动") == parse_part("（三）实施产业能级提升行动")
    p = parse_part("（三） 实施产业能级提升行动,加快构建“221”产业体系")
    assert (p.kind, p.ordinal, p.heading) == ("pcn", 3, "实施产业能级提升行动")
    assert parse_part("第四章  主要目标").ordinal == 4
    assert parse_part("第十二章 健全规划落实机制").ordinal == 12
    assert parse_part("2 政府引导") == parse_part("2、政府引导")
    assert parse_part("2.支持高新技术企业发展壮大").kind == "num"
    assert parse_part("专栏3:武汉市“十三五”科技创新发展主要指标").kind == "box"
    assert parse_part("一是推进科技与金融结合试点").kind == "shi"
    assert parse_part("——三个“翻番”") == parse_part('——三个"翻番"')
    assert parse_part("2025年目标").kind == "plain"


GOLD = "二、主要任务 > (三)实施产业能级提升行动"


def test_clause_match_exact_and_tolerant() -> None:
    assert clause_match(GOLD, GOLD)
    assert clause_match("二、主要任务 > （三）实施产业能级提升行动", GOLD)  # bracket width
    assert clause_match("二、 主要任务 >（三） 实施产业能级提升行动", GOLD)  # spacing
    assert clause_match("(三)实施产业能级提升行动,加快构建“221”产业体系", GOLD)  # longer heading
    assert clause_match("二、主要任务 > (三)实施产业能级提升", GOLD)  # truncated heading
    assert clause_match("(三)实施产业能级提升计划", GOLD)  # slightly reworded
    assert clause_match("二、主要任务 > (三)", GOLD)  # numbering only


def test_clause_match_descendants_count_but_ancestors_do_not() -> None:
    assert clause_match(GOLD + " > 1.做大做强两大产业集群", GOLD)
    assert not clause_match("二、主要任务", GOLD)


def test_clause_match_rejects_other_clauses() -> None:
    assert not clause_match("二、主要任务 > (二)实施科技企业倍增行动", GOLD)  # other number
    assert not clause_match("二、主要任务与发展重点 > (三)实施八大专项", GOLD)  # other heading
    assert not clause_match("(三)", "二、主要任务 > 3.强化企业创新主体地位")  # other kind
    assert not clause_match("第三篇 战略重点与任务 > 第五章 改革科技创新体制机制 > 二、完善科技人才评价机制",
                            "第二篇 指导思想和主要目标 > 第四章 主要目标 > 二、具体目标")
    assert not clause_match("——三个“翻番”", "——四个“跨越”")


def test_clause_match_lists_and_empty() -> None:
    table = "第二篇 指导思想和主要目标 > 第四章 主要目标 > 专栏3:武汉市“十三五”科技创新发展主要指标"
    item = "第四章 主要目标 > 二、具体目标 > 1、全社会R&D经费支出占GDP的比重达到3.5%"
    assert clause_match("专栏3", [item, table])
    assert clause_match("二、具体目标 > 1、全社会R&D经费支出占GDP的比重达到3.5%", [item, table])
    assert not clause_match("专栏1:武汉市“十二五”科技创新发展主要指标完成情况", [item, table])
    assert not clause_match("", GOLD)
    assert not clause_match(None, GOLD)
    assert not clause_match(GOLD, [])


def test_clause_match_lost_separator_in_the_source() -> None:
    gold = "二、主要任务与发展重点 > (三)实施八大专项 > 8、现代农业专项"
    assert clause_match("二、主要任务与发展重点 > (三)实施八大专项 > 8 现代农业专项", gold)


# ------------------------------------------------------------------ answers


def test_answer_correct() -> None:
    assert answer_correct("高新技术企业数量力争突破１０，０００家。", ["10000家"])
    assert answer_correct("Over 10,000 (突破10000家).", ["10000家"])
    assert answer_correct("发明专利拥有量 翻一番", ["发明专利拥有量", "翻一番"])
    assert not answer_correct("瞪羚企业数量翻一番", ["发明专利拥有量", "翻一番"])
    assert not answer_correct("", ["100家"])
    assert answer_correct("anything", [])


# ------------------------------------------------------------------ grounding


CITED = ["到2025年,东湖高新区高新技术企业数量力争突破10000家,上市企业数量达到100家。"]


def test_grounded_numbers() -> None:
    assert numbers_grounded("到2025年突破10000家[1],上市企业100家[1]。", CITED)
    assert numbers_grounded("到２０２５年突破10,000家。", CITED)
    assert numbers_grounded("力争突破1万家[1]", CITED)  # 万 applied
    assert not numbers_grounded("力争突破12000家[1]", CITED)
    assert ungrounded_numbers("到2030年突破10000家,上市120家", CITED) == ["2030", "120"]
    assert numbers_grounded("没有数字的回答", [])
    assert not numbers_grounded("100家", [])


def test_grounding_ignores_markers_numbering_and_identifiers() -> None:
    answer = "1. 上市企业100家 [2]\n2) 高新技术企业10000家【3】\n(3) 见专栏3、第4章，5G场景，文件002_fdf6c96830e6b8c3.txt"
    assert ungrounded_numbers(answer, CITED) == []
    assert numbers_grounded("二、主要任务 > (二)实施科技企业倍增行动 > 2.支持高新技术企业发展壮大:突破10000家", CITED)


def test_grounding_units_and_decimals() -> None:
    table = ["全社会科技创新创业风险投资规模(亿元)：2015年1074；2020年目标2000"]
    assert numbers_grounded("2020年目标2000亿元", table)  # bare table cell grounds a unit
    assert numbers_grounded("3.5%", ["达到3.5%"])
    assert numbers_grounded("3.0%", ["3%以上"])
    assert not numbers_grounded("3.5%", ["3%以上,5%"])
    assert numbers_grounded("3万亿元", ["达到30000亿元"])
    assert numbers_grounded("300 billion yuan", ["突破3000亿元"])
    assert numbers_grounded("10 million yuan", ["最高支持1000万元"])
    assert not numbers_grounded("2000万元", ["2000亿元"])
    assert numbers_grounded("2000", ["2000亿元"])
    assert [n.value for n in extract_numbers("20万家,1.5亿")] == [200000, 150000000]


# ------------------------------------------------------------------ latency


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert percentile([3, 1, 2], 0) == 1 and percentile([3, 1, 2], 100) == 3
    with pytest.raises(ValueError):
        percentile([1.0], 101)


# ------------------------------------------------------------------ refusals and summary


RECORDS = [
    EvalRecord("q1", "numeric_target", "zh", refused=False, answer_correct=True, clause_correct=True,
               grounded=True, hits={1: True, 5: True}, rr=1.0, latency_ms=100),
    EvalRecord("q2", "numeric_target", "en", refused=True, answer_correct=False, clause_correct=False,
               hits={1: False, 5: True}, rr=0.5, latency_ms=300),
    EvalRecord("q3", "unanswerable", "zh", refused=True, latency_ms=200),
    EvalRecord("q4", "unanswerable", "en", refused=False, latency_ms=400),
]


def test_refusal_stats() -> None:
    s = refusal_stats(RECORDS)
    assert s["refusal_precision"] == 0.5  # q3 right, q2 a false refusal
    assert s["refusal_recall"] == 0.5  # q4 answered an unanswerable question
    assert s["false_refusal_rate"] == 0.5
    assert (s["n_refused"], s["n_unanswerable"], s["n_answerable"]) == (2, 2, 2)


def test_refusal_stats_empty_denominators() -> None:
    s = refusal_stats([EvalRecord("q1", "fact", "zh", refused=False, answer_correct=True)])
    assert s["refusal_precision"] is None and s["refusal_recall"] is None
    assert s["false_refusal_rate"] == 0.0
    assert refusal_stats([])["n_answerable"] == 0


def test_summarize_overall_type_and_language() -> None:
    s = summarize(RECORDS)
    o = s["overall"]
    assert o["n"] == 4
    assert o["accuracy"] == 0.5  # q1 right, q3 rightly refused
    assert o["answer_accuracy"] == 0.5  # of the two answerable, q2 was refused
    assert o["clause_accuracy"] == 0.5
    assert o["hit@1"] == 0.5 and o["hit@5"] == 1.0
    assert o["mrr"] == 0.75
    assert o["grounded_rate"] == 1.0
    assert o["latency_ms_p50"] == 250.0
    assert set(s["by_type"]) == {"numeric_target", "unanswerable"}
    assert s["by_type"]["unanswerable"]["hit@1"] is None  # no answerable questions there
    assert s["by_lang"]["en"]["accuracy"] == 0.0
    assert s["by_lang"]["zh"]["accuracy"] == 1.0


def test_summarize_accepts_json_mappings() -> None:
    rows = [{"id": "q1", "type": "fact", "lang": "zh", "refused": False, "answer_correct": True,
             "hits": {"3": True}, "extra": "ignored"}]
    s = summarize(rows)
    assert s["overall"]["hit@3"] == 1.0
    assert summarize([])["overall"]["n"] == 0
