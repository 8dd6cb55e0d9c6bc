"""make_embedder on the locally built e5 folder: dims, normalisation, prompts, langchain use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from vectorstore.embeddings import (
    Embedder,
    EmbeddingModelNotFoundError,
    local_model_name,
    make_embedder,
)

pytestmark = pytest.mark.slow

TEXTS = ["第十二条 对新认定的高新技术企业给予20万元奖励。", "Talent apartments rent subsidy"]


def test_dim_dtype_and_normalisation(embedder: Embedder) -> None:
    assert embedder.dim == 384
    for vectors in (embedder.embed_queries(TEXTS), embedder.embed_passages(TEXTS)):
        assert vectors.shape == (2, 384) and vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_passages([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed_queries("a single string is a bug, not a list of characters")


def test_uses_the_models_query_and_passage_prompts(embedder: Embedder) -> None:
    assert (embedder.query_prompt_name, embedder.passage_prompt_name) == ("query", "passage")
    raw = embedder.model.encode(
        [f"query: {TEXTS[0]}", f"passage: {TEXTS[0]}", TEXTS[0]], normalize_embeddings=True
    )
    query, passage = embedder.embed_queries(TEXTS[:1])[0], embedder.embed_passages(TEXTS[:1])[0]
    np.testing.assert_allclose(query, raw[0], atol=1e-5)
    np.testing.assert_allclose(passage, raw[1], atol=1e-5)
    assert float(query @ passage) < 0.999  # the prefixes really differ
    assert float(query @ raw[2]) < 0.999  # and are not silently dropped


def test_batch_size_does_not_change_results(embedder: Embedder) -> None:
    small_batches = Embedder(embedder.model, embedder.name, batch_size=1)
    np.testing.assert_allclose(
        small_batches.embed_passages(TEXTS), embedder.embed_passages(TEXTS), atol=1e-5
    )


def test_langchain_adapter(embedder: Embedder) -> None:
    lc = embedder.as_langchain()
    assert isinstance(lc, Embeddings)
    query = lc.embed_query(TEXTS[0])
    docs = lc.embed_documents(TEXTS)
    assert isinstance(query, list) and len(query) == 384 and isinstance(query[0], float)
    np.testing.assert_allclose(query, embedder.embed_queries(TEXTS[:1])[0], atol=1e-6)
    np.testing.assert_allclose(docs, embedder.embed_passages(TEXTS), atol=1e-6)


def test_name_is_folder_plus_stable_content_hash(embedder: Embedder, built_model_dir: Path) -> None:
    assert embedder.name.startswith("multilingual-e5-small-")
    assert embedder.name == local_model_name(built_model_dir)


def test_name_changes_with_weights(tmp_path: Path) -> None:
    folder = tmp_path / "tiny-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"weights v1")
    first = local_model_name(folder)
    (folder / "model.safetensors").write_bytes(b"weights v2")
    assert local_model_name(folder) != first
    assert first.startswith("tiny-model-")


@pytest.mark.parametrize("ref", ["models/not-built-yet", "./nowhere/e5", "/nonexistent/e5-small"])
def test_missing_local_folder_says_how_to_build(ref: str) -> None:
    with pytest.raises(EmbeddingModelNotFoundError, match=r"python -m vectorstore\.models build"):
        make_embedder(ref)
