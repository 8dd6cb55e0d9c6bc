"""The real server: one FastAPI app with the API, the docs and the Gradio page at "/".

``make_server_app`` returns at once; models load in a startup thread, and until they
have, ``/healthz`` answers 503 and ``/v1`` calls 503 "loading".
"""

from __future__ import annotations

import gc
import importlib.util
import ipaddress
import logging
import time
from typing import cast

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.routing import Mount

from assistant.api import create_lazy_app
from assistant.api.services import LazyLibrary, LazyQA, Services
from assistant.chain import ChatLLM, PolicyQA
from assistant.factory import make_index, make_lexicon, make_retriever
from assistant.library import DocumentLibrary
from assistant.params import load_params
from assistant.settings import Settings
from assistant.types import Generator
from assistant.ui_guard import QueueJoinGuard
from vectorstore.indexer import open_indexer

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
    retriever = make_retriever(settings, index)
    qa = PolicyQA(retriever, llms=llms, default_generator=default, top_k=settings.top_k,
                  context_tokens=settings.context_tokens, params=load_params(settings.params_path),
                  use_reader=settings.reader != "off", read_always=settings.reader == "always",
                  rephrase=settings.rephrase,
                  lexicon=make_lexicon(settings))
    retriever.refresh(force=True)  # the lexical snapshot (built now if missing), before the first question
    _ = retriever.vocab  # and the corpus's words and names, which English questions are translated into
    retriever.vocab_in_background = True  # after an upload, rebuilt beside the questions
    index.embedder.embed_queries(["warm up"])
    qa.warm()
    indexer = open_indexer(settings, index=index)
    library = DocumentLibrary(indexer, retriever, corpus_dir=settings.corpus_dir,
                              max_waiting=settings.max_queued_uploads)
    docs = library.documents()
    if not docs:
        log.warning("the index is empty: run `make setup` or `python -m ingest` first")
    log.info("loaded %d documents, %d chunks in %.1f s", len(docs), sum(d.n_chunks for d in docs),
             time.monotonic() - start)
    # What is loaded now (the corpus's chunk tables, models) lives as long as the server: the
    # cyclic collector need not walk it at every full collection, which on a large corpus
    # means millions of objects per pause. Objects dropped later are still freed.
    gc.collect()
    gc.freeze()
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
    mounted = next(r for r in reversed(app.routes) if isinstance(r, Mount) and r.path == "")
    mounted.app = QueueJoinGuard(
        mounted.app, valid_ids=lambda: blocks.fns.keys(),
        known_session=lambda s: s in blocks._queue.pending_messages_per_session,
        max_bytes=settings.max_request_kb * 1024)
    # Gradio checks that a file an event names is one it received in an upload only once
    # the app "has launched", which a mounted app never does: switch the check on.
    blocks.has_launched = True
    return True


def is_loopback(host: str) -> bool:
    """Only this machine can connect: localhost or a loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve anywhere


def open_writes_problem(host: str, settings: Settings, *, allow_open_writes: bool = False) -> str | None:
    """Why serving on ``host`` would let anyone who reaches it change the corpus, or None.

    The safe setting is the default: on a non-loopback interface, writes need a key
    (PQA_API_KEY) or read-only mode (PQA_READ_ONLY), unless explicitly allowed.
    """
    if is_loopback(host) or settings.api_key or settings.read_only or allow_open_writes:
        return None
    return (f"refusing to serve on {host} with write access and no API key: anyone who reaches "
            "it could upload, overwrite or delete documents. Set PQA_API_KEY, or PQA_READ_ONLY=true, "
            "or pass --allow-open-writes if that is really intended.")


def app_factory() -> FastAPI:
    """For ``uvicorn --factory assistant.server:app_factory`` (settings from PQA_ env vars)."""
    return make_server_app(Settings())
