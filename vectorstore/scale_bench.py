"""Scale benchmark, ``python -m vectorstore.bench --scale``: ingest, start, query, memory.

For corpora of 5, 1,000 and 10,000 documents (:mod:`vectorstore.scale_corpus`) it drives
the product only through its command lines and HTTP API, as a deployment would: ``python
-m ingest`` into a fresh folder, ``python -m assistant serve``, then extractive questions
over HTTP, timed on the client. The raw encoder runs in this process on a sample of the
same corpus's chunks between the two, so ingest/raw compares like with like on one machine.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vectorstore import scale_corpus as sc
from vectorstore.embeddings import BaseEmbedder

ROOT, MODELS_DIR = sc.ROOT, sc.ROOT / "models"
START_TIMEOUT = 600.0
TARGETS = "at 10,000: p50 <= 150 ms, p95 <= 400 ms, start <= 30 s, RSS <= 4 GB; p50 <= 1.5x at 5"


@functools.cache
def out() -> Console:
    """Rich output, wide enough for the table when piped to a file."""
    return Console(width=None if sys.stdout.isatty() else 180)


@dataclass
class SizeResult:
    size: int
    documents: int
    chars: int
    chunks: int
    ingest_wall_s: float  # the whole command, interpreter and model load included
    ingest_s: float  # ingest's own figure: hash, parse, chunk, embed, store
    ingest_chars_s: float
    ingest_chunks_s: float
    raw_chunks_s: float
    raw_chars_s: float
    ingest_raw_ratio: float
    torch_raw_chunks_s: float  # the fp32 torch encoder (before the int8 one) on the same chunks
    start_s: float
    p50_ms: float
    p95_ms: float
    seed_p50_ms: float  # the same seed-corpus questions at every size
    questions: int
    failed_questions: int
    rss_mb: float
    generators: list[str]
    load_1m: tuple[float, float]  # load average before ingest and after the questions


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    text = "".join(p.read_text() for p in (Path("/proc/cpuinfo"), Path("/proc/meminfo"))
                   if p.exists())
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    total = re.search(r"^MemTotal:\s*(\d+)", text, re.M)
    return {"cpus": os.cpu_count(), "cpu_model": model.group(1) if model else "?",
            "ram_gb": round(int(total.group(1)) / 2**20, 1) if total else None}


def product_env(corpus: Path, data: Path, *, llm: bool, backend: str) -> dict[str, str]:
    """The environment for the product's commands: this corpus, a fresh index, the built models."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PQA_GENERATOR", "PQA_CHROMA_URL", "PQA_API_KEY", "PQA_READ_ONLY"}}
    # COLUMNS: wide, so each row of ingest's table is one line to read.
    env.update(PQA_CORPUS_DIR=str(corpus), PQA_DATA_DIR=str(data), PQA_MODELS_DIR=str(MODELS_DIR),
               PQA_EMBEDDING_BACKEND=backend, HF_HUB_OFFLINE="1", COLUMNS="200")
    if not llm:
        env["PQA_GENERATOR"] = "extractive"
    return env


