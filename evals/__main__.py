"""``python -m evals run|gate``: evaluate the real chain (optionally next to the tutorial
baseline), write results and reports, and enforce the regression floors."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.settings import Settings
from assistant.types import Generator
from evals.datasets import (
    DATASETS_ENV,
    DEFAULT_DISTRACTORS,
    SEED,
    Dataset,
    DatasetError,
    load_dataset,
    sample_questions,
    select_documents,
    write_corpus,
)
from evals.fit import fit_command
from evals.questions import DEFAULT_QUESTIONS, Question, QuestionFileError, load_questions
from evals.runner import (
    KS,
    MRR_K,
    PRIMARY,
    Answerer,
    FloorCheck,
    build_summary,
    check_floors,
    gate_passed,
    load_floors,
    run_questions,
    write_outputs,
)
from evals.targets import targets_cmd

if TYPE_CHECKING:
    from vectorstore.store import EmbedderLike

DEFAULT_FLOORS = Path(__file__).resolve().parent / "floors" / "policy.json"
OUT_ROOT = Path("evals") / "out"  # relative to the checkout, git-ignored

app = typer.Typer(help="Evaluate policyqa on a gold question set.", no_args_is_help=True,
                  add_completion=False)
console = Console(stderr=True)


class GeneratorChoice(StrEnum):
    extractive = "extractive"
    llamacpp = "llamacpp"
    openai = "openai"


class DatasetChoice(StrEnum):
    policy = "policy"
    policy_dev = "policy-dev"
    policy_heldout = "policy-heldout"
    cmrc2018 = "cmrc2018"
    cjrc_dev = "cjrc-dev"


def _fail(message: str) -> NoReturn:
    """A usage problem: one plain line on stderr (no rich wrapping, no traceback), exit 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _select(dataset: DatasetChoice | None, questions: Path | None, corpus: Path | None,
            datasets_dir: Path | None, sample: int | None, distractors: int) -> Dataset:
    """The questions and corpus a run evaluates: a named dataset or --questions/--corpus,
    sampled (with the sample's documents plus distractors) when --sample is given."""
    if dataset is not None and (questions is not None or corpus is not None):
        _fail("--dataset brings its own questions and corpus; drop --questions/--corpus")
    try:
        if dataset is not None:
            ds = load_dataset(dataset.value, datasets_dir)
        else:
            path = questions or DEFAULT_QUESTIONS
            ds = Dataset("", load_questions(path), corpus_dir=corpus, source=str(path))
    except (QuestionFileError, DatasetError) as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"cannot read {e.filename or questions}: {e.strerror or e}")
    if sample is not None:
        qs = sample_questions(ds.questions, sample)
        docs = None if ds.documents is None else select_documents(ds.documents, qs, distractors)
        ds = dataclasses.replace(ds, questions=qs, documents=docs)
    return ds


