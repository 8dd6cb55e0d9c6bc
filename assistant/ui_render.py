"""Pure HTML for the chat page: answers, citations, refusals and the clause panel.

Kept apart from ``assistant.ui`` so it can be tested without Gradio. Everything that comes
from the corpus or the user is escaped here; the chat renders our HTML as is, so a policy
text containing ``<`` or ``*`` shows literally instead of turning into markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.types import PATH_SEP, Clause

# A click on any element carrying this attribute opens the clause panel (see ui.CLICK_JS).
CITE_ATTR = "data-pqa-cite"
_MARKER = re.compile(r"\[(\d+)\]")
_KEY = re.compile(r"^(\d+):(\d+)$")
# The chain's refusal text names its related clauses in prose; the page lists them as links.
_RELATED = re.compile(r"\s*(?:相关条款：|Related clauses: ).*$", re.S)

PANEL_PLACEHOLDER = (
    '<div class="pqa-panel pqa-panel-empty">点击答案中的引用，查看条款原文及其上下文。'
    "<br>Click a citation in an answer to read the clause in context.</div>"
)


def cite_key(turn: int, n: int) -> str:
    """The key a citation link carries: which exchange, which citation number."""
    return f"{turn}:{n}"


def parse_cite_key(key: str) -> tuple[int, int] | None:
    """(turn, n) from a key sent back by the browser, or None if it is malformed."""
    m = _KEY.match(key.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _text(s: str) -> str:
    """Escaped text with line breaks kept (the chat shows our HTML verbatim)."""
    return html.escape(s).replace("\n", "<br>")


def citation_label(cite: Mapping[str, Any]) -> str:
    """《标题》 条款路径: how a citation is named in lists and the panel header."""
    return f"《{cite['title']}》 {cite['clause']}".strip()


def _cite_link(turn: int, n: int, label: str, css: str) -> str:
    key = cite_key(turn, n)
    return (f'<a href="#cite-{turn}-{n}" class="{css}" {CITE_ATTR}="{key}" '
            f'title="查看条款 / Open clause">{label}</a>')


def link_markers(text: str, turn: int, valid: set[int]) -> str:
    """Escape ``text`` and turn each [n] that names a citation into a clickable link."""
    out, last = [], 0
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if n not in valid:
            continue
        out.append(_text(text[last:m.start()]))
        out.append(_cite_link(turn, n, f"[{n}]", "pqa-cite pqa-marker"))
        last = m.end()
    out.append(_text(text[last:]))
    return "".join(out)


def render_citations(citations: Sequence[Mapping[str, Any]], turn: int, *,
                     heading: str = "引用 / Sources") -> str:
    """The numbered source list that ends every answer: [n] 《title》 clause path."""
    if not citations:
        return ""
    items = "".join(
        f'<div class="pqa-source">{_cite_link(turn, int(c["n"]), _cite_label_html(c), "pqa-cite")}</div>'
        for c in citations
    )
    return f'<div class="pqa-sources"><div class="pqa-sources-head">{heading}</div>{items}</div>'


def _cite_label_html(cite: Mapping[str, Any]) -> str:
    return (f'<span class="pqa-n">[{int(cite["n"])}]</span> '
            f'<span class="pqa-title">《{html.escape(str(cite["title"]))}》</span> '
            f'<span class="pqa-path">{html.escape(str(cite["clause"]))}</span>')


def strip_related(text: str) -> str:
    """A refusal's reason without its prose list of related clauses."""
    return _RELATED.sub("", text).strip() or text


def render_answer(answer: Mapping[str, Any], turn: int, *, show_query: bool = False) -> str:
    """A finished answer: its text with linked markers, then its sources.

    A refusal is a notice box instead, followed by the nearest clauses as related reading,
    so nobody mistakes "the documents do not say" for an answer.
    """
    citations: list[Mapping[str, Any]] = list(answer.get("citations") or [])
    valid = {int(c["n"]) for c in citations}
    text = str(answer.get("answer", ""))
    if answer.get("refused"):
        body = (
            '<div class="pqa-refusal" role="note">'
            '<div class="pqa-refusal-head">未找到答案 / Not answered by the documents</div>'
            f'<div class="pqa-refusal-text">{_text(strip_related(text) if citations else text)}</div></div>'
            + render_citations(citations, turn, heading="相关条款 / Related clauses")
        )
    else:
        body = (f'<div class="pqa-answer-text">{link_markers(text, turn, valid)}</div>'
                + render_citations(citations, turn))
    if show_query and answer.get("condensed_question"):
        body += ('<div class="pqa-query">检索问题 / Searched question: '
                 f'{html.escape(str(answer["condensed_question"]))}</div>')
    return _block("pqa-answer pqa-refused" if answer.get("refused") else "pqa-answer", body)


