"""The chain as a LangChain Runnable, so LangChain users can compose it.

Input: a question string, or {"question": ..., "history": [...], "generator": ..., "top_k": ...}.
Output: the answer as a dict (answer text, refused, citations, …). ``stream`` yields
``AddableDict`` chunks the LangChain way: pieces of "answer" as they are checked, then
one chunk with everything else; adding the chunks gives what ``invoke`` returns. When an
LLM's draft fails the guard, a "replace" chunk holds the text that supersedes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.utils import AddableDict

from assistant.types import Turn

if TYPE_CHECKING:
    from assistant.chain import PolicyQA


def _arguments(value: Any) -> tuple[str, list[Turn], dict[str, Any]]:
    if isinstance(value, str):
        return value, [], {}
    if not isinstance(value, dict) or not isinstance(value.get("question"), str):
        raise TypeError("input must be a question string or a dict with a 'question' string")
    history = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in value.get("history") or []]
    opts = {k: value[k] for k in ("generator", "top_k") if value.get(k) is not None}
    return value["question"], history, opts


class AnswerRunnable(Runnable[Any, dict[str, Any]]):
    """invoke → the answer dict; stream → AddableDict chunks; batch comes from Runnable."""

    def __init__(self, qa: PolicyQA) -> None:
        self.qa = qa

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> dict[str, Any]:
        question, history, opts = _arguments(input)
        return self.qa.answer(question, history, **opts).model_dump()

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
               ) -> Iterator[dict[str, Any]]:
        question, history, opts = _arguments(input)
        for event in self.qa.stream(question, history, **opts):
            if event.event == "token" and isinstance(event.data, dict):
                key = "replace" if event.data.get("reset") else "answer"
                yield AddableDict({key: event.data["text"]})
            elif event.event == "done" and isinstance(event.data, dict):
                yield AddableDict({k: v for k, v in event.data.items() if k != "answer"})
