"""The read stage: the LLM reader's pick as evidence for selection and refusal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.decide import decide
from assistant.llm import LlamaCppLLM
from assistant.params import Logistic, ReaderParams, RefuseParams
from assistant.read import promote, read
from assistant.reader import LLMReader, parse_reply
from assistant.retrieval import Evidence
from assistant.units import Unit
from ingest.types import Chunk

QUESTION = "打造高质普惠的医疗卫生体系的责任单位是谁？"
SENTENCES = [
    "支持华中科技大学同济医院、武汉儿童医院等部、省、市属龙头医院光谷院区建设发展。",
    "加快推进光谷人民医院等综合性、普惠性、公益性医院项目建设。",
    "(责任单位:市卫健委)",
]


@dataclass
class Reply:
    text: str


class ScriptedLLM:
    """Answers every prompt with one fixed reply, and records the prompts it saw."""

    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def generate(self, messages: list[dict[str, str]], *, max_tokens: int = 16,
                 temperature: float = 0.0, stop: list[str] | None = None) -> Reply:
        self.prompts.append(messages[-1]["content"])
        if isinstance(self.reply, Exception):
            raise self.reply
        return Reply(self.reply)


def _units(scores: list[float]) -> list[Unit]:
    chunk = Chunk(id="c1", doc_id="d.txt", title="方案", clause_path="2.打造高质普惠的医疗卫生体系",
                  heading="2.打造高质普惠的医疗卫生体系", text="".join(SENTENCES), embed_text="",
                  n_tokens=60, span=(0, 60))
    ev = Evidence(chunk=chunk, score=0.03, dense=0.9, lexical=5.0, doc_title="方案", doc_period=None,
                  doc_date=None)
    return [Unit(t, ev, s, features={"cov": 0.5}) for t, s in zip(SENTENCES, scores, strict=True)]


def test_a_picked_sentence_moves_to_the_top() -> None:
    scored = _units([0.5, 0.3, 0.2])
    llm = ScriptedLLM("3")
    reading = read(LLMReader(llm), QUESTION, scored, ReaderParams(pick_logit=3.0))
    assert "[3] (责任单位:市卫健委)" in llm.prompts[0] and QUESTION in llm.prompts[0]
    promote(reading, scored, ReaderParams(pick_logit=3.0))
    assert scored[0].text == "(责任单位:市卫健委)" and scored[0].features["reader_pick"] == 1.0
    assert scored[0].score > 0.5


@pytest.mark.parametrize("reply", ["9", "", "我不知道", RuntimeError("llama died")])
def test_an_invalid_or_failed_reply_changes_nothing(reply: str | Exception) -> None:
    scored = _units([0.5, 0.3, 0.2])
    before = [(u.text, u.score) for u in scored]
    reading = read(LLMReader(ScriptedLLM(reply)), QUESTION, scored, ReaderParams())
    promote(reading, scored, ReaderParams())
    assert [(u.text, u.score) for u in scored] == before
    assert reading.refuse_offset(ReaderParams()) == 0.0


def test_only_the_best_distinct_sentences_are_shown() -> None:
    scored = _units([0.5, 0.3, 0.2]) + _units([0.1, 0.1, 0.1])  # the same three again
    llm = ScriptedLLM("1")
    reading = read(LLMReader(llm), QUESTION, scored, ReaderParams(candidates=2))
    assert len(reading.shown) == 2 and "[3]" not in llm.prompts[0]


def test_none_lowers_the_probability_that_the_evidence_answers() -> None:
    scored = _units([0.5, 0.3, 0.2])
    params = ReaderParams(none_logit=-2.0)
    reading = read(LLMReader(ScriptedLLM("0")), QUESTION, scored, params)
    assert reading.pick.none and reading.refuse_offset(params) == -2.0
    refuse = RefuseParams(model=Logistic(features=["cov_best"], weights=[0.0], bias=0.5), threshold=0.5)
    from assistant.context import build_context
    from assistant.query import analyze

    ctx = build_context(analyze(QUESTION), {})
    plain = decide(ctx, [scored[0].evidence], scored[0], refuse)
    doubted = decide(ctx, [scored[0].evidence], scored[0], refuse, offset=reading.refuse_offset(params))
    assert plain.refusal is None and doubted.refusal is not None
    assert doubted.p_answerable < plain.p_answerable


def test_replies_are_read_leniently_but_only_valid_numbers_count() -> None:
    assert parse_reply("[2]", SENTENCES).picked == (1,)
    assert parse_reply("1,3", SENTENCES).picked == (0, 2)
    assert parse_reply("7", SENTENCES).ok is False
    assert parse_reply("0", SENTENCES).none


# --------------------------------------------------------------------------- the real local model


@pytest.fixture(scope="module")
def local_reader(local_llm: LlamaCppLLM) -> LLMReader:
    return LLMReader(local_llm)


@pytest.mark.llm
def test_the_real_model_picks_the_sentence_naming_the_responsible_unit(local_reader: LLMReader) -> None:
    pick = local_reader.pick(QUESTION, SENTENCES)
    assert pick.ok and pick.picked and pick.picked[0] == 2, pick.raw


@pytest.mark.llm
def test_the_real_model_says_none_when_no_sentence_answers(local_reader: LLMReader) -> None:
    pick = local_reader.pick("武汉市2025年地区生产总值目标是多少？", SENTENCES)
    assert pick.ok and (pick.none or not pick.picked), pick.raw


def test_an_extractive_answer_can_be_read_too(qa) -> None:  # type: ignore[no-untyped-def]
    """With read_always, the loaded LLM reads for extractive answers: its pick of the
    responsible-unit line becomes the quoted answer, and the answer stays a verbatim quote."""
    from assistant.chain import PolicyQA

    def chain(reply: str) -> PolicyQA:
        return PolicyQA(qa.retriever, llms={"llamacpp": ScriptedLLM(reply)}, lexicon=qa.lexicon,  # type: ignore[dict-item]
                        default_generator="extractive", read_always=True)

    for n in range(1, 6):  # whichever number the line has among the five shown
        answer = chain(str(n)).answer(QUESTION)
        if "市卫健委" in answer.answer:
            break
    assert "市卫健委" in answer.answer and answer.generator == "extractive"
    assert answer.trace["decision"]["reader_picked"] == 1.0
    unread = PolicyQA(qa.retriever, llms={}, lexicon=qa.lexicon).answer(QUESTION)
    assert "reader_picked" not in unread.trace["decision"]
