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
