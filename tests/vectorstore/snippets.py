"""Hand-built Documents and Chunks from real text of data/corpus/002_fdf6c96830e6b8c3.txt.

Built without the ingest parser, so the store's tests do not move when the parser does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ingest.types import PATH_SEP, Chunk, Clause, Document

TITLE = "促进武汉东湖新技术开发区高质量发展行动方案"

GOALS = (
    (
        "preamble",
        ("前言",),
        "为促进武汉东湖新技术开发区(以下称东湖高新区)高质量发展,充分发挥其引领、示范和辐射作用,"
        "结合我市实际,特制订本方案。",
    ),
    (
        "clause",
        ("一、工作目标",),
        "一、工作目标\n牢牢把握“发展高科技、实现产业化”方向,始终坚持“高”“新”特色,"
        "积极发挥“自创区、自贸区”先行先试作用。主要指标如下:",
    ),
    (
        "clause",
        ("一、工作目标", "——经济发展领跑全省全市"),
        "——经济发展领跑全省全市。2025年,东湖高新区经济总量突破5000亿元,发展首位度进一步提高。"
        "培育1—2家千亿级“产业航母”企业、10家百亿级行业龙头企业、一批国际领先企业。",
    ),
    (
        "clause",
        ("一、工作目标", "——创新能力稳居全国第一梯队"),
        "——创新能力稳居全国第一梯队。东湖科学城建设初显成效,研发经费投入年均增长14%以上,"
        "发明专利拥有量翻一番,高新技术企业数量达到10000家。",
    ),
    (
        "clause",
        ("一、工作目标", "——改革开放引领区域发展"),
        "——改革开放引领区域发展。中国(湖北)自由贸易试验区武汉片区引领全方位开放格局加快形成,"
        "政务服务改革不断深入,基本形成国际一流营商环境。",
    ),
)

TASKS = (
    (
        "clause",
        ("二、主要任务", "(二)实施科技企业倍增行动", "3.强化企业创新主体地位"),
        "3.强化企业创新主体地位。面向企业创新需求,加快创新要素向企业聚集。"
        "支持东湖高新区设立10亿元股权激励专项资金,支持科技型企业管理团队、技术人才和业务骨干实施股权激励。",
    ),
    (
        "clause",
        ("二、主要任务", "(五)实施双创环境优化行动", "2.强化知识产权保护"),
        "2.强化知识产权保护。支持东湖高新区建设国家知识产权服务业集聚发展示范区。"
        "支持武汉知识产权审判庭升级扩容,推动建立武汉知识产权法院。",
    ),
    (
        "clause",
        ("二、主要任务", "(五)实施双创环境优化行动", "3.创新科技金融支撑"),
        "3.创新科技金融支撑。支持东湖高新区筹建科技金融专营机构,打造银行、证券、保险和租赁等全牌照科技金融体系。",
    ),
)


def build(
    doc_id: str,
    parts: Sequence[tuple[str, tuple[str, ...], str]],
    *,
    title: str = TITLE,
    date: str | None = "2022-02-21",
) -> tuple[Document, list[Chunk]]:
    """A Document with one Clause per part and one Chunk per clause, ids hashing content."""
    text, clauses, chunks = "", [], []
    for seq, (kind, path, body) in enumerate(parts):
        start = len(text)
        text += body + "\n"
        span = (start, start + len(body))
        clauses.append(Clause(doc_id, path, path[-1], body, span, kind))
        clause_path = PATH_SEP.join(path)
        chunk_id = hashlib.sha1(f"{doc_id}|{clause_path}|{body}".encode()).hexdigest()[:20]
        chunks.append(
            Chunk(
                id=chunk_id,
                doc_id=doc_id,
                title=title,
                clause_path=clause_path,
                heading=path[-1],
                text=body,
                embed_text=f"{title}\n{clause_path}\n{body}",
                n_tokens=len(body),
                span=span,
                date=date,
                kind=kind,
                seq=seq,
            )
        )
    doc = Document(
        doc_id=doc_id,
        title=title,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        source=f"/somewhere/corpus/{doc_id}",
        issuer="武汉市人民政府",
        doc_number="武政〔2022〕5号",
        date=date,
        period=(2022, 2025),
        clauses=tuple(clauses),
    )
    return doc, chunks


def goals(doc_id: str = "goals.txt") -> tuple[Document, list[Chunk]]:
    return build(doc_id, GOALS)


def tasks(doc_id: str = "tasks.txt") -> tuple[Document, list[Chunk]]:
    return build(doc_id, TASKS, date=None)


def chunk_with(chunks: list[Chunk], needle: str) -> Chunk:
    """The one chunk whose text contains ``needle``."""
    (hit,) = [c for c in chunks if needle in c.text]
    return hit
