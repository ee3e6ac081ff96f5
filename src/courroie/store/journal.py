"""The journal: every action the hub takes, record by record. Secrets are masked before writing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from courroie.secrets import redact
from courroie.store.db import Store, utcnow
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
