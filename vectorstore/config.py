"""The settings the index needs (prefix ``PQA_``), shared by every process that writes it.

``assistant.settings.Settings`` extends these with what serving needs, so there is one
set of names for one environment; the ingest CLI reads only this part and so never
imports the assistant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.limits import IngestLimits

DEFAULT_EMBEDDING_DIRNAME = "multilingual-e5-small"
EmbeddingBackend = Literal["auto", "torch", "onnx-int8"]


class StoreSettings(BaseSettings):
    """Where documents come from, where the index lives, and how documents are bounded."""

    model_config = SettingsConfigDict(env_prefix="PQA_", env_file=None, extra="ignore")

    corpus_dir: Path = Path("data/corpus")
    data_dir: Path = Path("var")
    models_dir: Path = Path("models")

    # Any sentence-transformers name or path; empty means the locally built e5 folder.
    embedding_model: str = ""
    # "auto": a GPU when there is one, else the verified int8 ONNX model when built, else torch.
    embedding_backend: EmbeddingBackend = "auto"
    chroma_url: str | None = None
    collection: str = "policyqa"
    chunk_tokens: int = 400

    # The corpus's own glossary and alias rows: every *.tsv here (alias*.tsv hold aliases).
    # The lexical index keeps their Chinese terms whole, so it is rebuilt when they change.
    lexicon_dir: Path = Path("data/lexicon")
    glossary_path: Path | None = None  # extra glossary rows (English<TAB>中文,…)
    aliases_path: Path | None = None  # extra alias rows (canonical<TAB>alias,…)

    max_upload_mb: int = 20
    # Bounds on one document's parsing, checked before the work (see ingest.limits).
    max_inflated_mb: int = 100
    max_paragraphs: int = 50_000
    max_pages: int = 2_000
    max_text_chars: int = 2_000_000
    max_chunks: int = 5_000

    @property
    def embedding_model_ref(self) -> str:
        return self.embedding_model or str(self.models_dir / DEFAULT_EMBEDDING_DIRNAME)

    @property
    def ingest_limits(self) -> IngestLimits:
        return IngestLimits(max_bytes=self.max_upload_mb * 1024 * 1024,
                            max_inflated_bytes=self.max_inflated_mb * 1024 * 1024,
                            max_paragraphs=self.max_paragraphs, max_pages=self.max_pages,
                            max_text_chars=self.max_text_chars, max_chunks=self.max_chunks)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        """The persisted lexical index, beside the Chroma data (shared by every server)."""
        return self.data_dir / "lexical" / self.collection

    @property
    def targets_path(self) -> Path:
        """The quantitative targets of the indexed documents (SQLite), beside the index."""
        return self.data_dir / "targets" / f"{self.collection}.sqlite3"
