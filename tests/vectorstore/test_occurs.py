"""The substring index answers exactly what ``in`` over the whole corpus answers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.pipeline import discover, parse_file
from vectorstore.occurs import OccursIndex

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [c.embed_text for p in discover([CORPUS]) for c in chunk_document(parse_file(p), 400)]


def test_every_substring_and_non_substring_agrees_with_a_scan(texts: list[str]) -> None:
    joined = "\n".join(texts)
    index = OccursIndex.build(texts)
    rng = random.Random(7)
    probes = []
    for _ in range(400):
        t = rng.choice(texts)
        a = rng.randrange(len(t))
        probes.append(t[a : a + rng.randint(1, 12)].split("\n")[0])
    # Look-alikes the corpus lacks: real words with a character swapped, and other places.
    probes += [p[:-1] + "鑫" for p in probes[:100] if len(p) > 1]
    probes += ["杭州市", "2031年", "粤港澳大湾区", "东湖高新区", "2025", "Ω", "新"]
    assert [index.occurs(p) for p in probes] == [p in joined for p in probes]
    assert any(index.occurs(p) for p in probes) and not all(index.occurs(p) for p in probes)


def test_it_survives_saving_and_loading(texts: list[str], tmp_path: Path) -> None:
    built = OccursIndex.build(texts)
    built.save(tmp_path / "occurs.npy")
    loaded = OccursIndex.load(tmp_path / "occurs.npy", texts.__getitem__)
    for probe in ("高新技术企业", "不存在的词语组合", texts[3][5:9]):
        assert loaded.occurs(probe) == built.occurs(probe) == (probe in "\n".join(texts))


def test_an_empty_corpus_holds_nothing_but_the_empty_string() -> None:
    index = OccursIndex.build([])
    assert not index.occurs("政策") and not index.occurs("政") and index.occurs("")
