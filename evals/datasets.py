"""Named evaluation datasets for ``python -m evals run --dataset``: the tuned policy set, the
frozen held-out policy set, and two public Chinese reading-comprehension sets (CMRC 2018,
CJRC) converted into a corpus folder plus gold questions, so the chain is measured on
documents nobody on the project tuned it for.

Converters are pure (JSON in, documents and questions out); :func:`write_corpus` puts the
documents in a folder the CLI then indexes like any corpus.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field

from evals import squad
from evals.questions import DEFAULT_QUESTIONS, QUESTIONS_DIR, Question, load_questions

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATASETS_ENV = "PQA_DATASETS_DIR"
NAMES = ("policy", "policy-dev", "policy-heldout", "cmrc2018", "cjrc-dev")
SEED = 20240601  # the one seed of --sample, so CI gates on the same questions every run
DEFAULT_DISTRACTORS = 200  # cmrc2018 and cjrc-dev: unrelated documents added to a sample
UNANSWERABLE_ANSWER = "文中没有答案（数据集标注为无法回答）。"

Document = tuple[str, str]  # (file name, text)
Q = TypeVar("Q", bound=Question)


class DatasetError(ValueError):
    """A dataset that cannot be loaded; the message is one line for the CLI."""


class DatasetQuestion(Question):
    """A converted question: ``any_of`` holds the annotators' acceptable answer spans (any one
    quoted is correct; ``must_contain`` keeps the first so the schema still validates), and
    ``context_doc`` the document it was asked about, kept for unanswerable ones too so a
    sample's corpus still holds the passage that does not answer it."""

    any_of: list[str] = Field(default_factory=list)
    context_doc: str | None = None


@dataclass(frozen=True)
class Dataset:
    """What one run evaluates: questions, and either documents to index or a corpus folder.

    ``corpus_dir`` None with no documents means the settings' own index (data/corpus/).
    ``clauses`` False when the gold clause is a placeholder (one paragraph per document),
    so clause accuracy is reported n/a instead of a meaningless figure.
    """

    name: str
    questions: list[Question]
    documents: list[Document] | None = None
    corpus_dir: Path | None = None
    clauses: bool = True
    source: str = ""
    notes: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- converters


