"""Prometheus metrics of `courroie run`.

Counters and the duration histogram count the runs this service made (as Prometheus counters do: from
its start); lag, blocked records, connection health and the inbox are read from the store at each
scrape, so they also reflect `courroie sync` runs made beside the service.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from courroie.engine.runs import FlowRun
from courroie.store.db import utcnow

log = logging.getLogger("courroie.metrics")
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, float("inf"))


class Metrics:
    def __init__(self, hub) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter("courroie_runs", "Flow runs made by the service, by how they ended",
                            ["flow", "connection", "status"], registry=self.registry)
        self.records = Counter("courroie_records", "Records gone through runs, by what happened to them",
                               ["flow", "connection", "action"], registry=self.registry)
        self.errors = Counter("courroie_errors", "Failed runs, and scheduled jobs that crashed outside a run",
                              ["flow", "connection", "kind"], registry=self.registry)
        self.duration = Histogram("courroie_run_duration_seconds", "How long flow runs took",
                                  ["flow", "connection"], buckets=DURATION_BUCKETS, registry=self.registry)
        self.registry.register(StoreCollector(hub))

    def observe(self, run: FlowRun) -> None:
        self.runs.labels(run.flow, run.connection, run.status).inc()
        for action, count in run.counts.items():
            self.records.labels(run.flow, run.connection, action).inc(count)
        if run.status == "failed":
            self.errors.labels(run.flow, run.connection, "run_failed").inc()
        if run.duration is not None:
            self.duration.labels(run.flow, run.connection).observe(run.duration)

    def crashed(self, flow: str, shop: str) -> None:
        self.errors.labels(flow, shop, "job_crashed").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class StoreCollector(Collector):
    """Gauges read from the store when Prometheus scrapes."""

    def __init__(self, hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("courroie_store_up", "1 when the store answered this scrape")
        try:
            gauges = list(self._gauges())
        except Exception as error:                # a scrape must answer even when the store does not
            log.warning("metrics: the store did not answer: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from gauges

    def _gauges(self) -> Iterator[Metric]:
        now = utcnow()
        lag = GaugeMetricFamily("courroie_lag_seconds", "Seconds since the last successful run",
                                labels=["flow", "connection"])
        for (connection, flow), at in sorted(self.hub.runs.last_successes().items()):
            lag.add_metric([flow, connection], (now - at).total_seconds())
        yield lag
        blocked = GaugeMetricFamily("courroie_blocked", "Records blocked, waiting for a person",
                                    labels=["flow", "connection"])
        for (connection, flow), count in sorted(self.hub.blocked.open_by_flow().items()):
            blocked.add_metric([flow, connection], count)
        yield blocked
        healthy = GaugeMetricFamily("courroie_connection_up", "1 when the connection's last run reached it",
                                    labels=["connection"])
        for name, row in sorted(self.hub.health.all().items()):
            healthy.add_metric([name], 1 if row["status"] == "ok" else 0)
        yield healthy
        inbox = GaugeMetricFamily("courroie_inbox_orders", "Shop orders in the inbox, by state",
                                  labels=["shop", "state"])
        for (shop, state), count in sorted(self.hub.inbox.counts().items()):
            inbox.add_metric([shop, state], count)
        yield inbox
