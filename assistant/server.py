"""The real server: one FastAPI app with the API, the docs and the Gradio page at "/".

``make_server_app`` returns at once; models load in a startup thread, and until they
have, ``/healthz`` answers 503 and ``/v1`` calls 503 "loading".
"""

from __future__ import annotations

import importlib.util
import logging
import time
from typing import cast

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from assistant.api import create_lazy_app
from assistant.api.services import LazyLibrary, LazyQA, Services
from assistant.chain import ChatLLM, PolicyQA
from assistant.factory import make_index, make_lexicon
from assistant.library import DocumentLibrary
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from assistant.types import Generator

log = logging.getLogger(__name__)
UI_WAIT_SECONDS = 30.0  # a question asked on the page during startup waits this long


def choose_generator(settings: Settings) -> tuple[dict[str, ChatLLM], Generator, str]:
    """(llms, default generator, one line saying which and why).

    Unset means llamacpp when it is built, else extractive; an explicit generator that
    cannot run raises LLMUnavailableError, so a misconfigured server does not start quietly.
    """
    from assistant.llm import LLMUnavailableError, make_llm

    if settings.generator == "extractive":
        return {}, "extractive", "extractive (PQA_GENERATOR=extractive)"
    wanted = settings if settings.generator else settings.model_copy(update={"generator": "llamacpp"})
    try:
        llm = make_llm(wanted)
    except LLMUnavailableError as exc:
        if settings.generator:
            raise
        return {}, "extractive", f"extractive, because {exc}"
    if llm is None:
        return {}, "extractive", "extractive"
    name = cast(Generator, llm.name)
    where = settings.llm_path.name if name == "llamacpp" else settings.openai_model
    return {name: llm}, name, f"{name} ({where}); extractive answers on request"


def build_services(settings: Settings) -> tuple[PolicyQA, DocumentLibrary]:
    """Load everything once: the generator, the embedder, the index, BM25 and the LLM."""
    start = time.monotonic()
    llms, default, description = choose_generator(settings)
    log.info("generator: %s", description)
    index = make_index(settings, sweep=False)
    retriever = HybridRetriever(index)
    qa = PolicyQA(retriever, llms=llms, default_generator=default, top_k=settings.top_k,
                  context_tokens=settings.context_tokens, min_coverage=settings.min_coverage,
                  lexicon=make_lexicon(settings))
    retriever.refresh(force=True)  # BM25 and the document table, before the first question
    index.embedder.embed_queries(["warm up"])
    qa.warm()
    docs = index.documents()
    if not docs:
        log.warning("the index is empty: run `make setup` or `python -m ingest` first")
    library = DocumentLibrary(index, retriever, corpus_dir=settings.corpus_dir,
                              max_tokens=settings.chunk_tokens,
                              max_bytes=settings.max_upload_mb * 1024 * 1024)
    log.info("loaded %d documents, %d chunks in %.1f s", len(docs), sum(d.n_chunks for d in docs),
             time.monotonic() - start)
    return qa, library


def make_server_app(settings: Settings) -> FastAPI:
    """The app ``serve`` runs: API, docs, healthz and (when present) the Gradio page."""
    app = create_lazy_app(settings, lambda: build_services(settings))
    if not mount_ui(app, settings):
        app.add_api_route("/", lambda: RedirectResponse("/docs"), include_in_schema=False)
    return app


def mount_ui(app: FastAPI, settings: Settings) -> bool:
    """Mount ``assistant.ui.build_ui`` at "/" over stand-ins that wait for the real chain."""
    if importlib.util.find_spec("assistant.ui") is None:
        log.info("no assistant.ui module: serving the API only")
        return False
    build_ui = getattr(importlib.import_module("assistant.ui"), "build_ui", None)
    if build_ui is None:
        log.warning("assistant.ui has no build_ui: serving the API only")
        return False
    import gradio as gr

    services: Services = app.state.services
    qa = LazyQA(services, wait_seconds=UI_WAIT_SECONDS)
    library = cast(DocumentLibrary, LazyLibrary(services, wait_seconds=UI_WAIT_SECONDS))
    blocks = build_ui(qa, library, settings)
    # Routes added so far win; the page takes every other path, so it is mounted last.
    gr.mount_gradio_app(app, blocks, path="/", max_file_size=f"{settings.max_upload_mb}mb")
    return True


def app_factory() -> FastAPI:
    """For ``uvicorn --factory assistant.server:app_factory`` (settings from PQA_ env vars)."""
    return make_server_app(Settings())
