"""The quantitative targets of the indexed documents, in SQLite beside the Chroma data.

Each document's Targets (``ingest.targets``) are stored with the content hash of the
document they were extracted from, and replaced in one transaction, so a killed ingest
leaves every document either with its old rows or its new ones. ``reconcile`` brings the
table in line with the index's manifests (rows of deleted or replaced documents go), so the
store and Chroma agree after every indexer run.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ingest.targets import Target

_COLUMNS = [f.name for f in fields(Target) if f.name != "period"]
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS documents (doc_id TEXT PRIMARY KEY, doc_sha TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS targets (
    seq INTEGER NOT NULL, period_start INTEGER, period_end INTEGER,
    {", ".join(f"{c} {'REAL' if c == 'number' else 'INTEGER' if c == 'year' else 'TEXT'}" for c in _COLUMNS)},
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX IF NOT EXISTS targets_chunk ON targets (chunk_id);
CREATE INDEX IF NOT EXISTS targets_metric ON targets (metric);
"""
MAX_PAGE = 1000


class TargetStore:
    """One SQLite file; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.executescript(_SCHEMA)
            with con:  # commits, or rolls back on error
                yield con
        finally:
            con.close()

    def replace_document(self, doc_id: str, doc_sha: str, targets: Iterable[Target]) -> None:
        """The document's rows become exactly ``targets`` (extracted from content ``doc_sha``)."""
        rows = []
        for seq, t in enumerate(targets):
            if t.doc_id != doc_id:
                raise ValueError(f"a target of {t.doc_id!r} given for {doc_id!r}")
            row = asdict(t)
            period = row.pop("period") or (None, None)
            rows.append({**row, "seq": seq, "period_start": period[0], "period_end": period[1]})
        cols = ["seq", "period_start", "period_end", *_COLUMNS]
        with self._db() as con:
            con.execute("DELETE FROM targets WHERE doc_id = ?", (doc_id,))
            con.executemany(f"INSERT INTO targets ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            [[r[c] for c in cols] for r in rows])
            con.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (doc_id, doc_sha))

    def delete_document(self, doc_id: str) -> None:
        with self._db() as con:
            con.execute("DELETE FROM targets WHERE doc_id = ?", (doc_id,))
            con.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def documents(self) -> dict[str, str]:
        """doc_id → the content hash its rows were extracted from."""
        with self._db() as con:
            return dict(con.execute("SELECT doc_id, doc_sha FROM documents").fetchall())

    def reconcile(self, indexed: Mapping[str, str]) -> list[str]:
        """Drop documents the index no longer holds (or holds in another version); return
        the indexed doc_ids whose targets are missing, to be extracted again."""
        have = self.documents()
        for doc_id, sha in have.items():
            if indexed.get(doc_id) != sha:
                self.delete_document(doc_id)
        return sorted(d for d, sha in indexed.items() if have.get(d) != sha)

    def query(self, *, q: str = "", metric: str = "", year: int | None = None, doc_id: str = "",
              scope: str = "", kind: str = "", limit: int = 100, offset: int = 0) -> list[Target]:
        """Targets matching every filter given (``q`` and ``metric`` as substrings), in document order."""
        where: list[str] = []
        args: list[Any] = []
        if q:
            where.append("(metric LIKE ? OR sentence LIKE ?)")
            args += [f"%{q}%", f"%{q}%"]
        for column, value in (("metric", metric), ("scope", scope)):
            if value:
                where.append(f"{column} LIKE ?")
                args.append(f"%{value}%")
        for column, value in (("doc_id", doc_id), ("kind", kind)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if year is not None:
            where.append("year = ?")
            args.append(year)
        sql = (f"SELECT * FROM targets {'WHERE ' + ' AND '.join(where) if where else ''} "
               "ORDER BY doc_id, seq LIMIT ? OFFSET ?")
        with self._db() as con:
            con.row_factory = sqlite3.Row
            rows = con.execute(sql, [*args, max(1, min(limit, MAX_PAGE)), max(0, offset)]).fetchall()
        return [_target(dict(r)) for r in rows]


def _target(row: dict[str, Any]) -> Target:
    start, end = row.pop("period_start"), row.pop("period_end")
    row.pop("seq")
    return Target(**row, period=(start, end) if start is not None and end is not None else None)
