"""``python -m assistant.bench``: warm latency per generator and of retrieval alone.

Prints figures; asserts nothing. Goals on 2 cores: retrieval p50 <= 50 ms, extractive
p50 <= 150 ms, llamacpp first token <= 3 s and a full answer <= 10 s. "First text" is the
first text a client is shown, which for an LLM is stricter than its first raw token: a
number only shows once the guard has checked it. LLM figures count only the answers the
LLM was asked to write (refusals and comparisons never ask it).
"""

from __future__ import annotations

import statistics
import time
from typing import Annotated

import typer

from assistant.factory import build_qa
from assistant.query import analyze
from assistant.settings import Settings
from assistant.types import Generator

QUESTIONS = [
    "东湖高新区2025年发明专利目标是什么？",
    "What is the 2025 patent target for the optical valley?",
    "东湖高新区2025年高新技术企业数量目标是多少？",
    "“十三五”规划中2020年技术合同成交额目标是多少？",
    "八大专项有哪些？",
    "高新技术企业数量目标在各个规划中分别是多少？",
    "光谷科技创新大走廊到2025年R&D经费支出占比目标是多少？",
    "东湖高新区2030年高新技术企业数量目标是多少？",
    "What revenue target is set for the life and health industry of the East Lake High-tech Zone by 2025?",
    "“十三五”规划中2020年众创空间目标是多少？",
    "东湖高新区关键核心技术攻关项目单个项目最高资助多少？",
    "How many high-tech enterprises should the Optics Valley corridor have by 2025?",
]

app = typer.Typer(add_completion=False)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def _line(name: str, ms: list[float]) -> str:
    return (f"{name:<22} n={len(ms):<3} p50={_pct(ms, 0.5):8.1f} ms  p95={_pct(ms, 0.95):8.1f} ms  "
            f"mean={statistics.fmean(ms):8.1f} ms")


@app.command()
def main(
    rounds: Annotated[int, typer.Option(help="Passes over the question list.")] = 3,
    llm: Annotated[bool, typer.Option(help="Also time the local LLM generator if built.")] = True,
) -> None:
    """Warm latency (the first pass is discarded as warm-up)."""
    settings = Settings()
    qa = build_qa(settings, generator=None if llm else "extractive")
    qa.warm()  # as the server does at start: load the LLM, evaluate its system prompt
    for q in QUESTIONS:  # warm-up: model, jieba, BM25 and caches
        qa.answer(q, generator="extractive")
    retrieval: list[float] = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t0 = time.perf_counter()
            qa.retriever.search(analyze(q, qa.lexicon, qa.retriever.vocab), k=settings.top_k)
            retrieval.append((time.perf_counter() - t0) * 1000)
    typer.echo(_line("retrieval", retrieval))
    gens: list[Generator] = [g for g in qa.generators() if llm or g == "extractive"]
    for gen in gens:
        n = rounds if gen == "extractive" else 1
        total: list[float] = []
        first: list[float] = []
        for _ in range(n):
            for q in QUESTIONS:
                t0 = time.perf_counter()
                first_token, trace = None, {}
                for event in qa.stream(q, generator=gen):
                    if event.event == "token" and first_token is None:
                        first_token = (time.perf_counter() - t0) * 1000
                    if event.event == "done":
                        trace = event.data["trace"]
                # Time only the answers the LLM worked on (it read, or it wrote).
                asked = "llm_draft" in trace or "llm_error" in trace or "reader_ok" in trace.get("decision", {})
                if gen == "extractive" or asked:
                    total.append((time.perf_counter() - t0) * 1000)
                    first.append(first_token or total[-1])
        if not total:
            typer.echo(f"{gen}: no answer asked the LLM")
            continue
        typer.echo(_line(f"{gen} first text", first))
        typer.echo(_line(f"{gen} full answer", total))

if __name__ == "__main__":
    app()
