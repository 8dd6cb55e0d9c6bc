"""The answer chain, as named stages a question passes through in order:

    condense  a follow-up becomes a standalone question      (assistant.condense)
    analyse   language, years, places, terms, answer type    (assistant.query, assistant.context)
    retrieve  dense + lexical evidence                       (assistant.retrieval)
    decide    does the evidence answer? (fitted, one place)  (assistant.decide)
    select    the sentences that answer                      (assistant.select, assistant.modes)
    compose   quotes framed with citations, or an LLM's text (assistant.compose, assistant.generate)
    guard     every number an LLM writes is in a cited clause (assistant.guard)

This module only wires them. Refusal is decided from evidence, never by the LLM, and an
LLM's answer is only kept when the guard passes it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from assistant import compose
from assistant.condense import condense_rules, keeps_context
from assistant.context import QuestionContext, build_context
from assistant.draft import Draft, make_draft
from assistant.generate import ChatLLM, compose_with_llm, system_message
from assistant.params import Params, default_params
from assistant.query import Lexicon, analyze, default_lexicon
from assistant.reader import LLMReader
from assistant.retrieval import Evidence, HybridRetriever
from assistant.types import Answer, Citation, Generator, StreamEvent, Turn, Usage
from prompts import render
from vectorstore.targets_store import TargetStore

log = logging.getLogger(__name__)
__all__ = ["ChatLLM", "PolicyQA", "citations_text", "system_message"]


class PolicyQA:
    """Question in, cited answer out. Implements assistant.types.QAService."""

    def __init__(
        self,
        retriever: HybridRetriever,
        *,
        llms: Mapping[str, ChatLLM] | None = None,
        default_generator: Generator = "extractive",
        top_k: int = 6,
        context_tokens: int = 1500,
        params: Params | None = None,
        lexicon: Lexicon | None = None,
        use_reader: bool = True,
        read_always: bool = False,
        rephrase: bool = True,
        targets: TargetStore | None = None,
    ) -> None:
        self.retriever = retriever
        self.llms = dict(llms or {})
        self.default_generator: Generator = default_generator
        self.top_k = top_k
        self.context_tokens = context_tokens
        self.params = params or default_params()
        self.lexicon = lexicon or default_lexicon()
        self.use_reader = use_reader  # with an LLM generator, it also reads the best sentences
        self.read_always = read_always  # … and for extractive answers, when an LLM is loaded
        self.rephrase = rephrase  # an LLM generator may rephrase the quotes (behind the guard)
        self.targets = targets  # the targets index: comparisons across plans are answered from it
        self.prepare: Runnable[dict[str, Any], Draft] = (
            RunnablePassthrough.assign(condensed=RunnableLambda(self._condense))
            | RunnablePassthrough.assign(ctx=RunnableLambda(lambda x: self.analyse(x["condensed"])))
            | RunnablePassthrough.assign(evidence=RunnableLambda(self._retrieve))
            | RunnableLambda(self._draft)
        )

    # -- stages ---------------------------------------------------------------------
    def analyse(self, question: str) -> QuestionContext:
        """The analyse stage: one QuestionContext, computed once per question."""
        q = analyze(question, self.lexicon, self.retriever.vocab)
        return build_context(q, self.retriever.idf)

    def retrieve(self, ctx: QuestionContext, k: int | None = None) -> list[Evidence]:
        """The retrieve stage: a comparison needs evidence from every document it compares."""
        depth = max(k or self.top_k, 15 if ctx.q.is_comparison else 8)
        return self.retriever.search(ctx.q, k=depth)

    def known_names(self) -> list[str]:
        """Names a question may use that the lexicon maps (never taken for unknown places)."""
        return [*(n for g in self.lexicon.aliases.values() for n in g), *(en for en, _ in self.lexicon.glossary)]

    def _retrieve(self, x: dict[str, Any]) -> list[Evidence]:
        return self.retrieve(x["ctx"], x.get("top_k"))

    def _draft(self, x: dict[str, Any]) -> Draft:
        llm: ChatLLM | None = x.get("llm")
        if llm is None and self.read_always:
            llm = next(iter(self.llms.values()), None)
        reader = LLMReader(llm) if llm is not None and self.use_reader else None
        return make_draft(x["ctx"], x["evidence"], self.retriever, self.params, self.known_names(), reader,
                          self.targets)

    def _condense(self, x: dict[str, Any]) -> str:
        history: list[Turn] = x.get("history") or []
        question: str = x["question"]
        llm: ChatLLM | None = x.get("llm")
        rules = condense_rules(question, history, self.lexicon)
        if llm is None or not history:
            return rules
        lines = "\n".join(f"{t.role}: {t.content}" for t in history[-6:])
        try:
            user = render("condense", history=lines, question=question)
            out = llm.generate([system_message(), {"role": "user", "content": user}],
                               max_tokens=96, temperature=0.0)
            text = out.text.strip().splitlines()[0].strip() if out.text.strip() else ""
        except Exception as exc:  # an LLM failure must not fail the answer
            log.warning("condense with LLM failed (%s); using rules", exc)
            return rules
        if not 4 <= len(text) <= 4 * max(len(rules), 40) or not keeps_context(question, text, history, self.lexicon):
            return rules
        return text

    # -- generators -----------------------------------------------------------------
    def warm(self) -> None:
        """Load local models and evaluate the shared system prompt once at start, so the
        first question pays only for its own evidence (remote endpoints are left alone)."""
        for name, llm in self.llms.items():
            load = getattr(llm, "load", None)
            if not callable(load):
                continue
            load()
            try:
                llm.generate([system_message(), {"role": "user", "content": ""}], max_tokens=1)
            except Exception as exc:  # a failed warm-up only costs the first question time
                log.warning("warming %s failed: %s", name, exc)

    def generators(self) -> list[Generator]:
        names: list[Generator] = ["extractive"]
        names += [g for g in ("llamacpp", "openai") if g in self.llms]
        return names

    def _llm_for(self, generator: Generator | None) -> tuple[Generator, ChatLLM | None]:
        name = generator or self.default_generator
        if name == "extractive":
            return "extractive", None
        llm = self.llms.get(name)
        if llm is None:
            raise ValueError(f"generator {name!r} is not available; available: {self.generators()}")
        return name, llm

    # -- answering ------------------------------------------------------------------
    def answer(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None) -> Answer:
        """The full answer (the API's response object)."""
        final: Answer | None = None
        for event in self.stream(question, history, top_k=top_k, generator=generator, _collect=True):
            if event.event == "done":
                final = Answer.model_validate(event.data)
        assert final is not None
        return final

    def stream(self, question: str, history: list[Turn] | None = None, *, top_k: int | None = None,
               generator: Generator | None = None, _collect: bool = False) -> Iterator[StreamEvent]:
        """token events, then one citations event, then done (carrying the Answer)."""
        start = time.perf_counter()
        name, llm = self._llm_for(generator)
        draft = self.prepare.invoke({"question": question, "history": list(history or []),
                                     "top_k": top_k, "llm": llm})
        trace = _trace(draft)
        text, usage, used = draft.text, Usage(), "extractive"
        if llm is not None and draft.composable and self.rephrase:
            text, usage, ok = yield from compose_with_llm(llm, draft, trace, emit=not _collect,
                                                          context_tokens=self.context_tokens)
            used = name if ok else "extractive"
            if not ok:
                text = draft.text
                if not _collect:
                    yield StreamEvent(event="token", data={"reset": True, "text": text})
        elif not _collect:
            for piece in re.findall(r".{1,24}", text, flags=re.S):
                yield StreamEvent(event="token", data={"text": piece})
        trace["generator_used"] = used
        yield StreamEvent(event="citations", data=[c.model_dump() for c in draft.citations])
        answer = Answer(
            answer=text, refused=draft.refusal is not None, citations=draft.citations,
            condensed_question=draft.ctx.text, generator=name,
            latency_ms=round((time.perf_counter() - start) * 1000, 2), usage=usage, trace=trace)
        yield StreamEvent(event="done", data=answer.model_dump())

    def as_retriever(self, k: int | None = None) -> BaseRetriever:
        """The retrieve stage as a LangChain BaseRetriever (same analysis and search)."""
        from assistant.lc_retriever import PolicyRetriever

        return PolicyRetriever(hybrid=self.retriever, lexicon=self.lexicon, k=k or self.top_k)

    def as_runnable(self) -> Runnable[Any, dict[str, Any]]:
        """The whole chain as a LangChain Runnable (invoke, stream, batch)."""
        from assistant.runnable import AnswerRunnable

        return AnswerRunnable(qa=self)


def _trace(draft: Draft) -> dict[str, Any]:
    """What each stage decided, for the API's trace and the evaluation runs."""
    q = draft.ctx.q
    trace: dict[str, Any] = {
        "mode": draft.mode, "p_answerable": round(draft.p_answerable, 4),
        "analysis": {"lang": q.lang, "years": list(q.years), "expansions": list(q.expansions),
                     "comparison": q.is_comparison, "answer_type": str(draft.ctx.answer_type)},
        "decision": {k: round(v, 4) for k, v in draft.features.items()},
        "retrieved": [{"doc_id": e.chunk.doc_id, "clause": e.chunk.clause_path, "text": e.chunk.text,
                       "score": round(e.score, 6), "dense": round(e.dense, 4),
                       "lexical": round(e.lexical, 4)} for e in draft.evidence],
    }
    if draft.refusal is not None:
        trace["refusal"] = draft.refusal.kind
    return trace


def citations_text(citations: Sequence[Citation]) -> str:
    """A readable numbered source list (CLI and chat clients)."""
    return "\n".join(f"[{c.n}] {compose.source_line('zh', c)}" for c in citations)
