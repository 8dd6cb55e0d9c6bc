"""The page's pure HTML: citations, linked markers, refusals and the clause panel."""

from __future__ import annotations

from typing import Any

import pytest

from assistant import ui_render as r
from ingest.types import Clause

DOC = "002_x.txt"
TITLE = "促进武汉东湖新技术开发区高质量发展行动方案"
PATH = "二、主要任务 > (二)实施科技企业倍增行动 > 2.支持高新技术企业发展壮大"


def cite(n: int = 1, clause: str = PATH, text: str = "2.支持高新技术企业发展壮大。到2025年,数量力争突破10000家。",
         title: str = TITLE) -> dict[str, Any]:
    return {"n": n, "doc_id": DOC, "title": title, "clause": clause, "text": text, "score": 0.9}


def clause(path: tuple[str, ...], text: str, start: int) -> Clause:
    return Clause(doc_id=DOC, path=path, heading=path[-1], text=text, span=(start, start + len(text)))


PARENT = ("二、主要任务", "(二)实施科技企业倍增行动")
CLAUSES = [  # deliberately out of document order: the panel sorts by span
    clause((*PARENT, "3.强化企业创新主体地位"), "3.强化企业创新主体地位。", 300),
    clause((*PARENT, "1.积极培育科技型中小企业"), "1.积极培育科技型中小企业。", 100),
    clause((*PARENT, "2.支持高新技术企业发展壮大"), "2.支持高新技术企业发展壮大。到2025年,数量力争突破10000家。", 200),
    clause(("三、保障措施",), "三、保障措施", 400),
    clause(PARENT, "(二)实施科技企业倍增行动", 50),
]


def test_cite_keys_round_trip_and_reject_junk() -> None:
    assert r.parse_cite_key(r.cite_key(3, 12)) == (3, 12)
    for junk in ["", "3", "a:1", "1:2:3", "-1:2", "1:2<script>"]:
        assert r.parse_cite_key(junk) is None


def test_markers_become_links_only_for_real_citations_and_text_is_escaped() -> None:
    out = r.link_markers("a<b>&c [1] and [9]\nnext", turn=2, valid={1})
    assert "a&lt;b&gt;&amp;c" in out
    assert out.count('data-pqa-cite="2:1"') == 1
    assert "[9]" in out and "2:9" not in out
    assert "<br>next" in out


def test_citation_list_names_title_and_clause_path_and_is_clickable() -> None:
    out = r.render_citations([cite(1), cite(2, clause="一、工作目标", title="A<B>")], turn=0)
    assert "引用 / Sources" in out
    assert f"[1]</span> <span class=\"pqa-title\">《{TITLE}》</span>" in out
    assert PATH.replace(">", "&gt;") in out
    assert 'data-pqa-cite="0:2"' in out and "《A&lt;B&gt;》" in out
    assert r.render_citations([], turn=0) == ""


def answer(**over: Any) -> dict[str, Any]:
    base = {"answer": f"根据《{TITLE}》：到2025年,数量力争突破10000家。 [1]", "refused": False,
            "citations": [cite(1)], "condensed_question": "东湖高新区2025年高新技术企业数量目标是多少？"}
    return {**base, **over}


def test_an_answer_ends_with_its_sources_and_has_no_notice_box() -> None:
    out = r.render_answer(answer(), turn=4)
    assert "pqa-refusal" not in out
    assert out.index("10000家") < out.index("引用 / Sources")
    assert 'class="pqa-cite pqa-marker" data-pqa-cite="4:1"' in out
    assert "检索问题" not in out


def test_show_query_adds_the_searched_question() -> None:
    out = r.render_answer(answer(condensed_question="那上市企业呢 <2025>"), turn=0, show_query=True)
    assert "检索问题 / Searched question: 那上市企业呢 &lt;2025&gt;" in out


def test_a_refusal_is_a_notice_box_with_related_clauses_as_links() -> None:
    text = "语料中未找到答案：语料中的文件未涉及“上海浦东新区”。相关条款：《甲》（一）；《乙》（二）。"
    out = r.render_answer(answer(answer=text, refused=True, citations=[cite(1), cite(2)]), turn=1)
    assert 'class="pqa-answer pqa-refused"' in out and 'class="pqa-refusal" role="note"' in out
    assert "未找到答案 / Not answered by the documents" in out
    assert "相关条款 / Related clauses" in out and "引用 / Sources" not in out
    assert "相关条款：" not in out, "the prose list is replaced by links"
    assert 'data-pqa-cite="1:2"' in out


@pytest.mark.parametrize(("text", "expected"), [
    ("The corpus does not say: no year. Related clauses: 《A》 (clause 1).", "The corpus does not say: no year."),
    ("语料中未找到答案：年份。", "语料中未找到答案：年份。"),
])
def test_strip_related(text: str, expected: str) -> None:
    assert r.strip_related(text) == expected


def test_html_blocks_have_no_newlines_so_markdown_leaves_them_alone() -> None:
    for html in [r.render_answer(answer(answer="一\n\n二 [1]"), turn=0), r.render_partial("a\n\nb"),
                 r.render_error("x\ny"), r.render_question("q\n\n# not a heading")]:
        assert "\n" not in html


def test_partial_answer_shows_a_cursor_and_escapes() -> None:
    out = r.render_partial("<i>到2025年")
    assert "&lt;i&gt;到2025年" in out and "pqa-cursor" in out and "pqa-streaming" in out


def test_clause_panel_highlights_the_cited_clause_between_its_neighbours() -> None:
    out = r.render_clause_panel(cite(1), CLAUSES)
    assert "2.支持高新技术企业发展壮大" in out and "›" in out  # the breadcrumb
    first, cited, after = out.index("1.积极培育"), out.index("<mark>"), out.index("3.强化企业")
    assert first < cited < after, "previous clause, cited clause, next clause, in document order"
    assert out.count('class="pqa-clause ') == 3 and "三、保障措施" not in out
    assert out.count("<mark>") == 1 and "pqa-cited" in out
    assert "<mark>2.支持高新技术企业发展壮大。到2025年,数量力争突破10000家。</mark>" in out


def test_clause_panel_window_widens_the_context() -> None:
    out = r.render_clause_panel(cite(1), CLAUSES, window=2)
    assert out.count('class="pqa-clause ') == 5 and "三、保障措施" in out


def test_only_the_cited_part_of_a_long_clause_is_marked() -> None:
    long = [clause(("一、工作目标",), "一、工作目标。甲乙丙。到2025年翻一番。丁戊。", 0)]
    out = r.render_clause_panel(cite(1, clause="一、工作目标", text="到2025年翻一番。"), long)
    assert "甲乙丙。<mark>到2025年翻一番。</mark>丁戊。" in out


def test_clause_panel_without_the_document_shows_the_cited_text() -> None:
    out = r.render_clause_panel(cite(1, text="a < b"), [])
    assert "<mark>a &lt; b</mark>" in out and TITLE in out


def test_upload_report_lists_each_file_with_its_outcome() -> None:
    out = r.render_upload_report([("a.txt", True, "《甲》 3 条款 / clauses"),
                                  ("b<x>.xyz", False, "unsupported file type '.xyz'")])
    assert '<li class="pqa-ok">✓ <b>a.txt</b>' in out
    assert '<li class="pqa-fail">✗ <b>b&lt;x&gt;.xyz</b>: unsupported file type &#x27;.xyz&#x27;' in out
    assert "No files selected" in r.render_upload_report([])
