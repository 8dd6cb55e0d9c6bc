"""Servers share the indexer's lexical snapshot: loaded, not rebuilt, and followed.

A real Chroma, the real embedding model and real files, in a folder of its own.
"""

from __future__ import annotations

import shutil
import time

import pytest

from assistant.factory import make_index, make_retriever
from assistant.query import analyze, load_lexicon
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from tests.conftest import CORPUS, ROOT
from vectorstore.indexer import open_indexer
from vectorstore.snapshot import SnapshotStore

pytestmark = pytest.mark.slow

NOTICE = """宁波市关于加快海洋经济发展的通知

一、到2025年，宁波市海洋生产总值达到2500亿元。
二、建设国际航运中心，港口货物吞吐量达到13亿吨。
"""


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("shared")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(next(CORPUS.glob("002_*.txt")), corpus)
    s = Settings(corpus_dir=corpus, data_dir=root / "var", models_dir=ROOT / "models",
                 lexicon_dir=ROOT / "data" / "lexicon", generator="extractive")
    open_indexer(s).sync_paths([corpus], prune=True)
    return s


def _server(settings: Settings) -> HybridRetriever:
    retriever = make_retriever(settings, make_index(settings, sweep=False))
    retriever.recheck_seconds = 0.0
    return retriever


def _top_doc(retriever: HybridRetriever, question: str) -> str:
    return retriever.search(analyze(question, load_lexicon()), k=1)[0].chunk.doc_id


def test_a_server_loads_the_saved_snapshot_and_sees_another_servers_upload(settings: Settings) -> None:
    store = SnapshotStore(settings.lexical_dir)
    name = store.current_name()
    one, two = _server(settings), _server(settings)
    assert one.snapshot.name == two.snapshot.name == name  # loaded, not rebuilt
    assert not one.occurs("宁波市")
    two.vocab_in_background = True
    assert not two.vocab.names.lookup("Ningbo")
    open_indexer(settings, index=one.index).add("ningbo.txt", NOTICE.encode())  # type: ignore[arg-type]
    assert store.current_name() != name
    # The other server was told nothing: it notices the new snapshot by its name.
    assert two.occurs("宁波市") and _top_doc(two, "宁波市海洋生产总值目标是多少？") == "ningbo.txt"
    assert "ningbo.txt" in {d.doc_id for d in two.documents}
    # Its English names arrive once the new vocabulary is built beside the questions.
    deadline = time.monotonic() + 60
    while not two.vocab.names.lookup("Ningbo") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert two.vocab.names.lookup("Ningbo") == [("Ningbo", "宁波")]
    open_indexer(settings, index=one.index).delete("ningbo.txt")  # type: ignore[arg-type]
    assert not two.occurs("宁波市")


def test_a_missing_or_stale_snapshot_is_rebuilt_from_the_index(settings: Settings) -> None:
    shutil.rmtree(settings.lexical_dir)
    retriever = _server(settings)
    assert retriever.occurs("东湖高新区")  # built from Chroma, and saved for the others
    assert SnapshotStore(settings.lexical_dir).current_name() == retriever.snapshot.name
    # A write that bypassed the indexer: the snapshot is behind the index.
    index = retriever.index
    from ingest.chunking import chunk_document
    from ingest.pipeline import parse_bytes

    doc = parse_bytes("ningbo.txt", NOTICE.encode())
    index.upsert_document(doc, chunk_document(doc, settings.chunk_tokens))  # type: ignore[attr-defined]
    retriever.invalidate()
    assert retriever.occurs("宁波市")
    index.delete_document("ningbo.txt")  # type: ignore[attr-defined]
    retriever.invalidate()
    assert not retriever.occurs("宁波市")
