"""What `courroie run` last did of each scheduled job (a flow for one shop)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from courroie.store.db import Store
from courroie.store.tables import schedules
from courroie.store.upsert import upsert


class ScheduleLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def last_started(self, job: str, shop: str) -> datetime | None:
        query = select(schedules.c.started_at).where((schedules.c.job == job) & (schedules.c.shop == shop))
        with self.store.engine.connect() as db:
            return db.execute(query).scalar()

    def save(self, job: str, shop: str, **values: Any) -> None:
        """Set some of started_at, finished_at, status."""
        with self.store.engine.begin() as db:
            upsert(db, schedules, {"job": job, "shop": shop, **values}, keys=("job", "shop"))

    def all(self) -> list[dict[str, Any]]:
        with self.store.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(select(schedules).order_by(schedules.c.shop,
                                                                                         schedules.c.job))]
