"""The journal: every action the hub takes, record by record. Secrets are masked before writing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from courroie.secrets import redact
from courroie.store.db import Store, utcnow
from courroie.store.paging import newest_first
from courroie.store.tables import journal


def _masked(details: dict | None) -> dict | None:
    if details is None:
        return None
    return json.loads(redact(json.dumps(details, default=str, ensure_ascii=False)))


class Journal:
    def __init__(self, store: Store) -> None:
        self.store = store

    def write(self, *, connection: str, flow: str, action: str, record: str | None = None,
              message: str = "", details: dict[str, Any] | None = None, run_id: int | None = None) -> None:
        self.write_many([dict(connection=connection, flow=flow, action=action, record=record,
                              message=message, details=details, run_id=run_id)])

    def write_many(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        now = utcnow()
        rows = [{**entry, "at": now, "message": redact(entry.get("message") or ""),
                 "details": _masked(entry.get("details"))} for entry in entries]
        with self.store.engine.begin() as db:
            db.execute(insert(journal), rows)

    def history(self, *, record: str | None = None, connection: str | None = None, flow: str | None = None,
                since: datetime | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        query = select(journal).order_by(journal.c.id.desc()).limit(limit).offset(offset)
        if record:
            query = query.where(journal.c.record == record)
        if connection:
            query = query.where(journal.c.connection == connection)
        if flow:
            query = query.where(journal.c.flow == flow)
        if since:
            query = query.where(journal.c.at >= since)
        with self.store.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(query)]

    def search(self, where: JournalFilter, *, limit: int = 100) -> list[dict[str, Any]]:
        """The newest entries matching ``where``."""
        return self.page(where, size=limit)[0]

    def page(self, where: JournalFilter, *, before: int | None = None, after: int | None = None,
             size: int = 50) -> tuple[list[dict[str, Any]], bool]:
        """A page of the entries matching ``where``, newest first: those just older than entry
        ``before``, or just newer than entry ``after``, else the newest; and whether more lie beyond it
        the way it was paged. Keyset on the id, no count: page 1000 costs what page 1 does."""
        query = newest_first(select(journal).where(*where.conditions(self.store.is_sqlite)), journal.c.id,
                             before=before, after=after, size=size)
        with self.store.engine.connect() as db:
            rows = [dict(row._mapping) for row in db.execute(query)]
        more, rows = len(rows) > size, rows[:size]
        return (rows[::-1] if after is not None else rows), more


@dataclass(frozen=True)
class JournalFilter:
    """What the journal is searched for; every criterion given must hold."""

    record: str | None = None
    record_contains: bool = False        # the record contains ``record`` in any case; else starts with it
    connection: str | None = None
    flow: str | None = None
    action: str | None = None
    since: datetime | None = None        # at or after
    until: datetime | None = None        # before
    text: str | None = None              # in the message, whatever the case

    def conditions(self, sqlite: bool = False) -> list:
        found = []
        if self.record and self.record_contains:
            found.append(journal.c.record.icontains(self.record, autoescape=True))
        elif self.record:
            found.append(journal.c.record.startswith(self.record, autoescape=True))
            if sqlite:
                # SQLite's LIKE ignores case and no index: a range on the same prefix uses ix_journal_record
                # (and makes the prefix case-sensitive, as PostgreSQL's LIKE is).
                found.append(journal.c.record.between(self.record, self.record + "\U0010ffff"))
        for column, value in ((journal.c.connection, self.connection), (journal.c.flow, self.flow),
                              (journal.c.action, self.action)):
            if value:
                found.append(column == value)
        if self.since:
            found.append(journal.c.at >= self.since)
        if self.until:
            found.append(journal.c.at < self.until)
        if self.text:
            found.append(journal.c.message.icontains(self.text, autoescape=True))
        return found
