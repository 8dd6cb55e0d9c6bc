"""Corpora of N realistic Chinese documents for ``python -m vectorstore.bench --scale``.

Documents: the five seed policy documents, then CJRC dev cases (one case, one document) and
CMRC 2018 passages (grouped by title) in one seeded order, so corpus(1000) is a prefix of
corpus(10000). The public sets hold about 2,100 such documents; past that, each further one
joins the first part of one passage to the last part of another from the same set, cut at a
random punctuation mark, the last digit of every number redrawn: real prose of real lengths
whose chunks are not copies of the originals. Only original documents carry questions.

Reads the SQuAD-style JSON directly: vectorstore may not import evals.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS_DIR = ROOT.parent / "shared" / "datasets"
DEFAULT_SEEDS_DIR = ROOT / "data" / "corpus"
DEFAULT_SEED_QUESTIONS = ROOT / "evals" / "questions" / "policy_qa.jsonl"  # data, not code
CJRC_FILE = Path("cjrc_dev") / "dev_ground_truth.json"
CMRC_FILES = (Path("cmrc2018") / "cmrc2018_trial.json", Path("cmrc2018") / "cmrc2018_dev.json")
SEED = 20240601
NGRAM = 4  # a CJRC question names its case if it shares a 4-character string with it alone
YES_NO = frozenset({"YES", "NO"})
_CUT = re.compile(r"(?<=[。！？；，,;!?])")


@dataclass(frozen=True)
class CorpusDoc:
    """One file of a bench corpus: safe ASCII name, full text, the questions it answers."""

    name: str
    text: str
    source: str  # "seed", "cjrc", "cmrc", "mix"
    questions: tuple[tuple[str, str], ...] = field(default=())  # (id, question)


@dataclass(frozen=True)
class BenchQuestion:
    id: str
    question: str
    doc: str
    seed: bool  # a seed-corpus question: the same ones are asked at every size


# --------------------------------------------------------------------------- reading


def _load(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    articles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise ValueError(f"{path}: no top-level 'data' list (expected SQuAD-style JSON)")
    return articles


def _answerable(qa: dict[str, Any], context: str) -> bool:
    """A span question: not impossible, not a YES/NO label, some span found in the text."""
    if str(qa.get("is_impossible", "false")).lower() == "true":  # CJRC: a string; SQuAD: bool
        return False
    spans = [str(a.get("text") or "").strip() for a in qa.get("answers") or []]
    spans = [s for s in spans if s]
    return bool(spans) and not YES_NO & set(spans) and any(s in context for s in spans)


def _ngrams(text: str) -> set[str]:
    return {text[i:i + NGRAM] for i in range(len(text) - NGRAM + 1)}


def cjrc_docs(path: Path) -> list[CorpusDoc]:
    """One document per case; only span questions that name their own case (datasets README)."""
    cases: list[tuple[str, str, str, list[dict[str, Any]]]] = []
    for art in _load(path):
        for j, p in enumerate(art.get("paragraphs") or []):
            cid = str(art.get("caseid") or len(cases)) + (f"_{j}" if j else "")
            context = str(p.get("context") or "").strip()
            title = str(p.get("casename") or "").strip() or context[:20]
            if context:
                cases.append((cid, title, context, list(p.get("qas") or [])))
    owners: Counter[str] = Counter()
    for _, _, context, _ in cases:
        owners.update(_ngrams(context))
    docs = []
    for cid, title, context, qas in cases:
        own = _ngrams(context)
        kept = tuple((str(q.get("id")), str(q["question"]).strip()) for q in qas
                     if q.get("question") and _answerable(q, context)
                     and any(owners[g] == 1 for g in _ngrams(str(q["question"])) & own))
        safe = f"{int(cid):06d}" if cid.isdigit() else re.sub(r"[^A-Za-z0-9_-]", "_", cid)
        docs.append(CorpusDoc(f"cjrc_{safe}.txt", f"{title}（案例{cid}）\n{context}\n", "cjrc",
                              kept))
    return docs


def cmrc_docs(paths: Iterable[Path]) -> list[CorpusDoc]:
    """Passages grouped by article title, title first; untitled ones stand alone."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        for art in _load(path):
            for p in art.get("paragraphs") or []:
                context = str(p.get("context") or "").strip()
                if not context:
                    continue
                title = str(art.get("title") or "").strip()
                groups.setdefault(title or f"\0{p.get('id')}", []).append(p)
    docs = []
    for i, key in enumerate(sorted(groups)):
        paras = groups[key]
        title = key if not key.startswith("\0") else str(paras[0]["context"]).strip()[:20]
        contexts = [str(p["context"]).strip() for p in paras]
        qas = tuple((str(q.get("id")), str(q["question"]).strip())
                    for p, c in zip(paras, contexts, strict=True) for q in p.get("qas") or []
                    if q.get("question") and _answerable(q, c))
        docs.append(CorpusDoc(f"cmrc_{i:06d}.txt", title + "\n" + "\n".join(contexts) + "\n",
                              "cmrc", qas))
    return docs


