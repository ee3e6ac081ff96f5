"""The blocked list: records that could not go through, with reason and payload, until a person acts.

One open entry per (connection, flow, record): blocking it again counts an attempt instead of adding a row.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, update

from courroie.secrets import redact
from courroie.store.db import Store, utcnow
from courroie.store.tables import blocked

OPEN, RESOLVED, SKIPPED = "open", "resolved", "skipped"


class BlockedList:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, *, connection: str, flow: str, record: str, reason: str,
            details: dict[str, Any] | None = None, payload: str | None = None) -> int:
        reason = redact(reason)
        details = json.loads(redact(json.dumps(details or {}, default=str, ensure_ascii=False)))
        now = utcnow()
        with self.store.engine.begin() as db:
            existing = db.execute(select(blocked.c.id).where(
                (blocked.c.connection == connection) & (blocked.c.flow == flow)
                & (blocked.c.record == record) & (blocked.c.state == OPEN))).scalar()
            if existing:
                db.execute(update(blocked).where(blocked.c.id == existing).values(
                    reason=reason, details=details, payload=payload if payload is not None else blocked.c.payload,
                    attempts=blocked.c.attempts + 1, updated_at=now))
                return existing
            return db.execute(blocked.insert().values(
                connection=connection, flow=flow, record=record, reason=reason, details=details,
                payload=payload, state=OPEN, attempts=1, created_at=now, updated_at=now)).inserted_primary_key[0]

    def resolve(self, *, connection: str, flow: str, record: str) -> bool:
        """The record went through after all: close its open entry, if any."""
        with self.store.engine.begin() as db:
            result = db.execute(update(blocked).where(
                (blocked.c.connection == connection) & (blocked.c.flow == flow)
                & (blocked.c.record == record) & (blocked.c.state == OPEN)).values(state=RESOLVED, updated_at=utcnow()))
        return result.rowcount > 0

    def skip(self, entry_id: int, comment: str = "") -> bool:
        with self.store.engine.begin() as db:
            result = db.execute(update(blocked).where((blocked.c.id == entry_id) & (blocked.c.state == OPEN))
                                .values(state=SKIPPED, comment=comment, updated_at=utcnow()))
        return result.rowcount > 0

    def get(self, entry_id: int) -> dict[str, Any] | None:
        with self.store.engine.connect() as db:
            row = db.execute(select(blocked).where(blocked.c.id == entry_id)).first()
        return dict(row._mapping) if row else None

    def list(self, *, state: str | None = OPEN, connection: str | None = None, flow: str | None = None,
             limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        query = select(blocked).order_by(blocked.c.id.desc()).limit(limit).offset(offset)
        for column, value in ((blocked.c.state, state), (blocked.c.connection, connection), (blocked.c.flow, flow)):
            if value is not None:
                query = query.where(column == value)
        with self.store.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(query)]

    def open_records(self, connection: str, flow: str) -> set[str]:
        query = select(blocked.c.record).where((blocked.c.connection == connection) & (blocked.c.flow == flow)
                                               & (blocked.c.state == OPEN))
        with self.store.engine.connect() as db:
            return set(db.execute(query).scalars())

    def count_open(self) -> int:
        with self.store.engine.connect() as db:
            return db.execute(select(func.count()).select_from(blocked).where(blocked.c.state == OPEN)).scalar_one()

    def open_by_flow(self) -> dict[tuple[str, str], int]:
        """Open entries per (connection, flow)."""
        query = (select(blocked.c.connection, blocked.c.flow, func.count()).where(blocked.c.state == OPEN)
                 .group_by(blocked.c.connection, blocked.c.flow))
        with self.store.engine.connect() as db:
            return {(connection, flow): count for connection, flow, count in db.execute(query)}
