"""An int8 ONNX copy of the local e5 folder, several times faster than fp32 torch on a CPU.

``build_int8`` exports the folder's BERT to ONNX, quantizes it to int8 and installs it only if
it stays close to fp32 torch on real corpus text (cosines kept beside it). ``OnnxEncoder``
redoes the sentence-transformers pipeline: prompt, tokenizer, truncation, mean pool, L2 norm.

    python -m vectorstore.onnx_encoder [--model DIR] [--bench [--limit N]]
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from vectorstore.models import DEFAULT_OUT, VERIFY_TEXTS, ModelBuildError

if TYPE_CHECKING:
    from vectorstore.embeddings import BaseEmbedder

log = logging.getLogger(__name__)

INT8_FILE, VERIFY_FILE = "onnx/model-int8.onnx", "onnx/model-int8.verify.json"
ONNX_FORMAT, OPSET = 1, 17  # bump the format when the export or quantization recipe changes
MIN_MEAN_COSINE, MIN_MIN_COSINE = 0.97, 0.95
CORPUS_DIR, VERIFY_SAMPLE = Path("data/corpus"), 200
BUILD_HINT = "run `python -m vectorstore.models build` to build and verify it"
_INPUTS, _OUTPUT = ("input_ids", "attention_mask", "token_type_ids"), "last_hidden_state"


class Int8ModelError(ModelBuildError):
    """The int8 model is missing, unverified, unloadable or too far from fp32."""


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def st_spec(folder: Path) -> tuple[dict[str, str], int, int | None, bool]:
    """(prompts, dim, max_seq_length, do_lower_case) to honour; refuses any pipeline but the one
    reimplemented here: Transformer -> mean Pooling (prompt included) -> Normalize."""
    types = [m["type"].rsplit(".", 1)[-1] for m in _json(folder / "modules.json")]
    pooling = _json(folder / "1_Pooling/config.json")
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if types != ["Transformer", "Pooling", "Normalize"] or modes != {"pooling_mode_mean_tokens"}:
        raise Int8ModelError(f"{folder}: only Transformer -> mean Pooling -> Normalize works")
    if pooling.get("include_prompt") is False:
        raise Int8ModelError(f"{folder}: pooling that excludes the prompt is not supported")
    bert = _json(folder / "sentence_bert_config.json")
    st_config = folder / "config_sentence_transformers.json"
    prompts = (_json(st_config).get("prompts") or {}) if st_config.is_file() else {}
    return ({k: v for k, v in prompts.items() if v}, int(pooling["word_embedding_dimension"]),
            bert.get("max_seq_length"), bool(bert.get("do_lower_case")))


class OnnxEncoder:
    """Runs the int8 graph with the folder's tokenizer, then pools and normalizes like ST."""

    def __init__(self, folder: Path, model_path: Path | None = None, *, batch_size: int = 16):
        import onnxruntime as ort
        import transformers

        self.folder, self.batch_size = folder, batch_size
        self.prompts, self.dim, max_length, self.do_lower_case = st_spec(folder)
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
        # ST truncates at sentence_bert_config's max_seq_length (its tokenizer's model_max_length)
        self.max_length = int(max_length or self.tokenizer.model_max_length)
        path = model_path or folder / INT8_FILE
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = os.cpu_count() or 1  # ORT's default may leave cores idle
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            raise Int8ModelError(f"{path}: onnxruntime cannot load it ({exc})") from exc
        self.input_names = [i.name for i in self.session.get_inputs()]

    def encode(self, texts: Sequence[str], prompt: str = "") -> np.ndarray:
        """(n, dim) unit vectors; length-sorted batches waste less padding, order is restored."""
        items = [(prompt + t).lower() if self.do_lower_case else prompt + t for t in texts]
        out = np.empty((len(items), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in items], kind="stable")
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._encode_batch([items[i] for i in idx])
        return out

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        enc = self.tokenizer(batch, padding=True, truncation="longest_first",
                             max_length=self.max_length, return_tensors="np")
        mask = np.asarray(enc["attention_mask"], dtype=np.int64)
        feeds = {n: np.asarray(enc[n], dtype=np.int64) if n in enc else np.zeros_like(mask)
                 for n in self.input_names}
        (hidden,) = self.session.run([_OUTPUT], feeds)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return (pooled / norms).astype(np.float32)