def seed_docs(seeds_dir: Path, questions: Path | None = DEFAULT_SEED_QUESTIONS) -> list[CorpusDoc]:
    """The seed corpus as it is, with its Chinese single-turn questions from the eval set."""
    asked: dict[str, list[tuple[str, str]]] = {}
    if questions is not None and questions.is_file():
        for line in questions.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if (row.get("lang") == "zh" and not row.get("history") and isinstance(row.get("doc"), str)
                    and row.get("type") not in {"unanswerable", "followup"}):
                asked.setdefault(row["doc"], []).append((str(row["id"]), str(row["question"])))
    return [CorpusDoc(p.name, p.read_text(encoding="utf-8"), "seed", tuple(asked.get(p.name, ())))
            for p in sorted(seeds_dir.glob("*.txt"))]


# --------------------------------------------------------------------------- building


def pool(datasets_dir: Path = DEFAULT_DATASETS_DIR, *, seed: int = SEED) -> list[CorpusDoc]:
    """Every original dataset document, in the one seeded order all sizes take prefixes of."""
    docs = cjrc_docs(datasets_dir / CJRC_FILE) + cmrc_docs(datasets_dir / p for p in CMRC_FILES)
    docs.sort(key=lambda d: d.name)
    random.Random(seed).shuffle(docs)
    return docs


def _cut(text: str, rng: random.Random) -> int:
    """A punctuation boundary between 30% and 70% of the text (the middle if it has none)."""
    marks = [m.start() for m in _CUT.finditer(text) if 0.3 <= m.start() / len(text) <= 0.7]
    return rng.choice(marks) if marks else len(text) // 2


def mixed_doc(i: int, originals: Sequence[CorpusDoc], *, seed: int = SEED) -> CorpusDoc:
    """Derived document ``i``: head of one original, tail of another of the same set."""
    rng = random.Random(f"{seed}:mix:{i}")
    source = "cjrc" if i % 2 == 0 else "cmrc"
    same = [d for d in originals if d.source == source] or list(originals)
    a, b = rng.sample(same, 2)
    title_a, _, body_a = a.text.partition("\n")
    body_b = b.text.partition("\n")[2]
    head = body_a.strip()[:_cut(body_a.strip(), rng)]
    tail = body_b.strip()[_cut(body_b.strip(), rng):]
    # Numbers stay plausible (2011 -> 2017) but differ, so a fact has one original source.
    body = re.sub(r"\d(?!\d)", lambda _: str(rng.randrange(10)), f"{head}\n{tail}")
    title = title_a.split("（案例")[0]
    return CorpusDoc(f"{source}mix_{i:06d}.txt", f"{title}（汇编{i}）\n{body}\n", "mix")


def build_corpus(n: int, *, seeds: Sequence[CorpusDoc], originals: Sequence[CorpusDoc],
                 seed: int = SEED) -> list[CorpusDoc]:
    """``n`` documents: the seeds first, then originals, then derived ones as needed."""
    if n < 1:
        raise ValueError("a corpus needs at least one document")
    docs = list(seeds[:n]) + list(originals[:max(0, n - len(seeds))])
    extra = n - len(docs)
    return docs + [mixed_doc(i, originals, seed=seed) for i in range(extra)]


def write_corpus(docs: Iterable[CorpusDoc], folder: Path) -> tuple[int, int]:
    """UTF-8 files into ``folder`` (made if missing); returns (documents, characters)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = chars = 0
    for doc in docs:
        (folder / doc.name).write_text(doc.text, encoding="utf-8")
        n, chars = n + 1, chars + len(doc.text)
    return n, chars


def pick_questions(docs: Sequence[CorpusDoc], m: int, *, n_seed: int = 8,
                   seed: int = SEED) -> list[BenchQuestion]:
    """``m`` questions about documents in ``docs``, in a seeded order.

    The first ``n_seed`` seed-corpus questions are the same at every size, so their latency
    compares across sizes; the rest come from the dataset documents, or from further seed
    questions when there are none (the 5-document corpus). Fewer than ``m`` if too few exist.
    """
    rng = random.Random(seed)
    seeds = [BenchQuestion(qid, q, d.name, True) for d in docs if d.source == "seed"
             for qid, q in d.questions]
    rng.shuffle(seeds)
    others = [BenchQuestion(qid, q, d.name, False) for d in sorted(docs, key=lambda d: d.name)
              if d.source != "seed" for qid, q in d.questions]
    rng.shuffle(others)
    common = min(n_seed, m)
    chosen = seeds[:common] + others[:m - common]
    chosen += seeds[common:][:m - len(chosen)]
    random.Random(seed + 1).shuffle(chosen)  # interleaved, so drift in load hits both kinds
    return chosen
