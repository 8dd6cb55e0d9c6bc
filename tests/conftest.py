"""Shared fixtures: the real corpus, parsed once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.pipeline import parse_file
from ingest.types import Document

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def corpus_docs() -> dict[str, Document]:
    """Every corpus document parsed, keyed by the 3-digit file prefix (000 … 004)."""
    return {p.name[:3]: parse_file(p) for p in sorted(CORPUS.glob("*.txt"))}


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Settings pointing at a real Chroma index of a copy of the corpus, built once."""
    import shutil

    from assistant.factory import ingest_corpus
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("indexed")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, data_dir=root / "var", models_dir=ROOT / "models",
                        lexicon_dir=ROOT / "data" / "lexicon", generator="extractive")
    report = ingest_corpus(settings)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def qa(indexed_settings):  # type: ignore[no-untyped-def]
    """The real extractive chain over the real index."""
    from assistant.factory import build_qa

    return build_qa(indexed_settings, generator="extractive")