def render_partial(text: str) -> str:
    """An answer still streaming: the text so far and a cursor."""
    return _block("pqa-answer pqa-streaming",
                  f'<div class="pqa-answer-text">{_text(text)}<span class="pqa-cursor">▌</span></div>')


def render_error(message: str) -> str:
    """A failure shown in the chat instead of an answer."""
    return _block("pqa-answer", f'<div class="pqa-error" role="alert">{_text(message)}</div>')


def render_question(question: str) -> str:
    """The user's question, shown literally (no Markdown or HTML interpretation)."""
    return _block("pqa-question", _text(question))


def _block(css: str, inner: str) -> str:
    # One line with no blank lines: Markdown passes an HTML block through untouched.
    return f'<div class="{css}">{inner}</div>'.replace("\n", "")


def _mark_within(clause_text: str, cited: str) -> str:
    """The clause text with the cited words marked: all of it, or the cited part of a long clause."""
    cited = cited.strip()
    at = clause_text.find(cited) if cited else -1
    if at < 0 or cited == clause_text.strip():
        return f"<mark>{_text(clause_text)}</mark>"
    end = at + len(cited)
    return f"{_text(clause_text[:at])}<mark>{_text(clause_text[at:end])}</mark>{_text(clause_text[end:])}"


def find_clause(clauses: Sequence[Clause], path: str) -> int | None:
    """Index of the clause whose path the citation names."""
    for i, clause in enumerate(clauses):
        if clause.path_str == path:
            return i
    return None


def render_clause_panel(cite: Mapping[str, Any], clauses: Sequence[Clause], *, window: int = 1) -> str:
    """The cited clause highlighted between its neighbours in the same document.

    Without the document's clauses (deleted since, or no library) the cited text alone is
    shown, still highlighted, so a click never leads nowhere.
    """
    head = (f'<div class="pqa-panel-title">《{html.escape(str(cite["title"]))}》</div>'
            f'<div class="pqa-panel-path">{_breadcrumb(str(cite["clause"]))}</div>')
    ordered = sorted(clauses, key=lambda c: c.span)
    at = find_clause(ordered, str(cite["clause"]))
    if at is None:
        text = str(cite["text"])
        blocks = [f'<div class="pqa-clause pqa-cited">{_mark_within(text, text)}</div>']
    else:
        blocks = []
        for clause in ordered[max(0, at - window):at + window + 1]:
            cited = clause is ordered[at]
            inner = _mark_within(clause.text, str(cite["text"])) if cited else _text(clause.text)
            css = "pqa-clause pqa-cited" if cited else "pqa-clause pqa-context"
            blocks.append(f'<div class="{css}"><div class="pqa-clause-path">'
                          f'{html.escape(clause.path_str or clause.heading)}</div>{inner}</div>')
    foot = f'<div class="pqa-panel-doc">{html.escape(str(cite["doc_id"]))}</div>'
    return f'<div class="pqa-panel">{head}{"".join(blocks)}{foot}</div>'


def _breadcrumb(path: str) -> str:
    return ' <span class="pqa-sep">›</span> '.join(html.escape(p) for p in path.split(PATH_SEP))


def render_upload_report(rows: Sequence[tuple[str, bool, str]]) -> str:
    """One line per uploaded file: added (with its title) or the reason it was refused."""
    if not rows:
        return '<div class="pqa-upload">没有选择文件 / No files selected.</div>'
    items = "".join(
        f'<li class="{"pqa-ok" if ok else "pqa-fail"}">{"✓" if ok else "✗"} '
        f'<b>{html.escape(name)}</b>: {html.escape(detail)}</li>'
        for name, ok, detail in rows
    )
    return f'<div class="pqa-upload"><ul>{items}</ul></div>'
