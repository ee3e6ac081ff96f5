"""The scheduler on a fake clock: rhythms, no overlap, a slow job delays no other, failures retried at the
next tick, catch-up once after downtime, graceful stop. Time is simulated: no test sleeps for real."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from courroie.config import load_config
from courroie.engine.scheduler import Job, Schedule, Scheduler, jobs_of
from courroie.errors import ConfigError
from courroie.store.schedules import ScheduleLog

EXAMPLE = Path(__file__).parents[2] / "src" / "courroie" / "templates" / "courroie.example.yaml"
ENV = {"TRYTON_PASSWORD": "tryton-secret-pw", "PS_PORTAILS_KEY": "K" * 32, "PS_GARAGES_KEY": "G" * 32}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class FakeClock:
    """Time moves only when the test says so; sleepers wake in order of their due time."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start
        self.sleepers: list[tuple[datetime, asyncio.Future]] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        entry = (self.current + timedelta(seconds=seconds), asyncio.get_running_loop().create_future())
        self.sleepers.append(entry)
        try:
            await entry[1]
        finally:
            self.sleepers.remove(entry)

    async def advance(self, seconds: float) -> None:
        end = self.current + timedelta(seconds=seconds)
        await settle()
        while due := [wake for wake, future in self.sleepers if wake <= end and not future.done()]:
            self.current = min(due)
            for wake, future in list(self.sleepers):
                if wake <= self.current and not future.done():
                    future.set_result(None)
            await settle()
        self.current = end
        await settle()


async def settle() -> None:
    """Let every task that can go on go on (fake work only awaits the fake clock or events)."""
    for _ in range(30):
        await asyncio.sleep(0)


class Recorder:
    """Work that notes when it started, optionally takes fake time, fails or waits to be released."""

    def __init__(self, clock: FakeClock, *, takes: float = 0, fails: int = 0,
                 release: asyncio.Event | None = None) -> None:
        self.clock, self.takes, self.fails, self.release = clock, takes, fails, release
        self.starts: list[float] = []
        self.active = self.most_active = 0

    async def __call__(self) -> None:
        self.starts.append((self.clock.now() - T0).total_seconds())
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            if self.takes:
                await self.clock.sleep(self.takes)
            if self.release:
                await self.release.wait()
            if self.fails:
                self.fails -= 1
                raise RuntimeError("the ERP said no")
        finally:
            self.active -= 1


def job(name: str, work: Callable[[], Awaitable[None]], *, every: float | None = None, cron: str | None = None,
        shop: str = "shop-a", turn: str | None = None) -> Job:
    return Job(name, shop, Schedule(every=every, cron=cron), work, turn or f"{name}/{shop}")


def scenario(store, jobs: list[Job], test: Callable[[Scheduler], Awaitable[None]], clock: FakeClock,
             **options) -> Scheduler:
    """Run the scheduler with ``jobs`` while ``test`` drives the clock; stop it afterwards."""
    scheduler = Scheduler(jobs, ScheduleLog(store), clock=clock, **options)

    async def main() -> None:
        running = asyncio.create_task(scheduler.run())
        await test(scheduler)
        await scheduler.stop(grace=0)          # what is still in hand is cancelled
        await asyncio.wait_for(running, 5)
    asyncio.run(main())
    return scheduler


def test_an_interval_job_runs_at_start_then_on_its_rhythm(sqlite_store):
    clock = FakeClock()
    orders = Recorder(clock)
    scenario(sqlite_store, [job("orders", orders, every=30)], lambda _: clock.advance(95), clock)
    assert orders.starts == [0, 30, 60, 90]


def test_a_slow_job_delays_no_other_and_never_overlaps_itself(sqlite_store):
    clock = FakeClock()
    catalog, orders = Recorder(clock, takes=25), Recorder(clock)
    scenario(sqlite_store, [job("catalog", catalog, every=10), job("orders", orders, every=10)],
             lambda _: clock.advance(60), clock)
    assert orders.starts == [0, 10, 20, 30, 40, 50, 60]
    assert catalog.starts == [0, 25, 50]           # late ticks run once, at the end of the run in hand
    assert catalog.most_active == 1


