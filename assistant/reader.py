"""The local LLM as a reader: which of a few quoted sentences answers the question?

Retrieval and the extractive selector rank sentences by overlap, which cannot tell "到2025年
高新技术企业达到10000家" from "到2025年研发投入强度达到3.5%". A small instruct model can, when
it only has to name numbers: the prompt lists at most ~8 short candidates as [1] … [n] and
asks for the numbers, or 0 for none. The answer is parsed leniently and anything unusable
(an error, an empty or unparseable reply) comes back as ``ok=False`` so the caller simply
ignores the reader instead of failing the question.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from prompts import render

log = logging.getLogger(__name__)

MAX_CHARS = 120  # per candidate: prompt evaluation runs at ~60 tokens/s on 2 cores
_WS = re.compile(r"\s+")
# [2] / 【2】 / ［2］ are what the model copies from the list; they win over bare numbers.
_BRACKETED = re.compile(r"[\[【]\s*(\d{1,2})\s*[\]】]")
# A bare 1–2 digit number that is not part of a longer figure, a date or an amount, so an
# echoed sentence ("自2024年1月1日起") yields no numbers rather than wrong ones.
_BARE = re.compile(r"(?<![\d.])(\d{1,2})(?!\d|\.\d|\s*[%年月日万亿千百元个家名项倍])")
_NONE = re.compile(r"无|没有|都不|均不|不能回答|none|neither|no\s+sentence", re.IGNORECASE)
_MIN_ECHO = 6  # characters of a candidate the reply must repeat to count as picking it


class Reply(Protocol):
    """The part of a completion the reader reads."""

    @property
    def text(self) -> str: ...


class ReaderLLM(Protocol):
    """Anything with the chain's ``generate`` (kept local: assistant.chain is in flux)."""

    def generate(self, messages: list[dict[str, str]], *, max_tokens: int = ...,
                 temperature: float = ..., stop: list[str] | None = ...) -> Reply: ...  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReaderPick:
    """What the reader said.

    ``picked``: 0-based candidate indices, in the model's order, duplicates dropped.
    ``none``: the model said no candidate answers. ``ok``: False when the call failed or
    the reply could not be read; then ``picked`` is empty and the caller should ignore it.
    ``raw``: the model's reply, for logs.
    """

    picked: tuple[int, ...] = ()
    none: bool = False
    ok: bool = True
    raw: str = ""


def shorten(text: str, max_chars: int = MAX_CHARS) -> str:
    """One line of at most ``max_chars`` characters (an ellipsis marks a cut)."""
    line = _WS.sub(" ", text).strip()
    return line if len(line) <= max_chars else line[: max_chars - 1] + "…"


def build_prompt(question: str, candidates: Sequence[str], max_chars: int = MAX_CHARS) -> str:
    """The user message: candidates numbered [1] … [n], then the question."""
    listed = "\n".join(f"[{i}] {shorten(c, max_chars)}" for i, c in enumerate(candidates, 1))
    return render("reader", question=shorten(question, 4 * max_chars), candidates=listed)


def parse_reply(text: str, candidates: Sequence[str]) -> ReaderPick:
    """Read the model's reply: numbers (bracketed or bare), 0 / 无 / none, or an echoed sentence."""
    norm = unicodedata.normalize("NFKC", text).strip()
    if not norm:
        return ReaderPick(ok=False, raw=text)
    numbers = [int(n) for n in _BRACKETED.findall(norm) or _BARE.findall(norm)]
    picked = tuple(dict.fromkeys(n - 1 for n in numbers if 1 <= n <= len(candidates)))
    if picked:
        return ReaderPick(picked, raw=text)
    if 0 in numbers or _NONE.search(norm):
        return ReaderPick(none=True, raw=text)
    echoed = _echoed(norm, candidates)
    if echoed is not None:
        return ReaderPick((echoed,), raw=text)
    return ReaderPick(ok=False, raw=text)


def _echoed(reply: str, candidates: Sequence[str]) -> int | None:
    """The one candidate whose text the reply repeats (a model that quotes instead of numbering)."""
    key = _WS.sub("", reply).strip("。.;；")
    if len(key) < _MIN_ECHO:
        return None
    hits = [i for i, c in enumerate(candidates)
            if key in _WS.sub("", unicodedata.normalize("NFKC", c))]  # fmt: skip
    return hits[0] if len(hits) == 1 else None


class LLMReader:
    """Asks the LLM which numbered candidate sentences answer a question (temperature 0)."""

    def __init__(self, llm: ReaderLLM, *, max_tokens: int = 16, max_chars: int = MAX_CHARS) -> None:
        self.llm = llm
        self.max_tokens = max_tokens
        self.max_chars = max_chars

    def pick(self, question: str, candidates: Sequence[str]) -> ReaderPick:
        """The model's choice among ``candidates``; ``ok=False`` on any failure, never raises."""
        if not candidates:
            return ReaderPick(none=True)
        messages = [{"role": "user", "content": build_prompt(question, candidates, self.max_chars)}]
        try:
            reply = self.llm.generate(messages, max_tokens=self.max_tokens, temperature=0.0,
                                      stop=["\n"])  # fmt: skip
        except Exception as exc:  # the reader is optional: any failure means "ignore me"
            log.warning("reader LLM failed: %s", exc)
            return ReaderPick(ok=False)
        return parse_reply(reply.text, candidates)
