"""The blocked list: records that could not go through, with reason and payload, until a person acts.

One open entry per (connection, flow, record): blocking it again counts an attempt instead of adding a row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update

from courroie.secrets import redact
from courroie.store.db import Store, utcnow
from courroie.store.paging import newest_first
from courroie.store.tables import blocked

OPEN, RESOLVED, SKIPPED = "open", "resolved", "skipped"
STATES = (OPEN, RESOLVED, SKIPPED)
# What a list shows of an entry: all but the payload (a whole shop document, shown one entry at a time).
LISTED = [column for column in blocked.c if column.name != "payload"]


@dataclass(frozen=True)
class BlockedFilter:
    """What the console's blocked list is narrowed to."""

    connection: str | None = None
    flow: str | None = None
    state: str | None = OPEN           # None: every state
    text: str | None = None            # part of the record or of the reason, any case


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

    def page(self, wanted: BlockedFilter, *, before: int | None = None, after: int | None = None,
             size: int = 50) -> tuple[list[dict[str, Any]], bool]:
        """One page of entries, newest first, without their payload; and whether more lie beyond it
        (see ``paging.newest_first``)."""
        conditions = _conditions(wanted)
        key = blocked.c.id + 0 if conditions else blocked.c.id      # as in Inbox.page: the filter's index first
        ids = newest_first(select(blocked.c.id).where(*conditions), key, before=before, after=after, size=size)
        with self.store.engine.connect() as db:
            found = list(db.execute(ids).scalars())
            rows = db.execute(select(*LISTED).where(blocked.c.id.in_(found[:size])).order_by(blocked.c.id.desc()))
            return [dict(row._mapping) for row in rows], len(found) > size

    def count(self, wanted: BlockedFilter) -> int:
        query = select(func.count()).select_from(blocked).where(*_conditions(wanted))
        with self.store.engine.connect() as db:
            return db.execute(query).scalar_one()

    def open_entry(self, connection: str, flow: str, record: str) -> dict[str, Any] | None:
        """The open entry of one record, if it is blocked now."""
        query = select(*LISTED).where((blocked.c.state == OPEN) & (blocked.c.connection == connection)
                                      & (blocked.c.flow == flow) & (blocked.c.record == record))
        with self.store.engine.connect() as db:
            row = db.execute(query).first()
        return dict(row._mapping) if row else None


def _conditions(wanted: BlockedFilter) -> list[ColumnElement[bool]]:
    conditions = [column == value for column, value in ((blocked.c.connection, wanted.connection),
                                                        (blocked.c.flow, wanted.flow), (blocked.c.state, wanted.state))
                  if value]
    if wanted.text and (text := wanted.text.strip()):
        conditions.append(or_(blocked.c.record.icontains(text, autoescape=True),
                              blocked.c.reason.icontains(text, autoescape=True)))
    return conditions
