"""LLM adapters behind one small seam (:class:`ChatLLM`) that the answer chain calls.

* :class:`LlamaCppLLM` runs the local GGUF in-process with llama-cpp-python (the GGUF's
  own chat template; one request at a time, serialised by a lock).
* :class:`OpenAICompatLLM` speaks ``/v1/chat/completions`` through the official ``openai``
  client, so vLLM, Ollama, llama.cpp's server and hosted APIs all fit.
* :func:`make_llm` picks one from :class:`~assistant.settings.Settings`; ``None`` means
  "answer extractively".

Nothing heavy happens at import: llama_cpp and openai are imported when an adapter is made,
and the model is loaded on first use or by :meth:`LlamaCppLLM.load`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]
BUILD_HINT = "run `make setup` or `python -m assistant.llm_model build`"
INSTALL_HINT = "run `make setup` or `bash scripts/install_llm.sh`"


class LLMError(RuntimeError):
    """A generation failed (server error, bad request, context overflow …)."""


class LLMUnavailableError(LLMError):
    """The configured generator cannot be used; the message says how to fix it."""


class LLMBusyError(LLMError):
    """The local model stayed busy with other requests longer than the adapter's lock timeout."""


@dataclass(slots=True)
class Completion:
    """One non-streamed answer and its token usage (0 when a server does not report it)."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None = None


class ChatLLM(Protocol):
    """The seam every LLM generator sits behind; ``name`` is the generator's settings name."""

    name: str

    def generate(self, messages: Messages, *, max_tokens: int = 512, temperature: float = 0.0,
                 stop: list[str] | None = None) -> Completion: ...  # fmt: skip

    def stream(self, messages: Messages, *, max_tokens: int = 512, temperature: float = 0.0,
               stop: list[str] | None = None) -> Iterator[str]: ...  # fmt: skip


class LlamaCppLLM:
    """The local GGUF via llama-cpp-python.

    A ``Llama`` object holds one KV cache and is not thread-safe, so ``generate`` and the
    whole life of a ``stream`` hold a lock: concurrent callers queue. A stream releases it
    when exhausted or closed (or garbage-collected), so don't call ``generate`` from inside
    a ``for`` over ``stream`` in the same thread: that waits ``lock_timeout`` then raises.
    """

    name = "llamacpp"

    def __init__(self, model_path: Path | str, n_threads: int = 2, n_ctx: int = 4096, *,
                 seed: int = 0, lock_timeout: float = 600.0) -> None:  # fmt: skip
        self.model_path = Path(model_path)
        self.n_threads = n_threads
        self.n_ctx = n_ctx
        self.seed = seed
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        self._llama: Any = None

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def load(self) -> None:
        """Load the model now (e.g. at server start) instead of on the first request."""
        with self._exclusive():
            self._ensure_loaded()

    def close(self) -> None:
        """Free the model's memory; a later call loads it again."""
        with self._exclusive():
            if self._llama is not None:
                self._llama.close()
                self._llama = None

    def generate(self, messages: Messages, *, max_tokens: int = 512, temperature: float = 0.0,
                 stop: list[str] | None = None) -> Completion:  # fmt: skip
        with self._exclusive():
            llama = self._ensure_loaded()
            try:
                out = llama.create_chat_completion(
                    messages=messages, max_tokens=max_tokens, temperature=temperature, stop=stop
                )
            except (ValueError, RuntimeError) as exc:  # e.g. prompt longer than n_ctx
                raise LLMError(f"llama.cpp generation failed: {exc}") from exc
        choice, usage = out["choices"][0], out.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason"),
        )

    def stream(self, messages: Messages, *, max_tokens: int = 512, temperature: float = 0.0,
               stop: list[str] | None = None) -> Iterator[str]:  # fmt: skip
        with self._exclusive():
            llama = self._ensure_loaded()
            try:
                chunks = llama.create_chat_completion(
                    messages=messages, max_tokens=max_tokens, temperature=temperature,
                    stop=stop, stream=True,
                )  # fmt: skip
                try:
                    for chunk in chunks:
                        piece = chunk["choices"][0]["delta"].get("content")
                        if piece:
                            yield piece
                finally:
                    chunks.close()
            except (ValueError, RuntimeError) as exc:
                raise LLMError(f"llama.cpp generation failed: {exc}") from exc

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=self.lock_timeout):
            raise LLMBusyError(f"local LLM busy for more than {self.lock_timeout:.0f}s")
        try:
            yield
        finally:
            self._lock.release()

    def _ensure_loaded(self) -> Any:
        """Create the ``Llama`` (caller holds the lock)."""
        if self._llama is None:
            if not self.model_path.is_file():
                raise LLMUnavailableError(
                    f"local LLM not built: {self.model_path} is missing; {BUILD_HINT}"
                )
            llama_cpp = _import_llama_cpp()
            try:
                self._llama = llama_cpp.Llama(
                    model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                    n_threads_batch=self.n_threads, seed=self.seed, verbose=False,
                )  # fmt: skip
            except (ValueError, RuntimeError, OSError) as exc:
                raise LLMUnavailableError(f"cannot load {self.model_path}: {exc}") from exc
            log.info(
                "loaded %s (n_ctx=%d, n_threads=%d)",
                self.model_path.name,
                self.n_ctx,
                self.n_threads,
            )
        return self._llama


