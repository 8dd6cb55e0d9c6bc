"""``python -m assistant ask|serve``: ask one question, or run the server (API + page)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import TypeAdapter, ValidationError

from assistant.settings import Settings
from assistant.types import Answer, Generator, Turn, question_problem

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Cited question answering over the policy corpus.")
GeneratorOpt = Annotated[Generator | None, typer.Option(
    "--generator", "-g", help="extractive, llamacpp or openai (default: PQA_GENERATOR, else auto).")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def load_history(path: Path) -> list[Turn]:
    """A JSON list of {role, content}; a clear message instead of a traceback when it is not."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return TypeAdapter(list[Turn]).validate_python(raw)
    except OSError as exc:
        raise _fail(f"cannot read history file {path}: {exc.strerror or exc}", 2) from exc
    except (json.JSONDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise _fail(f"{path}: expected a JSON list of {{role, content}} objects ({first})", 2) from exc


def render(answer: Answer) -> str:
    """The answer, then its sources as a numbered list with the cited words."""
    from assistant.chain import citations_text

    lines = [answer.answer, ""]
    if answer.citations:
        lines.append("相关条款 / Related clauses:" if answer.refused else "来源 / Sources:")
        for cite, line in zip(answer.citations, citations_text(answer.citations).splitlines(),
                              strict=True):
            quote = " ".join(cite.text.split())
            lines += [line, f"    {quote[:160]}{'…' if len(quote) > 160 else ''}"]
    lines.append(f"({answer.generator}, {answer.latency_ms:.0f} ms)")
    return "\n".join(lines)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese or English.")],
    history: Annotated[Path | None, typer.Option(help="JSON file: earlier turns [{role, content}].")] = None,
    generator: GeneratorOpt = None,
    top_k: Annotated[int | None, typer.Option(min=1, max=20, help="Clauses to retrieve.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's response object.")] = False,
) -> None:
    """Answer QUESTION from the indexed corpus and print it with its citations."""
    from assistant.factory import build_qa
    from assistant.llm import LLMError
    from vectorstore.client import StoreError
    from vectorstore.embeddings import EmbeddingModelNotFoundError

    turns = load_history(history) if history else []
    if not question.strip():
        raise _fail("the question is empty", 2)
    problem = question_problem(question)
    if problem:
        raise _fail(f"the question {problem}", 2)
    settings = Settings()
    if generator:  # an explicit choice must run or fail, never fall back quietly
        settings = settings.model_copy(update={"generator": generator})
    try:
        qa = build_qa(settings, generator=settings.generator)
        answer = qa.answer(question, turns, top_k=top_k, generator=generator)
    except (StoreError, LLMError, EmbeddingModelNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(answer.model_dump_json(indent=2) if as_json else render(answer))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[Literal["debug", "info", "warning", "error"], typer.Option()] = "info",
    allow_open_writes: Annotated[bool, typer.Option(
        "--allow-open-writes",
        help="Serve uploads and deletes on a non-loopback host without an API key.")] = False,
) -> None:
    """Run the server: API under /v1, docs at /docs, health at /healthz, the page at /."""
    import uvicorn

    from assistant.server import make_server_app, open_writes_problem

    settings = Settings()
    problem = open_writes_problem(host, settings, allow_open_writes=allow_open_writes)
    if problem:
        raise _fail(problem, 2)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: never phone home
    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    application = make_server_app(settings)
    typer.echo(f"serving on http://{host}:{port} (API /v1, docs /docs, health /healthz); "
               "loading models…", err=True)
    uvicorn.run(application, host=host, port=port, log_level=log_level.lower(),
                timeout_graceful_shutdown=5)


if __name__ == "__main__":
    app()
