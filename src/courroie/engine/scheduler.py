"""The service's scheduler: one asyncio task per job (one flow for one shop), each on its own rhythm.

- a job's runs never overlap, and jobs that touch the same records of a shop take turns (stock, its
  reconciliation and orders: a stock pass imports the shop's new orders first);
- a slow job delays no other: each waits on its own due time;
- a run that fails is simply made again at the next tick (flows are level-triggered: a late run catches up);
- after downtime, a job that missed ticks runs once at start, then goes back to its rhythm;
- ``stop``: no new run starts; runs in hand get a grace period, then are cancelled at their next await.

What each job last did is kept in the store (``schedules``), so a restart knows which ticks it missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from croniter import croniter
from dateutil.tz import tzlocal

from courroie.config import FlowSchedule, HubConfig
from courroie.engine.hub import Hub
from courroie.store.schedules import ScheduleLog

log = logging.getLogger("courroie.scheduler")
FlowFunction = Callable[..., Awaitable[None]]          # flow(hub, shop, dry_run=…), as in flows.registry
LONGEST_NAP = 60.0      # sleeps are cut so a change of the wall clock (NTP, DST) is noticed within a minute


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clock, in its local zone: cron times are the merchant's."""

    def __init__(self) -> None:
        self.zone = tzlocal()

    def now(self) -> datetime:
        return datetime.now(self.zone)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Schedule:
    every: float | None = None
    cron: str | None = None

    @classmethod
    def of(cls, schedule: FlowSchedule) -> Schedule:
        return cls(every=schedule.every, cron=schedule.cron)

    def next_after(self, moment: datetime) -> datetime:
        if self.cron:
            return croniter(self.cron, moment).get_next(datetime)
        assert self.every is not None
        return moment + timedelta(seconds=self.every)

    def first_due(self, last_started: datetime | None, now: datetime) -> datetime:
        """A job never run starts now (interval) or at its next cron time; else one tick after its last
        start, which may be past: then it runs at once, and once."""
        if last_started is None:
            return now if self.every else self.next_after(now)
        return self.next_after(last_started.astimezone(now.tzinfo))

    def __str__(self) -> str:
        return f"cron {self.cron}" if self.cron else f"every {self.every:g} s"


@dataclass(frozen=True)
class Job:
    name: str                                   # the flow, or "<flow>.reconcile"
    shop: str
    schedule: Schedule
    work: Callable[[], Awaitable[None]]
    turn: str                                   # jobs with the same turn never run at once

    def __str__(self) -> str:
        return f"{self.name}/{self.shop}"


def jobs_of(config: HubConfig, hub: Hub, flows: Mapping[str, FlowFunction],
            reconcilers: Mapping[str, FlowFunction], turns: Mapping[str, str]) -> list[Job]:
    """One job per flow and shop that has a rhythm, plus one per reconciliation. A flow's jobs take
    turns with those of the flow ``turns`` names for it (stock with orders: a stock pass reads orders)."""
    jobs = []
    for shop in (entry.name for entry in config.shops):
        for flow, run in flows.items():
            schedule, turn = config.schedule_of(shop, flow), f"{turns.get(flow, flow)}/{shop}"
            if schedule.every or schedule.cron:
                jobs.append(Job(flow, shop, Schedule.of(schedule), _bound(run, hub, shop), turn))
            if schedule.reconcile and flow in reconcilers:
                jobs.append(Job(f"{flow}.reconcile", shop, Schedule(every=schedule.reconcile),
                                _bound(reconcilers[flow], hub, shop), turn))
    return jobs


def _bound(run: FlowFunction, hub: Hub, shop: str) -> Callable[[], Awaitable[None]]:
    async def work() -> None:
        await run(hub, shop, dry_run=False)
    return work


def _ended(loop: asyncio.Task) -> None:
    if not loop.cancelled() and (error := loop.exception()):
        log.error("job %s stopped for good: %s", loop.get_name(), error, exc_info=error)


