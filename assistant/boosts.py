"""How much a retrieved clause's fused rank is raised for what the question names.

Coverage of the question's content weighs most; then the years asked (in the clause, or in
the document's date or plan period), the plan period named, an alias of a place, a quoted
heading. The factors are fitted or prior values in ``RetrievalParams``.
"""

from __future__ import annotations

from assistant.params import RetrievalParams
from assistant.query import FIVE_YEAR_PLANS, QueryAnalysis
from assistant.terms import coverage
from ingest.types import Chunk
from vectorstore.records import IndexedDocument


def boost(q: QueryAnalysis, chunk: Chunk, weights: dict[str, float], doc: IndexedDocument | None,
          p: RetrievalParams) -> float:
    """The factor the clause's fused score is multiplied by."""
    # How much of the question's own content the clause contains matters most:
    # a clause naming 发明专利 beats one that only repeats the place name.
    # Title words count too: they pick the plan a question names (五年行动计划).
    text = f"{chunk.title}\n{chunk.clause_path}\n{chunk.context}\n{chunk.text}"
    factor = p.coverage_base + coverage(text, weights) if weights else 1.0
    period = doc.period if doc else None
    haystack = f"{chunk.title}\n{chunk.clause_path}\n{chunk.text}"
    years = set(q.years) | {y for a, b in q.periods for y in (a, b)}
    if years:
        # The lead-in (到2016年,全市…实现以下目标:) dates the items under it.
        if any(str(y) in chunk.text or str(y) in chunk.context for y in years):
            factor *= p.year_in_text
        if doc and doc.date and int(doc.date[:4]) in q.years:
            factor *= p.doc_year  # documents are named by their year: "the 2012 press conference"
        named = [n for n, span in FIVE_YEAR_PLANS.items() if span in q.periods and n in haystack]
        if named:
            factor *= p.plan_named  # a later plan's review of the asked period (专栏1:“十二五”…完成情况)
        elif period:
            # A plan covering every asked year (2012 and 2016) beats one covering some.
            covered = sum(period[0] <= y <= period[1] for y in years) / len(years)
            factor *= 1 + p.period_cover * covered if covered else p.period_miss
    for group in q.alias_groups:
        if any(name in haystack for name in group):
            factor *= p.alias
    if any(phrase in chunk.heading for phrase in q.quoted):
        factor *= p.quoted_heading  # the question quotes this clause's own heading
    if period and period in q.periods:
        factor *= p.period_named  # the question names this plan's period (2012—2016, 十三五)
    return factor
