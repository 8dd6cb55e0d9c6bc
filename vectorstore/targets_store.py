"""The quantitative targets of the indexed documents, in SQLite beside the Chroma data.

Each document's Targets (``ingest.targets``) are stored with the content hash of the
document they were extracted from, and replaced in one transaction, so a killed ingest
leaves every document either with its old rows or its new ones. ``reconcile`` brings the
table in line with the index's manifests (rows of deleted or replaced documents go), so the
store and Chroma agree after every indexer run.

Beside the rows, the same file holds the metric groups (``vectorstore.metric_groups``):
each row's group key, the key → metric table and the metrics' names, so a filter by metric
is one join.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
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
CREATE TABLE IF NOT EXISTS metrics (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL,
    dimension TEXT NOT NULL, unit TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS metric_keys (key TEXT PRIMARY KEY, metric_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS metric_keys_metric ON metric_keys (metric_id);
CREATE TABLE IF NOT EXISTS key_vectors (key TEXT PRIMARY KEY, model TEXT NOT NULL, vec BLOB NOT NULL);
"""
_MIGRATE = "ALTER TABLE targets ADD COLUMN group_key TEXT"  # stores written before metric groups
_KIND_ORDER = "CASE kind WHEN 'baseline' THEN 0 WHEN 'achieved' THEN 1 ELSE 2 END"
MAX_PAGE = 1000


@dataclass(frozen=True)
class StoredTarget:
    """A Target as stored: with the metric group it belongs to (None until grouped)."""

    target: Target
    metric_id: str | None
    metric_name: str | None
    dimension: str = ""  # the metric group's: 元, %, growth:% …


