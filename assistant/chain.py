"""The answer chain: condense → analyse → retrieve → extractive draft → (LLM compose + guard).

One LangChain runnable prepares every answer; the generators sit behind one seam.
Refusal is decided by retrieval evidence, never by the LLM, and an LLM's answer is only
kept when every number in it appears in a cited clause.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Generator as Generator_
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from assistant import compose
from assistant.condense import condense_rules, keeps_context
from assistant.extractive import Unit, best_unit, select_units
from assistant.grounding import (
    drop_restated_years,
    extract_numbers,
    name_plans,
    ungrounded_numbers,
    unitless_numbers,
)
from assistant.query import FIVE_YEAR_PLANS, YEAR, Lexicon, QueryAnalysis, analyze, default_lexicon
from assistant.refusal import DEFAULT_MIN_COVERAGE, Refusal, check_refusal
from assistant.retrieval import Evidence, HybridRetriever
from assistant.terms import coverage, term_weights
from assistant.types import Answer, Citation, Generator, StreamEvent, Turn, Usage
from ingest.chunking import count_tokens
from prompts import render

log = logging.getLogger(__name__)
_MARKER = re.compile(r"\s*\[(\d+)\]")
_PLACEHOLDER = re.compile(r"\s*\[n\]")
# Where unchecked text stops being safe to show: a number, a marker, or a multiple.
_UNCHECKED = re.compile(r"[\d０-９\[［]|翻|倍")
# A number, marker or multiple the model may still be writing (10000 → 10000家, 翻 → 翻一番).
_OPEN_TAIL = re.compile(r"(?:[\d０-９][\d０-９.．,，\s万亿千百十%％倍]*|[\[［][^\]］]*|翻[一两二三四]?|倍)$")
_ITEM_NUMBER = re.compile(r"^\s*[(（]?\d{1,2}[、.)）]")
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


@dataclass
class Draft:
    """The extractive answer, which every generator starts from and falls back to."""

    q: QueryAnalysis
    evidence: list[Evidence]
    text: str
    citations: list[Citation]
    refusal: Refusal | None
    coverage: float
    mode: str  # "answer" | "list" | "comparison" | "refusal"
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (citation n, sentence)

    @property
    def composable(self) -> bool:
        """Whether an LLM may rephrase this draft. Not a comparison: its lines pair each
        figure with its document, and a rephrasing that swaps two figures between plans
        still passes the number guard, so the cited lines are the answer."""
        return self.refusal is None and bool(self.quotes) and self.mode != "comparison"


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
        min_coverage: float = DEFAULT_MIN_COVERAGE,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.retriever = retriever
        self.llms = dict(llms or {})
        self.default_generator: Generator = default_generator
        self.top_k = top_k
        self.context_tokens = context_tokens
        self.min_coverage = min_coverage
        self.lexicon = lexicon or default_lexicon()
        self.prepare: Runnable[dict[str, Any], Draft] = self._build()

    # -- the runnable ---------------------------------------------------------------
    def _build(self) -> Runnable[dict[str, Any], Draft]:
        return (
            RunnablePassthrough.assign(condensed=RunnableLambda(self._condense))
            | RunnablePassthrough.assign(q=RunnableLambda(lambda x: analyze(x["condensed"], self.lexicon)))
            | RunnablePassthrough.assign(evidence=RunnableLambda(self._retrieve))
            | RunnableLambda(self._draft)
        )

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

    def _idf_table(self) -> dict[str, float]:
        return self.retriever.idf

    def _retrieve(self, x: dict[str, Any]) -> list[Evidence]:
        q: QueryAnalysis = x["q"]
        k = max(x.get("top_k") or self.top_k, 15 if q.is_comparison else 8)
        return self.retriever.search(q, k=k)

    # -- the extractive draft --------------------------------------------------------
    def _draft(self, x: dict[str, Any]) -> Draft:
        q: QueryAnalysis = x["q"]
        evidence: list[Evidence] = x["evidence"]
        idf = self._idf_table()
        docs = self.retriever.documents
        refusal, cov = check_refusal(
            q, evidence, corpus_text=self.retriever.corpus_text, periods=[d.period for d in docs],
            known_names=[*(n for g in self.lexicon.aliases.values() for n in g),
                         *(en for en, _ in self.lexicon.glossary)],
            idf=idf, min_coverage=self.min_coverage)
        if refusal is not None:
            related = [compose.citation(i + 1, ev) for i, ev in enumerate(evidence[:3])]
            return Draft(q, evidence, compose.frame_refusal(q.lang, refusal, related), related,
                         refusal, cov, "refusal")
        if q.is_comparison:
            draft = self._comparison(q, evidence, idf, cov)
            if draft is not None:
                return draft
        if compose.wants_list(q.text):
            draft = self._list(q, evidence, idf, cov)
            if draft is not None:
                return draft
        units = select_units(q, evidence, idf)
        refusal = self._check_units(q, units, idf)
        if refusal is not None:
            related = [compose.citation(i + 1, ev) for i, ev in enumerate(evidence[:3])]
            return Draft(q, evidence, compose.frame_refusal(q.lang, refusal, related), related,
                         refusal, cov, "refusal")
        groups: dict[str, tuple[Citation, list[Unit]]] = {}
        for unit in units:
            cid = unit.evidence.chunk.id
            if cid not in groups:
                groups[cid] = (compose.citation(len(groups) + 1, unit.evidence), [])
            groups[cid][1].append(unit)
        ordered = list(groups.values())
        quotes = [(c.n, u.text) for c, us in ordered for u in us]
        return Draft(q, evidence, compose.frame_units(q.lang, ordered), [c for c, _ in ordered],
                     None, cov, "answer", quotes)

    def _check_units(self, q: QueryAnalysis, units: list[Unit], idf: dict[str, float]) -> Refusal | None:
        """The chosen sentence itself must answer: about the asked year, and on topic."""
        if not units:
            return Refusal("语料中没有可以引用的相关句子", "no sentence in the corpus answers it", "empty")
        best = units[0]
        ev = best.evidence
        if q.years:
            period = ev.doc_period
            in_period = period is not None and any(period[0] <= y <= period[1] for y in q.years)
            if not in_period and not any(str(y) in ev.chunk.text + ev.chunk.context for y in q.years):
                return Refusal("语料中没有所问年份的相关内容", "the corpus has nothing for the year asked", "year")
        if q.periods and not q.years:
            period = ev.doc_period
            overlaps = period is not None and any(a <= period[1] and period[0] <= b for a, b in q.periods)
            own = {int(y) for y in YEAR.findall(best.text)}
            names = [n for n, span in FIVE_YEAR_PLANS.items() if span in q.periods]
            named = any(n in ev.chunk.text for n in names)  # “十二五”期间… in a later plan's review
            if not overlaps and not named and not any(a <= y <= b for y in own for a, b in q.periods):
                return Refusal("语料中没有所问时期的相关内容", "the corpus has nothing for the period asked", "year")
        weights = term_weights(q, idf)
        text = f"{ev.chunk.clause_path}\n{' '.join(u.text for u in units)}"
        # English terms arrive through the glossary, which never covers all of them.
        factor = 0.5 if q.lang == "en" else 0.8
        if weights and coverage(text, weights, head_credit=False) < self.min_coverage * factor:
            return Refusal("语料中没有直接回答该问题的内容", "no clause in the corpus answers this question",
                           "coverage")
        return None

    def _comparison(self, q: QueryAnalysis, evidence: list[Evidence], idf: dict[str, float],
                    cov: float) -> Draft | None:
        # Words naming the plans compared (行动计划, 新闻发布会) pick documents, not the topic:
        # each line is judged on the topic alone, with its clause heading.
        titles = "\n".join(d.title for d in self.retriever.documents)
        weights = {t: w for t, w in term_weights(q, idf).items() if t not in titles and t in idf}
        by_doc: dict[str, list[Evidence]] = {}
        for ev in evidence:
            by_doc.setdefault(ev.chunk.doc_id, []).append(ev)
        picks: list[tuple[Evidence, Unit]] = []
        for evs in by_doc.values():
            unit = best_unit(q, evs, idf)
            if unit is not None and coverage(f"{unit.evidence.chunk.clause_path}\n{unit.text}", weights) >= 0.4:
                picks.append((unit.evidence, unit))
        if len(picks) < 2:
            return None
        picks.sort(key=lambda p: (p[0].doc_period or (9999, 9999), p[0].doc_date or ""))
        cites = [compose.citation(i + 1, ev) for i, (ev, _) in enumerate(picks)]
        lines = [(c, u.text.rstrip(",，;；") + ("" if u.text.endswith("。") else "。"))
                 for c, (_, u) in zip(cites, picks, strict=True)]
        return Draft(q, evidence, compose.frame_comparison(q.lang, lines), cites, None, cov,
                     "comparison", [(c.n, t) for c, t in lines])

    def _list(self, q: QueryAnalysis, evidence: list[Evidence], idf: dict[str, float],
              cov: float) -> Draft | None:
        weights = term_weights(q, idf)
        chunks = self.retriever.chunks
        for ev in evidence[:3]:
            path = ev.chunk.clause_path
            if (coverage(ev.chunk.heading, weights) >= 0.5 and len(ev.chunk.text) <= 300
                    and "\n" not in ev.chunk.text.strip()):
                # The question names this clause (三个“翻番”具体指什么): quote it whole.
                cite = compose.citation(1, ev)
                text = compose.frame_units(q.lang, [(cite, [Unit(ev.chunk.text, ev, 1.0)])])
                return Draft(q, evidence, text, [cite], None, cov, "list", [(1, ev.chunk.text)])
            for parent in (path, " > ".join(path.split(" > ")[:-1])):
                if not parent:
                    continue
                depth = parent.count(" > ") + 1
                kids: dict[str, Any] = {}
                for c in chunks:
                    if (c.doc_id == ev.chunk.doc_id and c.clause_path.startswith(parent + " > ")
                            and c.clause_path.count(" > ") + 1 == depth + 1):
                        kids.setdefault(c.clause_path, c)
                own = coverage(ev.chunk.heading, weights)
                parent_heading = parent.split(" > ")[-1]
                if parent == path:
                    fits = coverage(ev.chunk.heading, weights) >= 0.3
                else:
                    fits = coverage(parent_heading, weights) > max(own, 0.3)
                if len(kids) >= 3 and fits:
                    items = list(kids.values())
                    cites = [Citation(n=i + 1, doc_id=c.doc_id, title=ev.doc_title, clause=c.clause_path,
                                      text=c.text, score=round(ev.score, 6)) for i, c in enumerate(items)]
                    pairs = [(ct, c.heading) for ct, c in zip(cites, items, strict=True)]
                    text = compose.frame_list(q.lang, parent, ev.doc_title, pairs)
                    return Draft(q, evidence, text, cites, None, cov, "list", [(ct.n, h) for ct, h in pairs])
        return None

    # -- generation ----------------------------------------------------------------
    def _messages(self, draft: Draft) -> list[dict[str, str]]:
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
            if used + cost > self.context_tokens and lines:
                break
            lines.append(line)
            used, title = used + cost, cite.title
        prompt = render(f"answer_{draft.q.lang}", evidence="\n".join(lines), question=draft.q.text)
        return [system_message(), {"role": "user", "content": prompt}]

    def _check(self, text: str, draft: Draft) -> tuple[str, list[str]]:
        """Drop [n] markers that point at nothing; list numbers no citation grounds."""
        valid = {c.n for c in draft.citations}
        text = _MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in valid else "", text)
        text = _PLACEHOLDER.sub("", text).strip()  # the prompt's own "[n]", copied
        # What a reader sees in a citation, and nothing else: a year that only the clause's
        # lead-in (2020年,实现以下具体目标:) states cannot be checked there, so it fails.
        sources = [f"{c.title}\n{c.clause}\n{c.text}" for c in draft.citations]
        text = drop_restated_years(name_plans(text, sources), YEAR.findall(draft.q.text), sources)
        # A number is copied with the unit its clause gives it, in English answers too
        # (the prompt asks for 15000家): "15000 enterprises" may drop 以上 or 左右 with it.
        missing = ungrounded_numbers(text, sources) + unitless_numbers(text, sources)
        return text, missing

    def _showable(self, shown: str, pending: str, draft: Draft) -> str:
        """What a stream may show of the sentence in progress: up to its last complete
        number when every number so far passes the guard, else up to its first number."""
        closed = _OPEN_TAIL.sub("", pending)
        if _UNCHECKED.search(closed):
            checked, missing = self._check(shown + closed, draft)
            if not missing:
                return checked
        safe = _UNCHECKED.split(pending, maxsplit=1)[0]
        return (shown + safe).strip() if shown or safe.strip() else ""

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
        trace: dict[str, Any] = {
            "mode": draft.mode, "coverage": round(draft.coverage, 4),
            "analysis": {"lang": draft.q.lang, "years": list(draft.q.years),
                         "expansions": list(draft.q.expansions), "comparison": draft.q.is_comparison},
            "retrieved": [{"doc_id": e.chunk.doc_id, "clause": e.chunk.clause_path, "text": e.chunk.text,
                           "score": round(e.score, 6), "dense": round(e.dense, 4),
                           "lexical": round(e.lexical, 4)} for e in draft.evidence],
        }
        if draft.refusal is not None:
            trace["refusal"] = draft.refusal.kind
        text, usage, used = draft.text, Usage(), "extractive"
        if llm is not None and draft.composable:
            text, usage, ok = yield from self._compose(llm, draft, trace, emit=not _collect)
            used = name if ok else "extractive"
            if not ok:
                text = draft.text
                if not _collect:
                    yield StreamEvent(event="token", data={"reset": True, "text": text})
        elif not _collect:
            for piece in re.findall(r".{1,24}", text, flags=re.S):
                yield StreamEvent(event="token", data={"text": piece})
        trace["generator_used"] = used
        citations = [c.model_dump() for c in draft.citations]
        yield StreamEvent(event="citations", data=citations)
        answer = Answer(
            answer=text, refused=draft.refusal is not None, citations=draft.citations,
            condensed_question=draft.q.text, generator=name, latency_ms=round((time.perf_counter() - start) * 1000, 2),
            usage=usage, trace=trace)
        yield StreamEvent(event="done", data=answer.model_dump())

    def _compose(self, llm: ChatLLM, draft: Draft, trace: dict[str, Any], *, emit: bool
                 ) -> Generator_[StreamEvent, None, tuple[str, Usage, bool]]:
        """Stream the LLM's answer as it is checked: each sentence once the guard passes it,
        and the sentence in progress up to its first number or marker (text without a
        number cannot fail the number guard), so the first words show within a second or two.

        Returns (text, usage, ok) via StopIteration; on any failure the caller falls back
        (and tells the client to replace what it showed).
        """
        messages = self._messages(draft)
        prompt_tokens = sum(count_tokens(m["content"]) for m in messages)
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
            for token in llm.stream(messages, max_tokens=320, temperature=0.0):
                completion += 1
                pending += token
                parts = _SENTENCE_END.split(pending)
                ready, pending = "".join(parts[:-1]), parts[-1]
                if ready:
                    checked, missing = self._check(shown + ready, draft)
                    if missing:
                        trace.update(llm_draft=shown + ready, grounded=False, ungrounded=missing)
                        return draft.text, Usage(prompt_tokens=prompt_tokens, completion_tokens=completion), False
                    shown = checked
                yield from show(self._showable(shown, pending, draft))
        except Exception as exc:  # the LLM is an optional enhancement; never fail the answer
            log.warning("LLM generation failed (%s); falling back to extractive", exc)
            trace.update(llm_error=str(exc)[:200])
            return draft.text, Usage(), False
        final, missing = self._check(shown + pending, draft)
        usage = Usage(prompt_tokens=prompt_tokens, completion_tokens=completion)
        dropped = _dropped(draft.quotes[0][1], final, draft.q.text)
        if missing or dropped or _terse(final):
            trace.update(llm_draft=shown + pending, grounded=not missing, ungrounded=missing, dropped=dropped)
            return draft.text, usage, False
        if not _MARKER.search(final):
            final = f"{final} [1]"
        yield from show(final)
        trace.update(llm_draft=final, grounded=True)
        return final, usage, True


def system_message() -> dict[str, str]:
    """The one system message every prompt starts with: always present, because without
    one Qwen's template injects its own persona, and fixed, so its evaluation is reused."""
    return {"role": "system", "content": render("system")}


def _dropped(best: str, answer: str, question: str) -> list[str]:
    """The best sentence's figures when the answer keeps none of them.

    The guard proves each number the LLM writes is in a cited clause, not that it is the
    one asked for: a 1.5B model will answer 3000万元 from the second quote where the first
    says 1000万元. An answer may leave out figures nobody asked for, but not all of them.
    Years, item numbers and figures the question itself states (三个翻番) are not answers.
    """
    best = _ITEM_NUMBER.sub("", best)
    figures = [n.text for n in extract_numbers(best)
               if not YEAR.fullmatch(n.text) and ungrounded_numbers(n.text, [question])]
    kept = [f for f in figures if not ungrounded_numbers(f, [answer])]
    return [] if kept else figures


def _terse(text: str) -> bool:
    """An answer that is little more than a figure ("5000亿元 [1]") does not say what it counts."""
    words = re.sub(r"\[\d+\]|[\d.,%]+|[亿万千元个家件项倍年]", "", text)
    return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z]+", words)) < 4


def citations_text(citations: Sequence[Citation]) -> str:
    """A readable numbered source list (CLI and chat clients)."""
    return "\n".join(f"[{c.n}] {compose.source_line('zh', c)}" for c in citations)
