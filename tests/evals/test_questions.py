"""The gold question file: schema, coverage, and that every gold string is really in the corpus."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from evals.metrics import answer_correct, clause_match, hit_at_k, normalize
from evals.questions import (
    DEFAULT_QUESTIONS,
    QUESTION_TYPES,
    Question,
    QuestionFileError,
    load_questions,
    parse_questions,
)
from ingest.types import Document

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"


@cache
def questions() -> tuple[Question, ...]:
    return tuple(load_questions(DEFAULT_QUESTIONS))


@cache
def raw_doc(name: str) -> str:
    """The raw file, normalised exactly as the metrics normalise answers."""
    return normalize((CORPUS / name).read_text(encoding="utf-8"))


def answerable() -> list[Question]:
    return [q for q in questions() if q.answerable]


def test_file_loads_with_unique_ids() -> None:
    qs = questions()
    assert len(qs) >= 60
    assert len({q.id for q in qs}) == len(qs)
    lines = [ln for ln in DEFAULT_QUESTIONS.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) == len(qs)
    for line in lines:  # exactly the documented keys, in every record
        assert set(json.loads(line)) == set(Question.model_fields)


def test_mix_of_languages_and_types() -> None:
    qs = questions()
    langs = Counter(q.lang for q in qs)
    assert 0.2 <= langs["en"] / len(qs) <= 0.35
    types = Counter(q.type for q in qs)
    assert set(types) == set(QUESTION_TYPES)
    assert 0.10 <= types["unanswerable"] / len(qs) <= 0.17
    assert types["numeric_target"] == max(types.values())


def test_unanswerable_have_no_evidence_and_answerable_do() -> None:
    for q in questions():
        if q.type == "unanswerable":
            assert q.doc == [] and q.must_contain == [] and q.clause == [], q.id
        else:
            assert q.docs and q.must_contain and q.clauses, q.id


def test_followups_carry_their_history() -> None:
    followups = [q for q in questions() if q.type == "followup"]
    assert followups
    assert all(q.history and q.history[-1].role == "assistant" for q in followups)
    assert any(q.lang == "en" for q in followups)


def test_every_gold_document_exists() -> None:
    for q in questions():
        for d in q.docs:
            assert (CORPUS / d).is_file(), f"{q.id}: {d}"


@pytest.mark.parametrize("q", answerable(), ids=lambda q: q.id)
def test_must_contain_strings_are_in_the_gold_documents(q: Question) -> None:
    """Each gold string is copied from (one of) its documents; each cited document adds one."""
    texts = [raw_doc(d) for d in q.docs]
    for s in q.must_contain:
        assert any(normalize(s) in t for t in texts), f"{q.id}: {s!r} not in {q.docs}"
    for d, t in zip(q.docs, texts, strict=True):
        assert any(normalize(s) in t for s in q.must_contain), f"{q.id}: {d} contributes nothing"


def test_gold_answers_pass_their_own_check() -> None:
    """The gold answer is a correct answer, so it must satisfy answer_correct itself."""
    bad = [q.id for q in answerable() if not answer_correct(q.answer, q.must_contain)]
    assert bad == []


@pytest.mark.parametrize("q", answerable(), ids=lambda q: q.id)
def test_gold_clauses_exist_and_hold_the_evidence(
    q: Question, corpus_docs: dict[str, Document]
) -> None:
    """Every gold clause path resolves in the parsed document, and retrieving exactly the
    gold clauses (with their sub-clauses) is a hit under the retrieval metric."""
    pairs = (
        list(zip(q.docs, q.clauses, strict=True))
        if len(q.docs) > 1
        else [(q.docs[0], c) for c in q.clauses]
    )
    retrieved: list[tuple[str, str]] = []
    for doc, gold in pairs:
        parsed = corpus_docs[doc[:3]]
        matched = [c for c in parsed.clauses if clause_match(c.path_str, gold)]
        assert matched, f"{q.id}: no clause of {doc} matches {gold!r}"
        retrieved += [(doc, c.text) for c in matched]
    assert hit_at_k(retrieved, q, len(retrieved)), f"{q.id}: gold clauses lack {q.must_contain}"


def test_bad_records_are_rejected() -> None:
    good = {
        "id": "q001", "question": "x", "lang": "zh", "doc": "002_fdf6c96830e6b8c3.txt",
        "clause": "一、工作目标", "answer": "y", "must_contain": ["100家"],
        "type": "fact", "history": [],
    }
    assert parse_questions([json.dumps(good)])[0].docs == ["002_fdf6c96830e6b8c3.txt"]
    bad = [
        {**good, "extra": 1},
        {**good, "type": "unanswerable"},
        {**good, "must_contain": []},
        {**good, "type": "followup"},
        {**good, "type": "cross_doc"},
        {**good, "doc": ["000_842cfa3e60598410.txt", "002_fdf6c96830e6b8c3.txt"]},
        {**good, "doc": "../x.txt"},
        {**good, "doc": "sub/plan.txt"},
        {**good, "doc": "sub\\plan.txt"},
        {**good, "doc": ".hidden.txt"},
        {**good, "doc": ""},
        {**good, "id": ""},
        {**good, "history": [{"role": "assistant", "content": "hi"}]},
    ]
    for record in bad:
        with pytest.raises(QuestionFileError):
            parse_questions([json.dumps(record)])
    with pytest.raises(QuestionFileError, match="duplicate"):
        parse_questions([json.dumps(good), json.dumps(good)])


GOOD_RECORD = {
    "id": "record-a", "question": "x", "lang": "zh", "doc": "002_fdf6c96830e6b8c3.txt",
    "clause": "一、工作目标", "answer": "y", "must_contain": ["100家"],
    "type": "fact", "history": [],
}


def test_ids_and_doc_names_are_free_form() -> None:
    """Any unique non-empty id and any plain file name (of any format) are accepted."""
    record = {**GOOD_RECORD, "id": "cjrc-12", "doc": "plan.pdf"}
    q = parse_questions([json.dumps(record)])[0]
    assert (q.id, q.docs) == ("cjrc-12", ["plan.pdf"])
    cross = {**record, "id": "h001", "type": "cross_doc", "doc": ["a.docx", "b plan.txt"],
             "clause": ["一、", "二、"]}
    assert parse_questions([json.dumps(cross)])[0].docs == ["a.docx", "b plan.txt"]


@pytest.mark.parametrize("doc", ["../x.txt", "dir/x.txt", "dir\\x.txt", ".x.txt"])
def test_paths_are_rejected_as_doc_names(doc: str) -> None:
    with pytest.raises(QuestionFileError, match="field 'doc'"):
        parse_questions([json.dumps({**GOOD_RECORD, "doc": doc})])


def test_a_bad_field_gives_one_line_naming_file_line_and_field() -> None:
    lines = [json.dumps(GOOD_RECORD), "", json.dumps({**GOOD_RECORD, "id": "record-b", "lang": "fr"})]
    with pytest.raises(QuestionFileError) as info:
        parse_questions(lines, "questions.jsonl")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("questions.jsonl:3: field 'lang': ")
    assert "'zh' or 'en'" in message


def test_malformed_json_gives_one_line_with_line_number() -> None:
    with pytest.raises(QuestionFileError) as info:
        parse_questions([json.dumps(GOOD_RECORD), "{not json"], "q.jsonl")
    assert str(info.value).startswith("q.jsonl:2: invalid JSON")
    assert "\n" not in str(info.value)


# ------------------------------------------------------ held-out and development policy sets
# Both are real documents of other provinces with questions written before any tuning; the
# held-out set is never tuned on, the development set may be.
SETS = ("heldout", "dev")


@cache
def policy_set(name: str) -> tuple[Question, ...]:
    return tuple(load_questions(ROOT / "evals" / "questions" / f"policy_{name}.jsonl"))


@cache
def set_text(name: str, doc: str) -> str:
    """A document's text, normalised as the metrics normalise answers.

    .txt files are read as stored; .pdf/.docx go through the ingest loader (their text
    layer), so the check also covers the converted files.
    """
    path = ROOT / "evals" / "corpora" / name / doc
    if path.suffix == ".txt":
        return normalize(path.read_text(encoding="utf-8"))
    from ingest.loaders import load_text

    return normalize(load_text(path)[0])


@pytest.mark.parametrize("name", SETS)
def test_policy_set_loads_and_covers_the_mix(name: str) -> None:
    qs = policy_set(name)
    assert len(qs) >= 60
    assert len({q.id for q in qs}) == len(qs)
    langs = Counter(q.lang for q in qs)
    assert langs["en"] / len(qs) >= 0.3
    types = Counter(q.type for q in qs)
    assert types["unanswerable"] >= 10
    assert types["cross_doc"] >= 1 and types["followup"] >= 1
    assert all(q.history and q.history[-1].role == "assistant"
               for q in qs if q.type == "followup")


@pytest.mark.parametrize("name", SETS)
def test_policy_set_documents_exist(name: str) -> None:
    for q in policy_set(name):
        for d in q.docs:
            assert (ROOT / "evals" / "corpora" / name / d).is_file(), f"{q.id}: {d}"


@pytest.mark.parametrize("name", SETS)
def test_policy_set_gold_strings_are_in_their_documents(name: str) -> None:
    """Each gold string is copied from (one of) its documents, and each cited document
    contributes one; compared after the metrics' normalisation, so a figure the web dump
    broke over lines (``2025\\n年``) still counts as verbatim."""
    for q in policy_set(name):
        texts = [set_text(name, d) for d in q.docs]
        for s in q.must_contain:
            assert any(normalize(s) in t for t in texts), f"{q.id}: {s!r} not in {q.docs}"
        for d, t in zip(q.docs, texts, strict=True):
            assert any(normalize(s) in t for s in q.must_contain), f"{q.id}: {d} adds nothing"
        assert answer_correct(q.answer, q.must_contain), q.id


def test_the_two_policy_sets_share_no_document() -> None:
    docs = {name: {d for q in policy_set(name) for d in q.docs} for name in SETS}
    assert docs["heldout"] and docs["dev"] and not docs["heldout"] & docs["dev"]

