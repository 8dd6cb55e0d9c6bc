"""The one place that reads the environment (prefix ``PQA_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vectorstore.config import StoreSettings

GeneratorName = Literal["extractive", "llamacpp", "openai"]

DEFAULT_LLM_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


class Settings(StoreSettings):
    """Runtime configuration. Every path can be pointed elsewhere by tools and tests.

    The index's own settings (corpus, store, embedding model, document bounds) are
    ``StoreSettings``; these add serving.
    """

    model_config = SettingsConfigDict(env_prefix="PQA_", env_file=None, extra="ignore")

    generator: GeneratorName | None = None  # None: llamacpp when built, else extractive
    llm_model_path: Path | None = None
    llm_threads: int = 2
    llm_queue_size: int = 4
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_api_key: str | None = None

    top_k: int = 6
    context_tokens: int = 1500
    # Fitted weights and thresholds of retrieval, selection and refusal (assistant/params.py);
    # None: the packaged file fitted by `python -m evals fit`.
    params_path: Path | None = None
    # The LLM as a reader of the best sentences (one more short call per question; its pick
    # is evidence, the answer stays quotes): "llm" with an LLM generator, "always" also for
    # extractive answers (the local LLM is then loaded for them too), "off". Off by default:
    # measured against the quotes alone it lost 8.3 points on the CJRC sample and 6.7 on the
    # development policy set, and gained on none of five sets (README, "The local LLM").
    reader: Literal["off", "llm", "always"] = "off"
    # Whether an LLM generator also rephrases the quoted sentences (behind the number guard).
    # Off: it reads, and the answer is the verbatim quotes it helped choose. Rephrasing
    # lost required wording: on the CJRC dev sample 50.0% against 54.2% for the quotes.
    rephrase: bool = False

    api_key: str | None = None
    read_only: bool = False  # no uploads or deletes, through the API or the page
    cors_origins: list[str] = Field(default_factory=list)
    upload_wait_seconds: float = 10.0  # an upload not indexed by then answers 202 with a job
    max_queued_uploads: int = 8  # more waiting uploads get 429
    max_request_kb: int = 256  # JSON request bodies; larger ones get 413 before parsing

    @property
    def llm_path(self) -> Path:
        return self.llm_model_path or self.models_dir / DEFAULT_LLM_FILENAME
