"""The Gradio page: chat with streamed, cited answers, a clause panel, the document library,
and the documents' quantitative targets (``assistant.ui_targets``).

``build_ui`` only lays out components and wires them to ``ChatPage``'s handlers; the
handlers call the chain and the library and nothing else, and the HTML they show comes
from ``assistant.ui_render``. Nothing here runs at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import gradio as gr

from assistant import ui_render as render
from assistant.library import DocumentLibrary
from assistant.settings import Settings
from assistant.types import Generator, QAService, Turn, question_problem
from assistant.ui_assets import CLICK_JS, STYLE
from assistant.ui_targets import TargetsTab, layout_targets

log = logging.getLogger(__name__)

EXAMPLES = [
    "东湖高新区2025年高新技术企业数量目标是多少？",
    "What is the 2025 patent target for the optical valley?",
    "八大专项有哪些？",
    "高新技术企业数量目标在各个规划中分别是多少？",
]
AUTO = "auto"
DOC_HEADERS = ["文件 / File", "标题 / Title", "日期 / Date", "规划期 / Period",
               "条款 / Clauses", "片段 / Chunks"]
NO_LIBRARY = "文档管理不可用 / Document management is not available here."
READ_ONLY = "只读模式：不能上传或删除文档 / Read-only: documents cannot be uploaded or deleted."
NOT_UPLOADED = "不是本页上传的文件 / not a file uploaded through this page"
MAX_FILES = 20  # files per upload click
CACHE_CLEANUP = (3600, 3600)  # Gradio deletes uploaded files hourly once they are an hour old

Exchange = dict[str, Any]  # {"question": str, "answer": Answer dict | None, "error": str | None}
Messages = list[dict[str, str]]


class ChatPage:
    """The page's handlers, kept out of the layout so tests can call them with fakes."""

    def __init__(self, qa: QAService, library: DocumentLibrary | None, settings: Settings) -> None:
        self.qa = qa
        self.library = library
        self.settings = settings

    # -- chat ---------------------------------------------------------------------------
    def generator_choices(self) -> list[tuple[str, str]]:
        """Dropdown choices: the chain's generators, after "auto" (the chain's default)."""
        try:
            names = list(self.qa.generators())
        except Exception:  # a chain still loading must not break the page
            log.exception("listing generators failed")
            names = ["extractive"]
        return [("自动 / auto", AUTO), *((n, n) for n in names)]

    def messages(self, exchanges: Sequence[Exchange], show_query: bool) -> Messages:
        """The chat as Chatbot messages, rendered from the conversation state."""
        out: Messages = []
        for turn, ex in enumerate(exchanges):
            out.append({"role": "user", "content": render.render_question(ex["question"])})
            if ex.get("answer") is not None:
                content = render.render_answer(ex["answer"], turn, show_query=show_query)
            else:
                content = render.render_error(ex.get("error") or "（无回答 / no answer）")
            out.append({"role": "assistant", "content": content})
        return out

    @staticmethod
    def history(exchanges: Sequence[Exchange]) -> list[Turn]:
        """Earlier answered exchanges as plain-text turns for the chain's condensing."""
        turns: list[Turn] = []
        for ex in exchanges:
            if ex.get("answer") is not None:
                turns += [Turn(role="user", content=ex["question"]),
                          Turn(role="assistant", content=str(ex["answer"]["answer"]))]
        return turns

    def respond(self, question: str, exchanges: list[Exchange], generator: str, top_k: float,
                show_query: bool) -> Iterator[tuple[Messages, list[Exchange], str]]:
        """Stream one answer: (chat messages, conversation state, cleared question box)."""
        question = (question or "").strip()
        if not question:
            yield self.messages(exchanges, show_query), exchanges, ""
            return
        problem = question_problem(question)
        if problem:
            failed = [*exchanges, {"question": question, "answer": None,
                                   "error": f"问题无效 / The question {problem}."}]
            yield self.messages(failed, show_query), exchanges, question
            return
        gen = None if generator in (None, "", AUTO) else cast(Generator, generator)
        history = self.history(exchanges)
        shown = self.messages(exchanges, show_query)
        shown.append({"role": "user", "content": render.render_question(question)})
        text = ""
        yield [*shown, {"role": "assistant", "content": render.render_partial(text)}], exchanges, ""
        ex: Exchange = {"question": question, "answer": None, "error": None}
        try:
            for event in self.qa.stream(question, history, top_k=int(top_k), generator=gen):
                if event.event == "token":
                    piece = str(event.data.get("text", ""))
                    text = piece if event.data.get("reset") else text + piece
                    yield ([*shown, {"role": "assistant", "content": render.render_partial(text)}],
                           exchanges, "")
                elif event.event == "done":
                    ex["answer"] = dict(event.data)
        except Exception as exc:  # shown in the chat; the page keeps working
            log.exception("answering failed")
            ex["error"] = f"回答失败 / Answering failed: {exc}"
        exchanges = [*exchanges, ex]
        yield self.messages(exchanges, show_query), exchanges, ""

    def open_citation(self, exchanges: Sequence[Exchange], evt: gr.EventData) -> str:
        """The clause panel for a clicked citation (the browser sends its "turn:n" key)."""
        parsed = render.parse_cite_key(str(getattr(evt, "cite", "")))
        if parsed is None or parsed[0] >= len(exchanges):
            return render.PANEL_PLACEHOLDER
        turn, n = parsed
        answer = exchanges[turn].get("answer") or {}
        cite = next((c for c in answer.get("citations", []) if int(c["n"]) == n), None)
        if cite is None:
            return render.PANEL_PLACEHOLDER
        clauses = []
        if self.library is not None:
            try:
                clauses = self.library.clauses(cite["doc_id"])
            except Exception as exc:  # deleted since, or still loading: show the cited text alone
                log.info("no clauses for %s: %s", cite["doc_id"], exc)
        return render.render_clause_panel(cite, clauses)

    # -- documents ------------------------------------------------------------------------
    @property
    def writable(self) -> bool:
        return self.library is not None and not self.settings.read_only

    def blocked(self) -> str | None:
        """Why the Documents tab cannot upload or delete, or None when it can."""
        if self.library is None:
            return NO_LIBRARY
        return READ_ONLY if self.settings.read_only else None

    def documents(self) -> tuple[list[list[Any]], dict[str, Any]]:
        """(table rows, delete-dropdown update) for the Documents tab."""
        if self.library is None:
            return [], gr.update(choices=[], value=None)
        try:
            docs = self.library.documents()
        except Exception:
            log.exception("listing documents failed")
            return [], gr.update(choices=[], value=None)
        rows = [[d.doc_id, d.title, d.date or "", d.period_str, d.n_clauses, d.n_chunks] for d in docs]
        return rows, gr.update(choices=[d.doc_id for d in docs], value=None)

    def upload(
        self, files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects its tracker via this default
    ) -> tuple[str, None, list[list[Any]], dict[str, Any]]:
        """Index each uploaded file, reporting per file; (report, cleared files, table, dropdown)."""
        why = self.blocked()
        if why or self.library is None:
            return (render.render_upload_report([("—", False, why or NO_LIBRARY)]), None,
                    *self.documents())
        rows: list[tuple[str, bool, str]] = []
        paths = [Path(f) for f in files or []]
        if len(paths) > MAX_FILES:
            rows.append(("—", False, f"一次最多 {MAX_FILES} 个文件 / at most {MAX_FILES} files at once"))
            paths = []
        for i, path in enumerate(paths):
            progress((i, len(paths)), desc=f"索引 / Indexing {path.name}")
            data = self.uploaded_bytes(path)
            if data is None:
                log.warning("page upload refused: %s is not in Gradio's upload folder", path)
                rows.append((path.name, False, NOT_UPLOADED))
                continue
            try:  # the same job queue as the API's uploads, one document at a time
                job = self.library.submit(path.name, data)  # Gradio keeps the upload's own name
                while not job.wait(0.5):
                    progress((i + job.progress) / len(paths),
                             desc=f"索引 / Indexing {path.name}: {job.stage}")
                if job.error is not None:
                    raise job.error
                doc = job.result
                rows.append((path.name, True, f"《{doc.title}》 {doc.n_clauses} 条款 / clauses"))
            except Exception as exc:  # IngestError says why; anything else is still per file
                log.info("upload of %s refused: %s", path.name, exc)
                rows.append((path.name, False, str(exc) or type(exc).__name__))
        return (render.render_upload_report(rows), None, *self.documents())

    def uploaded_bytes(self, path: Path) -> bytes | None:
        """The file's bytes if Gradio itself received it in an upload, else None.

        The browser names the file it uploaded by its server path, so a hostile client can
        name any path; only a regular file inside Gradio's upload folder is read.
        """
        from gradio.utils import get_upload_folder

        folder = Path(get_upload_folder()).resolve()
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(folder) or real == folder or not real.is_file():
            return None
        max_bytes = self.settings.max_upload_mb * 1024 * 1024
        with real.open("rb") as f:
            data = f.read(max_bytes + 1)
        return data  # the library refuses one byte over the limit with its own message

    def delete(self, doc_id: str | None) -> tuple[str, list[list[Any]], dict[str, Any]]:
        """Delete the chosen document; (status, table, dropdown)."""
        why = self.blocked()
        if why or self.library is None:
            return why or NO_LIBRARY, *self.documents()
        if not doc_id:
            return "请先选择文档 / Choose a document first.", *self.documents()
        try:
            self.library.delete(doc_id)
            status = f"已删除 / Deleted: {doc_id}"
        except Exception as exc:
            status = f"删除失败 / Delete failed: {doc_id}: {exc}"
        return status, *self.documents()


