"""The lexical side of the index, built at ingest and saved beside Chroma.

Answering needs more than vectors: BM25 over the chunks, the IDF of every token, the
chunk table by position and by document, the documents' titles and periods, and whether a
string occurs anywhere. Building these means tokenizing every chunk, which at ten thousand
documents takes minutes; so the indexer builds them once per change of the index, saves
them as a *snapshot* (a folder per revision, named in ``CURRENT``), and every server loads
the current one, memory-mapped, and notices a newer one by reading one small file.

A snapshot records the Chroma revision it was built from, so a server that finds none, or
one older than the index (written by a tool that bypassed the indexer), builds it from
Chroma itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.types import Chunk
from vectorstore.lexical import LexicalIndex, idf_table, index_tokenize
from vectorstore.occurs import OccursIndex
from vectorstore.records import IndexedDocument, chunk_from_record, chunk_metadata, indexed_document

log = logging.getLogger(__name__)
FORMAT = 1
KEEP = 3  # snapshots kept on disk: a server still reading an older one keeps its files open


def words_digest(words: Sequence[str]) -> str:
    return hashlib.sha1("\n".join(sorted(set(words))).encode()).hexdigest()[:16]


@dataclass
class Snapshot:
    """Everything answering needs about the corpus besides the vectors."""

    revision: str
    chunks: list[Chunk]
    docs: dict[str, IndexedDocument]
    lexical: LexicalIndex
    idf: dict[str, float]
    occurs_index: OccursIndex
    words: tuple[str, ...] = ()
    name: str = ""
    positions: dict[str, int] = field(init=False)
    by_doc: dict[str, list[int]] = field(init=False)
    period_years: frozenset[int] = field(init=False)  # every year some document's period covers

    def __post_init__(self) -> None:
        self.positions = {c.id: i for i, c in enumerate(self.chunks)}
        self.period_years = frozenset(y for d in self.docs.values() if d.period
                                      for y in range(d.period[0], d.period[1] + 1))
        self.by_doc = {}
        for i, c in enumerate(self.chunks):
            self.by_doc.setdefault(c.doc_id, []).append(i)

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 of every chunk for ``query``, tokenized as the index was."""
        return self.lexical.token_scores(index_tokenize(query, self.words))

    def occurs(self, text: str) -> bool:
        """Whether ``text`` occurs in any chunk (title and clause path included)."""
        return self.occurs_index.occurs(text)

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """One document's chunks in order, without touching the others."""
        return [self.chunks[i] for i in self.by_doc.get(doc_id, [])]


def build_snapshot(revision: str, chunks: Sequence[Chunk], manifests: Mapping[str, Mapping[str, Any]],
                   *, words: Sequence[str] = (),
                   known_tokens: Mapping[str, list[str]] | None = None) -> tuple[Snapshot, list[list[str]]]:
    """Tokenize (reusing ``known_tokens`` by chunk id: ids hash the content) and index."""
    known = known_tokens or {}
    tokens = [known[c.id] if c.id in known else index_tokenize(c.embed_text, words) for c in chunks]
    texts = [c.embed_text for c in chunks]
    snap = Snapshot(
        revision=revision,
        chunks=list(chunks),
        docs={d: indexed_document(m) for d, m in sorted(manifests.items())},
        lexical=LexicalIndex(tokens),
        idf=idf_table(tokens),
        occurs_index=OccursIndex.build(texts),
        words=tuple(sorted(set(words))),
    )
    return snap, tokens


