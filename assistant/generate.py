"""The compose stage with an LLM: the model rephrases the draft's quotes, streamed only as
far as the guard has checked it; any failure falls back to the extractive draft."""

from __future__ import annotations

import logging
import re
from collections.abc import Generator, Iterator
from typing import Any, Protocol

from assistant import guard
from assistant.draft import Draft
from assistant.types import StreamEvent, Usage
from ingest.chunking import count_tokens
from prompts import render

log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=\.\s)")


class Completion(Protocol):
    text: str
    prompt_tokens: int
    completion_tokens: int


class ChatLLM(Protocol):
    """The seam every LLM generator sits behind."""

    name: str

    def generate(self, messages: list[dict[str, str]], *, max_tokens: int = ...,
                 temperature: float = ..., stop: list[str] | None = ...) -> Completion: ...

    def stream(self, messages: list[dict[str, str]], *, max_tokens: int = ...,
               temperature: float = ..., stop: list[str] | None = ...) -> Iterator[str]: ...


def system_message() -> dict[str, str]:
    """The one system message every prompt starts with: always present, because without
    one Qwen's template injects its own persona, and fixed, so its evaluation is reused."""
    return {"role": "system", "content": render("system")}


def messages(draft: Draft, context_tokens: int) -> list[dict[str, str]]:
    """The fixed system prompt (every rule), then only this question's evidence.

    Prompt evaluation is most of a local answer's wait (~60 tokens/s on 2 cores), and
    llama.cpp reuses the longest prefix it has already evaluated, so the rules live in a
    system message shared by every prompt and the evidence names each document once.
    """
    lines: list[str] = []
    used, title = 0, ""
    for n, quote in draft.quotes:
        cite = draft.citations[n - 1]
        line = f"[{n}]（{cite.clause}）{quote}"
        if cite.title != title:
            line = f"《{cite.title}》\n{line}"
        cost = count_tokens(line)
        if used + cost > context_tokens and lines:
            break
        lines.append(line)
        used, title = used + cost, cite.title
    prompt = render(f"answer_{draft.ctx.lang}", evidence="\n".join(lines), question=draft.ctx.text)
    return [system_message(), {"role": "user", "content": prompt}]


def compose_with_llm(llm: ChatLLM, draft: Draft, trace: dict[str, Any], *, emit: bool,
                     context_tokens: int) -> Generator[StreamEvent, None, tuple[str, Usage, bool]]:
    """Stream the LLM's answer as it is checked: each sentence once the guard passes it,
    and the sentence in progress up to its first number or marker (text without a
    number cannot fail the number guard), so the first words show within a second or two.

    Returns (text, usage, ok) via StopIteration; on any failure the caller falls back
    (and tells the client to replace what it showed).
    """
    msgs = messages(draft, context_tokens)
    prompt_tokens = sum(count_tokens(m["content"]) for m in msgs)
    shown, pending, emitted, completion = "", "", "", 0

    def show(display: str) -> Iterator[StreamEvent]:
        nonlocal emitted
        if not emit or display == emitted:
            return
        if display.startswith(emitted):
            yield StreamEvent(event="token", data={"text": display[len(emitted):]})
        else:  # a marker was dropped from text already shown
            yield StreamEvent(event="token", data={"reset": True, "text": display})
        emitted = display

    try:
        for token in llm.stream(msgs, max_tokens=320, temperature=0.0):
            completion += 1
            pending += token
            parts = _SENTENCE_END.split(pending)
            ready, pending = "".join(parts[:-1]), parts[-1]
            if ready:
                checked, missing = guard.check(shown + ready, draft)
                if missing:
                    trace.update(llm_draft=shown + ready, grounded=False, ungrounded=missing)
                    return draft.text, Usage(prompt_tokens=prompt_tokens, completion_tokens=completion), False
                shown = checked
            yield from show(guard.showable(shown, pending, draft))
    except Exception as exc:  # the LLM is an optional enhancement; never fail the answer
        log.warning("LLM generation failed (%s); falling back to extractive", exc)
        trace.update(llm_error=str(exc)[:200])
        return draft.text, Usage(), False
    final, missing = guard.check(shown + pending, draft)
    usage = Usage(prompt_tokens=prompt_tokens, completion_tokens=completion)
    lost = guard.dropped(draft.best_quote, final, draft.ctx.text)
    if missing or lost or guard.terse(final):
        trace.update(llm_draft=shown + pending, grounded=not missing, ungrounded=missing, dropped=lost)
        return draft.text, usage, False
    if not guard.MARKER.search(final):
        final = f"{final} [1]"
    yield from show(final)
    trace.update(llm_draft=final, grounded=True)
    return final, usage, True