def export_onnx(folder: Path, dest: Path) -> None:
    """fp32 graph, dynamic batch and sequence axes (the TorchScript exporter: no onnxscript)."""
    import torch
    import transformers

    st_spec(folder)
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    names = [n for n in _INPUTS if n in tokenizer.model_input_names]
    model = transformers.AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.bert(**dict(zip(names, inputs, strict=True))).last_hidden_state

    sample = tokenizer(["passage: 东湖高新区", "query: a longer English sample"], padding=True,
                       return_tensors="pt")
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, _OUTPUT]}
    dest.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and exporter-deprecation chatter
        torch.onnx.export(LastHidden(), tuple(sample[n] for n in names), str(dest),
                          input_names=names, output_names=[_OUTPUT], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)


def quantize_int8(src: Path, dest: Path) -> None:
    """Dynamic int8: MatMul weights per output channel (accuracy), embeddings too (size)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # its "consider pre-processing" advice is noise here
    try:
        quantize_dynamic(str(src), str(dest), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"])
    finally:
        logging.disable(logging.NOTSET)


def corpus_texts(corpus: Path = CORPUS_DIR, limit: int | None = VERIFY_SAMPLE) -> list[str]:
    """Chunk ``embed_text``s of the corpus (evenly sampled down to ``limit``); [] without one."""
    from ingest.chunking import chunk_document
    from ingest.pipeline import discover, parse_file
    from ingest.types import IngestError

    texts: list[str] = []
    for path in discover([corpus]) if corpus.is_dir() else []:
        try:
            texts += [c.embed_text for c in chunk_document(parse_file(path), 400)]
        except IngestError as exc:
            log.warning("skipping %s: %s", path, exc)
    if limit is not None and len(texts) > limit:
        keep = np.unique(np.linspace(0, len(texts) - 1, limit).round().astype(int))
        texts = [texts[int(i)] for i in keep]
    return texts


def verify_int8(folder: Path, model_path: Path, texts: Sequence[str], *,
                fp32: BaseEmbedder | None = None) -> dict[str, Any]:
    """Cosines of int8 vs fp32 torch (``texts`` as passages, VERIFY_TEXTS as queries);
    Int8ModelError when the mean or the worst text falls below the thresholds."""
    from vectorstore.embeddings import OnnxEmbedder, make_embedder

    encoder = OnnxEncoder(folder, model_path)  # first: an unloadable file fails fast
    fp32 = fp32 or make_embedder(str(folder), backend="torch", device="cpu")
    int8 = OnnxEmbedder(encoder, fp32.name, folder=folder)
    try:
        got = np.vstack([int8.embed_passages(texts), int8.embed_queries(VERIFY_TEXTS)])
    except Exception as exc:  # a corrupt graph can load yet fail to run
        raise Int8ModelError(f"{model_path}: onnxruntime failed to run it ({exc})") from exc
    ref = np.vstack([fp32.embed_passages(list(texts)), fp32.embed_queries(VERIFY_TEXTS)])
    cos = np.sum(got * ref, axis=1)  # both sides are unit vectors
    record = {"verified": True, "mean": round(float(cos.mean()), 5),
              "min": round(float(cos.min()), 5), "n": len(cos), "fp32_model": fp32.name}
    if not (cos.mean() >= MIN_MEAN_COSINE and cos.min() >= MIN_MIN_COSINE):  # NaN fails too
        raise Int8ModelError(
            f"int8 verification failed: cosine vs fp32 torch mean {cos.mean():.4f} (need"
            f" >= {MIN_MEAN_COSINE}), min {cos.min():.4f} (need >= {MIN_MIN_COSINE}) over"
            f" {len(cos)} texts; the int8 model was not installed"
        )
    return record


def check_int8(folder: Path) -> dict[str, Any]:
    """The verification record of ``folder``'s int8 model, or Int8ModelError saying what's wrong.
    Verified means: built by this recipe from this exact fp32 folder, and unchanged since."""
    path, record_path = folder / INT8_FILE, folder / VERIFY_FILE
    if not path.is_file():
        raise Int8ModelError(f"{folder} has no int8 ONNX model ({INT8_FILE}); {BUILD_HINT}")
    try:
        record = _json(record_path)
    except (OSError, ValueError):
        raise Int8ModelError(f"{path} is not verified against fp32; {BUILD_HINT}") from None
    if record.get("verified") is not True or record.get("format") != ONNX_FORMAT:
        raise Int8ModelError(f"{path} is not verified by this version; {BUILD_HINT}")
    from vectorstore.embeddings import local_model_name  # (embeddings imports this module)

    if record.get("fp32_model") != local_model_name(folder):
        raise Int8ModelError(f"{path} was verified against another fp32 model; {BUILD_HINT}")
    if record.get("int8_sha256") != _sha256(path):
        raise Int8ModelError(f"{path} changed since it was verified; {BUILD_HINT}")
    return dict(record)


def is_verified(folder: Path) -> bool:
    """True when ``folder`` has an int8 model verified against its own fp32 weights."""
    try:
        return bool(check_int8(folder))
    except Int8ModelError:
        return False


def build_int8(folder: Path, *, force: bool = False,
               texts: Sequence[str] | None = None) -> dict[str, Any] | None:
    """Export, quantize, verify, then install the int8 model; None when already verified."""
    verified = is_verified(folder)
    if verified and not force:
        return None
    start = time.perf_counter()
    target, record_path = folder / INT8_FILE, folder / VERIFY_FILE
    if not verified:  # unverified or stale: never leave it looking usable if this build fails
        target.unlink(missing_ok=True)
        record_path.unlink(missing_ok=True)
    for stale in target.parent.glob(".tmp-*"):  # left by killed builds
        shutil.rmtree(stale, ignore_errors=True)
    tmp = target.parent / f".tmp-{os.getpid()}"
    tmp.mkdir(parents=True)
    try:
        export_onnx(folder, tmp / "model.onnx")
        quantize_int8(tmp / "model.onnx", tmp / target.name)
        (tmp / "model.onnx").unlink()
        texts = (corpus_texts() or VERIFY_TEXTS) if texts is None else texts
        record = verify_int8(folder, tmp / target.name, texts)
        record |= {"min_mean_cosine": MIN_MEAN_COSINE, "min_min_cosine": MIN_MIN_COSINE,
                   "int8_sha256": _sha256(tmp / target.name), "format": ONNX_FORMAT,
                   "onnxruntime": importlib.metadata.version("onnxruntime"),
                   "build_seconds": round(time.perf_counter() - start, 1)}
        (tmp / "verify.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        # model first, record last: in between the old record's hash fails, so nothing is trusted
        os.replace(tmp / target.name, target)
        os.replace(tmp / "verify.json", record_path)
        return record
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench(folder: Path, limit: int | None = None) -> None:
    """passages/s of fp32 torch and int8 ONNX on the same corpus chunks, plus their agreement."""
    from vectorstore.embeddings import make_embedder

    texts = corpus_texts(limit=limit) or VERIFY_TEXTS
    chars = sum(map(len, texts)) / len(texts)
    typer.echo(f"{len(texts)} passages, mean {chars:.0f} chars, {os.cpu_count()} CPU threads")
    vectors: list[np.ndarray] = []
    for backend in ("torch", "onnx-int8"):
        embedder = make_embedder(str(folder), backend=backend, device="cpu")
        embedder.embed_passages(texts[:4])  # warm-up: first calls allocate
        start = time.perf_counter()
        vectors.append(embedder.embed_passages(texts))
        seconds = time.perf_counter() - start
        typer.echo(f"{backend:>10}: {len(texts) / seconds:7.2f} passages/s ({seconds:.1f}s)")
    cos = np.sum(vectors[1] * vectors[0], axis=1)
    typer.echo(f"int8 vs fp32 cosine: mean {cos.mean():.4f}, min {cos.min():.4f}")


def main(
    model: Annotated[Path, typer.Option(help="sentence-transformers folder.")] = DEFAULT_OUT,
    run_bench: Annotated[bool, typer.Option("--bench", help="Time torch vs int8.")] = False,
    limit: Annotated[int | None, typer.Option(help="Bench at most this many chunks.")] = None,
) -> None:
    """Show the int8 model's verification, or benchmark it against fp32 torch."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        bench(model, limit) if run_bench else typer.echo(json.dumps(check_int8(model), indent=2))
    except Int8ModelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    typer.run(main)
