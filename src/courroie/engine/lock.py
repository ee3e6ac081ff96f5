"""One `courroie run` per store: a second one would run every flow twice, side by side.

SQLite: a lock file next to the database, held by the operating system (released if the process dies).
PostgreSQL: a session advisory lock, released with the connection holding it. `courroie sync` takes no
such lock: it may run beside the service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout
from sqlalchemy import text

from courroie.store import Store

ADVISORY_KEY = 0x636F7572726F6965        # "courroie" in ASCII: one key for every hub sharing a database


class AlreadyRunning(Exception):
    """Another `courroie run` holds this store."""


@contextmanager
def instance_lock(store: Store) -> Iterator[None]:
    if not store.is_sqlite:
        with _advisory_lock(store):
            yield
        return
    database = store.engine.url.database
    if not database or database == ":memory:":
        yield                                   # a store no other process can open
        return
    with _file_lock(f"{database}.lock"):
        yield


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise AlreadyRunning(f"another `courroie run` holds the store (lock file {path}); "
                             "stop it first, or give this one another store") from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _advisory_lock(store: Store) -> Iterator[None]:
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar():
            where = store.engine.url.render_as_string(hide_password=True)
            raise AlreadyRunning(f"another `courroie run` holds the store {where} (PostgreSQL advisory lock "
                                 f"{ADVISORY_KEY}); stop it first, or give this one another store")
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
