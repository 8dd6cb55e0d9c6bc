"""Fixtures shared by the assistant's tests."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.llm import LlamaCppLLM
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local_llm() -> Iterator[LlamaCppLLM]:
    """The real local model (skipped where it is not built), loaded once per module."""
    path = ROOT / Settings().llm_path
    if not path.is_file() or importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("local LLM not built: run make setup")
    llm = LlamaCppLLM(path, n_threads=Settings().llm_threads, n_ctx=1024)
    llm.load()
    yield llm
    llm.close()
