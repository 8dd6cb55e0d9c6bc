"""The chain end to end on the real corpus, real e5 model and real Chroma."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from assistant.chain import PolicyQA
from assistant.types import Turn

PATENT_DOC = "002_fdf6c96830e6b8c3.txt"


@pytest.mark.parametrize(
    "question",
    ["东湖高新区2025年发明专利目标是什么？", "What is the 2025 patent target for the optical valley?"],
)
def test_patent_target_in_both_languages(qa: PolicyQA, question: str) -> None:
    answer = qa.answer(question)
    assert not answer.refused
    assert "发明专利拥有量翻一番" in answer.answer
    top = answer.citations[0]
    assert top.doc_id == PATENT_DOC and top.clause.startswith("一、工作目标")
    assert "促进武汉东湖新技术开发区高质量发展行动方案" in answer.answer
    assert answer.answer.startswith("According to" if question.startswith("What") else "根据")


def test_followup_carries_subject_and_year(qa: PolicyQA) -> None:
    history = [Turn(role="user", content="东湖高新区2025年高新技术企业数量目标是多少？"),
               Turn(role="assistant", content="10000家")]
    answer = qa.answer("那上市企业呢？", history)
    assert "上市企业" in answer.condensed_question and "2025" in answer.condensed_question
    assert "100家" in answer.answer and not answer.refused


@pytest.mark.parametrize(
    "question",
    ["东湖高新区2030年高新技术企业数量目标是多少？", "成都市2025年高新技术企业数量目标是多少？",
     "What is the 2030 target for high-tech enterprises in the optical valley?",
     # The plan sets 3000 high-tech enterprises for 2020, which are not listed companies.
     "What is the 2020 target for the number of listed companies in Wuhan under the 13th Five-Year plan?"],
)
def test_unanswerable_questions_are_refused(qa: PolicyQA, question: str) -> None:
    answer = qa.answer(question)
    assert answer.refused
    assert answer.answer.startswith(("语料中未找到", "The corpus does not say"))
    assert answer.citations, "a refusal lists related clauses"
    assert "2030" not in answer.answer


def test_plan_goal_under_a_dated_lead_in_beats_a_share_elsewhere(qa: PolicyQA) -> None:
    # The goal item's year sits in its lead-in (到2016年,全市…实现以下目标:), not in the item.
    answer = qa.answer("按照武汉市2012—2016年高新技术产业发展五年行动计划，到2016年全市高新技术产业产值目标是多少？")
    assert "13000亿元" in answer.answer
    assert answer.citations[0].clause.endswith("1、高新技术产业产值力争超过13000亿元")


@pytest.mark.xfail(strict=True, reason=(
    "a target across plans or in an indicator table: rules fitted to the tuned set once passed "
    "this and were removed for generality; the targets index (issue 13) is the general answer"))
def test_a_question_about_the_indicator_table_quotes_its_row(qa: PolicyQA) -> None:
    answer = qa.answer("In the 13th Five-Year indicator table, what were the 2015 value and the 2020 target "
                       "for PCT international patent applications?")
    assert "387" in answer.answer and "800" in answer.answer
    assert any("专栏3" in c.clause for c in answer.citations)


def test_each_sub_question_gets_its_sentence(qa: PolicyQA) -> None:
    answer = qa.answer("对获得国家立项的关键核心技术攻关项目，东湖高新区按什么比例支持？单个企业每年最高多少？")
    assert "50%" in answer.answer and "1000万元" in answer.answer


def test_a_later_plans_review_answers_for_the_period_it_reviews(qa: PolicyQA) -> None:
    answer = qa.answer("In the 12th Five-Year indicator table, what were the target and the completed value "
                       "for high-tech industry value added?")
    assert "2700" in answer.answer and "2235.65" in answer.answer


def test_comparison_finds_each_documents_own_clause(qa: PolicyQA) -> None:
    # The press conference's figure ranks low globally; ranked within its document it is first.
    answer = qa.answer("2012年的五年行动计划和同年新闻发布会对2016年高新技术产业产值的目标有何不同？")
    assert "13000亿元" in answer.answer and "10000亿元" in answer.answer
    assert {"000_842cfa3e60598410.txt", "001_0c3f388bbb2ade46.txt"} <= {c.doc_id for c in answer.citations}


@pytest.mark.parametrize(
    ("question", "figures"),
    [("2012年新闻发布会提出2016年技术合同成交额达到300亿元，2015年实际达到了多少？", ["300亿元", "405.3亿元"]),
     # "23.45%2015年,…;…6003件;" in the source: a lost full stop, and a year that scopes over "；".
     pytest.param(
         "The 2012 speech aimed for 8,000 invention patent grants by 2016. How many were granted in 2015 "
         "according to the 13th Five-Year plan?", ["8000件", "2015年,专利授权量达到21740件,其中发明专利授权量达到6003件"],
         marks=pytest.mark.xfail(strict=True, reason=(
             "a figure stated in one plan beside one achieved in another, asked in English without a "
             "comparison word: neither the sentence search nor the targets index pairs them yet")))],
)
def test_a_stated_figure_is_quoted_beside_the_asked_one(qa: PolicyQA, question: str, figures: list[str]) -> None:
    answer = qa.answer(question)
    assert not answer.refused and all(f in answer.answer for f in figures)
    assert {"001_0c3f388bbb2ade46.txt", "003_5cbdcb84e36c06ba.txt"} <= {c.doc_id for c in answer.citations}


def test_comparison_gives_one_cited_line_per_document_in_time_order(qa: PolicyQA) -> None:
    answer = qa.answer("高新技术企业数量目标在各个规划中分别是多少？")
    lines = [ln for ln in answer.answer.splitlines() if ln.startswith("- ")]
    assert len(lines) >= 3
    assert len({c.doc_id for c in answer.citations}) == len(lines)
    assert "3000家" in answer.answer and "10000家" in answer.answer
    assert answer.answer.index("3000家") < answer.answer.index("10000家")


def test_list_question_lists_the_eight_projects(qa: PolicyQA) -> None:
    answer = qa.answer("八大专项有哪些？")
    for item in ("光电子与新一代信息技术专项", "先进装备制造专项", "现代农业专项"):
        assert item in answer.answer
    assert len(answer.citations) == 8


def test_citations_are_structured(qa: PolicyQA) -> None:
    answer = qa.answer("“十三五”规划中2020年技术合同成交额目标是多少？")
    assert "800" in answer.answer
    c = answer.citations[0]
    assert (c.n, c.doc_id) == (1, "003_5cbdcb84e36c06ba.txt") and c.text and c.title and c.score > 0
    assert "[1]" in answer.answer


def test_stream_order(qa: PolicyQA) -> None:
    events = list(qa.stream("八大专项有哪些？"))
    kinds = [e.event for e in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"}
    assert "".join(e.data["text"] for e in events[:-2]) == events[-1].data["answer"]


@dataclass
class _Completion:
    text: str
    prompt_tokens: int = 10
    completion_tokens: int = 5


class FakeLLM:
    """Returns a fixed reply; stands in for a model at the generator seam."""

    name = "fake"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[list[dict[str, str]]] = []

    def generate(self, messages: list[dict[str, str]], **_: object) -> _Completion:
        self.prompts.append(messages)
        return _Completion(self.reply)

    def stream(self, messages: list[dict[str, str]], **_: object) -> Iterator[str]:
        self.prompts.append(messages)
        yield from self.reply


def _with_llm(qa: PolicyQA, reply: str) -> PolicyQA:
    return PolicyQA(qa.retriever, llms={"llamacpp": FakeLLM(reply)}, default_generator="llamacpp", use_reader=False,
                    lexicon=qa.lexicon)


def test_invented_number_falls_back_to_extractive(qa: PolicyQA) -> None:
    chain = _with_llm(qa, "到2025年，东湖高新区高新技术企业数量达到12000家[1]。")
    answer = chain.answer("东湖高新区2025年高新技术企业数量目标是多少？")
    assert "12000" not in answer.answer and "10000家" in answer.answer
    assert answer.trace["grounded"] is False and answer.trace["ungrounded"] == ["12000"]
    assert answer.trace["generator_used"] == "extractive"


def test_marker_pointing_at_nothing_is_removed(qa: PolicyQA) -> None:
    chain = _with_llm(qa, "东湖高新区高新技术企业数量力争突破10000家[1][7]。")
    answer = chain.answer("东湖高新区2025年高新技术企业数量目标是多少？")
    assert answer.trace["generator_used"] == "llamacpp"
    assert "[7]" not in answer.answer and "[1]" in answer.answer
    assert answer.answer.startswith("东湖高新区高新技术企业数量力争突破10000家")


def test_refusal_never_asks_the_llm(qa: PolicyQA) -> None:
    chain = _with_llm(qa, "到2030年达到50000家[1]。")
    answer = chain.answer("东湖高新区2030年高新技术企业数量目标是多少？")
    assert answer.refused and "50000" not in answer.answer


@pytest.mark.parametrize("reply", ["10000 [1]", "10000家[1]", "高新技术企业数量达到10000[1]。"])
def test_bare_figures_and_unitless_numbers_fall_back(qa: PolicyQA, reply: str) -> None:
    # "10000" for 10000家 is a misquote, and "10000家" alone does not say what it counts.
    answer = _with_llm(qa, reply).answer("东湖高新区2025年高新技术企业数量目标是多少？")
    assert answer.trace["generator_used"] == "extractive" and "10000家" in answer.answer


def test_the_prompts_own_placeholder_is_removed(qa: PolicyQA) -> None:
    chain = _with_llm(qa, "东湖高新区高新技术企业数量达到10000家[n] [1]。")
    answer = chain.answer("东湖高新区2025年高新技术企业数量目标是多少？")
    assert answer.trace["generator_used"] == "llamacpp" and "[n]" not in answer.answer


def test_words_before_the_first_number_show_before_the_sentence_ends(qa: PolicyQA) -> None:
    chain = _with_llm(qa, "东湖高新区高新技术企业数量达到10000家[1]。")  # streamed a character at a time
    events = list(chain.stream("东湖高新区2025年高新技术企业数量目标是多少？"))
    tokens = [e.data for e in events if e.event == "token"]
    assert tokens[0]["text"] == "东" and not any(t.get("reset") for t in tokens)
    shown = "".join(t["text"] for t in tokens)
    assert shown == events[-1].data["answer"] == "东湖高新区高新技术企业数量达到10000家[1]。"
    # A number shows only once complete and checked: never a prefix of it, never without its unit.
    partial = ""
    for t in tokens:
        partial += t["text"]
        assert "1000" not in partial or "10000家" in partial
    assert any(p.endswith("10000家") for p in _prefixes(tokens))  # before the sentence ends


def _prefixes(tokens: list[dict[str, str]]) -> list[str]:
    shown, out = "", []
    for t in tokens:
        shown = t["text"] if t.get("reset") else shown + t["text"]
        out.append(shown)
    return out


@pytest.mark.parametrize("reply", ["到2025年，突破1.2万家[1]。", "数量翻两番[1]。", "数量达到10001家[1]。"])
def test_a_wrong_number_is_never_shown_even_for_a_moment(qa: PolicyQA, reply: str) -> None:
    events = list(_with_llm(qa, reply).stream("东湖高新区2025年高新技术企业数量目标是多少？"))
    tokens = [e.data for e in events if e.event == "token"]
    wrong = ("1.2", "翻两", "10001")
    assert not any(w in p for p in _prefixes(tokens)[:-1] for w in wrong)
    assert events[-1].data["trace"]["generator_used"] == "extractive"


def test_shown_words_are_replaced_when_the_sentence_fails_the_guard(qa: PolicyQA) -> None:
    chain = _with_llm(qa, "东湖高新区高新技术企业数量达到12000家[1]。")
    events = list(chain.stream("东湖高新区2025年高新技术企业数量目标是多少？"))
    tokens = [e.data for e in events if e.event == "token"]
    assert tokens[-1]["reset"] is True and "10000家" in tokens[-1]["text"]
    assert "12000" not in "".join(t["text"] for t in tokens)


def test_a_restated_year_the_citation_lacks_is_removed(qa: PolicyQA) -> None:
    # 4、“创谷”达到15个,众创空间达到100个。 sits under "2020年,实现以下具体目标:", which the
    # citation does not show: the question's year, restated, cannot be checked there.
    answer = _with_llm(qa, "到2020年，众创空间达到100个[1]。").answer("“十三五”规划中2020年众创空间目标是多少？")
    assert answer.trace["generator_used"] == "llamacpp" and answer.answer.startswith("众创空间达到100个")
    # A year the question did not ask is the model's own: the draft falls back.
    other = _with_llm(qa, "到2019年，众创空间达到100个[1]。").answer("“十三五”规划中2020年众创空间目标是多少？")
    assert other.trace["generator_used"] == "extractive" and other.trace["ungrounded"] == ["2019"]


def test_every_prompt_starts_with_one_fixed_system_message(qa: PolicyQA) -> None:
    # llama.cpp reuses an evaluated prefix, so the rules must not vary with the question.
    llm = FakeLLM("东湖高新区高新技术企业数量达到10000家[1]。")
    chain = PolicyQA(qa.retriever, llms={"llamacpp": llm}, default_generator="llamacpp", lexicon=qa.lexicon,
                     use_reader=False)
    chain.answer("东湖高新区2025年高新技术企业数量目标是多少？")
    chain.answer("What is the 2025 patent target for the optical valley?")
    chain.answer("那上市企业呢？", [Turn(role="user", content="东湖高新区2025年高新技术企业数量目标是多少？"),
                                Turn(role="assistant", content="突破10000家")])
    assert len(llm.prompts) == 4  # zh answer, en answer, condense, follow-up answer
    systems = {p[0]["content"] for p in llm.prompts}
    assert len(systems) == 1 and all(p[0]["role"] == "system" for p in llm.prompts)
    assert "English" in llm.prompts[1][1]["content"] and "中文" in llm.prompts[0][1]["content"]


def test_evidence_names_each_document_once(qa: PolicyQA) -> None:
    llm = FakeLLM("八大专项包括光电子与新一代信息技术专项[1]。")
    chain = PolicyQA(qa.retriever, llms={"llamacpp": llm}, default_generator="llamacpp", lexicon=qa.lexicon,
                     use_reader=False)
    answer = chain.answer("八大专项有哪些？")
    prompt = llm.prompts[-1][1]["content"]
    title = answer.citations[0].title
    assert prompt.count(f"《{title}》") == 1 and prompt.count("[8]") == 1


class _LocalFake(FakeLLM):
    """A local model: has ``load``, which the remote adapters lack."""

    loaded = False

    def load(self) -> None:
        self.loaded = True


def test_warm_evaluates_the_system_prompt_of_local_models_only(qa: PolicyQA) -> None:
    local, remote = _LocalFake("好"), FakeLLM("好")
    PolicyQA(qa.retriever, llms={"llamacpp": local, "openai": remote}, lexicon=qa.lexicon, use_reader=False).warm()
    assert local.loaded and [p[0]["role"] for p in local.prompts] == ["system"]
    assert remote.prompts == []


def test_a_comparison_is_never_rephrased(qa: PolicyQA) -> None:
    # Both figures are in the cited clauses, so only the structure stops the swap.
    llm = FakeLLM("行动计划的目标是10000亿元[1]，新闻发布会的目标是13000亿元[2]。")
    chain = PolicyQA(qa.retriever, llms={"llamacpp": llm}, default_generator="llamacpp", lexicon=qa.lexicon,
                     use_reader=False)
    answer = chain.answer("2012年的五年行动计划和同年新闻发布会对2016年高新技术产业产值的目标有何不同？")
    assert answer.trace["mode"] == "comparison" and answer.trace["generator_used"] == "extractive"
    assert llm.prompts == [] and len(answer.citations) >= 2


def test_an_answer_that_swaps_the_best_figure_for_another_falls_back(qa: PolicyQA) -> None:
    # The corpus gives two caps for "单个项目最高资助": 3000万元 and 1000万元, in different
    # programmes. Whichever the extractive draft quotes, an LLM answer that swaps it for
    # the other is rejected by the guard, as a number no cited clause holds or as a draft
    # that dropped the best sentence's figure; one that keeps it is used.
    question = "东湖高新区关键核心技术攻关项目单个项目最高资助多少？"
    drafted = qa.answer(question).answer
    assert ("1000万元" in drafted) != ("3000万元" in drafted), drafted
    kept_cap, other_cap = ("1000万元", "3000万元") if "1000万元" in drafted else ("3000万元", "1000万元")
    chain = _with_llm(qa, f"关键核心技术攻关项目单个项目最高资助{other_cap}[2]。")
    answer = chain.answer(question)
    assert answer.trace["generator_used"] == "extractive" and kept_cap in answer.answer
    assert (other_cap[:-1] in answer.trace.get("ungrounded", [])
            or kept_cap[:-1] in answer.trace.get("dropped", [""])[0]), answer.trace
    kept = _with_llm(qa, f"关键核心技术攻关项目单个项目最高资助{kept_cap}[1]。").answer(question)
    assert kept.trace["generator_used"] == "llamacpp"


@pytest.mark.llm
def test_the_real_local_llm_answers_one_question_through_the_chain(qa: PolicyQA) -> None:
    import importlib.util

    from assistant.llm import LlamaCppLLM
    from assistant.settings import Settings

    settings = Settings()
    if not settings.llm_path.is_file() or importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("local LLM not built: run make setup")
    llm = LlamaCppLLM(settings.llm_path, n_threads=settings.llm_threads)
    chain = PolicyQA(qa.retriever, llms={"llamacpp": llm}, default_generator="llamacpp", lexicon=qa.lexicon,
                     use_reader=False)
    try:
        chain.warm()
        answer = chain.answer("东湖高新区2025年高新技术企业数量目标是多少？")
    finally:
        llm.close()
    assert "llm_draft" in answer.trace  # the model was asked, whatever the guard decided
    assert "10000家" in answer.answer and answer.citations[0].doc_id == PATENT_DOC
    assert answer.usage.prompt_tokens > 0 and answer.usage.completion_tokens > 0


def test_by_default_the_llm_neither_reads_nor_rephrases(qa: PolicyQA) -> None:
    """The reader lost accuracy on two of five evaluation sets, so it is opt-in."""
    from assistant.settings import Settings

    settings = Settings()
    assert settings.rephrase is False and settings.reader == "off"
    llm = FakeLLM("1")
    chain = PolicyQA(qa.retriever, llms={"llamacpp": llm}, default_generator="llamacpp",
                     lexicon=qa.lexicon, use_reader=settings.reader != "off", rephrase=settings.rephrase)
    answer = chain.answer("东湖高新区2025年发明专利目标是什么？")
    assert llm.prompts == [] and answer.trace["generator_used"] == "extractive"
    assert "发明专利拥有量翻一番" in answer.answer


def test_a_reading_llm_generator_reads_and_the_answer_stays_the_quotes(qa: PolicyQA) -> None:
    llm = FakeLLM("1")  # as a reader: "sentence 1 answers"
    chain = PolicyQA(qa.retriever, llms={"llamacpp": llm}, default_generator="llamacpp",
                     lexicon=qa.lexicon, use_reader=True, rephrase=False)
    answer = chain.answer("东湖高新区2025年发明专利目标是什么？")
    assert len(llm.prompts) == 1 and "[1]" in llm.prompts[0][-1]["content"]  # one reading call
    assert answer.trace["generator_used"] == "extractive" and "发明专利拥有量翻一番" in answer.answer
    assert answer.trace["decision"]["reader_picked"] == 1.0