class SnapshotStore:
    """Snapshot folders under ``root``; ``CURRENT`` names the one to read."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def current_name(self) -> str | None:
        """The current snapshot's name (one small read: servers call it every few seconds)."""
        try:
            return (self.root / "CURRENT").read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def is_current(self, revision: str, words: Sequence[str]) -> bool:
        """Whether the current snapshot was built from this revision with these words."""
        name = self.current_name()
        if not name:
            return False
        try:
            meta = json.loads((self.root / name / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (meta.get("format") == FORMAT and meta.get("revision") == revision
                and meta.get("words_digest") == words_digest(words))

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One writer at a time, across processes: each rebuilds from what the last wrote."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def load(self, name: str | None = None) -> Snapshot | None:
        """The named (default: current) snapshot, or None when there is none or it is unreadable."""
        name = name or self.current_name()
        if not name:
            return None
        folder = self.root / name
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT:
                return None
            chunks = [chunk_from_record(r["id"], r["text"], r["meta"]) for r in _read_jsonl(folder / "chunks.jsonl")]
            manifests = json.loads((folder / "docs.json").read_text(encoding="utf-8"))
            idf = json.loads((folder / "idf.json").read_text(encoding="utf-8"))
            lexical = LexicalIndex.load(folder / "bm25", len(chunks))
            occurs = OccursIndex.load(folder / "occurs.npy", lambda i: chunks[i].embed_text)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("lexical snapshot %s unreadable (%s); it will be rebuilt", folder, exc)
            return None
        words = tuple(meta.get("words", []))
        return Snapshot(revision=str(meta["revision"]), chunks=chunks,
                        docs={d: indexed_document(m) for d, m in manifests.items()}, lexical=lexical,
                        idf=idf, occurs_index=occurs, words=words, name=name)

    def known_tokens(self, words: Sequence[str]) -> dict[str, list[str]]:
        """The current snapshot's tokens by chunk id, if it was tokenized with the same words."""
        name = self.current_name()
        if not name:
            return {}
        folder = self.root / name
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or meta.get("words_digest") != words_digest(words):
                return {}
            return {r["id"]: r["tokens"] for r in _read_jsonl(folder / "tokens.jsonl")}
        except (OSError, ValueError, KeyError):
            return {}

    def save(self, snap: Snapshot, tokens: Sequence[list[str]],
             manifests: Mapping[str, Mapping[str, Any]]) -> str:
        """Write the snapshot into a new folder, then point ``CURRENT`` at it (atomic).

        A failure (a full disk) leaves ``CURRENT`` on the previous snapshot, still readable.
        """
        name = f"rev-{time.time_ns():x}-{snap.revision[:12]}"
        tmp = self.root / f".{name}.tmp"
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            tmp.mkdir()
            with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
                for c in snap.chunks:
                    doc_sha = str(manifests.get(c.doc_id, {}).get("sha256", ""))
                    fh.write(json.dumps({"id": c.id, "text": c.text, "meta": chunk_metadata(c, doc_sha)},
                                        ensure_ascii=False) + "\n")
            with (tmp / "tokens.jsonl").open("w", encoding="utf-8") as fh:
                for c, toks in zip(snap.chunks, tokens, strict=True):
                    fh.write(json.dumps({"id": c.id, "tokens": toks}, ensure_ascii=False) + "\n")
            (tmp / "docs.json").write_text(json.dumps(dict(manifests), ensure_ascii=False), encoding="utf-8")
            (tmp / "idf.json").write_text(json.dumps(snap.idf, ensure_ascii=False), encoding="utf-8")
            (tmp / "bm25").mkdir()
            snap.lexical.save(tmp / "bm25")
            snap.occurs_index.save(tmp / "occurs.npy")
            meta = {"format": FORMAT, "revision": snap.revision, "chunks": len(snap.chunks),
                    "documents": len(snap.docs), "words": list(snap.words),
                    "words_digest": words_digest(snap.words), "built_at": time.time()}
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.root / name)
            pointer = self.root / ".CURRENT.tmp"
            pointer.write_text(name, encoding="utf-8")
            os.replace(pointer, self.root / "CURRENT")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        snap.name = name
        self._prune(keep=name)
        return name

    def _prune(self, keep: str) -> None:
        olds = sorted((p for p in self.root.glob("rev-*") if p.name != keep), key=lambda p: p.name)
        for p in olds[: max(0, len(olds) - (KEEP - 1))]:
            shutil.rmtree(p, ignore_errors=True)
        for p in self.root.glob(".rev-*.tmp"):  # what a killed writer left
            if time.time() - p.stat().st_mtime > 3600:
                shutil.rmtree(p, ignore_errors=True)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
