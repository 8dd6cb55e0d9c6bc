"""How well ingest extracts quantitative targets, against hand-checked gold.

The gold files (``evals/targets/``, see its README) list every target, baseline and
achieved figure of the five seed documents and of two held-out documents, read by hand
before any extractor existed. A predicted target matches a gold one when it is in the
same document and quotes the same value at the same place of the same sentence; each gold
row matches at most once. Precision and recall count those matches; among them, how
often the metric, year, kind and number also agree is reported beside.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer

ROOT = Path(__file__).resolve().parents[1]
GOLD_SETS = {
    "seed": (ROOT / "evals" / "targets" / "gold_seed.jsonl", ROOT / "data" / "corpus"),
    "dev": (ROOT / "evals" / "targets" / "gold_dev.jsonl", ROOT / "evals" / "corpora" / "dev"),
    "heldout": (ROOT / "evals" / "targets" / "gold_heldout.jsonl", ROOT / "evals" / "corpora" / "heldout"),
}
CONTEXT = 6  # characters of the sentence around a value that must agree


class TargetLike(Protocol):
    @property
    def doc_id(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def number(self) -> float | None: ...
    @property
    def year(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def sentence(self) -> str: ...


@dataclass(frozen=True)
class GoldTarget:
    doc_id: str
    metric: str
    value: str
    number: float | None
    year: int | None
    kind: str
    sentence: str
    unit: str = ""
    group: str = ""


def load_gold(path: Path) -> list[GoldTarget]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r: dict[str, Any] = json.loads(line)
            rows.append(GoldTarget(r["doc_id"], r["metric"], r["value"], r.get("number"), r.get("year"),
                                   r["kind"], r["sentence"], r.get("unit") or "", r.get("group") or ""))
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{path}:{n}: {exc}") from exc
    return rows


def norm(text: str) -> str:
    """Width, spaces and line breaks do not count (PDF and web text differ only in them)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _anchor(t: TargetLike) -> str:
    """The value with a few characters of its sentence on each side."""
    s, v = norm(t.sentence), norm(t.value)
    i = s.find(v)
    return s[max(0, i - CONTEXT): i + len(v) + CONTEXT] if i >= 0 else v


def same_place(pred: TargetLike, gold: GoldTarget) -> bool:
    """Same document, same value, quoted at the same place of the same sentence.

    A table cell is written bare in the file (``2.46``) and with its unit in the row the
    parser rebuilds (``R&D经费支出占GDP的比重(%):2010年2.46%;…``), so the two sentences
    differ; a cell matches when the value (with the gold unit), the number and most of the
    metric agree.
    """
    if pred.doc_id != gold.doc_id:
        return False
    pv, gv = norm(pred.value), norm(gold.value)
    if pv == gv and (_anchor(pred) in norm(gold.sentence) or _anchor(gold) in norm(pred.sentence)):
        return True
    return (pv in (gv, gv + norm(gold.unit)) and gold.number is not None and pred.number is not None
            and abs(pred.number - float(gold.number)) < 1e-9 and char_f1(pred.metric, gold.metric) >= 0.7)


def char_f1(a: str, b: str) -> float:
    a, b = norm(a), norm(b)
    common = sum(min(a.count(c), b.count(c)) for c in set(a))
    return 0.0 if not common else 2 * common / (len(a) + len(b))


@dataclass
class Score:
    gold: int
    predicted: int
    matched: int
    metric_agrees: int
    year_agrees: int
    kind_agrees: int
    number_agrees: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    def share(self, n: int) -> float:
        return n / self.matched if self.matched else 0.0


def match(predicted: Sequence[TargetLike], gold: Sequence[GoldTarget]) -> list[tuple[int, GoldTarget]]:
    """Greedy one-to-one matching in document order: (index of the prediction, its gold row)."""
    free = list(gold)
    pairs: list[tuple[int, GoldTarget]] = []
    for i, p in enumerate(predicted):
        hit = next((g for g in free if same_place(p, g)), None)
        if hit is not None:
            free.remove(hit)
            pairs.append((i, hit))
    return pairs


