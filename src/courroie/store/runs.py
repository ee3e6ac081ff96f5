"""Flow runs and connection health, as `courroie status` and the console show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from courroie.secrets import redact
from courroie.store.db import Store, utcnow
from courroie.store.tables import connections, runs
from courroie.store.upsert import upsert


class RunLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def start(self, flow: str, connection: str, *, dry_run: bool = False) -> int:
        with self.store.engine.begin() as db:
            return db.execute(runs.insert().values(flow=flow, connection=connection, started_at=utcnow(),
                                                   status="running", dry_run=int(dry_run))).inserted_primary_key[0]

    def finish(self, run_id: int, status: str, counts: dict[str, int], message: str = "") -> None:
        with self.store.engine.begin() as db:
            db.execute(update(runs).where(runs.c.id == run_id).values(
                finished_at=utcnow(), status=status, counts=counts, message=redact(message)))

    def latest(self) -> list[dict[str, Any]]:
        """The last real (not dry) run of each (connection, flow)."""
        newest = (select(func.max(runs.c.id).label("id")).where(runs.c.dry_run == 0)
                  .group_by(runs.c.connection, runs.c.flow).subquery())
        query = select(runs).join(newest, runs.c.id == newest.c.id).order_by(runs.c.connection, runs.c.flow)
        with self.store.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(query)]

    def max_id(self) -> int:
        with self.store.engine.connect() as db:
            return db.execute(select(func.max(runs.c.id))).scalar() or 0

    def since(self, run_id: int) -> list[dict[str, Any]]:
        """Runs started after run ``run_id``, oldest first."""
        with self.store.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(select(runs).where(runs.c.id > run_id).order_by(runs.c.id))]

    def last_success(self, connection: str, flow: str):
        query = select(func.max(runs.c.started_at)).where(
            (runs.c.connection == connection) & (runs.c.flow == flow) & (runs.c.status == "ok") & (runs.c.dry_run == 0))
        with self.store.engine.connect() as db:
            return db.execute(query).scalar()


    def last_successes(self) -> dict[tuple[str, str], datetime]:
        """When each (connection, flow) last ran well, in one query."""
        query = (select(runs.c.connection, runs.c.flow, func.max(runs.c.started_at))
                 .where((runs.c.status == "ok") & (runs.c.dry_run == 0)).group_by(runs.c.connection, runs.c.flow))
        with self.store.engine.connect() as db:
            return {(connection, flow): at for connection, flow, at in db.execute(query)}


class ConnectionHealth:
    def __init__(self, store: Store) -> None:
        self.store = store

    def mark(self, name: str, ok: bool, message: str = "") -> None:
        values = dict(name=name, status="ok" if ok else "failing", message=redact(message), updated_at=utcnow())
        with self.store.engine.begin() as db:
            upsert(db, connections, values, keys=("name",))

    def all(self) -> dict[str, dict[str, Any]]:
        with self.store.engine.connect() as db:
            return {row.name: dict(row._mapping) for row in db.execute(select(connections))}
