"""The extractive generator: pick the sentences that answer, quote them verbatim, cite them.

Deterministic and fast; numbers are never rewritten because they are never generated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.query import YEAR, QueryAnalysis
from assistant.retrieval import Evidence
from assistant.terms import coverage, term_weights

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_SEGMENT = re.compile(r"[^,，]+[,，]?")
_HAS_NUMBER = re.compile(r"\d|翻[一两二三四]?番|[一二两三四五六七八九十]倍|[一二三四五六七八九十百千]+[个家所项]")
_LONG_SENTENCE = 60
# Web dumps lose full stops: "年均增长23.45%2015年,专利申请量…" is two sentences.
_LOST_STOP = re.compile(r"(?<=%)(?=(?:19|20)\d{2}年)")


@dataclass(frozen=True)
class Unit:
    """A quotable piece of a clause: a sentence, or a comma segment of a long one."""

    text: str
    evidence: Evidence
    score: float


_TIME_LEAD = re.compile(r"^(?:到|至|在|截至)?(?:19|20)\d{2}年(?:前|底|末)?[,，]?$")
_ROW = re.compile(r"^[^：。]{2,40}：.+；?")
_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[、.．]|[(（][\d一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")


def _numeric(text: str) -> bool:
    """A figure in the text, not counting a list marker (1、) at its start."""
    return bool(_HAS_NUMBER.search(_LIST_MARK.sub("", text)))


_LEAD_PREFIX = re.compile(r"^(?:到|至|在|截至)?(?:19|20)\d{2}年(?:前|底|末)?[,，]")


def _strip_lead(text: str) -> str:
    return _LEAD_PREFIX.sub("", text)


def _units(text: str, table: bool = False) -> list[str]:
    """Quotable units: table rows whole; sentences; comma segments of long sentences.

    A segment keeps its sentence's time lead-in (到2025年,…) so the year stays attached,
    and so does each "；" clause up to the full stop ("2015年,A;B。": B is about 2015 too).
    """
    out: list[str] = []
    for line in text.split("\n"):
        if table and _ROW.match(line):
            out.append(line.strip())
            continue
        carry = ""
        for sentence in (s for piece in _LOST_STOP.split(line) for s in _SENTENCE.findall(piece)):
            s = sentence.strip()
            if not s:
                continue
            segments = [seg.strip() for seg in _SEGMENT.findall(s) if seg.strip()]
            own = segments[0] if segments and _TIME_LEAD.match(segments[0]) else ""
            lead = own or ("" if YEAR.search(s) else carry)
            if len(s) <= _LONG_SENTENCE:
                out.append(f"{lead}{s}" if lead and not own else s)
            else:
                out.extend(f"{lead}{seg}" if lead else seg for seg in segments if seg != own)
            carry = "" if s.endswith(("。", "！", "？", "!", "?")) else (own or carry)
    return out


_ASKS_TABLE = re.compile(r"表|专栏|指标|table|indicator", re.I)


def asked_years(q: QueryAnalysis) -> set[int]:
    """Years a question asks about, explicitly or through a plan period (十三五)."""
    years = set(q.years)
    for a, b in q.periods:
        years.update(range(a, b + 1))
    return years


def score_unit(text: str, q: QueryAnalysis, weights: dict[str, float], context: str = "",
               *, table: bool = False, clause: str = "") -> float:
    """How much of the question a unit answers: term coverage, numbers and years.

    A unit without a year of its own takes the years of its clause's lead-in.
    """
    score = coverage(text, weights)
    if clause:
        # Half the credit from where the unit sits (title, clause path, lead-in): a
        # sentence under a heading naming what is asked answers it without repeating it.
        score = 0.5 * score + 0.5 * coverage(f"{clause}\n{text}", weights)
    if q.wants_number and _numeric(text):
        score *= 1.5
    asked = asked_years(q)
    years = {int(y) for y in YEAR.findall(text)} or {int(y) for y in YEAR.findall(context)}
    if asked and years and not table:  # a table's year columns are baselines, not topics
        # A sentence about another year (a 2015 baseline when 2020 is asked) is not the answer.
        score *= 1.2 if years & asked else 0.6
    return score


def _skip(text: str, ev: Evidence) -> bool:
    """A heading sentence repeats the path; it answers nothing.

    Only a whole sentence counts: a heading cut at a comma ("1、…超过13000亿元,") is the
    start of the clause's content and stays quotable.
    """
    if len(text) < 4:
        return True
    heading = ev.chunk.heading.strip()
    if len(ev.chunk.text.strip()) <= len(heading) + 1:
        return False  # a one-line item (5、…达到3%以上。) is its own heading and its content
    bare = text.strip().rstrip("。;；!?！？")
    return bare == heading and not text.strip().endswith((",", "，"))


def select_units(
    q: QueryAnalysis, evidence: Sequence[Evidence], idf: dict[str, float], *, max_units: int = 4,
    numeric_only: bool = False,
) -> list[Unit]:
    """The best units from the top evidence, kept in document order within each clause.

    Besides the best unit, other numeric units of the same clause that answer nearly as
    well join it (a question asking for a share and a cap), and at most one unit from
    another clause of the same document (a plan's text item beside its indicator table).
    """
    weights = term_weights(q, idf)
    top = evidence[0].score if evidence else 1.0
    scored: list[Unit] = []
    for rank, ev in enumerate(evidence[:4]):
        prior = (ev.score / top) ** 0.5 / (1 + 0.15 * rank)
        for text in _units(ev.chunk.text, table=ev.chunk.kind == "table"):
            if numeric_only and not _numeric(text):
                continue
            if not _skip(text, ev):
                table = ev.chunk.kind == "table"
                score = score_unit(text, q, weights, ev.chunk.context, table=table,
                                   clause=f"{ev.chunk.clause_path}\n{ev.chunk.context}")
                if table:
                    # Prefer the plan's own sentence, unless the question asks for the table.
                    score *= 1.2 if _ASKS_TABLE.search(q.text) else 0.9
                scored.append(Unit(text, ev, score * prior))
    if not scored:
        return []
    scored.sort(key=lambda u: -u.score)
    best = scored[0]
    chosen = [best]
    other_clause = False
    for unit in scored[1:]:
        if len(chosen) >= max_units or unit.score <= 0:
            break
        numeric = _numeric(unit.text)
        if q.wants_number and not numeric:
            continue
        if unit.evidence.chunk.id == best.evidence.chunk.id:
            # Table rows are separate facts; a neighbouring row joins only if it fits as well.
            need = 0.9 if unit.evidence.chunk.kind == "table" else (0.6 if numeric else 0.8)
            if unit.score >= need * best.score:
                chosen.append(unit)
        elif (not other_clause and unit.evidence.chunk.doc_id == best.evidence.chunk.doc_id
              and unit.score >= 0.85 * best.score):
            chosen.append(unit)
            other_clause = True
    for part_weights in _sub_questions(q.text, weights):
        # "按什么比例支持？单个企业每年最高多少？": each sub-question gets its own best unit.
        if len(chosen) >= max_units or _answers(chosen, part_weights, q.wants_number):
            continue
        # The clause path counts for the candidates: the subject is the clause's own.
        candidates = [u for u in scored if u.evidence.chunk.doc_id == best.evidence.chunk.doc_id
                      and u not in chosen and _answers([u], part_weights, q.wants_number, with_path=True)]
        if candidates:
            chosen.append(max(candidates, key=lambda u: u.score))
    order = {id(u.evidence): i for i, u in enumerate(chosen)}
    chosen.sort(key=lambda u: (order[id(u.evidence)], u.evidence.chunk.text.find(_strip_lead(u.text))))
    return chosen


_PART_END = re.compile(r"(?<=[？?])")


def _sub_questions(text: str, weights: dict[str, float]) -> list[dict[str, float]]:
    """The content terms of each sub-question, when one question asks several."""
    parts = [p for p in _PART_END.split(text) if len(p.strip()) >= 4]
    if len(parts) < 2:
        return []
    low = [p.lower() for p in parts]
    return [w for w in ({t: v for t, v in weights.items() if t.lower() in part} for part in low) if w]


def _answers(units: Sequence[Unit], weights: dict[str, float], numeric: bool, *, with_path: bool = False) -> bool:
    """Whether some unit covers half a sub-question's terms (and has a number if one is asked)."""
    return any(coverage(f"{u.evidence.chunk.clause_path if with_path else ''}\n{u.text}", weights) >= 0.5
               and (not numeric or _numeric(u.text)) for u in units)


def best_unit(q: QueryAnalysis, evidence: Sequence[Evidence], idf: dict[str, float]) -> Unit | None:
    """The single best unit (used per document in comparisons); a number when one is asked."""
    units = select_units(q, evidence, idf, max_units=1, numeric_only=q.wants_number)
    return units[0] if units else None


def join_units(units: Sequence[Unit]) -> str:
    """Units of one clause joined back into readable Chinese."""
    text = ""
    leads: set[str] = set()
    for u in units:
        piece = u.text
        lead = _LEAD_PREFIX.match(piece)
        if lead:  # two segments of one sentence share its time lead: say it once
            if lead.group() in leads:
                piece = piece[lead.end():]
            leads.add(lead.group())
        if text and not text.endswith(("。", ";", "；", "!", "?", ",", "，")):
            text += "；" if u.evidence.chunk.kind == "table" else "，"
        text += piece
    return text.rstrip(",，") + ("" if text.endswith(("。", "；", ";")) else "。")
