"""The decide stage: certain refusals (years, Chinese places) and the weighed decision."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from assistant.context import QuestionContext, build_context
from assistant.decide import EMPTY, certain_refusal, decide, evidence_features
from assistant.params import Logistic, RefuseParams
from assistant.query import analyze
from assistant.retrieval import Evidence
from assistant.units import Unit
from ingest.types import Chunk, Document

REFUSE_FEATURES = ["best_p", "cov_best", "cov_chunk", "type_hit", "type_miss", "novel", "dense_top",
                   "lexical_top", "year_miss"]
# Written here, not read from params.json (a refit may change that file).
PARAMS = RefuseParams(model=Logistic(features=REFUSE_FEATURES, weights=[2, 2, 4, 0.5, -0.5, 0, 0, 0, -1],
                                     bias=-3.0), threshold=0.5)


def _covers(periods: list[tuple[int, int] | None]) -> Callable[[int], bool]:
    return lambda year: any(p and p[0] <= year <= p[1] for p in periods)


def _ctx(question: str) -> QuestionContext:
    return build_context(analyze(question), {})


@pytest.fixture(scope="module")
def corpus(corpus_docs: dict[str, Document]) -> tuple[str, list[tuple[int, int] | None]]:
    return "\n".join(d.text for d in corpus_docs.values()), [d.period for d in corpus_docs.values()]


def _refusal(question: str, corpus: tuple[str, list[tuple[int, int] | None]]):  # type: ignore[no-untyped-def]
    text, periods = corpus
    return certain_refusal(_ctx(question), occurs=text.__contains__, covers_year=_covers(periods), known_names=[])


def test_the_corpus_plans_cover_2012_to_2025(corpus: tuple[str, list[tuple[int, int] | None]]) -> None:
    periods = [p for p in corpus[1] if p]
    assert min(a for a, _ in periods) == 2012 and max(b for _, b in periods) == 2025
    assert "2045" not in corpus[0] and "2035" in corpus[0]


def test_a_year_outside_every_period_and_absent_from_the_text_is_refused(
        corpus: tuple[str, list[tuple[int, int] | None]]) -> None:
    refusal = _refusal("东湖高新区2045年高新技术企业数量目标是多少？", corpus)
    assert refusal is not None and refusal.kind == "year"
    assert "2045" not in refusal.reason_zh  # the answer never prints a number its citations lack


def test_a_year_the_text_mentions_is_not_refused(corpus: tuple[str, list[tuple[int, int] | None]]) -> None:
    # 2035 is outside every plan period, but the 东湖高新区 plan names its 2035 vision.
    assert _refusal("东湖高新区到2035年要实现什么目标？", corpus) is None


def test_a_year_inside_a_period_is_not_refused() -> None:
    ctx = _ctx("2024年研发投入目标是多少？")
    assert certain_refusal(ctx, occurs="".__contains__, covers_year=_covers([None, (2021, 2025)]), known_names=[]) is None
    assert certain_refusal(ctx, occurs="".__contains__, covers_year=_covers([(2016, 2020)]), known_names=[]) is not None


def test_a_chinese_place_the_corpus_never_mentions_is_refused(
        corpus: tuple[str, list[tuple[int, int] | None]]) -> None:
    refusal = _refusal("广东省2025年研发投入强度目标是多少？", corpus)
    assert refusal is not None and refusal.kind == "place" and "广东" in refusal.reason_zh


def test_a_chinese_place_the_corpus_mentions_is_not_refused(
        corpus: tuple[str, list[tuple[int, int] | None]]) -> None:
    assert _refusal("武汉市2025年研发投入强度目标是多少？", corpus) is None


def test_a_known_name_is_not_refused() -> None:
    ctx = _ctx("广东省2025年研发投入强度目标是多少？")
    assert certain_refusal(ctx, occurs="".__contains__, covers_year=_covers([(2021, 2025)]), known_names=["广东省"]) is None


def test_an_english_place_the_corpus_never_mentions_is_refused_as_its_chinese_name_is(
        corpus: tuple[str, list[tuple[int, int] | None]]) -> None:
    refusal = _refusal("How many high-tech enterprises will Guangdong have?", corpus)
    assert refusal is not None and refusal.kind == "place" and "Guangdong" in refusal.reason_en
    assert _refusal("How many high-tech enterprises will Wuhan have?", corpus) is None


def test_an_english_name_the_dictionary_does_not_call_a_place_is_no_reason_to_refuse(
        corpus: tuple[str, list[tuple[int, int] | None]]) -> None:
    assert _refusal("What did Dean propose for R&D spending?", corpus) is None  # a person, or anything
    assert _refusal("What is the target of the Zhangjiang plan?", corpus) is None  # no dictionary entry
    # A name at a sentence's start may be capitalised only for the sentence: searched, not refused.
    assert _refusal("Guangdong's 2025 target for R&D spending?", corpus) is None


def _ev(text: str, *, title: str = "加快推进光谷科技创新大走廊协同创新高质量发展行动方案",
        dense: float = 0.8, lexical: float = 12.0) -> Evidence:
    chunk = Chunk(id="004#2", doc_id="004.txt", title=title, clause_path="一、总体要求", heading="一、总体要求",
                  text=text, embed_text=text, n_tokens=len(text), span=(0, len(text)))
    return Evidence(chunk, 1.0, dense, lexical, title, (2023, 2025), "2023-04-29")


def _best(text: str, ev: Evidence, score: float, **features: float) -> Unit:
    return Unit(text, ev, score, "", dict(features))


def test_no_evidence_is_refused_as_empty() -> None:
    ctx = _ctx("光谷科技创新大走廊高新技术企业目标是多少？")
    decision = decide(ctx, [], None, PARAMS)
    assert decision.refusal is EMPTY and decision.refusal.kind == "empty" and decision.p_answerable == 0.0
    ev = _ev("到2025年,高新技术企业突破15000家。")
    assert decide(ctx, [ev], None, PARAMS).refusal is EMPTY


def test_evidence_that_covers_the_question_is_answered() -> None:
    ctx = _ctx("光谷科技创新大走廊高新技术企业要突破多少家？")
    text = "到2025年,光谷科技创新大走廊高新技术企业突破15000家。"
    ev = _ev(text)
    best = _best(text, ev, 0.9, cov_clause=1.0, type_hit=1.0)
    decision = decide(ctx, [ev], best, PARAMS)
    assert decision.refusal is None
    f = decision.features
    assert f["cov_chunk"] == 1.0 and f["cov_best"] == 1.0 and f["best_p"] == 0.9
    assert f["lexical_top"] == pytest.approx(math.log1p(12.0))
    z = -3.0 + 2 * 0.9 + 2 * 1.0 + 4 * 1.0 + 0.5 * 1.0
    assert decision.p_answerable == pytest.approx(1 / (1 + math.exp(-z)))


def test_evidence_about_something_else_is_refused_naming_what_is_missing() -> None:
    ctx = _ctx("氢能产业园的入园企业可以享受哪些租金补贴？")
    text = "到2025年,全社会R&D经费支出占地区生产总值的比重超过4.2%。"
    ev = _ev(text)
    best = _best(text, ev, 0.05, cov_clause=0.0, type_miss=1.0)
    decision = decide(ctx, [ev], best, PARAMS)
    assert decision.refusal is not None and decision.refusal.kind == "evidence"
    assert decision.p_answerable < PARAMS.threshold
    assert "氢能" in decision.refusal.reason_zh


def test_english_coverage_is_scaled_by_the_prior() -> None:
    ctx = build_context(analyze("What is the R&D spending target of the corridor?"),
                        {"研发": 2.0, "经费": 2.0})
    assert ctx.lang == "en"
    ev = _ev("到2025年,全社会R&D经费支出占地区生产总值的比重超过4.2%。")
    best = _best(ev.chunk.text, ev, 0.5, cov_clause=0.5)
    f = evidence_features(ctx, [ev], best, PARAMS)
    assert f["cov_best"] == pytest.approx(min(1.0, PARAMS.en_coverage_scale * 0.5))
    zh = evidence_features(_ctx("光谷科技创新大走廊的研发经费目标是什么？"), [ev], best, PARAMS)
    assert zh["cov_best"] == pytest.approx(0.5)