def _doc_name(prefix: str, pid: str, taken: set[str]) -> str:
    """``<prefix>-<id>.txt`` made a plain, unique file name."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in pid) or "p"
    name, n = f"{prefix}-{safe}.txt", 1
    while name in taken:
        n += 1
        name = f"{prefix}-{safe}_{n}.txt"
    taken.add(name)
    return name


def convert_squad(data: Mapping[str, Any], *, prefix: str, naming_filter: bool = False
                  ) -> tuple[list[Document], list[DatasetQuestion], dict[str, int]]:
    """SQuAD-style JSON → (documents, questions, excluded counts).

    Each paragraph becomes ``<prefix>-<id>.txt``: its title on the first line, then the
    context. A question with spans becomes a "fact" question scored by ``any_of``; an
    ``is_impossible`` one becomes "unanswerable". Excluded, and counted: YES/NO questions
    (a label, not a span an answer can quote), answerable ones with no span, and with
    ``naming_filter`` every question that shares no 4-character string with its own
    context alone (in a pooled index it could be about any case).
    """
    paras = squad.paragraphs(data)
    taken: set[str] = set()
    names = [_doc_name(prefix, p.id, taken) for p in paras]
    docs = [(name, f"{p.title}\n{p.context}\n") for name, p in zip(names, paras, strict=True)]
    owner: dict[str, int] = {}
    if naming_filter:
        wanted = {g for p in paras for qa in p.qas for g in squad.ngrams(qa.question)}
        owner = squad.unique_ngram_owner([p.context for p in paras], wanted)
    excluded: Counter[str] = Counter()
    out: list[DatasetQuestion] = []
    ids: set[str] = set()
    for i, (name, p) in enumerate(zip(names, paras, strict=True)):
        for qa in p.qas:
            if not qa.question:
                excluded["empty_question"] += 1
            elif not qa.impossible and qa.yes_no:
                excluded["yes_no"] += 1
            elif not qa.impossible and not qa.spans:
                excluded["no_span"] += 1
            elif naming_filter and not squad.names_its_context(qa.question, i, owner):
                excluded["not_naming_its_case"] += 1
            else:
                qid = qa.id if qa.id not in ids else f"{qa.id}#{len(ids)}"
                ids.add(qid)
                out.append(_question(qid, qa, name, p.title))
    return docs, out, dict(excluded)


def _question(qid: str, qa: squad.Qa, doc: str, title: str) -> DatasetQuestion:
    if qa.impossible:
        return DatasetQuestion(
            id=qid, question=qa.question, lang="zh", doc=[], clause=[],
            answer=UNANSWERABLE_ANSWER, must_contain=[], type="unanswerable", history=[],
            context_doc=doc)
    spans = list(qa.spans)
    return DatasetQuestion(
        id=qid, question=qa.question, lang="zh", doc=doc, clause=title, answer=spans[0],
        must_contain=spans[:1], type="fact", history=[], any_of=spans, context_doc=doc)


def convert_cmrc(data: Mapping[str, Any]
                 ) -> tuple[list[Document], list[DatasetQuestion], dict[str, int]]:
    """CMRC 2018: every Wikipedia paragraph a document, every question answerable."""
    return convert_squad(data, prefix="cmrc")


def convert_cjrc(data: Mapping[str, Any]
                 ) -> tuple[list[Document], list[DatasetQuestion], dict[str, int]]:
    """CJRC: the 1,000 cases pooled, only questions that name their own case (README)."""
    return convert_squad(data, prefix="cjrc", naming_filter=True)


# --------------------------------------------------------------------------- sampling


def sample_questions(questions: Sequence[Q], n: int, *, seed: int = SEED) -> list[Q]:
    """A deterministic sample of ``n`` keeping the answerable/unanswerable proportion.

    The unanswerable share is rounded (at least one if the set has any and n > 1); the
    sample keeps the file order, so the same n always gives the same questions.
    """
    if n >= len(questions):
        return list(questions)
    if n <= 0:
        return []
    unans = [i for i, q in enumerate(questions) if not q.answerable]
    ans = [i for i, q in enumerate(questions) if q.answerable]
    k_un = round(n * len(unans) / len(questions))
    if unans and ans and n > 1:
        k_un = min(max(k_un, 1), n - 1)
    k_un = min(k_un, len(unans))
    k_ans = min(n - k_un, len(ans))
    k_un = n - k_ans
    rng = random.Random(seed)
    picked = set(rng.sample(ans, k_ans)) | set(rng.sample(unans, k_un))
    return [q for i, q in enumerate(questions) if i in picked]


def question_docs(q: Question) -> set[str]:
    """Documents a question is about: its gold documents and, if converted, its context."""
    ctx = getattr(q, "context_doc", None)
    return set(q.docs) | ({ctx} if ctx else set())


def select_documents(documents: Sequence[Document], questions: Sequence[Question],
                     distractors: int, *, seed: int = SEED) -> list[Document]:
    """The documents the questions use plus ``distractors`` others picked with a fixed seed
    (in corpus order), so a small sample still retrieves among look-alikes."""
    used = set().union(*(question_docs(q) for q in questions)) if questions else set()
    rest = sorted(name for name, _ in documents if name not in used)
    extra = set(random.Random(seed).sample(rest, min(max(distractors, 0), len(rest))))
    return [d for d in documents if d[0] in used or d[0] in extra]


def write_corpus(documents: Sequence[Document], folder: Path) -> Path:
    """Write each document as a UTF-8 .txt file in ``folder`` (created); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- loading


def datasets_dir(option: Path | None = None) -> Path:
    """--datasets-dir, else $PQA_DATASETS_DIR, else shared/datasets beside the checkout."""
    if option is not None:
        return option
    env = os.environ.get(DATASETS_ENV)
    return Path(env) if env else DEFAULT_DATASETS_DIR


def _read_json(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        raise DatasetError(f"dataset file not found: {path} (set --datasets-dir or "
                           f"{DATASETS_ENV} to the folder holding cmrc2018/ and cjrc_dev/)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError(f"{path}: not readable JSON: {' '.join(str(e).split())}") from e
    if not isinstance(data, Mapping):
        raise DatasetError(f"{path}: expected a JSON object with a 'data' list")
    return data


def load_dataset(name: str, base: Path | None = None) -> Dataset:
    """The named dataset; public sets are read from :func:`datasets_dir` and converted."""
    if name == "policy":
        return Dataset(name, list(load_questions(DEFAULT_QUESTIONS)),
                       source=str(DEFAULT_QUESTIONS))
    if name in ("policy-dev", "policy-heldout"):  # each over its own corpus
        part = name.removeprefix("policy-")
        path = QUESTIONS_DIR / f"policy_{part}.jsonl"
        return Dataset(name, list(load_questions(path)),
                       corpus_dir=ROOT / "evals" / "corpora" / part, source=str(path))
    if name not in ("cmrc2018", "cjrc-dev"):
        raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(NAMES)}")
    rel = "cmrc2018/cmrc2018_dev.json" if name == "cmrc2018" else "cjrc_dev/dev_ground_truth.json"
    path = datasets_dir(base) / rel
    data = _read_json(path)
    convert = convert_cmrc if name == "cmrc2018" else convert_cjrc
    try:
        docs, questions, excluded = convert(data)
    except squad.SquadFormatError as e:
        raise DatasetError(f"{path}: {e}") from e
    return Dataset(name, list(questions), documents=docs, clauses=False, source=str(path),
                   notes={"excluded": excluded})