def test_run_now_runs_the_job_at_once_and_its_rhythm_goes_on_from_there(sqlite_store):
    clock = FakeClock()
    prices = Recorder(clock)

    async def ask(scheduler: Scheduler) -> None:
        await clock.advance(100)
        scheduler.run_now(scheduler.find("prices", "shop-a"))
        await clock.advance(3610)
    scenario(sqlite_store, [job("prices", prices, every=3600)], ask, clock)
    assert prices.starts == [0, 100, 3700]


def test_jobs_sharing_a_turn_take_turns(sqlite_store):
    clock = FakeClock()
    push, reconcile = Recorder(clock, takes=4), Recorder(clock, takes=4)
    shared = [job("stock", push, every=5, turn="stock/shop-a"),
              job("stock.reconcile", reconcile, every=5, turn="stock/shop-a")]
    activity = []

    async def watch(_: Scheduler) -> None:
        for _ in range(20):
            await clock.advance(1)
            activity.append(push.active + reconcile.active)
    scenario(sqlite_store, shared, watch, clock)
    assert max(activity) == 1 and push.starts and reconcile.starts


def test_a_failing_run_is_made_again_at_its_next_tick(sqlite_store):
    clock = FakeClock()
    stock = Recorder(clock, fails=2)
    crashes = []
    scenario(sqlite_store, [job("stock", stock, every=10)], lambda _: clock.advance(25), clock,
             on_crash=lambda j, error: crashes.append((j.name, str(error))))
    assert stock.starts == [0, 10, 20]
    assert crashes == [("stock", "the ERP said no")] * 2
    [row] = ScheduleLog(sqlite_store).all()
    assert row["status"] == "ok" and row["started_at"] == T0 + timedelta(seconds=20)


def test_after_downtime_missed_ticks_run_once_then_the_rhythm_goes_on(sqlite_store):
    history = ScheduleLog(sqlite_store)
    history.save("orders", "shop-a", started_at=T0 - timedelta(hours=5))
    history.save("catalog", "shop-a", started_at=T0 - timedelta(days=3))      # missed three nights
    clock = FakeClock()
    orders, catalog = Recorder(clock), Recorder(clock)
    scenario(sqlite_store, [job("orders", orders, every=30), job("catalog", catalog, cron="0 2 * * *")],
             lambda _: clock.advance(3600 + 60), clock)
    assert orders.starts[:3] == [0, 30, 60] and len(orders.starts) == 123
    assert catalog.starts == [0, 3600]              # once at start, then at 02:00


def test_a_cron_job_never_run_waits_for_its_time(sqlite_store):
    clock = FakeClock()
    prices = Recorder(clock)

    async def two_days(scheduler: Scheduler) -> None:
        await clock.advance(60)
        assert prices.starts == []
        assert scheduler.next_due[scheduler.jobs[0]] == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
        await clock.advance(2 * 86400)
    scenario(sqlite_store, [job("prices", prices, cron="0 3 * * *")], two_days, clock)
    assert prices.starts == [2 * 3600, 2 * 3600 + 86400]


def test_cron_times_are_local_across_a_change_to_summer_time():
    paris = ZoneInfo("Europe/Paris")
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=paris)      # clocks go forward on Sunday night
    prices = Schedule(cron="0 3 * * *")
    sunday = prices.next_after(saturday)
    assert sunday == datetime(2026, 3, 29, 3, 0, tzinfo=paris) and sunday.utcoffset() == timedelta(hours=2)
    assert prices.next_after(sunday).utcoffset() == timedelta(hours=2)
    stored = datetime(2026, 3, 28, 2, 0, tzinfo=UTC)             # the store keeps UTC
    assert prices.first_due(stored, saturday) == sunday


def test_stop_lets_the_run_in_hand_finish_and_starts_no_other(sqlite_store):
    clock = FakeClock()
    release = asyncio.Event()
    catalog, orders = Recorder(clock, release=release), Recorder(clock)

    async def stop_midway(scheduler: Scheduler) -> None:
        await clock.advance(5)
        stopping = asyncio.create_task(scheduler.stop(grace=30))
        await settle()
        assert not stopping.done() and set(j.name for j in scheduler.running) == {"catalog"}
        release.set()
        await asyncio.wait_for(stopping, 5)
        await clock.advance(60)
    scheduler = scenario(sqlite_store, [job("catalog", catalog, every=10), job("orders", orders, every=10)],
                         stop_midway, clock)
    assert catalog.starts == [0] and orders.starts == [0]
    assert {row["job"]: row["status"] for row in ScheduleLog(sqlite_store).all()} == {"catalog": "ok", "orders": "ok"}
    assert not scheduler.running


