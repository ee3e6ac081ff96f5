"""Persistence: every record lives in memory and is written through to one SQLite file.

Reads never touch SQLite (fast listings); a write request changes the in-memory dicts inside
`store.transaction()`, which flushes the changed rows in a single SQLite transaction when the
request ends (or discards the changes when it fails). One re-entrant lock serialises requests'
data access, so concurrent requests are safe; the sandbox's latency model (not this lock) is what
makes several requests overlap in time.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Record = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (resource TEXT NOT NULL, id INTEGER NOT NULL, doc TEXT NOT NULL,
                                    PRIMARY KEY (resource, id));
CREATE TABLE IF NOT EXISTS sequences (resource TEXT PRIMARY KEY, next_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL);
"""


class Store:
    """In-memory tables `{resource: {id: record}}` with write-through to SQLite."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self.lock = threading.RLock()
        self._tables: dict[str, dict[int, Record]] = {}
        self._next: dict[str, int] = {}
        self._meta: dict[str, Any] = {}
        self._indexes: dict[tuple[str, str], dict[str, set[int]]] = {}
        self._dirty: set[tuple[str, int]] = set()
        self._dirty_meta: set[str] = set()
        self._seq_dirty = False
        self._blob_writes: dict[int, tuple[str, bytes] | None] = {}
        self._undo: dict[tuple[str, int], Record | None] | None = None
        self._depth = 0
        self._load()

    # -- loading / flushing -------------------------------------------------------------------
    def _load(self) -> None:
        for resource, rid, doc in self._db.execute("SELECT resource, id, doc FROM records ORDER BY id"):
            self._tables.setdefault(resource, {})[rid] = json.loads(doc)
        for resource, next_id in self._db.execute("SELECT resource, next_id FROM sequences"):
            self._next[resource] = next_id
        for key, value in self._db.execute("SELECT key, value FROM meta"):
            self._meta[key] = json.loads(value)

    @property
    def is_empty(self) -> bool:
        return not self._tables and not self._meta

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes; flushed to SQLite at the end of the outermost block, undone on error."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._undo = {}
                self._undo_next = dict(self._next)
                self._undo_meta = copy.deepcopy(self._meta)
            self._depth += 1
            try:
                yield
            except BaseException:
                if outer:
                    self._rollback()
                raise
            finally:
                self._depth -= 1
            if outer:
                self._flush()

    def _rollback(self) -> None:
        assert self._undo is not None
        for (resource, rid), before in self._undo.items():
            table = self._tables.setdefault(resource, {})
            if before is None:
                table.pop(rid, None)
            else:
                table[rid] = before
        self._next = self._undo_next
        self._meta = self._undo_meta
        self._indexes.clear()
        self._dirty.clear()
        self._dirty_meta.clear()
        self._blob_writes.clear()
        self._seq_dirty = False
        self._undo = None

    def _flush(self) -> None:
        self._undo = None
        if not (self._dirty or self._dirty_meta or self._blob_writes or self._seq_dirty):
            return
        cur = self._db.cursor()
        cur.execute("BEGIN")
        for resource, rid in self._dirty:
            record = self._tables.get(resource, {}).get(rid)
            if record is None:
                cur.execute("DELETE FROM records WHERE resource=? AND id=?", (resource, rid))
            else:
                cur.execute(
                    "INSERT OR REPLACE INTO records (resource, id, doc) VALUES (?, ?, ?)",
                    (resource, rid, json.dumps(record, ensure_ascii=False, separators=(",", ":"))),
                )
        cur.executemany("INSERT OR REPLACE INTO sequences (resource, next_id) VALUES (?, ?)", list(self._next.items()))
        for key in self._dirty_meta:
            cur.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(self._meta[key])))
        for blob_id, blob in self._blob_writes.items():
            if blob is None:
                cur.execute("DELETE FROM blobs WHERE id=?", (blob_id,))
            else:
                cur.execute("INSERT OR REPLACE INTO blobs (id, mime, data) VALUES (?, ?, ?)", (blob_id, *blob))
        cur.execute("COMMIT")
        self._seq_dirty = False
        self._dirty.clear()
        self._dirty_meta.clear()
        self._blob_writes.clear()

    def close(self) -> None:
        with self.lock:
            self._db.close()

    # -- records ------------------------------------------------------------------------------
    def table(self, resource: str) -> dict[int, Record]:
        return self._tables.setdefault(resource, {})

    def get(self, resource: str, rid: int) -> Record | None:
        return self._tables.get(resource, {}).get(rid)

    def ids(self, resource: str) -> list[int]:
        return sorted(self._tables.get(resource, {}))

    def next_id(self, resource: str) -> int:
        table = self._tables.get(resource, {})
        return max(self._next.get(resource, 1), max(table, default=0) + 1)

    def set_next_id(self, resource: str, next_id: int) -> None:
        """Make the next created id `next_id` (seeding, and aligning ids with captured scenarios)."""
        with self.lock, self.transaction():
            self._next[resource] = next_id
            self._seq_dirty = True

    def insert(self, resource: str, record: Record, rid: int | None = None) -> int:
        rid = rid if rid is not None else self.next_id(resource)
        record["id"] = str(rid)
        self.put(resource, rid, record)
        self._next[resource] = max(self._next.get(resource, 1), rid + 1)
        self._seq_dirty = True
        return rid

    def put(self, resource: str, rid: int, record: Record) -> None:
        self._remember(resource, rid)
        old = self.table(resource).get(rid)
        self._reindex(resource, rid, old, record)
        self.table(resource)[rid] = record
        self._dirty.add((resource, rid))

    def delete(self, resource: str, rid: int) -> None:
        self._remember(resource, rid)
        old = self.table(resource).pop(rid, None)
        self._reindex(resource, rid, old, None)
        self._dirty.add((resource, rid))

    def _remember(self, resource: str, rid: int) -> None:
        if self._undo is not None and (resource, rid) not in self._undo:
            before = self._tables.get(resource, {}).get(rid)
            self._undo[(resource, rid)] = copy.deepcopy(before)

    # -- secondary indexes (built on first use, kept up to date on writes) ---------------------
    def find(self, resource: str, field: str, value: str) -> list[int]:
        index = self._indexes.get((resource, field))
        if index is None:
            index = {}
            for rid, record in self.table(resource).items():
                index.setdefault(str(record.get(field)), set()).add(rid)
            self._indexes[(resource, field)] = index
        return sorted(index.get(str(value), ()))

    def _reindex(self, resource: str, rid: int, old: Record | None, new: Record | None) -> None:
        for (res, field), index in self._indexes.items():
            if res != resource:
                continue
            if old is not None:
                index.get(str(old.get(field)), set()).discard(rid)
            if new is not None:
                index.setdefault(str(new.get(field)), set()).add(rid)

    # -- small key/value state (keys, shop associations, counters) -----------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        return self._meta.get(key, default)

    def set_meta(self, key: str, value: Any) -> None:
        self._meta[key] = value
        self._dirty_meta.add(key)

    # -- binary image data --------------------------------------------------------------------
    def put_blob(self, blob_id: int, mime: str, data: bytes) -> None:
        self._blob_writes[blob_id] = (mime, data)

    def delete_blob(self, blob_id: int) -> None:
        self._blob_writes[blob_id] = None

    def get_blob(self, blob_id: int) -> tuple[str, bytes] | None:
        with self.lock:
            if blob_id in self._blob_writes:
                return self._blob_writes[blob_id]
            row = self._db.execute("SELECT mime, data FROM blobs WHERE id=?", (blob_id,)).fetchone()
            return (row[0], bytes(row[1])) if row else None
