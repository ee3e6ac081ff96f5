"""A flow run for one connection: counts, journal, blocked list and the error table applied record by record.

    async with flow_run(hub, "catalog", "shop-a") as run:
        result = await run.attempt("SKU-1", lambda: shop.create_product(...), payload=...)

- a ``DataError`` (or an unexpected bug) on one record blocks that record, and the run goes on;
- a transient error is retried; when retries run out the connection is taken as unreachable and this
  run stops (records not written stay different from their fingerprint, so the next run catches up);
- a ``ConnectionFailure`` marks the connection failing; other connections' runs are not affected.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from courroie.engine.retry import Outcome, outcome_of, retrying
from courroie.errors import ConnectionFailure, DataError

log = logging.getLogger("courroie.run")
T = TypeVar("T")

# What happens to one record in a run: each counts once toward the run's progress.
RECORD_OUTCOMES = {"created", "updated", "unchanged", "blocked", "deactivated", "imported", "status_sent",
                   "already_in_inbox", "seen"}


class ConnectionUnreachable(ConnectionFailure):
    """Retries ran out: the other side is down or overloaded for now."""


class PeerFailure(Exception):
    """The *other* connection of a run (the ERP, during a shop's run) failed: it is the one marked failing."""

    def __init__(self, peer: str, error: ConnectionFailure) -> None:
        super().__init__(f"{peer}: {error}")
        self.peer, self.error = peer, error


@dataclass
class FlowRun:
    hub: Any
    flow: str
    connection: str
    dry_run: bool = False
    run_id: int | None = None
    counts: Counter = field(default_factory=Counter)
    blocked_reasons: dict[str, str] = field(default_factory=dict)
    planned: list[dict] = field(default_factory=list)      # what a dry run would do, record by record
    status: str = "running"
    message: str = ""
    _open: set[str] | None = field(default=None, repr=False)      # records with an open blocked entry, once read
    started: float = field(default_factory=time.monotonic, repr=False)
    duration: float | None = None

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n
        if what in RECORD_OUTCOMES and self.hub.progress:
            self.hub.progress.advance(self, n)

    def expect(self, total: int) -> None:
        """How many records this run will go through, for progress bars."""
        if self.hub.progress:
            self.hub.progress.expect(self, total)

    def record(self, action: str, record: str | None, message: str = "", details: dict | None = None) -> None:
        """Journal one action (dry runs write nothing)."""
        self.count(action)
        if not self.dry_run:
            self.hub.journal.write(connection=self.connection, flow=self.flow, action=action, record=record,
                                   message=message, details=details, run_id=self.run_id)

    def block(self, record: str, reason: str, *, details: dict | None = None, payload: str | None = None) -> None:
        self.count("blocked")
        self.blocked_reasons[record] = reason
        if self.dry_run:
            return
        if self._open is not None:
            self._open.add(record)
        self.hub.blocked.add(connection=self.connection, flow=self.flow, record=record, reason=reason,
                             details=details, payload=payload)
        self.hub.journal.write(connection=self.connection, flow=self.flow, action="blocked", record=record,
                               message=reason, details=details, run_id=self.run_id)

    def unblock(self, record: str) -> None:
        """The record went through, or the shop already holds it as the ERP has it now (it was put back
        as it was): close its blocked entry if it had one. The open entries are read once per run."""
        if self.dry_run:
            return
        if self._open is None:
            self._open = self.hub.blocked.open_records(self.connection, self.flow)
        if record not in self._open:
            return
        self._open.discard(record)
        if self.hub.blocked.resolve(connection=self.connection, flow=self.flow, record=record):
            self.record("unblocked", record, "went through after being blocked")

    async def call(self, operation: Callable[[], Awaitable[T]], *, peer: str | None = None) -> T:
        """Await a remote call with retries; out of retries means the connection is unreachable.
        ``peer`` names the connection called when it is not this run's own (the ERP in a shop run)."""
        target = peer or self.connection
        try:
            return await retrying(operation, self.hub.retry)
        except Exception as error:
            failure = error
            if outcome_of(error) is Outcome.RETRY:
                failure = ConnectionUnreachable(f"{target} unreachable: {error}",
                                                hint="the next run will catch up when it answers again")
            if isinstance(failure, ConnectionFailure) and peer:
                raise PeerFailure(peer, failure) from error
            if failure is not error:
                raise failure from error
            raise

    async def attempt(self, record: str, operation: Callable[[], Awaitable[T]], *,
                      payload: str | None = None, peer: str | None = None) -> T | None:
        """One record's work. Returns None when the record was blocked."""
        try:
            return await self.call(operation, peer=peer)
        except (ConnectionFailure, PeerFailure):
            raise
        except DataError as error:
            self.block(record, error.reason, details=error.details, payload=payload)
        except Exception as error:    # a bug must not stop the run, nor lose the record
            log.exception("unexpected error on %s/%s %s", self.connection, self.flow, record)
            self.block(record, f"unexpected error: {type(error).__name__}: {error}",
                       details={"traceback": traceback.format_exc(limit=5)}, payload=payload)
        return None

    async def succeeded(self, record: str, operation: Callable[[], Awaitable[Any]], **kwargs) -> bool:
        """``attempt`` for operations that return nothing: True when the record went through."""
        async def done() -> bool:
            await operation()
            return True
        return bool(await self.attempt(record, done, **kwargs))


@asynccontextmanager
async def flow_run(hub: Any, flow: str, connection: str, *, dry_run: bool = False) -> AsyncIterator[FlowRun]:
    run = FlowRun(hub, flow, connection, dry_run=dry_run)
    run.run_id = hub.runs.start(flow, connection, dry_run=dry_run)
    hub.flow_runs.append(run)
    try:
        yield run
    except ConnectionFailure as error:
        run.status, run.message = "failed", str(error)
        if not dry_run:
            hub.health.mark(connection, ok=False, message=str(error))
            run.record("connection_failed", None, str(error))
        log.warning("%s %s: %s", flow, connection, error)
    except asyncio.CancelledError:
        # The service stopping after its grace period: a cancellation lands on an await, a point a
        # killed process could stop at too, so what was written stays consistent.
        run.status, run.message = "cancelled", "stopped before the end; the next run catches up"
        raise
    except PeerFailure as failure:
        run.status, run.message = "failed", str(failure)
        if not dry_run:
            hub.health.mark(failure.peer, ok=False, message=str(failure.error))
            run.record("peer_failed", None, str(failure))
        log.warning("%s %s: %s", flow, connection, failure)
    except Exception as error:
        run.status, run.message = "failed", f"unexpected error: {type(error).__name__}: {error}"
        log.exception("%s %s failed", flow, connection)
        run.record("run_failed", None, run.message)
    else:
        run.status = "partial" if run.counts["blocked"] else "ok"
        if not dry_run:
            hub.health.mark(connection, ok=True)
    finally:
        hub.runs.finish(run.run_id, run.status, dict(run.counts), run.message)
        run.duration = time.monotonic() - run.started
        for observe in hub.observers:
            observe(run)