class Scheduler:
    def __init__(self, jobs: Iterable[Job], log_store: ScheduleLog, *, clock: Clock | None = None,
                 on_crash: Callable[[Job, BaseException], None] | None = None) -> None:
        self.jobs = list(jobs)
        self.history = log_store
        self.clock = clock or SystemClock()
        self.on_crash = on_crash
        self.stopping = False
        self.running: dict[Job, asyncio.Task] = {}       # jobs with a run in hand
        self.next_due: dict[Job, datetime] = {}
        self._loops: dict[Job, asyncio.Task] = {}
        self._turns = {job.turn: asyncio.Lock() for job in self.jobs}
        self._stop_asked = asyncio.Event()
        self._asked_now = {job: asyncio.Event() for job in self.jobs}

    async def run(self) -> None:
        """Run every job until ``stop``; returns when the last run in hand has ended."""
        self._loops = {job: asyncio.create_task(self._loop(job), name=str(job)) for job in self.jobs}
        for loop in self._loops.values():
            loop.add_done_callback(_ended)
        await asyncio.gather(*self._loops.values(), return_exceptions=True)
        await self._stop_asked.wait()

    async def stop(self, grace: float) -> None:
        """No new run starts; runs in hand get ``grace`` seconds to end, then are cancelled."""
        self.stopping = True
        self._stop_asked.set()
        for job, loop in self._loops.items():
            if job not in self.running:
                loop.cancel()                           # only waiting: nothing in hand
        in_hand = list(self.running.values())
        if in_hand:
            log.info("stopping: waiting up to %g s for %d run(s) in hand", grace, len(in_hand))
            _, late = await asyncio.wait(in_hand, timeout=grace)
            for task in late:
                task.cancel()
        await asyncio.gather(*self._loops.values(), return_exceptions=True)

    def find(self, name: str, shop: str) -> Job | None:
        return next((job for job in self.jobs if (job.name, job.shop) == (name, shop)), None)

    def run_now(self, job: Job) -> None:
        """Run the job as soon as its turn is free (the console's "sync now"); its rhythm goes on from then."""
        self._asked_now[job].set()

    async def _loop(self, job: Job) -> None:
        due = job.schedule.first_due(self._last_started(job), self.clock.now())
        while not self.stopping:
            self.next_due[job] = due
            await self._until(due, self._asked_now[job])
            self._asked_now[job].clear()
            if self.stopping:
                break
            due = job.schedule.next_after(await self._run(job))

    async def _until(self, due: datetime, asked: asyncio.Event) -> None:
        while not asked.is_set() and (left := (due - self.clock.now()).total_seconds()) > 0:
            nap = asyncio.ensure_future(self.clock.sleep(min(left, LONGEST_NAP)))
            woken = asyncio.ensure_future(asked.wait())
            try:
                await asyncio.wait([nap, woken], return_when=asyncio.FIRST_COMPLETED)
            finally:
                nap.cancel()
                woken.cancel()

    async def _run(self, job: Job) -> datetime:
        """One run of the job, its turn taken; returns when it started."""
        async with self._turns[job.turn]:
            started = self.clock.now()
            self._note(job, started_at=started, status="running")
            task = asyncio.create_task(job.work(), name=f"run {job}")
            self.running[job] = task
            try:
                status = await self._outcome(job, task)
            finally:
                del self.running[job]
            self._note(job, finished_at=self.clock.now(), status=status)
            return started

    async def _outcome(self, job: Job, task: asyncio.Task) -> str:
        # The run is a task of its own: ``stop`` cancels the run, and this loop still records how it ended.
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():                     # this loop was cancelled, not the run: take it along
                task.cancel()
                raise
            return "cancelled"
        except Exception as error:                  # a bug in a flow must not end its schedule
            log.exception("%s crashed; it runs again at its next tick", job)
            if self.on_crash:
                self.on_crash(job, error)
            return "crashed"
        return "ok"

    def _last_started(self, job: Job) -> datetime | None:
        try:
            return self.history.last_started(job.name, job.shop)
        except Exception as error:                  # store down: no catch-up, the rhythm still holds
            log.warning("%s: when it last ran is unknown (%s); it starts on its rhythm", job, error)
            return None

    def _note(self, job: Job, **values: object) -> None:
        try:
            self.history.save(job.name, job.shop, **values)
        except Exception as error:                  # the schedule goes on; flows report the store themselves
            log.warning("%s: could not note %s in the store: %s", job, sorted(values), error)
