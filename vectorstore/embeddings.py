"""Sentence embeddings for indexing and search, usable directly as a langchain ``Embeddings``.

``make_embedder`` accepts any sentence-transformers name or folder. E5-style models need
asymmetric prefixes ("query: " / "passage: "); every embedder applies whichever prompts the
model defines, so callers never hand-write prefixes and index and query always agree.

Two backends produce the same vectors: "torch" (the sentence-transformers model, on CUDA when
present) and "onnx-int8" (``vectorstore.onnx_encoder``: a CPU-only int8 copy of a local folder,
about 4x faster, used only once verified against the fp32 model). Both report the fp32 model's
``name``, so an index can tell what its vectors mean and ``backend`` says which produced them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.models import MARKER
from vectorstore.onnx_encoder import Int8ModelError, check_int8, is_verified

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from vectorstore.onnx_encoder import OnnxEncoder

__all__ = [
    "BACKENDS",
    "BaseEmbedder",
    "Embedder",
    "EmbeddingModelNotFoundError",
    "Int8ModelError",
    "OnnxEmbedder",
    "local_model_name",
    "make_embedder",
]

log = logging.getLogger(__name__)

BUILD_HINT = "run `python -m vectorstore.models build` (or `make setup`) to create it"
BACKENDS = ("torch", "onnx-int8", "auto")
_PASSAGE_PROMPTS = ("passage", "document", "corpus")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")


class EmbeddingModelNotFoundError(FileNotFoundError):
    """The embedding model is neither a local folder nor in the offline cache."""


class BaseEmbedder(Embeddings):
    """What every backend shares: input checks, the two retrieval sides, the langchain glue."""

    name: str
    dim: int
    backend: str
    folder: Path | None = None  # the local model folder, None for a hub model
    _int8_ok: bool | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, backend={self.backend!r})"
        )

    def _vectors(self, texts: list[str], query: bool) -> np.ndarray:
        raise NotImplementedError

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.asarray(self._vectors(list(texts), query), dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) unit vectors for search queries (the model's "query" prompt, if any)."""
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) unit vectors for indexed text (the "passage"/"document" prompt, if any)."""
        return self._encode(texts, False)

    @property
    def int8_verified_for(self) -> str | None:
        """``name`` when this folder's int8 model is verified against it, else None.

        The index asks this before letting one backend query vectors the other produced.
        """
        if self._int8_ok is None:
            self._int8_ok = self.folder is not None and is_verified(self.folder)
        return self.name if self._int8_ok else None

    # langchain_core.embeddings.Embeddings
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """langchain: documents are passages."""
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """langchain: one query."""
        return self.embed_queries([text])[0].tolist()

    def as_langchain(self) -> Embeddings:
        """The object to hand to langchain vector stores (this embedder itself)."""
        return self


class Embedder(BaseEmbedder):
    """A loaded sentence-transformers model with the right prompt for each side of retrieval."""

    backend = "torch"

    def __init__(
        self,
        model: SentenceTransformer,
        name: str,
        *,
        batch_size: int = 32,
        folder: Path | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.folder = folder
        get_dim = getattr(model, "get_embedding_dimension", None)  # newer sentence-transformers
        dim = get_dim() if get_dim else model.get_sentence_embedding_dimension()
        if not dim:
            raise ValueError(f"{name}: the model does not report an embedding dimension")
        self.dim = int(dim)
        prompts = {k: v for k, v in (model.prompts or {}).items() if v}
        self.query_prompt_name: str | None = "query" if "query" in prompts else None
        self.passage_prompt_name: str | None = next(
            (p for p in _PASSAGE_PROMPTS if p in prompts), None
        )

    def _vectors(self, texts: list[str], query: bool) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            prompt_name=self.query_prompt_name if query else self.passage_prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors)


class OnnxEmbedder(BaseEmbedder):
    """The verified int8 ONNX copy of a local folder, named after the fp32 model it matches."""

    backend = "onnx-int8"

    def __init__(self, encoder: OnnxEncoder, name: str, *, folder: Path) -> None:
        self.encoder = encoder
        self.name = name
        self.folder = folder
        self.dim = encoder.dim
        self._int8_ok = True  # make_embedder checked the verification before building this
        prompts = encoder.prompts
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = next((prompts[p] for p in _PASSAGE_PROMPTS if p in prompts), "")

    def _vectors(self, texts: list[str], query: bool) -> np.ndarray:
        return self.encoder.encode(texts, self.query_prompt if query else self.passage_prompt)


def _file_digest(path: Path) -> bytes:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").digest()


def local_model_name(folder: Path) -> str:
    """Stable id for a local folder: its name plus a short hash of config and weights.

    A verified build's marker already fingerprints the source weights, which avoids hashing
    hundreds of MB on every start; other folders hash their weight files.
    """
    h = hashlib.sha256((folder / "config.json").read_bytes())
    marker = folder / MARKER  # written by vectorstore.models after a verified build
    if marker.is_file():
        source = json.loads(marker.read_text(encoding="utf-8"))
        source.pop("min_cosine", None)
        source.pop("build_seconds", None)
        h.update(json.dumps(source, sort_keys=True).encode())
    else:
        for weights in sorted(folder.iterdir()):
            if weights.suffix in _WEIGHT_SUFFIXES and weights.is_file():
                h.update(_file_digest(weights))
    return f"{folder.name}-{h.hexdigest()[:12]}"


def _local_folder(model_ref: str) -> Path | None:
    """The folder ``model_ref`` names, None for a hub name; raise if it is a missing path."""
    path = Path(model_ref).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise EmbeddingModelNotFoundError(
                f"{path} is not a complete model folder; {BUILD_HINT}"
            )
        return path
    looks_local = (
        path.is_absolute()
        or model_ref.startswith((".", "~"))
        or model_ref.count("/") > 1
        or path.parent.name == "models"
        or (path.parent != Path(".") and path.parent.is_dir())
    )
    if looks_local:
        raise EmbeddingModelNotFoundError(
            f"embedding model folder {path} does not exist; {BUILD_HINT}"
        )
    return None


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _choose_backend(folder: Path | None, device: str | None) -> str:
    """Backend "auto": torch on a GPU, else the int8 model when verified, else torch on CPU."""
    if (device or "").startswith("cuda") or (device is None and _cuda()):
        return "torch"
    return "onnx-int8" if folder is not None and is_verified(folder) else "torch"


@overload
def make_embedder(
    model_ref: str,
    *,
    backend: Literal["torch"] = "torch",
    device: str | None = None,
    batch_size: int = 32,
    allow_download: bool = False,
) -> Embedder: ...
@overload
def make_embedder(
    model_ref: str,
    *,
    backend: str,
    device: str | None = None,
    batch_size: int = 32,
    allow_download: bool = False,
) -> BaseEmbedder: ...
def make_embedder(
    model_ref: str,
    *,
    backend: str = "torch",
    device: str | None = None,
    batch_size: int = 32,
    allow_download: bool = False,
) -> BaseEmbedder:
    """Load ``model_ref`` (a sentence-transformers name or folder) without touching the network.

    ``backend`` is "torch", "onnx-int8" (a local folder's verified int8 model; raises
    Int8ModelError if it is missing or unverified) or "auto" (see ``_choose_backend``).
    ``device`` applies to torch: default CUDA when available, else the CPU. Hub names are
    looked up in the local cache only unless ``allow_download`` is set.
    """
    if backend not in BACKENDS:
        raise ValueError(f"embedding backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    folder = _local_folder(model_ref)
    if backend == "auto":
        backend = _choose_backend(folder, device)
        log.info("embedding backend: %s", backend)
    if backend == "onnx-int8":
        if folder is None:
            raise Int8ModelError(
                f"the onnx-int8 backend needs a local model folder, not {model_ref!r}; {BUILD_HINT}"
            )
        from vectorstore.onnx_encoder import OnnxEncoder

        check_int8(folder)
        return OnnxEmbedder(OnnxEncoder(folder), local_model_name(folder), folder=folder)
    from sentence_transformers import SentenceTransformer

    device = device or ("cuda" if _cuda() else "cpu")
    if folder is not None:
        model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        return Embedder(model, local_model_name(folder), batch_size=batch_size, folder=folder)
    try:
        model = SentenceTransformer(model_ref, device=device, local_files_only=not allow_download)
    except (OSError, ValueError) as exc:
        raise EmbeddingModelNotFoundError(
            f"embedding model {model_ref!r} is not a local folder and not in the offline cache; "
            f"for the bundled multilingual-e5-small, {BUILD_HINT}"
        ) from exc
    return Embedder(model, model_ref, batch_size=batch_size)
