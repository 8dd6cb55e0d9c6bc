"""Frame answers in the question's language, with citations; quoted text stays Chinese."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.decide import Refusal
from assistant.retrieval import Evidence
from assistant.types import Citation
from assistant.units import Unit, join_units


def citation(n: int, ev: Evidence, text: str | None = None) -> Citation:
    """A numbered citation of one evidence chunk."""
    return Citation(
        n=n, doc_id=ev.chunk.doc_id, title=ev.doc_title, clause=ev.chunk.clause_path,
        text=text if text is not None else ev.chunk.text, score=round(float(ev.score), 6),
    )


def source_line(lang: str, cite: Citation) -> str:
    """《标题》（条款） in Chinese, or 《标题》 (clause …) in English."""
    if lang == "en":
        return f"《{cite.title}》 (clause {cite.clause})"
    return f"《{cite.title}》（{cite.clause}）"


def frame_units(lang: str, groups: Sequence[tuple[Citation, list[Unit]]]) -> str:
    """"根据《标题》（条款）：原文…[1]" per cited clause."""
    lines = []
    for cite, units in groups:
        quote = join_units(units)
        lead = "According to" if lang == "en" else "根据"
        sep = ": " if lang == "en" else "："
        lines.append(f"{lead} {source_line(lang, cite)}{sep}{quote} [{cite.n}]".replace("根据 ", "根据"))
    return "\n".join(lines)


def frame_list(lang: str, parent: str, title: str, items: Sequence[tuple[Citation, str]]) -> str:
    """A list answer: the parent clause and its items, each cited."""
    body = "；".join(f"{text} [{c.n}]" for c, text in items)
    if lang == "en":
        return f"According to 《{title}》 (clause {parent}), the items are: {body}"
    return f"根据《{title}》（{parent}），包括：{body}。"


def frame_comparison(lang: str, lines: Sequence[tuple[Citation, str]]) -> str:
    """One line per document, in time order, each cited."""
    head = "Across the documents:" if lang == "en" else "各文件的相关内容如下："
    body = [f"- {source_line(lang, c)}：{text} [{c.n}]" if lang != "en"
            else f"- {source_line(lang, c)}: {text} [{c.n}]" for c, text in lines]
    return "\n".join([head, *body])


def frame_refusal(lang: str, refusal: Refusal, related: Sequence[Citation]) -> str:
    """A plain refusal, pointing at the nearest clauses as related reading."""
    if lang == "en":
        text = f"The corpus does not say: {refusal.reason_en}."
        if related:
            text += " Related clauses: " + "; ".join(source_line("en", c) for c in related[:3]) + "."
        return text
    text = f"语料中未找到答案：{refusal.reason_zh}。"
    if related:
        text += "相关条款：" + "；".join(source_line("zh", c) for c in related[:3]) + "。"
    return text
