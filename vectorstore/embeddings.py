"""Sentence embeddings for indexing and search, usable directly as a langchain ``Embeddings``.

``make_embedder`` accepts any sentence-transformers name or folder. E5-style models need
asymmetric prefixes ("query: " / "passage: "); the ``Embedder`` applies whichever prompts the
model defines, so callers never hand-write prefixes and index and query always agree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.models import MARKER

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUILD_HINT = "run `python -m vectorstore.models build` (or `make setup`) to create it"
_PASSAGE_PROMPTS = ("passage", "document", "corpus")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")


class EmbeddingModelNotFoundError(FileNotFoundError):
    """The embedding model is neither a local folder nor in the offline cache."""


class Embedder(Embeddings):
    """A loaded sentence-transformers model with the right prompt for each side of retrieval."""

    def __init__(self, model: SentenceTransformer, name: str, *, batch_size: int = 32) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
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

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim})"

    def _encode(self, texts: Sequence[str], prompt_name: str | None) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) unit vectors for search queries (the model's "query" prompt, if any)."""
        return self._encode(texts, self.query_prompt_name)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) unit vectors for indexed text (the "passage"/"document" prompt, if any)."""
        return self._encode(texts, self.passage_prompt_name)

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


def make_embedder(
    model_ref: str, *, device: str = "cpu", batch_size: int = 32, allow_download: bool = False
) -> Embedder:
    """Load ``model_ref`` (a sentence-transformers name or folder) without touching the network.

    Hub names are looked up in the local cache only unless ``allow_download`` is set.
    """
    from sentence_transformers import SentenceTransformer

    folder = _local_folder(model_ref)
    if folder is not None:
        model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        return Embedder(model, local_model_name(folder), batch_size=batch_size)
    try:
        model = SentenceTransformer(model_ref, device=device, local_files_only=not allow_download)
    except (OSError, ValueError) as exc:
        raise EmbeddingModelNotFoundError(
            f"embedding model {model_ref!r} is not a local folder and not in the offline cache; "
            f"for the bundled multilingual-e5-small, {BUILD_HINT}"
        ) from exc
    return Embedder(model, model_ref, batch_size=batch_size)
