"""`courroie run`: every flow on its own rhythm, for every shop, until told to stop.

One process holds the store (``engine.lock``), runs the scheduler and serves /healthz and /metrics
on the same event loop. SIGTERM or SIGINT: no new run starts, runs in hand get ``grace`` seconds to
end, then are cancelled at their next await; a second signal cancels them at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from courroie.config import HubConfig
from courroie.engine.hub import Hub
from courroie.engine.lock import instance_lock
from courroie.engine.runs import FlowRun
from courroie.engine.scheduler import Clock, Job, Scheduler, jobs_of
from courroie.flows.registry import FLOWS, RECONCILE, TURNS
from courroie.interfaces.api import create_app
from courroie.interfaces.metrics import Metrics
from courroie.store import Store
from courroie.store.schedules import ScheduleLog

log = logging.getLogger("courroie.service")
EXIT_LOCKED = 3          # another `courroie run` holds the store
EXIT_PORT = 4            # the HTTP address is taken


class PortTaken(Exception):
    pass


@dataclass
class Service:
    hub: Hub
    scheduler: Scheduler
    metrics: Metrics


def build(config: HubConfig, store: Store, *, clock: Clock | None = None, **hub_options) -> Service:
    hub = Hub.open(config, store=store, shared=True, **hub_options)
    metrics = Metrics(hub)
    hub.observers += [metrics.observe, _logged, hub.flow_runs.remove]    # a service keeps no run in memory

    def crashed(job: Job, _error: BaseException) -> None:
        metrics.crashed(job.name, job.shop)

    jobs = jobs_of(config, hub, FLOWS, RECONCILE, TURNS)
    return Service(hub, Scheduler(jobs, ScheduleLog(store), clock=clock, on_crash=crashed), metrics)


def _logged(run: FlowRun) -> None:
    log.info("%s %s: %s", run.flow, run.connection, run.status, extra={
        "flow": run.flow, "connection": run.connection, "status": run.status, "counts": dict(run.counts),
        "duration": round(run.duration or 0, 3), "run_id": run.run_id, **({"reason": run.message} if run.message else {})})


async def serve(config: HubConfig, *, host: str, port: int, grace: float) -> None:
    """Run until a signal; raises ``AlreadyRunning`` or ``PortTaken`` before starting anything."""
    store = Store(config.store)
    try:
        with instance_lock(store), _bound(host, port) as sock:
            service = build(config, store)
            log.info("courroie run: %d jobs; http://%s:%d/healthz and /metrics", len(service.scheduler.jobs),
                     host, sock.getsockname()[1])
            await _run(service, sock, grace)
    finally:
        store.dispose()


@contextmanager
def _bound(host: str, port: int) -> Iterator[socket.socket]:
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as error:
        raise PortTaken(f"cannot serve on {host}:{port}: {error.strerror}; choose another with --host/--port") from None
    with sock:
        yield sock


async def _run(service: Service, sock: socket.socket, grace: float) -> None:
    scheduler, loop = service.scheduler, asyncio.get_running_loop()
    server = _Server(uvicorn.Config(create_app(service), log_config=None, access_log=False, lifespan="off"))
    web = asyncio.create_task(server.serve(sockets=[sock]), name="http")
    stops: list[asyncio.Task] = []

    def stop(reason: str) -> None:
        log.info("%s: stopping%s", reason, " now" if stops else f" (grace {grace:g} s)")
        stops.append(asyncio.create_task(scheduler.stop(0 if stops else grace)))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig.name)
    web.add_done_callback(lambda _: None if scheduler.stopping else stop("the HTTP server ended"))
    try:
        await scheduler.run()
        await asyncio.gather(*stops)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        server.should_exit = True
        await web
        await service.hub.aclose()
    log.info("courroie run stopped")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service decides how it stops."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