def test_a_run_still_going_after_the_grace_period_is_cancelled(sqlite_store):
    clock = FakeClock()
    stuck = Recorder(clock, release=asyncio.Event())        # never released

    async def stop(scheduler: Scheduler) -> None:
        await clock.advance(1)
        await asyncio.wait_for(scheduler.stop(grace=0.01), 5)
    scenario(sqlite_store, [job("catalog", stuck, every=10)], stop, clock)
    [row] = ScheduleLog(sqlite_store).all()
    assert row["status"] == "cancelled" and stuck.active == 0


# --- jobs from the configuration ---------------------------------------------------------------------------

def config_with(tmp_path: Path, flows: str = "", shop_flows: str = ""):
    text = EXAMPLE.read_text(encoding="utf-8")
    if shop_flows:          # the garages shop's own flows, instead of the example's
        text = text.replace("      orders: {every: 2m}\n", shop_flows, 1)
    if flows:
        text = text[:text.index("\nflows:")] + "\nflows:\n" + flows + text[text.index("\n# Who owns"):]
    path = tmp_path / "courroie.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, ENV)


async def _noop(hub, shop, *, dry_run=False) -> None:
    return None


def schedule_table(jobs: list[Job]) -> dict[tuple[str, str], str]:
    return {(j.shop, j.name): str(j.schedule) for j in jobs}


def test_default_jobs_per_flow_and_shop(tmp_path):
    config = config_with(tmp_path)
    flows = {name: _noop for name in ("catalog", "prices", "stock", "orders", "status")}
    jobs = jobs_of(config, None, flows, {"stock": _noop}, {"stock": "orders"})
    table = schedule_table(jobs)
    assert table[("portails", "orders")] == "every 30 s" and table[("garages", "orders")] == "every 120 s"
    assert table[("portails", "stock")] == "every 10 s" and table[("portails", "stock.reconcile")] == "every 3600 s"
    assert table[("garages", "prices")] == "cron 0 3 * * *" and table[("garages", "catalog")] == "cron 0 2 * * *"
    assert len(table) == 2 * 6
    turns = {(j.shop, j.name): j.turn for j in jobs}
    assert turns[("garages", "stock")] == turns[("garages", "stock.reconcile")] == turns[("garages", "orders")]
    assert len(set(turns.values())) == 2 * 4          # orders+stock, status, prices, catalog per shop


def test_a_flow_keeps_the_defaults_it_does_not_name_and_null_means_by_hand(tmp_path):
    config = config_with(tmp_path, flows="  stock: {every: 5s}\n  catalog: null\n  prices: {every: 1h}\n")
    assert config.flows.stock.every == 5 and config.flows.stock.reconcile == 3600
    assert config.flows.prices.cron is None and config.flows.orders.every == 30
    flows = {name: _noop for name in ("catalog", "prices", "stock", "orders", "status")}
    names = {j.name for j in jobs_of(config, None, flows, {"stock": _noop}, {})}
    assert "catalog" not in names and {"stock", "stock.reconcile", "prices"} <= names


def test_a_shop_overrides_the_top_level_rhythm_of_one_flow(tmp_path):
    config = config_with(tmp_path, flows="  stock: {every: 20s, reconcile: 2h}\n",
                         shop_flows="      stock: {every: 1m}\n")
    assert config.schedule_of("portails", "stock").every == 20
    garages = config.schedule_of("garages", "stock")
    assert garages.every == 60 and garages.reconcile == 7200


@pytest.mark.parametrize("flows, message", [
    ("  prices: {cron: \"61 3 * * *\"}\n", "cron is not a cron expression"),
    ("  orders: {every: 30s, cron: \"* * * * *\"}\n", "either every or cron"),
    ("  orders: {every: 0s}\n", "greater than 0"),
])
def test_a_bad_schedule_names_its_line(tmp_path, flows, message):
    with pytest.raises(ConfigError) as error:
        config_with(tmp_path, flows=flows)
    assert message in str(error.value) and "flows" in str(error.value)
