"""``python -m ingest [PATHS...]``: parse, chunk, embed and index documents.

This is an entry point, not library code: it hands the files to the one indexer beside the
store (``vectorstore.indexer``), so it alone in ``ingest`` imports the next package down;
nothing here imports the assistant.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ingest.chunking import chunk_document
from ingest.pipeline import discover, parse_file
from ingest.types import IngestError

if TYPE_CHECKING:
    from vectorstore.config import StoreSettings
    from vectorstore.store import PolicyIndex
    from vectorstore.sync import SyncReport

RETRY_SECONDS = 5.0


class RateColumn(ProgressColumn):
    """Documents per second (rich's own speed columns count bytes)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:.1f} docs/s")


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


def _index_once(settings: StoreSettings, targets: list[Path], n_files: int, *, rebuild: bool,
                prune: bool) -> tuple[SyncReport, PolicyIndex]:
    """One attempt: open the index and sync, with a progress bar (documents/s, time left)."""
    from vectorstore.indexer import open_indexer

    indexer = open_indexer(settings, rebuild=rebuild)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task("ingesting", total=n_files)

        def progress(doc_id: str, action: str) -> None:
            if action != "removed":
                bar.update(task, advance=1, description=f"{action:9} {doc_id[:40]}")

        return indexer.sync_paths(targets, prune=prune, progress=progress), indexer.index


@app.command()
def main(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: the corpus folder).")] = None,
    dump: Annotated[Path | None, typer.Option(help="Write all chunks to this JSONL file and exit.")] = None,
    rebuild: Annotated[bool, typer.Option(help="Empty the index first (after changing the model).")] = False,
    summary: Annotated[bool, typer.Option(help="Print the indexed documents afterwards.")] = False,
    wait: Annotated[float, typer.Option(min=0, help="Seconds to keep retrying while the Chroma server "
                                        "is unreachable (each retry resumes where the last stopped).")] = 60.0,
) -> None:
    """Index PATHS (default: PQA_CORPUS_DIR). Unchanged files are skipped, changed ones
    replaced, and when the whole corpus folder is ingested, removed files are deleted."""
    from vectorstore.client import StoreError, StoreUnavailableError
    from vectorstore.config import StoreSettings
    from vectorstore.embeddings import EmbeddingModelNotFoundError

    logging.basicConfig(level=logging.WARNING)
    settings = StoreSettings()
    targets = paths or [settings.corpus_dir]
    if dump is not None:
        raise typer.Exit(1 if _dump(targets, dump, settings.chunk_tokens) else 0)
    files = list(discover(targets))
    deadline = time.monotonic() + wait
    while True:
        try:
            report, index = _index_once(settings, targets, len(files), rebuild=rebuild, prune=paths is None)
            break
        except StoreUnavailableError as exc:
            if time.monotonic() >= deadline:
                err.print(f"[red]error[/] {exc}; documents indexed so far are kept, run again to resume")
                raise typer.Exit(2) from exc
            err.print(f"[yellow]waiting[/] {exc}; retrying in {RETRY_SECONDS:.0f} s")
            rebuild = False  # emptied already, if asked: what was indexed since is kept
            time.sleep(RETRY_SECONDS)
        except (StoreError, EmbeddingModelNotFoundError) as exc:
            err.print(f"[red]error[/] {exc}")
            raise typer.Exit(2) from exc
        except OSError as exc:
            err.print(f"[red]error[/] {exc.strerror or exc}; the previous index stays readable, "
                      "run again to resume")
            raise typer.Exit(2) from exc
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
