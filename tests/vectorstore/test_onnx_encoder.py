"""The int8 ONNX backend on the real built folder: fidelity to fp32, batching, prompts, the
backend an index records, and verification refusing tampered or corrupt int8 files.

Needs ``python -m vectorstore.models build`` (which builds and verifies the int8 model) first.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import vectorstore.embeddings as embeddings_mod
import vectorstore.onnx_encoder as onnx_mod
from tests.vectorstore.snippets import chunk_with, goals
from vectorstore.client import connect
from vectorstore.collections import COSINE, INDEX_FORMAT
from vectorstore.embeddings import BaseEmbedder, Embedder, local_model_name, make_embedder
from vectorstore.models import app
from vectorstore.onnx_encoder import (
    INT8_FILE,
    VERIFY_FILE,
    Int8ModelError,
    OnnxEncoder,
    build_int8,
    check_int8,
    corpus_texts,
    verify_int8,
)
from vectorstore.store import IndexMismatchError, PolicyIndex, open_index

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "multilingual-e5-small"
CHUNKER = "test-chunker-1"
SHORT = ["光谷", "高新技术企业认定奖励20万元", "Talent apartments rent subsidy"]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    try:
        check_int8(MODEL)
    except Int8ModelError as exc:
        pytest.fail(f"{exc} (these tests use the real folder)")
    return MODEL


@pytest.fixture(scope="module")
def fp32(model_dir: Path) -> Embedder:
    return make_embedder(str(model_dir), backend="torch", device="cpu")


@pytest.fixture(scope="module")
def int8(model_dir: Path) -> BaseEmbedder:
    return make_embedder(str(model_dir), backend="onnx-int8")


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    texts = corpus_texts(ROOT / "data" / "corpus", limit=16)
    assert len(texts) == 16
    return texts


@pytest.fixture(scope="module")
def tampered_model(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real int8 graph with its MatMul weights replaced by noise: loads and runs, but wrong."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_dir / INT8_FILE))
    rng = np.random.default_rng(0)
    for init in model.graph.initializer:
        if init.data_type == onnx.TensorProto.INT8 and len(init.dims) == 2 and init.dims[0] <= 1536:
            noise = rng.integers(-127, 128, size=tuple(init.dims), dtype=np.int8)
            init.CopyFrom(numpy_helper.from_array(noise, init.name))
    path = tmp_path_factory.mktemp("tampered") / "model-int8.onnx"
    onnx.save(model, str(path))
    return path


def _copy_folder(model_dir: Path, tmp_path: Path) -> Path:
    """Same name and fp32 identity as the real folder; links its files, copies ``onnx/``."""
    folder = tmp_path / model_dir.name
    folder.mkdir()
    for entry in model_dir.iterdir():
        if entry.name != "onnx":
            (folder / entry.name).symlink_to(entry)
    shutil.copytree(model_dir / "onnx", folder / "onnx")
    return folder


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


# -- fidelity ---------------------------------------------------------------------------


def test_int8_matches_fp32_on_corpus_text(
    fp32: Embedder, int8: BaseEmbedder, corpus: list[str]
) -> None:
    got = int8.embed_passages(corpus)
    assert got.shape == (len(corpus), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = _cosines(got, fp32.embed_passages(corpus))
    assert cos.min() >= 0.95 and cos.mean() >= 0.97, cos
    queries = ["高新技术企业能拿到多少奖励?", "What is the 2025 patent target?"]
    assert _cosines(int8.embed_queries(queries), fp32.embed_queries(queries)).min() >= 0.95
    assert int8.embed_passages([]).shape == (0, 384)
    with pytest.raises(TypeError):
        int8.embed_queries("a single string")


def test_order_is_kept_across_length_sorted_batches(
    model_dir: Path, fp32: Embedder, corpus: list[str]
) -> None:
    encoder = OnnxEncoder(model_dir, batch_size=3)
    texts = [corpus[0], SHORT[0], corpus[1] * 3, SHORT[1], corpus[2], SHORT[2], corpus[3][:40]]
    together = encoder.encode(texts, "passage: ")
    alone = np.vstack([encoder.encode([t], "passage: ") for t in texts])
    # activations are quantized per batch, so padding moves vectors slightly, never elsewhere
    assert _cosines(together, alone).min() >= 0.99
    assert (np.argmax(together @ alone.T, axis=1) == np.arange(len(texts))).all()
    assert _cosines(together, fp32.embed_passages(texts)).min() >= 0.95


def test_truncates_at_max_seq_length_like_sentence_transformers(
    int8: BaseEmbedder, fp32: Embedder, corpus: list[str]
) -> None:
    long = "".join(corpus)  # thousands of tokens
    longer = long + "本办法自发布之日起施行。" * 50  # differs only past token 512
    v = int8.embed_passages([long, longer])
    assert float(v[0] @ v[1]) > 0.9999
    assert fp32.model.max_seq_length == 512
    assert _cosines(v[:1], fp32.embed_passages([long]))[0] >= 0.95


def test_query_and_passage_prompts_differ(int8: BaseEmbedder, fp32: Embedder) -> None:
    text = ["第十二条 对新认定的高新技术企业给予20万元奖励。"]
    q, p = int8.embed_queries(text)[0], int8.embed_passages(text)[0]
    assert float(q @ p) < 0.999
    fq, fp = fp32.embed_queries(text)[0], fp32.embed_passages(text)[0]
    assert float(q @ fq) > float(q @ fp) and float(p @ fp) > float(p @ fq)
    encoder = int8.encoder
    np.testing.assert_allclose(encoder.encode([f"query: {text[0]}"]), q[None], atol=1e-5)


# -- make_embedder ------------------------------------------------------------------------


def test_backends_share_the_fp32_identity(
    fp32: Embedder,
    int8: BaseEmbedder,
    model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    assert (fp32.backend, int8.backend) == ("torch", "onnx-int8")
    assert (int8.name, int8.dim) == (fp32.name, fp32.dim)
    assert fp32.int8_verified_for == int8.int8_verified_for == fp32.name
    monkeypatch.setattr(embeddings_mod, "_cuda", lambda: False)
    assert embeddings_mod._choose_backend(model_dir, None) == "onnx-int8"
    assert embeddings_mod._choose_backend(model_dir, "cuda:0") == "torch"
    assert embeddings_mod._choose_backend(None, None) == "torch"
    bare = _copy_folder(model_dir, tmp_path)
    shutil.rmtree(bare / "onnx")
    assert embeddings_mod._choose_backend(bare, None) == "torch"
    assert make_embedder(str(bare), backend="auto", device="cpu").backend == "torch"
    monkeypatch.setattr(embeddings_mod, "_cuda", lambda: True)
    assert embeddings_mod._choose_backend(model_dir, None) == "torch"
    with pytest.raises(ValueError, match="backend must be one of"):
        make_embedder(str(model_dir), backend="onnx")
    with pytest.raises(Int8ModelError, match="needs a local model folder"):
        make_embedder("intfloat/multilingual-e5-small", backend="onnx-int8")


def test_unverified_or_changed_int8_file_is_refused(model_dir: Path, tmp_path: Path) -> None:
    folder = _copy_folder(model_dir, tmp_path)
    assert (
        check_int8(folder)["fp32_model"] == local_model_name(folder) == local_model_name(model_dir)
    )
    with (folder / INT8_FILE).open("r+b") as f:
        f.seek(1_000_000)
        f.write(b"\x00" * 16)
    with pytest.raises(Int8ModelError, match="changed since it was verified"):
        make_embedder(str(folder), backend="onnx-int8")
    assert embeddings_mod._choose_backend(folder, "cpu") == "torch"
    (folder / VERIFY_FILE).unlink()
    with pytest.raises(Int8ModelError, match=r"not verified.*vectorstore\.models build"):
        make_embedder(str(folder), backend="onnx-int8")
    (folder / INT8_FILE).unlink()
    with pytest.raises(Int8ModelError, match="has no int8 ONNX model"):
        make_embedder(str(folder), backend="onnx-int8")


# -- verification -------------------------------------------------------------------------


def test_verification_fails_on_tampered_weights(
    model_dir: Path, tampered_model: Path, corpus: list[str], fp32: Embedder
) -> None:
    with pytest.raises(Int8ModelError, match="int8 verification failed: cosine vs fp32"):
        verify_int8(model_dir, tampered_model, corpus[:4], fp32=fp32)
    record = verify_int8(model_dir, model_dir / INT8_FILE, corpus[:4], fp32=fp32)
    assert record["verified"] is True and record["min"] >= 0.95 and record["n"] == 4 + 6


def test_verification_fails_on_a_corrupt_file(model_dir: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "model-int8.onnx"
    truncated.write_bytes((model_dir / INT8_FILE).read_bytes()[:5_000_000])
    with pytest.raises(Int8ModelError, match="onnxruntime cannot load it"):
        verify_int8(model_dir, truncated, SHORT)


def test_failed_build_installs_nothing(
    model_dir: Path, tampered_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy_folder(model_dir, tmp_path)
    (folder / INT8_FILE).write_bytes(b"stale")  # an old unverified file must not survive
    monkeypatch.setattr(onnx_mod, "export_onnx", lambda _f, dest: dest.write_bytes(b"fp32"))
    monkeypatch.setattr(
        onnx_mod, "quantize_int8", lambda _s, dest: shutil.copy(tampered_model, dest)
    )
    monkeypatch.setattr(onnx_mod, "corpus_texts", lambda: SHORT)
    result = CliRunner().invoke(app, ["build", "--out", str(folder)])
    assert result.exit_code == 1, result.output
    assert "int8 verification failed" in result.output and "not installed" in result.output
    assert sorted(p.name for p in (folder / "onnx").iterdir()) == []


def test_verified_build_is_a_no_op(model_dir: Path) -> None:
    before = (model_dir / INT8_FILE).stat().st_mtime_ns
    assert build_int8(model_dir) is None
    assert (model_dir / INT8_FILE).stat().st_mtime_ns == before


# -- the index records the backend ----------------------------------------------------------


def _open(path: Path, embedder: Any) -> PolicyIndex:
    return open_index(embedder=embedder, persist_dir=path, chunker_version=CHUNKER)


def test_index_records_backend_and_allows_the_verified_other(
    tmp_path: Path, fp32: Embedder, int8: BaseEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    index = _open(tmp_path, int8)
    g, g_chunks = goals()
    index.upsert_document(g, g_chunks)
    assert index.chunks.metadata["embedding_backend"] == "onnx-int8"
    question = "2025年东湖高新区经济总量要突破多少亿元?"
    expected = chunk_with(g_chunks, "5000亿元").id
    assert index.search(question, k=1)[0].chunk.id == expected

    with caplog.at_level(logging.WARNING, logger="vectorstore.collections"):
        by_torch = _open(tmp_path, fp32)
    assert (
        "built with the onnx-int8 backend" in caplog.text and "is queried with torch" in caplog.text
    )
    assert by_torch.search(question, k=1)[0].chunk.id == expected  # same vector space
    assert by_torch.chunks.metadata["embedding_backend"] == "onnx-int8"  # the builder stays

    unverified = Embedder(fp32.model, fp32.name)  # no folder: no int8 model vouches for it
    with pytest.raises(IndexMismatchError, match="built with the onnx-int8 backend") as err:
        _open(tmp_path, unverified)
    assert "torch" in str(err.value) and "--rebuild" in str(err.value)


class _Unverified:
    """An int8-backend embedder whose int8 model was never verified."""

    backend = "onnx-int8"
    int8_verified_for = None

    def __init__(self, inner: BaseEmbedder) -> None:
        self.name, self.dim, self.inner = inner.name, inner.dim, inner

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def as_langchain(self) -> Any:
        return self.inner.as_langchain()


def test_index_without_backend_key_counts_as_torch(
    tmp_path: Path, fp32: Embedder, int8: BaseEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    legacy = {"policyqa_index": INDEX_FORMAT, "embedding_model": fp32.name,
              "embedding_dim": fp32.dim, "chunker_version": CHUNKER}  # fmt: skip
    connect(persist_dir=tmp_path, url=None).get_or_create_collection(
        "policyqa", metadata=legacy, configuration=COSINE, embedding_function=None
    )
    with caplog.at_level(logging.WARNING, logger="vectorstore.collections"):
        _open(tmp_path, fp32)
    assert caplog.text == ""
    with caplog.at_level(logging.WARNING, logger="vectorstore.collections"):
        _open(tmp_path, int8)
    assert "built with the torch backend" in caplog.text
    with pytest.raises(IndexMismatchError, match=r"built with the torch backend.*onnx-int8"):
        _open(tmp_path, _Unverified(int8))