def score(predicted: Sequence[TargetLike], gold: Sequence[GoldTarget]) -> Score:
    """Greedy one-to-one matching in document order."""
    free = list(gold)
    pairs: list[tuple[TargetLike, GoldTarget]] = []
    for p in predicted:
        hit = next((g for g in free if same_place(p, g)), None)
        if hit is not None:
            free.remove(hit)
            pairs.append((p, hit))

    def agree(test: Callable[[TargetLike, GoldTarget], bool]) -> int:
        return sum(test(p, g) for p, g in pairs)

    return Score(
        gold=len(gold), predicted=len(predicted), matched=len(pairs),
        metric_agrees=agree(lambda p, g: char_f1(p.metric, g.metric) >= 0.5),
        year_agrees=agree(lambda p, g: p.year == g.year),
        kind_agrees=agree(lambda p, g: p.kind == g.kind),
        number_agrees=agree(lambda p, g: g.number is None or (
            p.number is not None and abs(p.number - float(g.number)) < 1e-6 * max(1.0, abs(float(g.number))))),
    )


@dataclass(frozen=True)
class Grouping:
    """How the predicted metric groups of the matched targets agree with the gold ``group``s.

    Purity: each predicted group counted by its commonest gold group (1.0 when no group
    mixes quantities). Inverse purity: each gold group counted by the predicted group
    holding most of it (1.0 when no quantity is split). F is their harmonic mean.
    """

    purity: float
    inverse_purity: float
    groups: int

    @property
    def f(self) -> float:
        p, r = self.purity, self.inverse_purity
        return 2 * p * r / (p + r) if p + r else 0.0


def grouping(labels: Sequence[tuple[str, str]]) -> Grouping:
    """From (predicted group, gold group) per matched target."""
    if not labels:
        return Grouping(0.0, 0.0, 0)

    def majority(pairs: Iterable[tuple[str, str]]) -> int:
        by: dict[str, dict[str, int]] = {}
        for a, b in pairs:
            by.setdefault(a, {})[b] = by.get(a, {}).get(b, 0) + 1
        return sum(max(c.values()) for c in by.values())

    n = len(labels)
    return Grouping(majority(labels) / n, majority((g, p) for p, g in labels) / n,
                    len({p for p, _ in labels}))


