"""Scoring extracted targets against the gold: what counts as the same target."""

from __future__ import annotations

from evals.targets import GOLD_SETS, GoldTarget, load_gold, norm, same_place, score

SENTENCE = "到2025年,高新技术企业数量达到10000家,发明专利拥有量翻一番,研发投入年均增长14%以上。"


def gold(value: str, metric: str = "高新技术企业数量", sentence: str = SENTENCE, doc: str = "a.txt",
         year: int | None = 2025, kind: str = "target", number: float | None = None) -> GoldTarget:
    return GoldTarget(doc, metric, value, number, year, kind, sentence)


def test_a_value_matches_in_a_differently_cut_sentence() -> None:
    g = gold("10000家")
    assert same_place(gold("10000家", sentence="高新技术企业数量达到10000家,"), g)
    assert same_place(gold("10000家", sentence="到 2025 年，高新技术企业数量达到 10000 家"), gold("10000 家"))
    assert not same_place(gold("10000家", doc="b.txt"), g)
    assert not same_place(gold("14%"), g)


def test_the_same_figure_twice_in_a_sentence_is_told_apart() -> None:
    twice = "2020年达到30%,2025年达到30%以上的企业数量翻番。"
    first, second = gold("30%", sentence=twice[:10]), gold("30%", sentence=twice[10:])
    assert same_place(first, gold("30%", sentence=twice)) and same_place(second, gold("30%", sentence=twice))
    assert not same_place(first, second)


def test_precision_recall_and_agreement() -> None:
    golds = [gold("10000家", number=10000), gold("翻一番", metric="发明专利拥有量", number=2),
             gold("14%", metric="研发投入", number=14)]
    preds = [gold("10000家", number=10000), gold("翻一番", metric="专利", year=None, number=2),
             gold("2025年", metric="年份")]
    s = score(preds, golds)
    assert (s.gold, s.predicted, s.matched) == (3, 3, 2)
    assert abs(s.precision - 2 / 3) < 1e-9 and abs(s.recall - 2 / 3) < 1e-9
    assert (s.year_agrees, s.number_agrees, s.kind_agrees) == (1, 2, 2)
    assert s.metric_agrees == 1  # 专利 is too little of 发明专利拥有量


def test_the_gold_files_load_and_quote_their_documents() -> None:
    for gold_path, corpus in GOLD_SETS.values():
        rows = load_gold(gold_path)
        assert rows
        texts = {d: norm((corpus / d).read_text(encoding="utf-8")) for d in {r.doc_id for r in rows}
                 if d.endswith(".txt")}
        for r in rows:
            assert norm(r.value) in norm(r.sentence), r
            if r.doc_id in texts:
                assert norm(r.sentence) in texts[r.doc_id], r


def test_extraction_holds_its_measured_quality_on_every_gold_set() -> None:
    """Regression floors just below the latest measurement (README, Targets); only ever raised."""
    from evals.targets import evaluate

    (seed, seed_groups), (heldout, heldout_groups) = evaluate("seed"), evaluate("heldout")
    dev, _ = evaluate("dev")
    assert seed.precision >= 0.95 and seed.recall >= 0.90, seed
    assert dev.precision >= 0.95 and dev.recall >= 0.95, dev
    assert heldout.precision >= 0.72 and heldout.recall >= 0.72, heldout
    assert seed_groups.purity >= 0.93 and seed_groups.inverse_purity >= 0.92, seed_groups
    assert heldout_groups.purity >= 0.93 and heldout_groups.inverse_purity >= 0.93, heldout_groups


def test_grouping_purity_and_its_inverse() -> None:
    from evals.targets import grouping

    one_each = grouping([("p1", "a"), ("p2", "a"), ("p3", "b")])  # a split in two, nothing mixed
    assert one_each.purity == 1.0 and one_each.inverse_purity == 2 / 3
    lumped = grouping([("p", "a"), ("p", "a"), ("p", "b")])  # nothing split, a and b mixed
    assert lumped.purity == 2 / 3 and lumped.inverse_purity == 1.0
    assert grouping([]).f == 0.0
