"""``python -m ingest [PATHS...]``: parse, chunk, embed and index documents.

This is an entry point, not library code: like ``assistant/__main__.py`` it wires the
real parts together (settings, embedding model, Chroma), so it alone in ``ingest``
imports downstream packages.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.chunking import chunk_document
from ingest.pipeline import discover, parse_file
from ingest.types import IngestError

app = typer.Typer(add_completion=False, help="Ingest policy documents into the index.")
err = Console(stderr=True)
out = Console()


def _dump(paths: list[Path], target: Path, max_tokens: int) -> int:
    """Write every chunk with its metadata as JSONL, for reviewing the parser by eye."""
    files = list(discover(paths))
    if target.resolve() in {f.resolve() for f in files}:
        # `--dump corpus/x.txt` reads like "dump this file" and would overwrite a source.
        err.print(f"[red]error[/] --dump {target} is one of the documents to read; give a new file")
        raise typer.Exit(2)
    failed = 0
    with target.open("w", encoding="utf-8") as fh:
        for path in files:
            try:
                doc = parse_file(path)
            except IngestError as exc:
                err.print(f"[red]error[/] {path.name}: {exc}")
                failed += 1
                continue
            for chunk in chunk_document(doc, max_tokens):
                row = asdict(chunk)
                row.pop("embed_text")
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.print(f"wrote {target}")
    return failed


@app.command()
def main(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: the corpus folder).")] = None,
    dump: Annotated[Path | None, typer.Option(help="Write all chunks to this JSONL file and exit.")] = None,
    rebuild: Annotated[bool, typer.Option(help="Empty the index first (after changing the model).")] = False,
    summary: Annotated[bool, typer.Option(help="Print the indexed documents afterwards.")] = False,
) -> None:
    """Index PATHS (default: PQA_CORPUS_DIR). Unchanged files are skipped, changed ones
    replaced, and when the whole corpus folder is ingested, removed files are deleted."""
    from assistant.factory import ingest_paths, make_index
    from assistant.settings import Settings
    from vectorstore.client import StoreError
    from vectorstore.embeddings import EmbeddingModelNotFoundError

    logging.basicConfig(level=logging.WARNING)
    settings = Settings()
    targets = paths or [settings.corpus_dir]
    if dump is not None:
        raise typer.Exit(1 if _dump(targets, dump, settings.chunk_tokens) else 0)
    files = list(discover(targets))
    try:
        index = make_index(settings, rebuild=rebuild)
    except (StoreError, EmbeddingModelNotFoundError) as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(2) from exc
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("ingesting", total=len(files))

        def progress(doc_id: str, action: str) -> None:
            if action != "removed":
                bar.update(task, advance=1, description=f"{action:9} {doc_id[:40]}")

        report = ingest_paths(index, targets, max_tokens=settings.chunk_tokens,
                              prune=paths is None, progress=progress)
    for doc_id, message in report.failed.items():
        err.print(f"[red]error[/] {doc_id}: {message}")
    docs = index.documents()
    table = Table(title="policyqa index")
    for col in ("documents", "clauses", "chunks", "tokens", "added", "replaced", "removed",
                "unchanged", "failed", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(str(len(docs)), str(sum(d.n_clauses for d in docs)), str(sum(d.n_chunks for d in docs)),
                  str(sum(d.n_tokens for d in docs)), str(len(report.added)), str(len(report.replaced)),
                  str(len(report.removed)), str(len(report.unchanged)), str(len(report.failed)),
                  f"{report.seconds:.1f}")
    out.print(table)
    if summary:
        docs_table = Table(title="documents")
        for col in ("doc_id", "title", "date", "period", "clauses", "chunks"):
            docs_table.add_column(col)
        for d in docs:
            period = f"{d.period[0]}—{d.period[1]}" if d.period else ""
            docs_table.add_row(d.doc_id, d.title, d.date or "", period, str(d.n_clauses), str(d.n_chunks))
        out.print(docs_table)
    if report.failed:
        raise typer.Exit(1)


if __name__ == "__main__":
    sys.exit(app())