def _commit() -> str | None:
    """The checkout's commit (with +dirty), so a report says what code it measured."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("+dirty" if dirty.strip() else "")


def _run(qa: Answerer, questions: Sequence[Question], *, system: str, clauses: bool,
         generator: Generator | None, top_k: int | None) -> list[dict[str, Any]]:
    """run_questions with a progress bar and a running count of correct answers.

    One untimed warm-up answer first, so lazy set-up (BM25, jieba, caches) is not
    charged to whichever question happens to come first.
    """
    if questions:
        with contextlib.suppress(Exception):  # a failing question is recorded by the run
            qa.answer(questions[0].question, generator=generator, top_k=top_k)
    correct = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[ok]} correct"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(system, total=len(questions), ok=0)

        def advance(record: Mapping[str, Any]) -> None:
            nonlocal correct
            correct += bool(record["correct"])
            progress.update(task, advance=1, ok=correct)

        return run_questions(qa, questions, system=system, clauses=clauses,
                             generator=generator, top_k=top_k, on_result=advance)


def _gate_table(checks: Sequence[FloorCheck], system: str) -> Table:
    table = Table(title=f"regression gate ({system})")
    for col in ("metric", "floor", "value", "status"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for c in checks:
        value = "n/a" if c.value is None else f"{c.value:.4f}"
        status = "[green]ok[/green]" if c.passed else "[bold red]BELOW FLOOR[/bold red]"
        table.add_row(c.name, f"{c.floor:.4f}", value, status)
    return table


def _gate(summary: Mapping[str, Any], floors_path: Path, system: str) -> bool:
    checks = check_floors(summary, load_floors(floors_path), system=system)
    console.print(_gate_table(checks, system))
    ok = gate_passed(checks)
    if not ok:
        failed = ", ".join(c.name for c in checks if not c.passed)
        console.print(f"[bold red]gate failed[/bold red]: {failed} below the floors in "
                      f"{floors_path}")
    return ok


def _load(settings: Settings, gen: Generator | None, corpus: Path | None, stack: ExitStack
          ) -> tuple[Settings, EmbedderLike, Answerer, dict[str, Any]]:
    """The real chain (over a temporary index of ``corpus`` if given) and the embedder."""
    from assistant.factory import build_qa, ingest_corpus, make_index
    from vectorstore.indexer import make_store_embedder

    with console.status("loading the embedding model"):
        embedder = make_store_embedder(settings)  # one copy for every use
    ingest_meta: dict[str, Any] = {}
    if corpus is not None:
        tmp = Path(stack.enter_context(TemporaryDirectory(prefix="policyqa-eval-")))
        # A local store in the temp dir, whatever PQA_CHROMA_URL says.
        settings = settings.model_copy(
            update={"corpus_dir": corpus, "data_dir": tmp, "chroma_url": None,
                    # the seed corpus's lexicon rows do not belong to another corpus
                    "lexicon_dir": tmp / "lexicon"})
        with console.status(f"indexing {corpus} into a temporary store"):
            report = ingest_corpus(settings, embedder=embedder)
        ingest_meta = {"added": len(report.added), "failed": dict(report.failed)}
        for doc_id, why in report.failed.items():
            console.print(f"[yellow]not indexed[/yellow] {doc_id}: {why}")
    with console.status("loading the chain"):
        qa = build_qa(settings, generator=gen,
                      index=make_index(settings, embedder=embedder, sweep=False))
    if gen is not None and gen not in qa.generators():
        console.print(f"[bold red]generator {gen!r} is not available here[/bold red]; "
                      f"available: {', '.join(qa.generators())}")
        raise typer.Exit(2)
    return settings, embedder, qa, ingest_meta


@app.command()
def run(
    dataset: Annotated[DatasetChoice | None, typer.Option(
        help="A named set with its own corpus: policy (evals/questions/policy_qa.jsonl over "
             "the data/corpus index), policy-dev (over evals/corpora/dev/; tuning allowed), "
             "policy-heldout (over evals/corpora/heldout/; never tuned on), cmrc2018, "
             "cjrc-dev (converted from --datasets-dir). Not with --questions/--corpus.")] = None,
    questions: Annotated[Path | None, typer.Option(
        help="Question set (JSONL); default evals/questions/policy_qa.jsonl.")] = None,
    datasets_dir: Annotated[Path | None, typer.Option(
        envvar=DATASETS_ENV, show_default=False,
        help="Folder with cmrc2018/ and cjrc_dev/; default shared/datasets beside the "
             "checkout.")] = None,
    sample: Annotated[int | None, typer.Option(
        help=f"A fixed sample of N questions (seed {SEED}, answerable/unanswerable kept in "
             "proportion); cmrc2018/cjrc-dev then index only the sample's documents plus "
             "--distractors others.")] = None,
    distractors: Annotated[int, typer.Option(
        help="With --sample on cmrc2018/cjrc-dev: unrelated documents added to the corpus."
    )] = DEFAULT_DISTRACTORS,
    generator: Annotated[GeneratorChoice | None, typer.Option(
        help="Answer generator; default: the settings' choice.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder; default evals/out/<timestamp>/.")] = None,
    baseline: Annotated[bool, typer.Option(
        "--baseline", help="Also run the tutorial RAG baseline on the same questions.")] = False,
    corpus: Annotated[Path | None, typer.Option(
        help="Index this folder into a temporary store and evaluate against it.")] = None,
    top_k: Annotated[int | None, typer.Option(help="Chunks to retrieve (default: settings).")
                     ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    gate: Annotated[bool, typer.Option("--gate", help="Fail if below the floors.")] = False,
    floors: Annotated[Path, typer.Option(help="Floors for --gate.")] = DEFAULT_FLOORS,
) -> None:
    """Run every question through the chain the API uses and write results and reports."""
    from evals.baseline import DESCRIPTION, build_baseline

    ds = _select(dataset, questions, corpus, datasets_dir, sample, distractors)
    qs = ds.questions[:limit]
    gen: Generator | None = generator.value if generator else None
    started = datetime.now()
    out_dir = out or OUT_ROOT / started.strftime("%Y%m%d-%H%M%S")
    runs: dict[str, list[dict[str, Any]]] = {}
    seconds: dict[str, float] = {}
    with ExitStack() as stack:
        corpus = ds.corpus_dir
        if ds.documents is not None:  # a converted set: its documents in a temporary folder
            folder = Path(stack.enter_context(TemporaryDirectory(prefix="policyqa-dataset-")))
            corpus = write_corpus(ds.documents, folder / ds.name)
        settings, embedder, qa, ingest_meta = _load(Settings(), gen, corpus, stack)
        t0 = time.perf_counter()
        runs[PRIMARY] = _run(qa, qs, system=PRIMARY, clauses=ds.clauses, generator=gen,
                             top_k=top_k)
        seconds[PRIMARY] = round(time.perf_counter() - t0, 1)
        if baseline:
            with console.status("building the tutorial baseline"):
                tutorial = build_baseline(settings.corpus_dir, embedder.as_langchain())
            stack.callback(tutorial.close)
            t0 = time.perf_counter()
            runs["baseline"] = _run(tutorial, qs, system="baseline", clauses=False,
                                    generator=None, top_k=top_k)
            seconds["baseline"] = round(time.perf_counter() - t0, 1)
    meta = {
        "started": started.isoformat(timespec="seconds"), "commit": _commit(),
        "questions": ds.source, "n_questions": len(qs), "generator": gen,
        "generators_used": dict(Counter(str(r["generator_used"]) for r in runs[PRIMARY])),
        "corpus": f"converted from {ds.source}" if ds.documents is not None
        else str(corpus or settings.corpus_dir), "ingest": ingest_meta,
        "dataset": ds.name or None, "sample": sample, "seed": SEED if sample is not None else None,
        "distractors": distractors if sample is not None and ds.documents is not None else None,
        "n_documents": None if ds.documents is None else len(ds.documents),
        "excluded": ds.notes.get("excluded"), "clause_scoring": ds.clauses,
        "embedding_model": settings.embedding_model_ref, "top_k": top_k or settings.top_k,
        "hit_ks": list(KS), "mrr_k": MRR_K, "seconds": seconds,
        "load_avg_1m": round(os.getloadavg()[0], 2),  # latency is only comparable on an idle box
        "descriptions": {"baseline": DESCRIPTION} if baseline else {},
    }
    summary = build_summary(runs, meta)
    paths = write_outputs(out_dir, summary, runs)
    typer.echo(paths["summary.md"].read_text(encoding="utf-8"))
    typer.echo(str(out_dir))
    errors = summary["systems"][PRIMARY]["overall"]["n_errors"]
    if errors:
        console.print(f"[bold red]{errors} question(s) raised[/bold red]; see "
                      f"{paths['report.html']}")
    passed = _gate(summary, floors, PRIMARY) if gate else True
    if errors or not passed:
        raise typer.Exit(1)


app.command("targets")(targets_cmd)


@app.command("gate")
def gate_cmd(
    summary_json: Annotated[Path, typer.Argument(help="summary.json of a run.")],
    floors: Annotated[Path, typer.Option(help="Floors file.")] = DEFAULT_FLOORS,
    system: Annotated[str, typer.Option(help="System to gate.")] = PRIMARY,
) -> None:
    """Exit non-zero, with a table, when a gated figure is below its floor."""
    summary = json.loads(summary_json.read_text(encoding="utf-8"))
    if not _gate(summary, floors, system):
        raise typer.Exit(1)


app.command("fit")(fit_command)

if __name__ == "__main__":
    app()