def run_ingest(env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, ingest's own seconds, chunks indexed) from ``python -m ingest``."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, text=True,
                          capture_output=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"python -m ingest exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    rows = [re.findall(r"[\w.]+", ln) for ln in proc.stdout.splitlines()]
    header = next((r for r in rows if "chunks" in r and "seconds" in r), None)
    values = next((r for r in rows if header and len(r) == len(header)
                   and all(re.fullmatch(r"[\d.]+", v) for v in r)), None)
    if header is None or values is None:
        raise RuntimeError(f"cannot read ingest's table:\n{proc.stdout[-2000:]}")
    return wall, float(values[header.index("seconds")]), int(values[header.index("chunks")])


def raw_encoder(embedder: BaseEmbedder, corpus: Path, docs: list[sc.CorpusDoc], n_chunks: int,
                max_tokens: int) -> tuple[float, float]:
    """(chunks/s, chars/s) of the encoder alone on a seeded sample of this corpus's chunks."""
    from vectorstore.bench import corpus_chunks

    paths = sorted(corpus / d.name for d in docs)
    random.Random(sc.SEED).shuffle(paths)  # n documents hold at least n chunks
    texts = [c.embed_text for c in corpus_chunks(paths[:n_chunks], max_tokens)]
    embedder.embed_passages(texts[:8])  # warm-up: first-call allocations are not throughput
    t = time.perf_counter()
    embedder.embed_passages(texts := texts[:n_chunks])  # batched as ingest batches it
    seconds = time.perf_counter() - t
    return len(texts) / seconds, sum(len(x) for x in texts) / seconds


def request(port: int, method: str, path: str, body: dict[str, Any] | None = None,
            timeout: float = 120.0) -> tuple[int, dict[str, Any]]:
    """(status, JSON body or {}) of one request to the local server."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    return resp.status, json.loads(raw) if raw.startswith(b"{") else {}


def wait_ready(proc: subprocess.Popen[bytes], port: int, t0: float) -> dict[str, Any]:
    """Poll /healthz until 200; fail if the server exits, reports failure or takes too long."""
    while time.perf_counter() - t0 < START_TIMEOUT:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited {proc.returncode} while starting")
        try:
            status, health = request(port, "GET", "/healthz", timeout=5)
        except OSError:
            status, health = 0, {}
        if status == 200:
            return health
        if health.get("status") == "failed":
            raise RuntimeError(f"the server failed to load: {health.get('message')}")
        time.sleep(0.1)
    raise RuntimeError(f"no 200 on /healthz within {START_TIMEOUT:.0f}s")


def tree_hwm_mb(pid: int) -> float:
    """Peak RSS (VmHWM) of ``pid`` and its descendants, summed, from /proc."""
    status: dict[int, str] = {}
    for path in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            status[int(path.parent.name)] = path.read_text()

    def field(text: str, name: str) -> int:
        found = re.search(rf"^{name}:\s*(\d+)", text, re.M)
        return int(found.group(1)) if found else 0

    tree, grew = {pid}, True
    while grew:  # add children of the tree until none is left out
        kids = {p for p, text in status.items() if field(text, "PPid") in tree} - tree
        tree, grew = tree | kids, bool(kids)
    return sum(field(status.get(p, ""), "VmHWM") for p in tree) / 1024


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C first (uvicorn's graceful shutdown), then harder; only the process we started."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is None:
            proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(15)


Timed = list[tuple[float, bool]]  # (ms, a seed-corpus question)


def serve_and_ask(env: dict[str, str], work: Path, questions: list[sc.BenchQuestion],
                  warmup: int) -> tuple[float, dict[str, Any], Timed, int, float]:
    """(start s, health, timed answers, failed answers, peak RSS MB) of one server."""
    with socket.socket() as sock:  # a free port: bound, read, released
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning"]
    with (work / "server.log").open("wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            health = wait_ready(proc, port, t0)
            start = time.perf_counter() - t0
            timed: Timed = []
            failed = 0
            for q in questions:
                t = time.perf_counter()
                status, _ = request(port, "POST", "/v1/answer",
                                    {"question": q.question, "generator": "extractive"})
                timed.append(((time.perf_counter() - t) * 1000, q.seed))
                failed += status != 200
            rss = tree_hwm_mb(proc.pid)
        finally:
            stop(proc)
    return start, health, timed[warmup:], failed, rss


@dataclass(frozen=True)
class Options:
    """What every size shares: the command-line choices."""

    model: str
    backend: str = "auto"
    n_questions: int = 40
    llm: bool = True
    max_tokens: int = 400
    raw_chunks: int = 256


def bench_size(size: int, work: Path, seeds: list[sc.CorpusDoc], originals: list[sc.CorpusDoc],
               embedder: BaseEmbedder, torch_embedder: BaseEmbedder, opt: Options) -> SizeResult:
    """One corpus size end to end, in ``work`` (emptied first)."""
    shutil.rmtree(work, ignore_errors=True)
    docs = sc.build_corpus(size, seeds=seeds, originals=originals)
    n_docs, chars = sc.write_corpus(docs, work / "corpus")
    env = product_env(work / "corpus", work / "var", llm=opt.llm, backend=opt.backend)
    load_before = os.getloadavg()[0]
    out().print(f"[bold]{size:,} documents[/] ({chars:,} characters) in {work}: ingesting…")
    wall, own, chunks = run_ingest(env)
    raw_cps, raw_chars = raw_encoder(embedder, work / "corpus", docs, opt.raw_chunks,
                                     opt.max_tokens)
    torch_cps = raw_cps if torch_embedder is embedder else raw_encoder(
        torch_embedder, work / "corpus", docs, opt.raw_chunks, opt.max_tokens)[0]
    warmup = min(3, opt.n_questions)
    questions = sc.pick_questions(docs, opt.n_questions + warmup)
    out().print(f"  ingest {wall:.1f}s ({own:.1f}s own), {chunks:,} chunks; raw encoder "
                f"{raw_cps:.1f} chunks/s; starting the server…")
    start, health, timed, failed, rss = serve_and_ask(env, work, questions, warmup)
    lat, seed_lat = [ms for ms, _ in timed], [ms for ms, seed in timed if seed] or [0.0]
    ingest_cps = chunks / own if own else 0.0
    return SizeResult(
        size=size, documents=int(health.get("documents", n_docs)), chars=chars,
        chunks=int(health.get("chunks", chunks)), ingest_wall_s=wall, ingest_s=own,
        ingest_chars_s=chars / own if own else 0.0, ingest_chunks_s=ingest_cps,
        raw_chunks_s=raw_cps, raw_chars_s=raw_chars,
        ingest_raw_ratio=ingest_cps / raw_cps if raw_cps else 0.0, torch_raw_chunks_s=torch_cps,
        start_s=start,
        p50_ms=statistics.median(lat or [0.0]),
        p95_ms=sorted(lat)[math.ceil(0.95 * len(lat)) - 1] if lat else 0.0,  # nearest rank
        seed_p50_ms=statistics.median(seed_lat), questions=len(lat), failed_questions=failed,
        rss_mb=rss, generators=list(health.get("generators", [])),
        load_1m=(load_before, os.getloadavg()[0]))


def table(results: list[SizeResult], info: dict[str, Any]) -> Table:
    t = Table(title=f"scale bench: {info['cpus']} CPUs, {info['cpu_model']}, "
                    f"{info['ram_gb']} GB RAM")
    for c in ("size", "docs", "chars", "chunks", "ingest s", "chars/s", "chunks/s", "raw chunks/s",
              "ingest/raw", "fp32 raw", "ingest/fp32", "start s", "p50 ms", "p95 ms", "seed p50",
              "RSS MB", "load"):
        t.add_column(c, justify="right")
    for r in results:
        t.add_row(f"{r.size:,}", f"{r.documents:,}", f"{r.chars:,}", f"{r.chunks:,}",
                  f"{r.ingest_s:.1f}", f"{r.ingest_chars_s:,.0f}", f"{r.ingest_chunks_s:.1f}",
                  f"{r.raw_chunks_s:.1f}", f"{r.ingest_raw_ratio:.0%}", f"{r.torch_raw_chunks_s:.1f}",
                  f"{r.ingest_chunks_s / r.torch_raw_chunks_s if r.torch_raw_chunks_s else 0:.2f}×",
                  f"{r.start_s:.1f}",
                  f"{r.p50_ms:.0f}", f"{r.p95_ms:.0f}", f"{r.seed_p50_ms:.0f}", f"{r.rss_mb:,.0f}",
                  "/".join(f"{x:.1f}" for x in r.load_1m))
    return t


def run(sizes: list[int], opt: Options, *, keep: Path | None = None,
        out_path: Path | None = None) -> list[SizeResult]:
    """Every size in turn, then the table; the JSON is rewritten after each size."""
    from vectorstore.embeddings import make_embedder

    seeds, originals = sc.seed_docs(sc.DEFAULT_SEEDS_DIR), sc.pool()
    embedder = make_embedder(opt.model, backend=opt.backend)
    # Today's encoder before the int8 one, timed on the same chunks in the same run.
    torch_embedder = embedder if embedder.backend == "torch" else make_embedder(opt.model, backend="torch")
    info = machine()
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="pqa-scale-") as tmp:
        for size in sizes:
            work = (keep or Path(tmp)) / f"n{size}"
            results.append(r := bench_size(size, work, seeds, originals, embedder, torch_embedder, opt))
            out().print(f"  start {r.start_s:.1f}s, p50 {r.p50_ms:.0f} ms, p95 {r.p95_ms:.0f} ms, "
                        f"peak RSS {r.rss_mb:,.0f} MB, {r.failed_questions} failed answers")
            if out_path:  # a long run that dies later keeps the sizes already measured
                out_path.write_text(json.dumps({
                    "machine": info, "options": asdict(opt), "targets": TARGETS,
                    "results": [asdict(x) for x in results]}, indent=2), encoding="utf-8")
    out().print(table(results, info))
    out().print("ingest s: ingest's own time (the command also loads Python and the model); "
                "rates use it. fp32 raw: the fp32 torch encoder on the same chunks; ingest/fp32: "
                "ingest's rate over it. seed p50: the same seed-corpus questions at every size. load: "
                f"1-min load average before ingest / after the questions. Targets: {TARGETS}."
                + (f" Results in {out_path}." if out_path else ""))
    return results
