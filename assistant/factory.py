"""Wiring: turn Settings into the real embedder, index, retriever and chain.

Only entry points (CLIs, the server) call these; library code takes plain arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from assistant.chain import ChatLLM, PolicyQA
from assistant.lexical import add_words
from assistant.params import load_params
from assistant.query import Lexicon, load_lexicon
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from assistant.types import Generator
from ingest.chunking import chunk_document, chunker_version
from ingest.pipeline import discover, file_sha256, parse_file
from ingest.types import Chunk, Document, IngestError
from vectorstore.embeddings import Embedder, make_embedder
from vectorstore.store import PolicyIndex, open_index
from vectorstore.sync import Progress, SourceDoc, SyncReport

log = logging.getLogger(__name__)


def make_index(settings: Settings, *, embedder: Embedder | None = None, rebuild: bool = False,
               sweep: bool = True) -> PolicyIndex:
    """The Chroma index the settings point at (server mode when PQA_CHROMA_URL is set)."""
    return open_index(
        embedder=embedder or make_embedder(settings.embedding_model_ref),
        persist_dir=None if settings.chroma_url else settings.chroma_dir,
        url=settings.chroma_url,
        collection=settings.collection,
        chunker_version=chunker_version(settings.chunk_tokens),
        rebuild=rebuild,
        sweep=sweep,
    )


def source_docs(paths: Iterable[Path], max_tokens: int) -> list[SourceDoc]:
    """Files offered to sync: parsed and chunked only if the index lacks their content."""

    def loader(path: Path) -> Callable[[], tuple[Document, list[Chunk]]]:
        def load() -> tuple[Document, list[Chunk]]:
            doc = parse_file(path)
            return doc, chunk_document(doc, max_tokens)

        return load

    items = []
    for path in paths:
        try:
            sha = file_sha256(path)
        except OSError as exc:
            def fail(exc: OSError = exc) -> tuple[Document, list[Chunk]]:
                raise IngestError(f"cannot read file: {exc.strerror or exc}")

            items.append(SourceDoc(path.name, "", fail))
            continue
        items.append(SourceDoc(path.name, sha, loader(path)))
    return items


def ingest_paths(index: PolicyIndex, paths: list[Path], *, max_tokens: int, prune: bool,
                 progress: Progress | None = None) -> SyncReport:
    """Index files and folders; with ``prune``, documents no longer present are deleted."""
    files = list(discover(paths))
    items = source_docs(files, max_tokens)
    keep = {f.name for f in files} if prune else None
    return index.sync(items, keep_only=keep, progress=progress)


def ingest_corpus(settings: Settings, *, progress: Progress | None = None,
                  embedder: Embedder | None = None) -> SyncReport:
    """Bring the index in line with the corpus folder (added, changed and removed files)."""
    index = make_index(settings, embedder=embedder)
    return ingest_paths(index, [settings.corpus_dir], max_tokens=settings.chunk_tokens, prune=True,
                        progress=progress)


def make_lexicon(settings: Settings) -> Lexicon:
    lexicon = load_lexicon(settings.glossary_path, settings.aliases_path, dirs=(settings.lexicon_dir,))
    add_words(lexicon.chinese_terms())
    return lexicon


def make_llms(settings: Settings, generator: Generator | None) -> tuple[dict[str, ChatLLM], Generator]:
    """LLM generators that can run here, and the default generator to use."""
    from assistant.llm import make_llm

    llm = make_llm(settings)
    if llm is None:
        return {}, "extractive"
    name: Generator = "openai" if settings.generator == "openai" else "llamacpp"
    return {name: llm}, generator or name


def build_qa(settings: Settings, *, generator: Generator | None = None, index: PolicyIndex | None = None,
             with_llm: bool = True) -> PolicyQA:
    """The real chain: e5 + Chroma + BM25, and the LLM generator when one is available."""
    index = index or make_index(settings, sweep=False)
    llms: dict[str, ChatLLM] = {}
    default: Generator = generator or "extractive"
    if with_llm and (generator != "extractive" or settings.reader == "always"):
        llms, default = make_llms(settings, generator)
    retriever = HybridRetriever(index)
    return PolicyQA(retriever, llms=llms, default_generator=default, top_k=settings.top_k,
                    context_tokens=settings.context_tokens, params=load_params(settings.params_path),
                    use_reader=settings.reader != "off", read_always=settings.reader == "always",
                    rephrase=settings.rephrase,
                    lexicon=make_lexicon(settings))