@dataclass(frozen=True)
class Filters:
    """What ``GET /v1/targets`` filters by; ``q``, ``metric`` and ``scope`` are substrings."""

    q: str = ""
    metric: str = ""
    metric_id: str = ""
    year: int | None = None
    doc_id: str = ""
    scope: str = ""
    kind: str = ""
    chunk_ids: tuple[str, ...] = ()  # only Targets stated in these chunks (the chain's evidence)

    def where(self) -> tuple[str, list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        if self.chunk_ids:
            where.append(f"t.chunk_id IN ({', '.join('?' * len(self.chunk_ids))})")
            args += list(self.chunk_ids)
        if self.q:
            where.append("(t.metric LIKE ? ESCAPE '\\' OR t.sentence LIKE ? ESCAPE '\\' "
                         "OR m.name LIKE ? ESCAPE '\\' OR m.name_en LIKE ? ESCAPE '\\')")
            args += [like(self.q)] * 4
        for column, value in (("t.metric", self.metric), ("t.scope", self.scope)):
            if value:
                where.append(f"{column} LIKE ? ESCAPE '\\'")
                args.append(like(value))
        for column, value in (("t.doc_id", self.doc_id), ("t.kind", self.kind), ("k.metric_id", self.metric_id)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if self.year is not None:
            where.append("t.year = ?")
            args.append(self.year)
        return ("WHERE " + " AND ".join(where)) if where else "", args


def like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_FROM = ("FROM targets t LEFT JOIN metric_keys k ON k.key = t.group_key "
         "LEFT JOIN metrics m ON m.id = k.metric_id")
Batches = Generator[tuple[int, list["StoredTarget"]], None, None]
_SELECT = f"SELECT t.*, k.metric_id AS metric_id, m.name AS metric_name, m.dimension AS dimension {_FROM}"


class TargetStore:
    """One SQLite file; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._migrated = False

    def _connect(self, *, any_thread: bool = False) -> sqlite3.Connection:
        """A connection to the store, its schema in place; ``any_thread`` lets a streamed
        read move between worker threads (one at a time)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, check_same_thread=not any_thread)
        try:
            con.executescript(_SCHEMA)
            if not self._migrated:
                # WAL: a long read (a CSV export) keeps its snapshot without blocking writers.
                con.execute("PRAGMA journal_mode=WAL")
                columns = {r[1] for r in con.execute("PRAGMA table_info(targets)")}
                if "group_key" not in columns:
                    con.execute(_MIGRATE)
                con.execute("CREATE INDEX IF NOT EXISTS targets_group ON targets (group_key)")
                self._migrated = True
        except BaseException:
            con.close()
            raise
        return con

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection whose work commits at the end, or rolls back on error."""
        con = self._connect()
        try:
            with con:
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
        with self.transaction() as con:
            con.execute("DELETE FROM targets WHERE doc_id = ?", (doc_id,))
            con.executemany(f"INSERT INTO targets ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            [[r[c] for c in cols] for r in rows])
            con.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (doc_id, doc_sha))

    def delete_document(self, doc_id: str) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM targets WHERE doc_id = ?", (doc_id,))
            con.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def ungrouped(self) -> bool:
        """Whether some rows have no metric group yet (a write since the last regroup)."""
        with self.transaction() as con:
            return con.execute("SELECT 1 FROM targets t LEFT JOIN metric_keys k ON k.key = t.group_key "
                               "WHERE k.key IS NULL LIMIT 1").fetchone() is not None

    def documents(self) -> dict[str, str]:
        """doc_id → the content hash its rows were extracted from."""
        with self.transaction() as con:
            return dict(con.execute("SELECT doc_id, doc_sha FROM documents").fetchall())

    def reconcile(self, indexed: Mapping[str, str]) -> list[str]:
        """Drop documents the index no longer holds (or holds in another version); return
        the indexed doc_ids whose targets are missing, to be extracted again."""
        have = self.documents()
        for doc_id, sha in have.items():
            if indexed.get(doc_id) != sha:
                self.delete_document(doc_id)
        return sorted(d for d, sha in indexed.items() if have.get(d) != sha)

    def rows(self, filters: Filters = Filters(), *, limit: int = 100, offset: int = 0,
             by_time: bool = False) -> list[StoredTarget]:
        """Stored Targets matching ``filters``: in document order, or ``by_time`` (year, then
        baselines and achieved values before targets, then document)."""
        where, args = filters.where()
        order = (f"COALESCE(t.year, t.period_end) IS NULL, COALESCE(t.year, t.period_end), {_KIND_ORDER}, "
                 "t.doc_id, t.seq") if by_time else "t.doc_id, t.seq"
        sql = f"{_SELECT} {where} ORDER BY {order} LIMIT ? OFFSET ?"
        with self.transaction() as con:
            con.row_factory = sqlite3.Row
            found = con.execute(sql, [*args, max(1, min(limit, MAX_PAGE)), max(0, offset)]).fetchall()
        return [_stored(r) for r in found]

    def iter_rows(self, filters: Filters = Filters(), *,
                  batch: int = MAX_PAGE) -> Batches:
        """Every Target matching ``filters``, in document order, read from ONE snapshot: yields
        (total, rows) a batch at a time, ``total`` counting every match in that snapshot; the
        first pair comes even when nothing matches. One connection holds one read transaction
        until the last batch, or until the generator is closed or collected, so writes landing
        meanwhile (WAL: they are not blocked) are neither repeated nor half seen."""
        where, args = filters.where()
        con = self._connect(any_thread=True)
        try:
            con.isolation_level = None  # the transaction below is ours, not the module's
            con.row_factory = sqlite3.Row
            con.execute("BEGIN")
            total = int(con.execute(f"SELECT COUNT(*) {_FROM} {where}", args).fetchone()[0])
            found = con.execute(f"{_SELECT} {where} ORDER BY t.doc_id, t.seq", args)
            yield total, [_stored(r) for r in found.fetchmany(max(1, batch))]
            while rows := [_stored(r) for r in found.fetchmany(max(1, batch))]:
                yield total, rows
            con.execute("COMMIT")
        finally:
            con.close()  # an open read transaction ends with it

    def count(self, filters: Filters = Filters()) -> int:
        where, args = filters.where()
        with self.transaction() as con:
            return int(con.execute(f"SELECT COUNT(*) {_FROM} {where}", args).fetchone()[0])

    def query(self, *, q: str = "", metric: str = "", year: int | None = None, doc_id: str = "",
              scope: str = "", kind: str = "", limit: int = 100, offset: int = 0) -> list[Target]:
        """Targets matching every filter given (``q`` and ``metric`` as substrings), in document order."""
        filters = Filters(q=q, metric=metric, year=year, doc_id=doc_id, scope=scope, kind=kind)
        return [r.target for r in self.rows(filters, limit=limit, offset=offset)]


def _stored(found: sqlite3.Row) -> StoredTarget:
    row = dict(found)
    metric_id, name, dim = row.pop("metric_id"), row.pop("metric_name"), row.pop("dimension")
    return StoredTarget(_target(row), metric_id, name, dim or "")


def _target(row: dict[str, Any]) -> Target:
    start, end = row.pop("period_start"), row.pop("period_end")
    row.pop("seq")
    row.pop("group_key", None)
    return Target(**row, period=(start, end) if start is not None and end is not None else None)
