"""The read stage: with an LLM at hand, ask it which of the best sentences answer.

Its pick is one more piece of evidence, not the decision: a picked sentence's selection
logit is raised, and "none" lowers the decide stage's P(answerable), each by a set amount
(``ReaderParams``). Only valid sentence numbers count, and a failed or unreadable reply
changes nothing. The answer stays verbatim quotes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from assistant.params import ReaderParams
from assistant.reader import LLMReader, ReaderPick
from assistant.units import Unit


@dataclass(frozen=True)
class Reading:
    """What the reader said about the sentences it was shown."""

    pick: ReaderPick
    shown: tuple[Unit, ...] = ()

    def refuse_offset(self, params: ReaderParams) -> float:
        """The logit the decide stage adds: lower when the reader found no answer."""
        return params.none_logit if self.pick.ok and self.pick.none else 0.0

    def trace(self) -> dict[str, float]:
        return {"reader_ok": float(self.pick.ok), "reader_picked": float(len(self.pick.picked)),
                "reader_none": float(self.pick.none), "reader_shown": float(len(self.shown))}


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def read(reader: LLMReader, question: str, scored: list[Unit], params: ReaderParams) -> Reading:
    """Show the reader the best distinct sentences (at most ``params.candidates``)."""
    shown: list[Unit] = []
    for unit in scored:
        if len(shown) >= params.candidates:
            break
        if all(unit.text != u.text for u in shown):
            shown.append(unit)
    if not shown:
        return Reading(ReaderPick(ok=False))
    return Reading(reader.pick(question, [u.text for u in shown]), tuple(shown))


def promote(reading: Reading, scored: list[Unit], params: ReaderParams) -> None:
    """Raise the picked sentences' selection logits and re-sort ``scored`` in place
    (after the decide stage, which reads the selection model's own score)."""
    if not reading.pick.ok:
        return
    picked = {id(reading.shown[i]) for i in reading.pick.picked}
    for n, unit in enumerate(scored):
        if id(unit) in picked:
            score = 1.0 / (1.0 + math.exp(-(_logit(unit.score) + params.pick_logit)))
            scored[n] = replace(unit, score=score, features={**unit.features, "reader_pick": 1.0})
    scored.sort(key=lambda u: -u.score)
