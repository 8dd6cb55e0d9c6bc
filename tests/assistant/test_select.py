"""Sentence selection: unit features, candidates, select_units, best_unit.

The models here are written in the test (not the fitted params.json, which a refit may
change), so what is checked is how features are computed and how scores pick units.
"""

from __future__ import annotations

from assistant.context import QuestionContext, build_context
from assistant.params import Logistic, SelectParams
from assistant.query import analyze
from assistant.retrieval import Evidence
from assistant.select import FEATURES, best_unit, candidates, select_units, unit_features
from ingest.types import Chunk


def _params(**weights: float) -> SelectParams:
    names = list(FEATURES)
    return SelectParams(model=Logistic(features=names, weights=[weights.get(f, 0.0) for f in names],
                                       bias=-2.0))


# Hand-set weights of the kind the fit produces: coverage and answer type count.
HAND = _params(cov=3, cov_clause=3, cov_prev_gain=1, type_hit=1, type_miss=-1, number_hit=1, novel=0.5,
               prior=2, rank_inv=1, year_hit=0.5, year_miss=-1)


def _ctx(question: str) -> QuestionContext:
    return build_context(analyze(question), {})  # every term weighs the same


def _ev(text: str, *, cid: str = "004#7", doc: str = "004.txt", path: str = "二、科技共兴",
        kind: str = "clause", context: str = "", score: float = 1.0) -> Evidence:
    chunk = Chunk(id=cid, doc_id=doc, title="加快推进光谷科技创新大走廊协同创新高质量发展行动方案",
                  clause_path=path, heading=path.split(" > ")[-1], text=text, embed_text=text,
                  n_tokens=len(text), span=(0, len(text)), kind=kind, context=context)
    return Evidence(chunk, score, 0.5, 3.0, chunk.title, (2023, 2025), "2023-04-29")


PROJECT = "深入实施“尖刀”技术攻关工程，力争突破一批关键技术难题。"
FIELDS = "聚焦光电子信息、新能源与智能网联汽车、生命健康、高端装备、北斗、人工智能等领域，每年发布重大技术需求榜单。"


def test_type_features_follow_the_answer_type() -> None:
    ctx = _ctx("“尖刀”技术攻关工程重点聚焦哪些领域？")
    ev = _ev(PROJECT + FIELDS)
    project = unit_features(ctx, PROJECT, "", ev, 0, 1.0)
    fields = unit_features(ctx, FIELDS, PROJECT, ev, 0, 1.0)
    assert (project["type_hit"], project["type_miss"]) == (0.0, 1.0)
    assert (fields["type_hit"], fields["type_miss"]) == (1.0, 0.0)
    # the project is named only in the sentence before: together they cover the question
    assert fields["cov_prev_gain"] > 0 and project["cov_prev_gain"] == 0
    assert fields["first"] == 0.0 and project["first"] == 1.0


def test_untyped_questions_have_no_type_features() -> None:
    ctx = _ctx("行动方案的指导思想是什么？")
    f = unit_features(ctx, PROJECT, "", _ev(PROJECT), 0, 1.0)
    assert f["type_hit"] == 0.0 and f["type_miss"] == 0.0


def test_select_prefers_the_sentence_holding_the_list_and_quotes_its_subject() -> None:
    ctx = _ctx("“尖刀”技术攻关工程重点聚焦哪些领域？")
    ev = _ev(PROJECT + FIELDS, path="二、科技共兴 > (三)组织关键核心技术联合攻关")
    scored = candidates(ctx, [ev], HAND)
    assert [u.text for u in scored] == [FIELDS, PROJECT]
    chosen = select_units(ctx, [ev], HAND, scored=scored)
    # the sentence naming the project joins, and the quote keeps document order
    assert [u.text for u in chosen] == [PROJECT, FIELDS]


def test_the_answer_type_breaks_a_coverage_tie() -> None:
    ctx = _ctx("重点聚焦哪些领域？")
    plain = "重点聚焦优势领域，持续提升自主创新能力。"
    listed = "重点聚焦光电子信息、生物医药、高端装备等领域。"
    ev = _ev(plain + listed)
    coverage_only = _params(cov=3, cov_clause=3)
    tied = candidates(ctx, [ev], coverage_only)
    assert tied[0].score == tied[1].score  # both cover 重点、聚焦、领域
    typed = candidates(ctx, [ev], _params(cov=3, cov_clause=3, type_hit=1, type_miss=-1))
    assert typed[0].text == listed and typed[0].score > typed[1].score