class OpenAICompatLLM:
    """Any OpenAI-compatible ``/v1/chat/completions`` server through the ``openai`` client.

    ``base_url`` None means the hosted OpenAI API. Local servers accept any key, so a
    placeholder is sent when none is given (the client refuses to run without one).
    """

    name = "openai"

    def __init__(self, base_url: str | None, model: str, api_key: str | None = None, *,
                 timeout: float = 60.0, max_retries: int = 1) -> None:  # fmt: skip
        import openai

        self.base_url = base_url
        self.model = model
        self._openai = openai
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
            max_retries=max_retries,
        )  # fmt: skip

    def generate(self, messages: Messages, *, max_tokens: int = 512, temperature: float = 0.0,
                 stop: list[str] | None = None) -> Completion:  # fmt: skip
        try:
            out = self._client.chat.completions.create(
                model=self.model, messages=cast(Any, messages), max_tokens=max_tokens,
                temperature=temperature, stop=stop or self._openai.omit, stream=False,
            )  # fmt: skip
        except self._openai.APIError as exc:
            raise LLMError(f"{self._where()} failed: {exc}") from exc
        if not out.choices:
            raise LLMError(f"{self._where()} returned no choices")
        choice = out.choices[0]
        return Completion(
            text=choice.message.content or "",
            prompt_tokens=out.usage.prompt_tokens if out.usage else 0,
            completion_tokens=out.usage.completion_tokens if out.usage else 0,
            finish_reason=choice.finish_reason,
        )

    def stream(self, messages: Messages, *, max_tokens: int = 512, temperature: float = 0.0,
               stop: list[str] | None = None) -> Iterator[str]:  # fmt: skip
        try:
            chunks = self._client.chat.completions.create(
                model=self.model, messages=cast(Any, messages), max_tokens=max_tokens,
                temperature=temperature, stop=stop or self._openai.omit, stream=True,
            )  # fmt: skip
            with chunks:
                for chunk in chunks:
                    if chunk.choices and (piece := chunk.choices[0].delta.content):
                        yield piece
        except self._openai.APIError as exc:
            raise LLMError(f"{self._where()} failed: {exc}") from exc

    def _where(self) -> str:
        return f"OpenAI-compatible server {self.base_url or 'api.openai.com'} (model {self.model})"


def _import_llama_cpp() -> Any:
    """Import llama_cpp, turning a missing or broken build into a fix-it message."""
    try:
        return importlib.import_module("llama_cpp")
    except (ImportError, OSError) as exc:
        raise LLMUnavailableError(
            f"llama-cpp-python is not usable ({exc}); {INSTALL_HINT}"
        ) from exc


def _llamacpp(settings: Settings) -> LlamaCppLLM:
    """The local adapter, or LLMUnavailableError when the model or the runtime is missing."""
    path = settings.llm_path
    if not path.is_file():
        raise LLMUnavailableError(f"local LLM not built: {path} is missing; {BUILD_HINT}")
    _import_llama_cpp()
    return LlamaCppLLM(path, n_threads=settings.llm_threads)


def _openai(settings: Settings) -> OpenAICompatLLM:
    if not (settings.openai_base_url or settings.openai_api_key):
        raise LLMUnavailableError(
            "generator 'openai' needs PQA_OPENAI_BASE_URL (a vLLM/Ollama/llama.cpp server) "
            "or PQA_OPENAI_API_KEY (the hosted API)"
        )
    return OpenAICompatLLM(settings.openai_base_url, settings.openai_model, settings.openai_api_key)


def make_llm(settings: Settings) -> ChatLLM | None:
    """The LLM for ``settings.generator``; None means extractive answers.

    Unset (auto) uses the local model when it is built and llama_cpp imports, else falls
    back to extractive with one warning saying why. An explicit generator that cannot
    work raises :class:`LLMUnavailableError` instead of silently degrading.
    """
    match settings.generator:
        case "extractive":
            return None
        case "llamacpp":
            return _llamacpp(settings)
        case "openai":
            return _openai(settings)
        case None:
            try:
                return _llamacpp(settings)
            except LLMUnavailableError as exc:
                log.warning("generator: extractive answers (%s)", exc)
                return None
        case other:
            raise ValueError(f"unknown generator {other!r}")