def group_labels(predicted: Sequence[Any], gold: Sequence[GoldTarget], params: tuple[float, float] | None = None,
                 vectors: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(predicted metric id, gold group) for every matched target, grouped as the store does
    (or with ``params`` = (join similarity, meaning weight) instead of the shipped ones)."""
    from vectorstore.glossary import lexicon_rows
    from vectorstore.metrics import JOIN_SIMILARITY, MEANING_WEIGHT, assign, synonym_table

    join, weight = params or (JOIN_SIMILARITY, MEANING_WEIGHT)
    ids = assign(predicted, _embedder().embed_queries, synonyms=synonym_table(lexicon_rows().glossary),
                 join=join, weight=weight, vectors=vectors)
    return [(ids[i], g.group) for i, g in match(predicted, gold) if g.group]


@functools.lru_cache(maxsize=1)
def _embedder() -> Any:
    from vectorstore.config import StoreSettings
    from vectorstore.indexer import make_store_embedder

    return make_store_embedder(StoreSettings())


def fit_grouping(name: str = "seed") -> list[tuple[tuple[float, float], Grouping]]:
    """Grouping for each candidate (JOIN_SIMILARITY, MEANING_WEIGHT) on one gold set (fit on
    ``seed`` only)."""
    from vectorstore.glossary import lexicon_rows
    from vectorstore.metrics import embed_keys, group_key, synonym_table

    gold_path, corpus = GOLD_SETS[name]
    gold = load_gold(gold_path)
    predicted: list[Any] = extracted((g.doc_id for g in gold), corpus)
    synonyms = synonym_table(lexicon_rows().glossary)
    keys = sorted({group_key(t.metric, t.unit, t.qualifier, synonyms) for t in predicted})
    vectors = embed_keys(keys, _embedder().embed_queries)
    grid = [(j / 100, w / 8) for w in range(9) for j in range(70, 100)]
    return [(p, grouping(group_labels(predicted, gold, p, vectors))) for p in grid]


def extracted(doc_ids: Iterable[str], corpus: Path) -> list[TargetLike]:
    """What ingest extracts from these documents of ``corpus``."""
    from ingest.chunking import chunk_document
    from ingest.pipeline import parse_file
    from ingest.targets import extract_targets

    out: list[TargetLike] = []
    for doc_id in sorted(set(doc_ids)):
        doc = parse_file(corpus / doc_id)
        out.extend(extract_targets(doc, chunk_document(doc)))
    return out


def evaluate(name: str) -> tuple[Score, Grouping]:
    gold_path, corpus = GOLD_SETS[name]
    gold = load_gold(gold_path)
    predicted = extracted((g.doc_id for g in gold), corpus)
    return score(predicted, gold), grouping(group_labels(predicted, gold))


def targets_cmd(
    sets: Annotated[list[str] | None, typer.Option("--set", help="seed | dev | heldout (default: all)")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the figures here as JSON.")] = None,
    fit: Annotated[bool, typer.Option(help="Fit the grouping's two parameters on the seed gold "
                                           "(never on held-out).")] = False,
) -> None:
    """Extraction precision and recall of quantitative targets, and metric-grouping purity,
    against the hand-checked gold."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if fit:
        sweep = fit_grouping("seed")
        for (j, w), g in sweep:
            console.print(f"join {j:.2f} weight {w:.2f}: purity {g.purity:.3f} inverse "
                          f"{g.inverse_purity:.3f} F {g.f:.3f} groups {g.groups}")
        (j, w), g = max(sweep, key=lambda x: (round(x[1].f, 6), x[0]))
        console.print(f"best on seed: JOIN_SIMILARITY = {j:.2f}, MEANING_WEIGHT = {w:.2f} (F {g.f:.3f}); "
                      "set them in vectorstore/metrics.py")
        return
    names = sets or list(GOLD_SETS)
    unknown = [n for n in names if n not in GOLD_SETS]
    if unknown:
        raise typer.BadParameter(f"unknown set {unknown[0]!r}; choose from {', '.join(GOLD_SETS)}")
    table = Table(title="targets extraction against the gold (evals/targets/)")
    for col in ("set", "gold", "extracted", "matched", "precision", "recall", "metric", "year", "kind",
                "number", "purity", "inv. purity"):
        table.add_column(col, justify="right")
    figures = {}
    for name in names:
        s, g = evaluate(name)
        figures[name] = {"gold": s.gold, "extracted": s.predicted, "matched": s.matched,
                         "precision": round(s.precision, 4), "recall": round(s.recall, 4),
                         "metric_agrees": round(s.share(s.metric_agrees), 4),
                         "year_agrees": round(s.share(s.year_agrees), 4),
                         "kind_agrees": round(s.share(s.kind_agrees), 4),
                         "number_agrees": round(s.share(s.number_agrees), 4),
                         "grouping_purity": round(g.purity, 4), "grouping_inverse_purity": round(g.inverse_purity, 4)}
        table.add_row(name, str(s.gold), str(s.predicted), str(s.matched), f"{s.precision:.1%}",
                      f"{s.recall:.1%}", f"{s.share(s.metric_agrees):.0%}", f"{s.share(s.year_agrees):.0%}",
                      f"{s.share(s.kind_agrees):.0%}", f"{s.share(s.number_agrees):.0%}",
                      f"{g.purity:.1%}", f"{g.inverse_purity:.1%}")
    console.print(table)
    console.print("metric / year / kind / number: how often the matched targets agree with the gold "
                  "(metric: character F1 ≥ 0.5). purity: predicted metric groups that hold one gold "
                  "quantity; inv. purity: gold quantities kept in one predicted group.")
    if out is not None:
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