def test_best_unit_is_a_figure_when_a_number_is_asked() -> None:
    ctx = _ctx("到2025年光谷科技创新大走廊的高新技术企业要突破多少家？")
    assert ctx.q.wants_number
    text = ("光谷科技创新大走廊高新技术企业培育工作成效明显，高新技术企业梯队不断壮大。"
            "到2025年，高新技术企业突破15000家。")
    best = best_unit(ctx, [_ev(text)], HAND)
    assert best is not None and best.text == "到2025年，高新技术企业突破15000家。"
    assert best.features["number_hit"] == 1.0


def test_year_features() -> None:
    ctx = _ctx("2016年全市高新技术企业达到多少家？")
    hit = unit_features(ctx, "到2016年，高新技术企业达到1800家。", "", _ev("x"), 0, 1.0)
    miss = unit_features(ctx, "到2025年，高新技术企业突破15000家。", "", _ev("x"), 0, 1.0)
    assert (hit["year_hit"], hit["year_miss"]) == (1.0, 0.0)
    assert (miss["year_hit"], miss["year_miss"]) == (0.0, 1.0)
    # a unit without a year takes its clause lead-in's year
    led = unit_features(ctx, "高新技术企业达到1800家。", "", _ev("x", context="到2016年,全市实现以下目标:"), 0, 1.0)
    assert led["year_hit"] == 1.0
    # table rows carry several years: no year feature
    row = unit_features(ctx, "高新技术企业（家）：2015年1500；2025年15000", "", _ev("x", kind="table"), 0, 1.0)
    assert row["year_hit"] == 0.0 and row["year_miss"] == 0.0


def test_rank_and_prior_features() -> None:
    ctx = _ctx("重点聚焦哪些领域？")
    top, second = _ev(FIELDS, score=2.0), _ev(FIELDS, cid="004#8", score=0.5)
    f0 = unit_features(ctx, FIELDS, "", top, 0, 2.0)
    f1 = unit_features(ctx, FIELDS, "", second, 1, 2.0)
    assert f0["rank_inv"] == 1.0 and f1["rank_inv"] == 0.5
    assert f0["prior"] == 1.0 and abs(f1["prior"] - 0.5) < 1e-9  # sqrt(0.5 / 2.0)


def test_no_evidence_selects_nothing() -> None:
    ctx = _ctx("重点聚焦哪些领域？")
    assert select_units(ctx, [], HAND) == []
    assert best_unit(ctx, [], HAND) is None


def test_evidence_beyond_the_depth_is_not_read() -> None:
    ctx = _ctx("重点聚焦哪些领域？")
    params = HAND.model_copy(update={"evidence_depth": 1})
    evidence = [_ev(PROJECT, cid="a"), _ev(FIELDS, cid="b")]
    assert {u.evidence.chunk.id for u in candidates(ctx, evidence, params)} == {"a"}


def test_at_most_one_unit_of_another_clause_joins() -> None:
    ctx = _ctx("重点聚焦哪些领域？")
    same = _params(cov=3)
    evidence = [_ev("重点聚焦光电子信息等领域。", cid="a"), _ev("重点聚焦生物医药等领域。", cid="b"),
                _ev("重点聚焦高端装备等领域。", cid="c"), _ev("重点聚焦人工智能等领域。", cid="d", doc="other.txt")]
    chosen = select_units(ctx, evidence, same)
    assert [u.evidence.chunk.id for u in chosen] == ["a", "b"]


def test_features_lists_what_unit_features_measures() -> None:
    """The fit reads FEATURES; a feature computed but not listed would never be fitted."""
    text = "长鼻王由嘉兴长鼻王食品有限公司生产。"
    feats = unit_features(_ctx("长鼻王是由哪个公司生产的？"), text, "", _ev(text), 0, 1.0)
    assert tuple(feats) == FEATURES


def test_the_sentence_after_an_echo_completes_it() -> None:
    """A unit whose next sentence holds the rest of the question's words gets the gain."""
    ctx = _ctx("赌城谍血为什么没有列入官方电影列表？")
    reason, echo = "由于并非由官方公司制作，", "因此并没有列入官方电影列表中。"
    ev = _ev(reason + echo)
    with_next = unit_features(ctx, reason, "", ev, 0, 1.0, echo)
    alone = unit_features(ctx, reason, "", ev, 0, 1.0)
    assert with_next["cov_next_gain"] > 0.0 == alone["cov_next_gain"]