def pick_row(evt: gr.SelectData) -> str | None:
    """A clicked table row chooses that document for deletion."""
    row = evt.row_value
    return str(row[0]) if row else None


def build_ui(qa: QAService, library: DocumentLibrary | None, settings: Settings) -> gr.Blocks:
    """The page. Mount it with ``gr.mount_gradio_app``; it carries its own CSS and script."""
    page = ChatPage(qa, library, settings)
    private: dict[str, Any] = {"api_visibility": "private"}  # the HTTP API is /v1, not Gradio's
    with gr.Blocks(title="政策问答 / PolicyQA", analytics_enabled=False,
                   delete_cache=CACHE_CLEANUP) as demo:
        exchanges = gr.State([])
        gr.HTML(f"<style>{STYLE}</style>", elem_id="pqa-style", padding=False, js_on_load=None)
        gr.HTML('<div class="pqa-header"><h1>政策问答 <span>/ PolicyQA</span></h1>'
                "<p>基于政策文件的引用式问答 · Cited answers from Chinese policy documents</p></div>",
                js_on_load=None)
        # With PQA_API_KEY set, the page and all of Gradio's routes sit behind /login.
        with gr.Column(elem_id="pqa-main"), gr.Tabs():
            with gr.Tab("问答 / Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    # sanitize_html=False: Gradio's sanitizer strips the data-pqa-cite links, and
                    # ui_render escapes every user and corpus string itself (tests check it).
                    chatbot = gr.Chatbot(label="对话 / Conversation", elem_id="pqa-chat", height=540,
                                         feedback_options=None, buttons=[], sanitize_html=False,
                                         latex_delimiters=[],
                                         placeholder="请提问 · Ask about the policy documents")
                    with gr.Row():
                        question = gr.Textbox(label="提问 / Ask", elem_id="pqa-question", scale=5,
                                              placeholder="例如 / e.g. 八大专项有哪些？", max_lines=4)
                        send = gr.Button("发送 / Send", variant="primary", scale=1, elem_id="pqa-send")
                    new_chat = gr.Button("新对话 / New conversation", size="sm", elem_id="pqa-new")
                    gr.Examples(EXAMPLES, inputs=[question], label="示例问题 / Example questions")
                    with gr.Accordion("设置 / Settings", open=False, elem_id="pqa-settings"):
                        generator = gr.Dropdown(page.generator_choices(), value=AUTO,
                                                label="生成器 / Generator", elem_id="pqa-generator")
                        top_k = gr.Slider(1, 20, value=settings.top_k, step=1,
                                          label="检索条数 / top_k", elem_id="pqa-topk")
                        show_query = gr.Checkbox(False, label="显示检索问题 / Show searched question",
                                                 elem_id="pqa-show-query")
                with gr.Column(scale=2, min_width=320):
                    gr.Markdown("#### 条款原文 / Clause")
                    panel = gr.HTML(render.PANEL_PLACEHOLDER, elem_id="pqa-panel", js_on_load=CLICK_JS)
            with gr.Tab("文档 / Documents", id="docs") as docs_tab:
                managed = library is not None
                gr.Markdown(page.blocked() or "", visible=not page.writable, elem_id="pqa-docs-note")
                table = gr.Dataframe(headers=DOC_HEADERS, interactive=False, elem_id="pqa-docs",
                                     wrap=True, label="文档 / Documents", visible=managed)
                with gr.Row(visible=page.writable):
                    files = gr.File(label="上传文件 / Upload files", file_count="multiple",
                                    type="filepath", elem_id="pqa-files")
                    with gr.Column():
                        upload_btn = gr.Button("上传 / Upload", variant="primary", elem_id="pqa-upload")
                        report = gr.HTML(js_on_load=None, elem_id="pqa-upload-report")
                with gr.Row(visible=page.writable):
                    doc_pick = gr.Dropdown([], label="选择文档 / Document", elem_id="pqa-doc-pick")
                    delete_btn = gr.Button("删除 / Delete", variant="stop", elem_id="pqa-delete")
                delete_msg = gr.Markdown()
            with gr.Tab("指标 / Targets", id="targets") as targets_tab:
                layout_targets(TargetsTab(library), targets_tab, private)

        ask = {"fn": page.respond, "inputs": [question, exchanges, generator, top_k, show_query],
               "outputs": [chatbot, exchanges, question], "concurrency_id": "answer", **private}
        question.submit(**ask)
        send.click(**ask)
        new_chat.click(lambda: ([], [], render.PANEL_PLACEHOLDER), outputs=[chatbot, exchanges, panel],
                       **private)
        chatbot.clear(lambda: ([], render.PANEL_PLACEHOLDER), outputs=[exchanges, panel], **private)
        show_query.change(page.messages, [exchanges, show_query], chatbot, **private)
        panel.click(page.open_citation, [exchanges], panel, **private)

        def refresh() -> tuple[Any, ...]:
            return (*page.documents(), gr.update(choices=page.generator_choices()))

        demo.load(refresh, None, [table, doc_pick, generator], **private)
        # Documents may change through the HTTP API too: reread them whenever the tab opens.
        docs_tab.select(page.documents, None, [table, doc_pick], **private)
        table.select(pick_row, None, doc_pick, **private)
        if page.writable:
            upload_btn.click(page.upload, [files], [report, files, table, doc_pick], **private)
            delete_btn.click(page.delete, [doc_pick], [delete_msg, table, doc_pick], **private)
    return demo
