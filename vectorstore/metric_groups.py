"""The metric groups of a targets store: recomputed after every change, read by the API.

``regroup`` keys the Targets that lack a key, embeds only keys it has not embedded with this
model before (the vectors are kept in the store), clusters all keys (``vectorstore.metrics``)
and replaces the key → metric table and the metrics' names in one transaction. It runs after
each indexer write, so groups follow documents being added and deleted.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vectorstore.metric_names import english_name
from vectorstore.metrics import Embed, cluster, embed_keys, group_key, key_stats, synonym_table
from vectorstore.targets_store import Filters, StoredTarget, TargetStore, like

log = logging.getLogger(__name__)
Glossary = Sequence[tuple[str, list[str]]]
MAX_TIMELINE = 1000


@dataclass(frozen=True)
class Metric:
    """A metric group as listed: names, its commonest unit, and what it covers."""

    id: str
    name: str
    name_en: str
    unit: str
    dimension: str
    targets: int
    documents: int
    first_year: int | None
    last_year: int | None


def _stale_keys(con: sqlite3.Connection, synonyms: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    """(new key, metric, unit, qualifier) for each stored wording whose key the glossary and
    the normalization now make differently (or that has none yet)."""
    seen = con.execute("SELECT DISTINCT metric, unit, qualifier, group_key FROM targets").fetchall()
    return [(key, m, u, q) for m, u, q, old in seen if (key := group_key(m, u, q, synonyms)) != old]


def keys_stale(store: TargetStore, glossary: Glossary) -> bool:
    """Whether a regroup would re-key stored Targets: a glossary edit or an upgrade."""
    with store.transaction() as con:
        return bool(_stale_keys(con, synonym_table(glossary)))


def regroup(store: TargetStore, embed: Embed, *, model: str, glossary: Glossary) -> int:
    """Recompute every metric group; returns how many there are."""
    synonyms = synonym_table(glossary)
    with store.transaction() as con:
        # Every key is recomputed (per distinct wording), not only new rows': a glossary edit
        # or a new normalization re-keys what is stored.
        stale = _stale_keys(con, synonyms)
        con.executemany("UPDATE targets SET group_key = ? WHERE metric IS ? AND unit IS ? AND qualifier IS ?", stale)
        used = con.execute("SELECT group_key, metric, unit, COUNT(*), COUNT(DISTINCT doc_id) FROM targets "
                           "GROUP BY group_key, metric, unit").fetchall()
        cached = {k: np.frombuffer(v, dtype=np.float32) for k, v in
                  con.execute("SELECT key, vec FROM key_vectors WHERE model = ?", (model,))}
        old_names = dict(con.execute("SELECT id, name_en FROM metrics").fetchall())
    stats, units = key_stats(used)
    missing = [s.key for s in stats if s.key not in cached]
    fresh = embed_keys(missing, embed)
    vectors = {**cached, **fresh}
    groups = cluster(stats, vectors)
    rows = []
    for g in groups:
        counts: dict[str, int] = {}
        for key in g.keys:
            for unit, n in units[key].items():
                counts[unit] = counts.get(unit, 0) + n
        unit = max(sorted(counts), key=lambda u: counts[u]) if counts else ""
        rows.append((g.id, g.name, old_names.get(g.id) or english_name(g.name, glossary), g.dimension, unit))
    with store.transaction() as con:
        con.executemany("INSERT OR REPLACE INTO key_vectors VALUES (?, ?, ?)",
                        [(k, model, v.astype(np.float32).tobytes()) for k, v in fresh.items()])
        con.execute("DELETE FROM key_vectors WHERE key NOT IN (SELECT DISTINCT group_key FROM targets)")
        con.execute("DELETE FROM metrics")
        con.execute("DELETE FROM metric_keys")
        con.executemany("INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT OR REPLACE INTO metric_keys VALUES (?, ?)",
                        [(k, g.id) for g in groups for k in g.keys])
    log.info("metric groups: %d from %d keys (%d embedded)", len(groups), len(stats), len(fresh))
    return len(groups)


_METRIC_FROM = ("FROM metrics m JOIN metric_keys k ON k.metric_id = m.id "
                "JOIN targets t ON t.group_key = k.key")
_METRIC_SQL = f"""
SELECT m.id, m.name, m.name_en, m.unit, m.dimension, COUNT(t.rowid) AS n, COUNT(DISTINCT t.doc_id) AS docs,
       MIN(COALESCE(t.year, t.period_end)), MAX(COALESCE(t.year, t.period_end))
{_METRIC_FROM} {{where}} GROUP BY m.id ORDER BY docs DESC, n DESC, m.name LIMIT ? OFFSET ?
"""


def _metric_where(q: str, metric_id: str) -> tuple[str, list[str]]:
    """The filter of ``list_metrics`` and ``count_metrics``: one id, or ``q`` in a name."""
    if metric_id:
        return "WHERE m.id = ?", [metric_id]
    if q:
        return ("WHERE m.name LIKE ? ESCAPE '\\' OR m.name_en LIKE ? ESCAPE '\\' OR t.metric LIKE ? ESCAPE '\\'",
                [like(q)] * 3)
    return "", []


def list_metrics(store: TargetStore, *, q: str = "", metric_id: str = "", limit: int = 100,
                 offset: int = 0) -> list[Metric]:
    """Metric groups, those found in most documents first; ``q`` is a substring of either name
    or of a target's metric as written."""
    where, args = _metric_where(q, metric_id)
    with store.transaction() as con:
        found = con.execute(_METRIC_SQL.format(where=where), [*args, max(1, min(limit, 1000)), max(0, offset)])
        return [Metric(*row) for row in found.fetchall()]


def count_metrics(store: TargetStore, *, q: str = "", metric_id: str = "") -> int:
    """How many groups ``list_metrics`` lists with these filters, over all its pages."""
    where, args = _metric_where(q, metric_id)
    with store.transaction() as con:
        return int(con.execute(f"SELECT COUNT(DISTINCT m.id) {_METRIC_FROM} {where}", args).fetchone()[0])


def get_metric(store: TargetStore, metric_id: str) -> Metric | None:
    found = list_metrics(store, metric_id=metric_id, limit=1)
    return found[0] if found else None


def timeline(store: TargetStore, metric_id: str) -> list[StoredTarget]:
    """A metric's Targets in time order: by year, baselines and achieved before targets."""
    return store.rows(Filters(metric_id=metric_id), limit=MAX_TIMELINE, by_time=True)
