"""Load benchmark: N concurrent clients each ask M extractive questions of a live server.

    python scripts/load_test.py [--url http://127.0.0.1:8000] [--clients 20] [--questions 10]

Prints throughput, latency percentiles and the error count. A benchmark, not a test:
run it against `python -m assistant serve` (or `make run`) on the same machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

QUESTIONS_FILE = Path(__file__).resolve().parents[1] / "evals" / "questions" / "policy_qa.jsonl"
FALLBACK = ["东湖高新区2025年高新技术企业数量目标是多少？", "八大专项有哪些？",
            "What is the 2025 patent target for the optical valley?"]


def load_questions(n: int) -> list[str]:
    """The first ``n`` single-turn questions of the eval set (cycled if there are fewer)."""
    questions: list[str] = []
    if QUESTIONS_FILE.is_file():
        for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("question") and not row.get("history"):
                questions.append(row["question"])
    questions = questions or FALLBACK
    return [questions[i % len(questions)] for i in range(n)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def wait_ready(http: httpx.AsyncClient, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = await http.get("/healthz")
            if r.status_code == 200:
                return dict(r.json())
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"server at {http.base_url} not ready after {timeout:.0f} s")
        await asyncio.sleep(0.5)


async def client_run(http: httpx.AsyncClient, questions: list[str], offset: int, generator: str,
                     latencies: list[float], errors: list[str]) -> None:
    for i in range(len(questions)):
        question = questions[(offset + i) % len(questions)]
        start = time.perf_counter()
        try:
            r = await http.post("/v1/answer", json={"question": question, "generator": generator})
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:120]}")
                continue
        except httpx.HTTPError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        latencies.append((time.perf_counter() - start) * 1000)


async def run(url: str, clients: int, per_client: int, api_key: str | None, generator: str,
              timeout: float) -> dict[str, float | int]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout, limits=limits) as http:
        health = await wait_ready(http, 180)
        typer.echo(f"server ready: {health.get('documents')} documents, {health.get('chunks')} chunks, "
                   f"generators {health.get('generators')}")
        questions = load_questions(per_client)
        await http.post("/v1/answer", json={"question": questions[0], "generator": generator})  # warm-up
        latencies: list[float] = []
        errors: list[str] = []
        start = time.perf_counter()
        await asyncio.gather(*(client_run(http, questions, c, generator, latencies, errors)
                               for c in range(clients)))
        wall = time.perf_counter() - start
    for line in sorted(set(errors))[:5]:
        typer.echo(f"  error: {line}", err=True)
    total = clients * per_client
    return {"requests": total, "ok": len(latencies), "errors": len(errors), "seconds": round(wall, 2),
            "throughput_rps": round(len(latencies) / wall, 2) if wall else 0.0,
            "p50_ms": round(percentile(latencies, 50), 1) if latencies else 0.0,
            "p95_ms": round(percentile(latencies, 95), 1) if latencies else 0.0,
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
            "max_ms": round(max(latencies), 1) if latencies else 0.0}


def main(
    url: Annotated[str, typer.Option(help="Server base URL.")] = "http://127.0.0.1:8000",
    clients: Annotated[int, typer.Option(min=1, help="Concurrent clients.")] = 20,
    questions: Annotated[int, typer.Option(min=1, help="Questions per client.")] = 10,
    api_key: Annotated[str | None, typer.Option(help="Bearer key (default: PQA_API_KEY).")] = None,
    generator: Annotated[str, typer.Option(help="Generator to ask for.")] = "extractive",
    timeout: Annotated[float, typer.Option(help="Per-request timeout, seconds.")] = 120.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Run the benchmark and print throughput, p50/p95 latency and errors."""
    result = asyncio.run(run(url, clients, questions, api_key or os.environ.get("PQA_API_KEY"),
                             generator, timeout))
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"{result['requests']} requests ({clients} clients × {questions}) in {result['seconds']} s: "
               f"{result['throughput_rps']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
               f"max {result['max_ms']} ms, errors {result['errors']}")


if __name__ == "__main__":
    typer.run(main)
