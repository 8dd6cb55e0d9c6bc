"""The page's handlers with a fake chain and library: streaming, citations, documents.

(The key gate is the server's, in front of every route: tests/assistant/api/test_security.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant.jobs import Job, JobRunner
from assistant.settings import Settings
from assistant.types import Answer, Citation, Generator, StreamEvent, Turn
from assistant.ui import AUTO, NO_LIBRARY, NOT_UPLOADED, READ_ONLY, ChatPage, build_ui
from ingest.types import Clause, IngestError
from vectorstore.records import IndexedDocument

DOC = "002_x.txt"
PATH = "二、主要任务 > 2.支持高新技术企业发展壮大"
CITE = Citation(n=1, doc_id=DOC, title="行动方案", clause=PATH, text="到2025年,突破10000家。", score=0.8)


class FakeQA:
    """Streams a fixed answer the way PolicyQA does, and records what it was asked."""

    def __init__(self, *, refused: bool = False, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.refused = refused
        self.fail = fail

    def generators(self) -> list[Generator]:
        return ["extractive", "llamacpp"]

    def stream(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Iterator[StreamEvent]:
        self.calls.append({"question": question, "history": history, "top_k": top_k, "generator": generator})
        if self.fail:
            raise RuntimeError("the assistant is still loading its models")
        yield StreamEvent(event="token", data={"text": "LLM draft"})
        yield StreamEvent(event="token", data={"reset": True, "text": "到2025年,"})
        yield StreamEvent(event="token", data={"text": "突破10000家。 [1]"})
        yield StreamEvent(event="citations", data=[CITE.model_dump()])
        answer = Answer(answer="到2025年,突破10000家。 [1]", refused=self.refused, citations=[CITE],
                        condensed_question=f"searched: {question}", generator="extractive", latency_ms=1.0)
        yield StreamEvent(event="done", data=answer.model_dump())

    def answer(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Answer:
        raise NotImplementedError


def indexed(doc_id: str, title: str) -> IndexedDocument:
    return IndexedDocument(doc_id=doc_id, title=title, sha256="", source=doc_id, issuer=None, doc_number=None,
                           date="2022-02-21", period=(2022, 2025), n_clauses=3, n_chunks=2, n_tokens=10,
                           chunker_version="", embedding_model="", indexed_at="", chunks_digest="")


class FakeLibrary:
    def __init__(self) -> None:
        self.docs = {DOC: indexed(DOC, "行动方案")}
        self.jobs = JobRunner()

    def submit(self, filename: str, data: bytes) -> Job:
        return self.jobs.submit(filename, lambda _report: self.add(filename, data))

    def documents(self) -> list[IndexedDocument]:
        return list(self.docs.values())

    def clauses(self, doc_id: str) -> list[Clause]:
        if doc_id not in self.docs:
            raise KeyError(doc_id)
        texts = [("二、主要任务", "1.培育"), ("二、主要任务", "2.支持高新技术企业发展壮大"), ("二、主要任务", "3.强化")]
        return [Clause(doc_id=doc_id, path=p, heading=p[-1], text=f"{p[-1]}。到2025年,突破10000家。" if i == 1 else p[-1],
                       span=(i * 100, i * 100 + 50)) for i, p in enumerate(texts)]

    def add(self, filename: str, data: bytes) -> IndexedDocument:
        if not filename.endswith(".txt"):
            raise IngestError("unsupported file type '.xyz'")
        self.docs[filename] = indexed(filename, data.decode().splitlines()[0])
        return self.docs[filename]

    def delete(self, doc_id: str) -> None:
        del self.docs[doc_id]


def page(*, read_only: bool = False, qa: FakeQA | None = None) -> ChatPage:
    return ChatPage(qa or FakeQA(), FakeLibrary(), Settings(read_only=read_only))  # type: ignore[arg-type]


def test_respond_streams_then_shows_the_cited_answer() -> None:
    qa = FakeQA()
    steps = list(page(qa=qa).respond(" 目标是多少？ ", [], AUTO, 6, False))
    first_chat, _, cleared = steps[0]
    assert cleared == "" and "pqa-streaming" in first_chat[-1]["content"]
    assert "LLM draft" in steps[1][0][-1]["content"]
    assert "LLM draft" not in steps[2][0][-1]["content"], "a reset replaces the text shown so far"
    chat, exchanges, _ = steps[-1]
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "引用 / Sources" in chat[1]["content"] and 'data-pqa-cite="0:1"' in chat[1]["content"]
    assert exchanges[0]["question"] == "目标是多少？" and exchanges[0]["answer"]["citations"][0]["n"] == 1
    assert qa.calls == [{"question": "目标是多少？", "history": [], "top_k": 6, "generator": None}]


def test_followups_pass_plain_text_history_and_the_chosen_generator() -> None:
    qa = FakeQA()
    p = page(qa=qa)
    *_, (_, exchanges, _) = p.respond("第一问", [], AUTO, 6, False)
    *_, (chat, exchanges, _) = p.respond("那上市企业呢？", exchanges, "llamacpp", 3.0, True)
    assert qa.calls[1]["history"] == [Turn(role="user", content="第一问"),
                                      Turn(role="assistant", content="到2025年,突破10000家。 [1]")]
    assert qa.calls[1]["generator"] == "llamacpp" and qa.calls[1]["top_k"] == 3
    assert len(chat) == 4 and 'data-pqa-cite="1:1"' in chat[3]["content"]
    assert "searched: 那上市企业呢？" in chat[3]["content"], "show searched question"


def test_a_refused_answer_is_styled_as_a_notice() -> None:
    *_, (chat, _, _) = page(qa=FakeQA(refused=True)).respond("火星？", [], AUTO, 6, False)
    assert "pqa-refusal" in chat[-1]["content"] and "相关条款 / Related clauses" in chat[-1]["content"]


def test_a_failing_chain_shows_an_error_in_the_chat_and_keeps_the_question() -> None:
    *_, (chat, exchanges, _) = page(qa=FakeQA(fail=True)).respond("问题", [], AUTO, 6, False)
    assert "still loading" in chat[-1]["content"] and "pqa-error" in chat[-1]["content"]
    assert exchanges[0]["answer"] is None
    assert ChatPage.history(exchanges) == [], "failed exchanges are not sent as history"


@pytest.mark.parametrize("question", ["？？？！！！", "😀🎉", "\ud800东湖"])
def test_a_question_without_words_or_with_bad_text_is_not_asked(question: str) -> None:
    qa = FakeQA()
    [(chat, exchanges, kept)] = list(page(qa=qa).respond(question, [], AUTO, 6, False))
    assert qa.calls == [] and exchanges == [] and kept == question
    assert "pqa-error" in chat[-1]["content"]


def test_read_only_refuses_uploads_and_deletes() -> None:
    p = page(read_only=True)
    assert READ_ONLY in p.upload(["/x.txt"], progress=lambda *a, **k: None)[0]  # type: ignore[arg-type]
    assert p.delete(DOC)[0] == READ_ONLY and p.library is not None and DOC in p.library.docs
    assert p.documents()[0][0][0] == DOC, "documents are still listed"


def test_only_files_in_gradios_upload_folder_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    uploads = tmp_path / "gradio"
    (uploads / "abc").mkdir(parents=True)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))
    mine = uploads / "abc" / "mine.txt"
    mine.write_text("我的文件\n一、内容", encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    (uploads / "abc" / "link.txt").symlink_to(outside)
    p = page()
    refused = [str(outside), str(uploads / "abc" / "link.txt"), str(uploads / ".." / "secret.txt"),
               str(uploads), "/etc/passwd", "relative.txt"]
    report, *_ = p.upload([*refused, str(mine)], progress=lambda *a, **k: None)  # type: ignore[arg-type]
    assert report.count(NOT_UPLOADED) == len(refused)
    assert p.library is not None and set(p.library.docs) == {DOC, "mine.txt"}


def test_clicking_a_citation_opens_its_clause_in_context() -> None:
    p = page()
    *_, (_, exchanges, _) = p.respond("问题", [], AUTO, 6, False)
    html = p.open_citation(exchanges, gr.EventData(None, {"cite": "0:1"}))
    assert "<mark>" in html and "1.培育" in html and "3.强化" in html and "2.支持高新技术企业发展壮大" in html
    for junk in ["9:1", "0:7", "nonsense", ""]:
        assert "pqa-panel-empty" in p.open_citation(exchanges, gr.EventData(None, {"cite": junk}))


def test_a_citation_of_a_deleted_document_still_shows_its_text() -> None:
    p = page()
    *_, (_, exchanges, _) = p.respond("问题", [], AUTO, 6, False)
    assert p.library is not None
    p.library.delete(DOC)
    html = p.open_citation(exchanges, gr.EventData(None, {"cite": "0:1"}))
    assert "<mark>到2025年,突破10000家。</mark>" in html


def test_upload_reports_each_file_and_refreshes_the_table(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    good, bad = tmp_path / "new.txt", tmp_path / "bad.xyz"
    good.write_text("新文件\n一、目标", encoding="utf-8")
    bad.write_text("x")
    report, cleared, rows, pick = page().upload([str(good), str(bad)], progress=lambda *a, **k: None)  # type: ignore[arg-type]
    assert "✓ <b>new.txt</b>: 《新文件》" in report and "✗ <b>bad.xyz</b>: unsupported file type" in report
    assert cleared is None and [r[0] for r in rows] == [DOC, "new.txt"]
    assert pick["choices"] == [DOC, "new.txt"]


def test_delete_removes_the_chosen_document() -> None:
    p = page()
    status, rows, _ = p.delete(DOC)
    assert status == f"已删除 / Deleted: {DOC}" and rows == []
    assert "删除失败" in p.delete(DOC)[0]
    assert "请先选择" in p.delete(None)[0]


def test_generator_choices_start_with_auto() -> None:
    assert page().generator_choices() == [("自动 / auto", AUTO), ("extractive", "extractive"),
                                          ("llamacpp", "llamacpp")]


@pytest.mark.parametrize("read_only", [False, True])
def test_build_ui_lays_out_the_page_without_asking_anything(read_only: bool) -> None:
    qa = FakeQA()
    demo = build_ui(qa, FakeLibrary(), Settings(read_only=read_only))  # type: ignore[arg-type]
    assert isinstance(demo, gr.Blocks) and qa.calls == []
    config = demo.get_config_file()
    ids = {c["props"].get("elem_id"): c for c in config["components"]}
    assert {"pqa-chat", "pqa-question", "pqa-panel", "pqa-docs", "pqa-files", "pqa-settings"} <= set(ids)
    # Only gr.Examples' own loader stays callable; every handler of ours is private.
    public = {d["api_name"] for d in config["dependencies"] if d["api_visibility"] != "private"}
    assert public <= {"load_example"}
    writers = {ids["pqa-upload"]["id"], ids["pqa-delete"]["id"]}
    wired = {t[0] for d in config["dependencies"] for t in d["targets"]}
    assert bool(writers & wired) is not read_only, "a read-only page has no upload or delete handler"


def test_question_and_answer_text_cannot_inject_markup() -> None:
    class EvilQA(FakeQA):
        def stream(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
                   generator: Generator | None = None) -> Iterator[StreamEvent]:
            evil = '<img src=x onerror="alert(1)"> [1]'
            cite = CITE.model_copy(update={"title": "<script>x</script>", "clause": "<b>", "text": "<i>"})
            yield StreamEvent(event="token", data={"text": evil})
            yield StreamEvent(event="done", data=Answer(
                answer=evil, refused=False, citations=[cite], condensed_question="<svg>",
                generator="extractive", latency_ms=1).model_dump())

    p = page(qa=EvilQA())
    steps = list(p.respond('<img src=x onerror="alert(2)">', [], AUTO, 6, True))
    shown = " ".join(m["content"] for chat, _, _ in steps for m in chat)
    shown += p.open_citation(steps[-1][1], gr.EventData(None, {"cite": "0:1"}))
    for tag in ("<img", "<script", "<svg", "<b>", "<i>"):
        assert tag not in shown


def test_without_a_library_the_documents_tab_says_so() -> None:
    p = ChatPage(FakeQA(), None, Settings())
    assert p.documents()[0] == [] and p.delete(DOC)[0] == NO_LIBRARY
    assert NO_LIBRARY in p.upload(["/x.txt"])[0]
    demo = build_ui(FakeQA(), None, Settings())
    texts = [c["props"].get("value") for c in demo.get_config_file()["components"]]
    assert NO_LIBRARY in texts
