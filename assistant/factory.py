"""Wiring: turn Settings into the real embedder, index, retriever and chain.

Only entry points (CLIs, the server) call these; library code takes plain arguments.
"""

from __future__ import annotations

import logging

from assistant.chain import ChatLLM, PolicyQA
from assistant.params import load_params
from assistant.query import Lexicon, load_lexicon
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from assistant.types import Generator
from vectorstore.indexer import make_index, open_indexer, tokenizer_words
from vectorstore.lexical import add_words
from vectorstore.snapshot import SnapshotStore
from vectorstore.store import EmbedderLike, PolicyIndex
from vectorstore.sync import Progress, SyncReport
from vectorstore.targets_store import TargetStore

__all__ = ["build_qa", "ingest_corpus", "make_index", "make_lexicon", "make_llms", "make_retriever"]

log = logging.getLogger(__name__)


def ingest_corpus(settings: Settings, *, progress: Progress | None = None,
                  embedder: EmbedderLike | None = None) -> SyncReport:
    """Bring the index in line with the corpus folder (added, changed and removed files)."""
    indexer = open_indexer(settings, embedder=embedder)
    return indexer.sync_paths([settings.corpus_dir], prune=True, progress=progress, workers=0)


def make_retriever(settings: Settings, index: PolicyIndex) -> HybridRetriever:
    """Retrieval over the index and the lexical snapshot the indexer keeps beside it."""
    return HybridRetriever(index, snapshots=SnapshotStore(settings.lexical_dir),
                           words=tokenizer_words(settings))


def make_lexicon(settings: Settings) -> Lexicon:
    lexicon = load_lexicon(settings.glossary_path, settings.aliases_path, dirs=(settings.lexicon_dir,))
    add_words(tokenizer_words(settings))  # the terms the index keeps whole, read from the same files
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
    retriever = make_retriever(settings, index)
    return PolicyQA(retriever, llms=llms, default_generator=default, top_k=settings.top_k,
                    context_tokens=settings.context_tokens, params=load_params(settings.params_path),
                    use_reader=settings.reader != "off", read_always=settings.reader == "always",
                    rephrase=settings.rephrase,
                    lexicon=make_lexicon(settings), targets=TargetStore(settings.targets_path))
