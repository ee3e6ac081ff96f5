"""A flow run applies the error table record by record: one bad record never stops the others."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from courroie.engine.retry import RetryPolicy
from courroie.engine.runs import flow_run
from courroie.errors import AuthenticationFailure, DataError, TransientError
from courroie.store.blocked import BlockedList
from courroie.store.journal import Journal
from courroie.store.runs import ConnectionHealth, RunLog


@pytest.fixture
def hub(sqlite_store):
    return SimpleNamespace(journal=Journal(sqlite_store), blocked=BlockedList(sqlite_store), runs=RunLog(sqlite_store),
                           health=ConnectionHealth(sqlite_store), retry=RetryPolicy(attempts=3, base_delay=0.001),
                           progress=None, flow_runs=[], observers=[])


async def _ok() -> str:
    return "done"


async def _bad() -> str:
    raise DataError("invalid EAN13", details={"ean13": "123"})


async def _bug() -> str:
    raise KeyError("oops")


def test_bad_records_are_blocked_and_the_run_goes_on(hub):
    async def run() -> list:
        async with flow_run(hub, "catalog", "shop") as flow:
            return [await flow.attempt("A", _ok), await flow.attempt("B", _bad, payload="<b/>"),
                    await flow.attempt("C", _bug), await flow.attempt("D", _ok)]
    assert asyncio.run(run()) == ["done", None, None, "done"]
    [latest] = hub.runs.latest()
    assert latest["status"] == "partial" and latest["counts"]["blocked"] == 2
    blocked = {row["record"]: row for row in hub.blocked.list()}
    assert blocked["B"]["reason"] == "invalid EAN13" and blocked["B"]["payload"] == "<b/>"
    assert "KeyError" in blocked["C"]["reason"]


def test_retries_run_out_then_the_connection_is_unreachable_and_marked(hub):
    calls = []

    async def down() -> None:
        calls.append(1)
        raise TransientError("503")

    async def run() -> None:
        async with flow_run(hub, "stock", "shop") as flow:
            await flow.attempt("A", down)
            pytest.fail("an unreachable connection stops the run")
    asyncio.run(run())
    assert len(calls) == 3
    assert hub.health.all()["shop"]["status"] == "failing"
    assert "unreachable" in hub.runs.latest()[0]["message"]


def test_a_failing_peer_is_marked_not_this_connection(hub):
    async def refused() -> None:
        raise AuthenticationFailure("login refused", hint="check the password")

    async def run() -> None:
        async with flow_run(hub, "orders", "shop") as flow:
            await flow.attempt("ORDER-1", refused, peer="erp")
    asyncio.run(run())
    health = hub.health.all()
    assert health["erp"]["status"] == "failing" and "check the password" in health["erp"]["message"]
    assert "shop" not in health
    assert hub.runs.latest()[0]["status"] == "failed"


def test_a_dry_run_writes_nothing(hub):
    async def run() -> None:
        async with flow_run(hub, "catalog", "shop", dry_run=True) as flow:
            await flow.attempt("B", _bad)
    asyncio.run(run())
    assert hub.blocked.list() == [] and hub.journal.history() == []
