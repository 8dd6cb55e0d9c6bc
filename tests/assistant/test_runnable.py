"""The whole chain as a LangChain Runnable, on the real corpus, model and Chroma."""

from __future__ import annotations

from functools import reduce
from operator import add

import pytest
from langchain_core.runnables import RunnableLambda

from assistant.chain import PolicyQA

QUESTION = "东湖高新区2025年发明专利目标是什么？"


def test_invoke_gives_the_same_answer_as_the_service(qa: PolicyQA) -> None:
    out = qa.as_runnable().invoke(QUESTION)
    direct = qa.answer(QUESTION)
    assert out["answer"] == direct.answer
    assert "发明专利拥有量翻一番" in out["answer"]
    assert out["citations"] and out["citations"][0]["doc_id"] == direct.citations[0].doc_id


def test_stream_chunks_add_up_to_the_invoked_answer(qa: PolicyQA) -> None:
    runnable = qa.as_runnable()
    chunks = list(runnable.stream({"question": QUESTION}))
    assert len(chunks) > 2, "the answer arrives in pieces"
    total = reduce(add, chunks)
    assert total["answer"] == runnable.invoke(QUESTION)["answer"]
    assert total["citations"]


def test_batch_answers_each_input_and_composes_with_other_runnables(qa: PolicyQA) -> None:
    chain = qa.as_runnable() | RunnableLambda(lambda out: out["refused"])
    refused = chain.batch([QUESTION, "成都市2025年高新技术企业数量目标是多少？"])
    assert refused == [False, True]


def test_a_follow_up_through_the_runnable_keeps_its_history(qa: PolicyQA) -> None:
    out = qa.as_runnable().invoke({"question": "那上市企业呢？", "history": [
        {"role": "user", "content": "东湖高新区2025年高新技术企业数量目标是多少？"},
        {"role": "assistant", "content": "10000家"}]})
    assert "上市企业" in out["condensed_question"] and "100家" in out["answer"]


@pytest.mark.parametrize("bad", [42, {"history": []}, {"question": None}])
def test_bad_input_is_a_clear_type_error(qa: PolicyQA, bad: object) -> None:
    with pytest.raises(TypeError, match="question"):
        qa.as_runnable().invoke(bad)
