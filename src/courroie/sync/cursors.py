"""Cursors: where a connection's incremental read resumes.

The rules, in one place (as dlt and the Singer SDK teach):
- reads start at the saved cursor minus an overlap window (clocks drift, transactions commit late);
- what the overlap brings twice is de-duplicated by key (the order inbox is unique per shop order);
- a saved cursor never passes the moment the run started, nor the newest record actually seen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from courroie.store.db import Store, utcnow
from courroie.store.tables import cursors
from courroie.store.upsert import upsert

DEFAULT_OVERLAP = timedelta(minutes=10)


class Cursors:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, connection: str, flow: str) -> datetime | None:
        query = select(cursors.c.value).where((cursors.c.connection == connection) & (cursors.c.flow == flow))
        with self.store.engine.connect() as db:
            value = db.execute(query).scalar()
        return datetime.fromisoformat(value) if value else None

    def read_from(self, connection: str, flow: str, overlap: timedelta = DEFAULT_OVERLAP) -> datetime | None:
        saved = self.get(connection, flow)
        return saved - overlap if saved else None

    def advance(self, connection: str, flow: str, newest_seen: datetime | None, run_started: datetime) -> None:
        """Move forward to the newest record seen, capped at the run's start; never move back."""
        if newest_seen is None:
            return
        target = min(newest_seen, run_started)
        saved = self.get(connection, flow)
        if saved and saved >= target:
            return
        values = dict(connection=connection, flow=flow, value=target.isoformat(), updated_at=utcnow())
        with self.store.engine.begin() as db:
            upsert(db, cursors, values, keys=("connection", "flow"))
