"""The scale bench's corpus builder and question picker, on the real public datasets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vectorstore import scale_corpus as sc

pytestmark = pytest.mark.skipif(not (sc.DEFAULT_DATASETS_DIR / sc.CJRC_FILE).is_file(),
                                reason="shared/datasets is not beside the repository")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def parts() -> tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]:
    return sc.seed_docs(sc.DEFAULT_SEEDS_DIR), sc.pool()


def test_seeds_are_the_seed_corpus_with_their_questions(parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]) -> None:
    seeds, _ = parts
    assert [d.name for d in seeds] == sorted(p.name for p in sc.DEFAULT_SEEDS_DIR.glob("*.txt"))
    assert len(seeds) == 5
    assert all(d.source == "seed" and d.questions for d in seeds)
    first = seeds[0]
    assert first.text == (sc.DEFAULT_SEEDS_DIR / first.name).read_text(encoding="utf-8")


def test_pool_holds_every_case_and_passage(parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]) -> None:
    _, pool = parts
    assert sum(d.source == "cjrc" for d in pool) == 1000
    assert sum(d.source == "cmrc" for d in pool) > 1000
    assert len({d.name for d in pool}) == len(pool)


@pytest.mark.parametrize("n", [5, 1000, 3000])
def test_corpus_has_n_safe_chinese_documents_seeds_first(
        parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]], n: int) -> None:
    seeds, pool = parts
    docs = sc.build_corpus(n, seeds=seeds, originals=pool)
    assert len(docs) == n
    assert len({d.name for d in docs}) == n
    assert [d.name for d in docs[:5]] == [d.name for d in seeds]
    for d in docs:
        assert re.fullmatch(r"[A-Za-z0-9_]+\.txt", d.name), d.name
        assert d.text.strip() and len(CJK.findall(d.text)) > 20, d.name
    if n > len(seeds) + len(pool):  # beyond the originals: derived, unique documents
        mixed = [d for d in docs if d.source == "mix"]
        assert len(mixed) == n - len(seeds) - len(pool)
        assert len({d.text for d in mixed}) == len(mixed)
        assert not {d.text for d in mixed} & {d.text for d in pool}


def test_build_is_deterministic_and_sizes_nest(parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]) -> None:
    seeds, pool = parts
    big = sc.build_corpus(2500, seeds=seeds, originals=pool)
    again = sc.build_corpus(2500, seeds=sc.seed_docs(sc.DEFAULT_SEEDS_DIR), originals=sc.pool())
    assert big == again
    assert sc.build_corpus(1000, seeds=seeds, originals=pool) == big[:1000]


def test_write_corpus_writes_utf8_files(tmp_path: Path, parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]) -> None:
    seeds, pool = parts
    docs = sc.build_corpus(20, seeds=seeds, originals=pool)
    n, chars = sc.write_corpus(docs, tmp_path / "corpus")
    assert (n, chars) == (20, sum(len(d.text) for d in docs))
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == sorted(d.name for d in docs)
    assert (tmp_path / "corpus" / docs[7].name).read_text(encoding="utf-8") == docs[7].text


def test_questions_are_about_documents_in_the_corpus(parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]) -> None:
    seeds, pool = parts
    docs = sc.build_corpus(1000, seeds=seeds, originals=pool)
    names = {d.name for d in docs}
    questions = sc.pick_questions(docs, 40)
    assert len(questions) == 40
    assert len({q.id for q in questions}) == 40
    assert all(q.doc in names and q.question.strip() for q in questions)
    assert sum(q.seed for q in questions) == 8
    assert {q.doc for q in questions if not q.seed} <= {d.name for d in docs[5:]}
    assert questions == sc.pick_questions(docs, 40)


def test_seed_questions_are_the_same_at_every_size(parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]) -> None:
    seeds, pool = parts
    small = sc.pick_questions(sc.build_corpus(5, seeds=seeds, originals=pool), 40)
    large = sc.pick_questions(sc.build_corpus(1000, seeds=seeds, originals=pool), 40)
    assert len(small) == 40 and all(q.seed for q in small)  # only seed documents to ask about
    assert {q.id for q in large if q.seed} <= {q.id for q in small}


def test_cjrc_questions_name_their_own_case(parts: tuple[list[sc.CorpusDoc], list[sc.CorpusDoc]]) -> None:
    _, pool = parts
    cases = [d for d in pool if d.source == "cjrc"]
    kept = sum(len(d.questions) for d in cases)
    assert 0 < kept < 6000  # unanswerable, YES/NO and case-less questions left out
    doc = next(d for d in cases if d.questions)
    _, question = doc.questions[0]
    assert any(question[i:i + 4] in doc.text for i in range(len(question) - 3))
