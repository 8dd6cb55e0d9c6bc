"""Targets read from the real seed and dev documents.

Each expectation below was written from reading the sentence in the document, not from
what the extractor printed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from ingest import target_parts
from ingest.chunking import chunk_document
from ingest.pipeline import parse_file, parse_text
from ingest.targets import Target, extract_targets, main, verbatim
from ingest.types import Document
from tests.ingest.genre import FIVE_YEAR_PLAN

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "data" / "corpus").glob("*.txt")) + sorted((ROOT / "evals" / "corpora" / "dev").glob("*"))


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    """Every seed and dev document, keyed by its file name."""
    return {p.name: parse_file(p) for p in FILES}


@pytest.fixture(scope="module")
def targets(docs: dict[str, Document]) -> dict[str, list[Target]]:
    return {name: extract_targets(doc, chunk_document(doc)) for name, doc in docs.items()}


def by_prefix(targets: dict[str, list[Target]], prefix: str) -> list[Target]:
    return next(ts for name, ts in targets.items() if name.startswith(prefix))


def one(ts: list[Target], value: str, in_sentence: str) -> Target:
    """The single Target with this value in a sentence containing ``in_sentence``."""
    found = [t for t in ts if t.value == value and in_sentence in t.sentence]
    assert len(found) == 1, (value, in_sentence, found)
    return found[0]


# -- sentences read by hand ------------------------------------------------------------------

def test_three_figures_in_one_sentence_inherit_the_plan_year(targets: dict[str, list[Target]]) -> None:
    # 002, 一、工作目标: "研发经费投入年均增长14%以上,发明专利拥有量翻一番,高新技术企业数量达到10000家"
    ts = by_prefix(targets, "002")
    sentence = "研发经费投入年均增长14%以上"
    rd, patents, firms = one(ts, "14%", sentence), one(ts, "翻一番", sentence), one(ts, "10000家", sentence)
    assert (rd.metric, rd.number, rd.unit, rd.kind) == ("研发经费投入", 14.0, "%", "target")
    assert rd.qualifier.split("+") == ["年均增长", "以上"]
    assert (patents.metric, patents.number, patents.unit) == ("发明专利拥有量", 2.0, "倍")
    assert "翻一番" in patents.qualifier
    assert (firms.metric, firms.number, firms.unit, firms.qualifier) == ("高新技术企业数量", 10000.0, "家", "达到")
    # The sentence names no year: the plan's own period (2022—2025) gives it, and says so.
    assert {(t.year, t.period, t.year_from) for t in (rd, patents, firms)} == {(2025, (2022, 2025), "document")}
    assert rd.sentence == patents.sentence == firms.sentence


def test_a_year_and_place_opening_the_sentence_and_a_multiplier(targets: dict[str, list[Target]]) -> None:
    # 002: "到2025年,东湖高新区市场主体数量力争突破20万家。"
    t = one(by_prefix(targets, "002"), "20万家", "市场主体数量")
    assert (t.metric, t.number, t.unit, t.scope) == ("市场主体数量", 200000.0, "家", "东湖高新区")
    assert (t.year, t.year_from, t.kind, t.qualifier) == (2025, "sentence", "target", "力争+突破")


def test_list_items_inherit_year_and_scope_from_the_lead_in(targets: dict[str, list[Target]]) -> None:
    # 000: "到2016年,全市高新技术产业实现以下目标:" then "1、高新技术产业产值力争超过13000亿元,年均增长30%以上;"
    ts = by_prefix(targets, "000")
    output = one(ts, "13000亿元", "1、高新技术产业产值")
    growth = one(ts, "30%", "1、高新技术产业产值")
    assert (output.metric, output.number, output.unit) == ("高新技术产业产值", 13000.0, "亿元")
    assert (output.year, output.year_from, output.scope, output.kind) == (2016, "lead-in", "全市", "target")
    assert output.qualifier == "力争+超过"
    assert output.clause_path.endswith("1、高新技术产业产值力争超过13000亿元")
    assert growth.metric == "高新技术产业产值"  # the second clause of the sentence elides its subject
    assert (growth.number, growth.year, growth.qualifier) == (30.0, 2016, "年均增长+以上")


def test_baseline_from_you_and_the_span_of_years(targets: dict[str, list[Target]]) -> None:
    # 001: "——三个“翻番”:自2011年至2016年,全社会研发投入由不足200亿元增长到400亿元;"
    ts = by_prefix(targets, "001")
    base, goal = one(ts, "200亿元", "全社会研发投入"), one(ts, "400亿元", "全社会研发投入")
    assert (base.metric, base.kind, base.year, base.period) == ("全社会研发投入", "baseline", 2011, (2011, 2016))
    assert "不足" in base.qualifier
    assert (goal.metric, goal.kind, goal.year, goal.number) == ("全社会研发投入", "target", 2016, 400.0)
    # The next item of the same line says no years: it takes them from the line's first.
    later = one(ts, "300亿元", "技术合同成交额")
    assert (later.metric, later.kind, later.year, later.year_from) == ("技术合同成交额", "target", 2016, "paragraph")
    assert one(ts, "100余亿元", "技术合同成交额").kind == "baseline"


def test_a_table_row_gives_a_baseline_and_a_target(targets: dict[str, list[Target]]) -> None:
    # 003, 专栏3: "高新技术企业数量(家)：2015年1656家；2020年目标3000家"
    row = "高新技术企业数量(家)：2015年1656家；2020年目标3000家"
    ts = [t for t in by_prefix(targets, "003") if t.sentence == row]
    assert [(t.metric, t.value, t.number, t.unit, t.year, t.kind) for t in ts] == [
        ("高新技术企业数量", "1656家", 1656.0, "家", 2015, "baseline"),
        ("高新技术企业数量", "3000家", 3000.0, "家", 2020, "target"),
    ]
    assert ts[0].clause_path.endswith("专栏3:武汉市“十三五”科技创新发展主要指标")


def test_a_review_table_gives_baseline_target_and_achieved(targets: dict[str, list[Target]]) -> None:
    # 003, 专栏1 (“十二五”…完成情况): "每万人口发明专利拥有量(件)：2010年5.47件；目标9件；完成19件"
    row = "每万人口发明专利拥有量(件)：2010年5.47件；目标9件；完成19件"
    ts = [t for t in by_prefix(targets, "003") if t.sentence == row]
    assert [(t.value, t.number, t.kind, t.year) for t in ts] == [
        ("5.47件", 5.47, "baseline", 2010), ("9件", 9.0, "target", 2015), ("19件", 19.0, "achieved", 2015)]
    assert {t.metric for t in ts} == {"每万人口发明专利拥有量"}
    assert ts[1].year_from == "heading" and ts[1].period == (2011, 2015)  # from the table's title


def test_a_row_of_paired_indicators_splits_its_label(targets: dict[str, list[Target]]) -> None:
    # 003, 专栏3: "发明专利申请量/发明专利授权量(件)：2015年15077件/6003件；2020年目标30000件/12000件"
    ts = [t for t in by_prefix(targets, "003") if t.sentence.startswith("发明专利申请量/发明专利授权量")]
    assert [(t.metric, t.value, t.kind) for t in ts] == [
        ("发明专利申请量", "15077件", "baseline"), ("发明专利授权量", "6003件", "baseline"),
        ("发明专利申请量", "30000件", "target"), ("发明专利授权量", "12000件", "target")]


def test_figures_of_the_past_are_achieved(targets: dict[str, list[Target]]) -> None:
    # 003, 发展基础: "2015年,高新技术产业产值实现7701.41亿元,“十二五”期间年均增长22.24%;"
    ts = by_prefix(targets, "003")
    value = one(ts, "7701.41亿元", "2015年,高新技术产业产值实现")
    growth = one(ts, "22.24%", "2015年,高新技术产业产值实现")
    assert (value.metric, value.kind, value.year) == ("高新技术产业产值", "achieved", 2015)
    assert (growth.metric, growth.kind, growth.period) == ("高新技术产业产值", "achieved", (2011, 2015))
    # "“十二五”期间,武汉地区普通高校达到82所,在校大学生达到107万人;"
    students = one(ts, "107万人", "在校大学生")
    assert (students.metric, students.number, students.unit) == ("在校大学生", 1070000.0, "人")
    assert (students.scope, students.kind, students.year) == ("武汉地区", "achieved", 2015)


def test_respectively_pairs_each_figure_with_its_metric(targets: dict[str, list[Target]]) -> None:
    # 003: "6、发明专利申请量和授权量分别突破30000件和12000件;"
    ts = by_prefix(targets, "003")
    first, second = one(ts, "30000件", "分别突破"), one(ts, "12000件", "分别突破")
    assert first.metric == "发明专利申请量" and second.metric.endswith("授权量")
    assert (first.year, first.year_from, first.kind) == (2020, "lead-in", "target")


def test_shares_and_a_year_said_earlier_on_the_line(targets: dict[str, list[Target]]) -> None:
    # 004: "到2025年,…。全社会R&D经费支出占地区生产总值的比重超过4.2%,高新技术企业突破15000家,…"
    ts = by_prefix(targets, "004")
    share, firms = one(ts, "4.2%", "全社会R&D"), one(ts, "15000家", "全社会R&D")
    assert (share.metric, share.qualifier, share.year) == ("全社会R&D经费支出占地区生产总值的比重", "超过", 2025)
    assert (firms.metric, firms.qualifier, firms.year_from) == ("高新技术企业", "突破", "paragraph")


def test_a_range_is_one_target_and_a_class_label_is_part_of_the_metric(targets: dict[str, list[Target]]) -> None:
    # 002: "培育1—2家千亿级“产业航母”企业、10家百亿级行业龙头企业、一批国际领先企业"
    ts = by_prefix(targets, "002")
    pair, ten = one(ts, "1—2家", "产业航母"), one(ts, "10家", "产业航母")
    assert (pair.number, pair.unit, pair.metric) == (None, "家", "千亿级“产业航母”企业")
    assert "区间" in pair.qualifier
    assert ten.metric == "百亿级行业龙头企业" and ten.number == 10.0
    assert not any(t.value.startswith(("千亿", "百亿")) for t in ts)


def test_regulation_figures_in_chinese_numerals(targets: dict[str, list[Target]]) -> None:
    ts = by_prefix(targets, "shandong")
    # 第四十二条 …处十万元以上三十万元以下罚款。
    # Named by its offence: "…建设单位未按照规定安装供热系统调控装置…的，由…处…罚款".
    low, high = one(ts, "十万元", "第四十二条"), one(ts, "三十万元", "第四十二条")
    assert low.metric.startswith("罚款(") and "未按照规定安装供热系统调控装置" in low.metric
    assert (low.number, low.unit, low.qualifier) == (10.0, "万元", "以上")
    assert (high.metric, high.number, high.qualifier) == (low.metric, 30.0, "以下")
    # 第二十一条 …温度不低于十八摄氏度。 / 第二十三条 …热价的百分之三十。
    warm = one(ts, "十八摄氏度", "第二十一条")
    assert (warm.number, warm.unit, warm.qualifier, warm.year, warm.kind) == (18.0, "摄氏度", "不低于", None, "target")
    assert one(ts, "百分之三十", "两部制热价").number == 30.0
    # "供热经营许可证的有效期为五年" is a procedural window (the gold's rule), not a target.
    assert not [t for t in ts if t.value == "五年" and "有效期为五年" in t.sentence]
    # 第五十二条 …对单位处三万元以上十万元以下罚款，对个人处五千元以下罚款
    fine = one(ts, "五千元", "第五十二条")
    assert (fine.scope, fine.number, fine.unit) == ("个人", 5000.0, "元")


def test_a_notice_with_dated_caps(targets: dict[str, list[Target]]) -> None:
    # 内蒙古: "并网型…项目上网电量2025—2027年不超过40%、2028年及之后不超过20%"
    ts = by_prefix(targets, "inner_mongolia")
    first, later = one(ts, "40%", "上网电量2025"), one(ts, "20%", "上网电量2025")
    assert first.metric.endswith("上网电量") and later.metric == first.metric
    assert (first.period, first.year, first.qualifier) == ((2025, 2027), 2027, "不超过")
    assert (later.year, later.qualifier) == (2028, "不超过")
    # 北京: "公示时间5个工作日。" is a procedural window, not a target.
    assert not [t for t in by_prefix(targets, "beijing") if t.value == "5个工作日"]


def test_a_cap_on_support(targets: dict[str, list[Target]]) -> None:
    # 002: "…对获得立项的项目,单个项目最高资助3000万元。"
    t = one(by_prefix(targets, "002"), "3000万元", "揭榜挂帅")
    assert (t.number, t.unit, t.qualifier, t.metric) == (3000.0, "万元", "最高", "单个项目资助")


def test_indicator_table_rows_take_their_unit_from_the_unit_column() -> None:
    # ingest.indicators writes "指标：5G基站数量；单位：万个；2020年：1.1；2025年：2.5；…"
    doc = parse_text("plan.txt", FIVE_YEAR_PLAN)
    ts = [t for t in extract_targets(doc, chunk_document(doc)) if t.metric == "5G基站数量"]
    assert [(t.value, t.number, t.unit, t.year, t.kind) for t in ts] == [
        ("1.1", 11000.0, "个", 2020, "baseline"), ("2.5", 25000.0, "个", 2025, "target")]


def test_numbers_of_the_genre_that_are_no_figures() -> None:
    for text in ("联系电话：027-85712345", "国发〔2020〕7号", "第十二次党代会", "2025年6月1日前",
                 "1、高新技术", "全面升级“3551光谷人才计划”", "培育千亿级企业", "简称633号文件",
                 "《武汉市加快光电子信息产业集聚发展规划纲要(2014-2020)》", "一是推进", "五个一"):
        assert target_parts.find_figures(text) == [], text
    [bare] = target_parts.find_figures("力争突破1.2万，")
    assert (bare.value, bare.number, bare.unit) == ("1.2万", 12000.0, "")


# -- what is not a target -------------------------------------------------------------------

def test_numbers_that_are_no_figures(targets: dict[str, list[Target]]) -> None:
    everything = [t for ts in targets.values() for t in ts]
    values = {t.value for t in everything}
    assert not [v for v in values if re.fullmatch(r"(?:19|20)\d{2}年?", v)]  # years
    assert not [v for v in values if re.search(r"号|\d\s*月", v)]  # 〔2020〕7号, 633号, 3月21日
    assert not [t for t in everything if "3551" in t.value or t.value == "三个"]
    ts002 = by_prefix(targets, "002")
    assert not [t for t in ts002 if "3551光谷人才计划" in t.sentence and t.value != "10亿元"]
    # 001's "——三个“翻番”" names a group of goals: the quoted word is no figure of its own.
    assert not [t for t in by_prefix(targets, "001") if t.value == "翻番"]
    # 000's "5年内统筹200亿元资金…": 200亿元 is a figure, the five years are not.
    assert {t.value for t in by_prefix(targets, "000") if "5年内" in t.sentence} == {"200亿元", "2000亿元"}
    # 003: "实施产业创新能力倍增计划" names a programme; "…的关键五年" states no duration.
    assert not [t for t in by_prefix(targets, "003") if "倍增计划" in t.sentence or "关键五年" in t.sentence]
    # Deadlines are dates (2026年3月20日前, 10月15日（星期三）前), not figures.
    assert not [t for t in by_prefix(targets, "beijing") if "申报时间" in t.sentence]
    assert not [t for t in by_prefix(targets, "guangdong") if "星期三" in t.sentence]


def test_list_and_article_numbers_are_not_figures(targets: dict[str, list[Target]]) -> None:
    for ts in targets.values():
        for t in ts:
            assert not re.fullmatch(r"\d{1,2}[、.．]?", t.value)
            assert not t.metric.startswith(("1、", "2、", "第")), t


# -- the number guard and other invariants, over every document -------------------------------

def test_every_value_is_quoted_from_its_sentence_and_document(
        docs: dict[str, Document], targets: dict[str, list[Target]]) -> None:
    for name, doc in docs.items():
        chunks = {c.id: c for c in chunk_document(doc)}
        paths = {c.path_str for c in doc.clauses}
        assert targets[name] or name.startswith("guangdong"), name
        for t in targets[name]:
            assert t.value and t.value in t.sentence and t.sentence in doc.text, t
            assert t.doc_id == name and t.clause_path in paths
            assert t.chunk_id in chunks and t.sentence in chunks[t.chunk_id].text, t
            assert chunks[t.chunk_id].clause_path == t.clause_path
            assert t.kind in ("target", "baseline", "achieved") and t.metric
            assert t.year is None or 1990 <= t.year <= 2050
            assert t.period is None or t.period[0] <= t.period[1]
            assert (t.year is None) == (t.year_from == "")


def test_verbatim_rejects_what_is_not_quoted(docs: dict[str, Document], targets: dict[str, list[Target]]) -> None:
    doc = next(d for name, d in docs.items() if name.startswith("002"))
    t = by_prefix(targets, "002")[0]
    assert verbatim(t, doc)
    assert not verbatim(replace(t, value="99999家"), doc)
    assert not verbatim(replace(t, sentence=t.sentence + "并力争翻两番"), doc)
    assert not verbatim(replace(t, value=""), doc)


def test_the_guard_is_enforced_inside_extraction(docs: dict[str, Document], monkeypatch: pytest.MonkeyPatch) -> None:
    """A figure whose written value is not in its sentence never comes out."""
    doc = next(d for name, d in docs.items() if name.startswith("002"))
    real = target_parts.find_figures

    def misquoted(sentence: str) -> list[target_parts.Figure]:
        return [replace(f, value=f"约{f.value}") for f in real(sentence)]

    monkeypatch.setattr(target_parts, "find_figures", misquoted)
    assert extract_targets(doc, chunk_document(doc)) == []


def test_extraction_is_stable(docs: dict[str, Document], targets: dict[str, list[Target]]) -> None:
    doc = next(d for name, d in docs.items() if name.startswith("003"))
    assert extract_targets(doc, chunk_document(doc)) == by_prefix(targets, "003")


def test_cli_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(FILES[2])]) == 0
    out = capsys.readouterr().out
    assert "targets" in out and "经济总量" in out and "东湖高新区" in out


def test_conditions_and_deadlines_are_no_targets(targets: dict[str, list[Target]]) -> None:
    # Inner Mongolia: "（若绿电直连项目接入220千伏或330千伏，应取得…评估意见" is a condition.
    mongolia = by_prefix(targets, "inner_mongolia")
    assert not [t for t in mongolia if t.value in ("220千伏", "330千伏") and "若绿电直连项目接入" in t.sentence]
    # …while its eligibility minimum "完成计划投资45%以上的负荷侧项目" is read, the 的 ending a noun phrase.
    # Shandong: "供热企业应当在二十四小时内进行检测", "提前二日通知用户", "有效期为五年" bound when
    # something is done; they are windows, not targets.
    shandong = by_prefix(targets, "shandong")
    assert not [t for t in shandong if t.value in ("二十四小时", "二日", "五年", "三十日", "六个月")]
    # …but the indoor temperature it requires is one: "温度不低于十八摄氏度".
    assert [t for t in shandong if t.value.startswith("十八") and "不低于" in t.qualifier]


def test_who_qualifies_and_what_triggers_a_requirement_are_no_targets(targets: dict[str, list[Target]]) -> None:
    # Beijing: "对新能源供热装机占比达到60%及以上的…项目，给予…支持" and "装机占比30%至60%（不含）
    # 的给予20%资金支持" say which projects qualify, not what is to be reached.
    beijing = by_prefix(targets, "beijing")
    assert not [t for t in beijing if "装机占比" in t.metric]
    # Inner Mongolia: "（项目拟接入220千伏或330千伏需提供本报告）" triggers a report …
    mongolia = by_prefix(targets, "inner_mongolia")
    assert not [t for t in mongolia if t.value in ("220千伏", "330千伏") and "需提供" in t.sentence]
    # … while "签订10年以上购电协议…（均需包含电量和电价区间）" requires a term: the aside is no trigger.
    assert [t for t in mongolia if t.value.startswith("10年") and "购电协议" in t.sentence]


@pytest.mark.parametrize(("sentence", "conditional"), [
    ("对研发投入占比达到5%及以上的企业，给予一次性奖励。", [True]),
    ("年营业收入1亿元至5亿元（含）的给予10万元奖励。", [True, True, False]),
    ("接入110千伏及以上电网须开展专项评估。", [True]),
    ("到2025年，研发投入占比达到5%以上，高新技术企业超过100家。", [False, False]),
    ("签订5年以上合同（须注明价格），并报送备案。", [False]),
])
def test_a_figure_is_conditional_when_its_clause_says_who_qualifies(sentence: str, conditional: list[bool]) -> None:
    figs = target_parts.find_figures(sentence)
    assert [target_parts.is_condition(sentence, f) for f in figs] == conditional


def test_a_fine_is_named_by_its_offence(targets: dict[str, list[Target]]) -> None:
    # Shandong, 第四十二条: 未取得供热经营许可证从事供热经营活动的，…处五万元以上二十万元以下罚款.
    fines = [t for t in by_prefix(targets, "shandong") if t.metric.startswith("罚款(")]
    licence = [t for t in fines if "未取得供热经营许可证从事供热经营活动" in t.metric]
    assert {t.value for t in licence} >= {"五万元", "五十万元"}
    assert len({t.metric for t in fines}) >= 5  # one metric per offence, not one "罚款"
    assert target_parts.offence("违反本条例规定，擅自改建供热设施的，由主管部门处一万元罚款",
                                target_parts.find_figures("违反本条例规定，擅自改建供热设施的，由主管部门处一万元罚款")[0]
                                ) == "擅自改建供热设施"


def test_a_table_of_quantities_by_category(tmp_path: Path) -> None:
    """A DOCX table whose columns are quantities (unit in the header) and rows categories."""
    import docx

    d = docx.Document()
    d.add_paragraph("某市迎峰度夏电力需求响应补贴标准")
    d.add_paragraph("一、补贴价格")
    table = d.add_table(rows=3, cols=3)
    for i, row in enumerate([["响应类型", "响应时长（小时）", "补贴价格（元/千瓦时）"],
                             ["日前响应", "2", "1.5"], ["日内响应", "1", "3.0"]]):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    path = tmp_path / "rules.docx"
    d.save(str(path))
    doc = parse_file(path)
    found = {(t.metric, t.value, t.unit) for t in extract_targets(doc, chunk_document(doc))}
    assert {("补贴价格（日前响应）", "1.5", "元/千瓦时"), ("补贴价格（日内响应）", "3.0", "元/千瓦时"),
            ("响应时长（日前响应）", "2", "小时")} <= found
    assert not any(t[1] in ("日前响应", "日内响应") for t in found)  # the label column is no figure


def test_a_rate_per_unit_is_named_without_its_per() -> None:
    doc = parse_text("prices.txt", "某省新能源上网电价通知\n一、价格\n（一）补贴标准为每辆车2万元。\n"
                                   "（二）机制电价为每千瓦时0.4012元。\n")
    found = {t.value: t.metric for t in extract_targets(doc, chunk_document(doc))}
    assert found == {"2万元": "补贴标准", "0.4012元": "机制电价"}
