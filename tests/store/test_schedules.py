"""The scheduler's table, and the migrations matching the tables the code declares."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from courroie.store.schedules import ScheduleLog
from courroie.store.tables import metadata


def test_migrations_build_the_tables_the_code_declares(store):
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_a_job_keeps_its_last_start_and_outcome(store):
    log = ScheduleLog(store)
    assert log.last_started("orders", "shop-a") is None
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    log.save("orders", "shop-a", started_at=at, status="running")
    log.save("orders", "shop-a", finished_at=at, status="ok")
    assert log.last_started("orders", "shop-a") == at
    [row] = log.all()
    assert row["status"] == "ok" and row["finished_at"] == at
