"""`courroie run`: /healthz and /metrics in process, JSON logs with secrets masked; then the real service
as a child process on the Odoo double and two PrestaShop sandboxes: it imports an order placed in a shop
within its interval, lets `courroie sync` run beside it, refuses a second instance, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from courroie import secrets
from courroie.config import load_config
from courroie.engine.runs import FlowRun
from courroie.interfaces.api import create_app
from courroie.interfaces.logs import RedactingJsonFormatter
from courroie.interfaces.service import EXIT_LOCKED, PortTaken, Service, build, serve
from courroie.store import Store
from courroie.store.schedules import ScheduleLog

EXAMPLE = Path(__file__).parents[2] / "src" / "courroie" / "templates" / "courroie.example.yaml"
ENV = {"TRYTON_PASSWORD": "tryton-secret-pw", "PS_PORTAILS_KEY": "K" * 32, "PS_GARAGES_KEY": "G" * 32}


def example_service(tmp_path: Path, store: Store | None = None) -> Service:
    path = tmp_path / "courroie.yaml"
    path.write_text(EXAMPLE.read_text().replace("sqlite:///var/courroie.db", f"sqlite:///{tmp_path / 'hub.db'}"))
    config = load_config(path, ENV)
    return build(config, store or Store(config.store))


@pytest.fixture
def service(tmp_path) -> Iterator[Service]:
    service = example_service(tmp_path)
    yield service
    service.hub.store.dispose()


def test_healthz_reports_each_connection_the_last_runs_and_the_schedule(service):
    hub = service.hub
    run = hub.runs.start("orders", "portails")
    hub.runs.finish(run, "ok", {"imported": 2})
    hub.health.mark("portails", ok=True)
    hub.health.mark("garages", ok=False, message="401: the webservice key was refused")
    report = TestClient(create_app(service)).get("/healthz")
    assert report.status_code == 200
    body = report.json()
    assert body["status"] == "degraded" and body["failing"] == ["garages"] and body["store"] == "ok"
    assert body["connections"]["garages"]["message"].startswith("401")
    [last] = body["runs"]
    assert last["flow"] == "orders" and last["status"] == "ok" and 0 <= last["lag"] < 60
    jobs = {(job["shop"], job["job"]): job for job in body["jobs"]}
    assert jobs[("portails", "stock.reconcile")]["schedule"] == "every 3600 s"
    assert jobs[("garages", "catalog")]["schedule"] == "cron 0 2 * * *" and not jobs[("garages", "catalog")]["running"]


def test_metrics_count_runs_records_errors_and_durations_and_read_lag_from_the_store(service):
    hub = service.hub
    run = hub.runs.start("stock", "portails")
    hub.runs.finish(run, "ok", {})
    hub.blocked.add(connection="garages", flow="catalog", record="MOT-1", reason="invalid EAN13")
    hub.health.mark("garages", ok=False, message="down")
    service.metrics.observe(FlowRun(hub, "orders", "portails", status="ok", counts=Counter(imported=2, seen=3),
                                    duration=0.3))
    service.metrics.observe(FlowRun(hub, "orders", "garages", status="failed", duration=12))
    service.metrics.crashed("status", "garages")
    text = TestClient(create_app(service)).get("/metrics").text
    for line in ('courroie_runs_total{connection="portails",flow="orders",status="ok"} 1.0',
                 'courroie_records_total{action="imported",connection="portails",flow="orders"} 2.0',
                 'courroie_errors_total{connection="garages",flow="orders",kind="run_failed"} 1.0',
                 'courroie_errors_total{connection="garages",flow="status",kind="job_crashed"} 1.0',
                 'courroie_run_duration_seconds_bucket{connection="portails",flow="orders",le="0.5"} 1.0',
                 'courroie_run_duration_seconds_bucket{connection="garages",flow="orders",le="10.0"} 0.0',
                 'courroie_blocked{connection="garages",flow="catalog"} 1.0',
                 'courroie_connection_up{connection="garages"} 0.0',
                 'courroie_store_up 1.0'):
        assert line in text, line
    assert 'courroie_lag_seconds{connection="portails",flow="stock"}' in text


def test_an_unreachable_store_makes_healthz_answer_503_and_metrics_say_so(tmp_path):
    service = example_service(tmp_path, Store("postgresql://courroie:pw@127.0.0.1:9/none", auto_migrate=False))
    client = TestClient(create_app(service))
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json()["status"] == "store unreachable"
    assert ":pw@" not in down.text
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "courroie_store_up 0.0" in metrics.text


def test_a_taken_port_is_named_before_anything_runs(tmp_path):
    config = example_service(tmp_path).hub.config
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortTaken, match=f"cannot serve on 127.0.0.1:{port}.*--host/--port"):
            asyncio.run(serve(config, host="127.0.0.1", port=port, grace=1))
    assert ScheduleLog(Store(config.store)).all() == []


def test_json_logs_mask_secrets_in_the_message_the_extras_and_the_traceback():
    secret = "S3cr3t-" + "x" * 25
    secrets.register(secret)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingJsonFormatter())
    logger = logging.getLogger("courroie.test.logs")
    logger.addHandler(handler)
    try:
        logger.warning("key %s refused", secret, extra={"flow": "orders", "details": {"key": secret}})
        try:
            raise RuntimeError(f"bad key {secret}")
        except RuntimeError:
            logger.exception("run failed")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert secret not in stream.getvalue()
    assert lines[0]["message"] == f"key {secrets.MASK} refused" and lines[0]["details"] == {"key": secrets.MASK}
    assert lines[0]["level"] == "WARNING" and lines[0]["flow"] == "orders" and "timestamp" in lines[0]
    assert secrets.MASK in lines[1]["exc_info"]


# --- the real service ---------------------------------------------------------------------------------------

N_PRODUCTS = 40
CONFIG = """\
store: sqlite:///{store}
erp:
  type: odoo
  url: {odoo}
  database: odoo
  user: admin
  password: ${{ODOO_PASSWORD}}
  protocol: jsonrpc
  languages: [en_US, fr_FR]
  warehouses: [TLS, BDX]
  sale_warehouse: TLS
  carriers: {{"My carrier": Colissimo}}
  payment_journal: Bank
  timeout: 10
shops:
{shops}
flows:
  orders: {{every: 1s}}
  stock: {{every: 2s, reconcile: 5s}}
  status: {{every: 2s}}
  prices: null
  catalog: null
"""
SHOP = """\
  - name: {name}
    type: prestashop
    url: {url}
    key: ${{{variable}}}
    timeout: 5
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}
    carriers: {{"Colissimo": 2}}
    stock: {{locations: [BDX]}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Running:
    """`courroie run` as a child process; its stderr (the JSON logs) in a file."""

    def __init__(self, env, port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process = self.start(port, log)

    def start(self, port: int, log: Path) -> subprocess.Popen:
        variables = {**os.environ, **self.env.environ}
        variables.pop("COURROIE_FAILPOINT", None)
        with open(log, "w") as sink:
            return subprocess.Popen([sys.executable, "-m", "courroie", "run", "--port", str(port), "--grace", "20",
                                     "--config", str(self.env.config)], env=variables, stdout=sink, stderr=sink)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)

    def wait_ready(self, timeout: float = 60) -> None:
        until(lambda: self._answers(), timeout, f"/healthz never answered:\n{self.log.read_text()}")

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return self.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False


def until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def odoo_shops(tmp_path_factory):
    from courroie.sandbox.odoo import OdooSandbox, seed
    from courroie.sandbox.odoo import run_in_thread as odoo_in_thread
    from courroie.sandbox.prestashop import run_in_thread as shop_in_thread
    from tests.fixtures.hub import KEYS, Env

    root = tmp_path_factory.mktemp("service")
    sandbox = OdooSandbox("18.0", modules=("sale_management", "stock", "delivery"))
    seed.door_and_gate(sandbox.server, N_PRODUCTS)
    variables = {name: f"KEY_{name.upper().replace('-', '_')}" for name in KEYS}
    with ExitStack() as stack:
        odoo = stack.enter_context(odoo_in_thread(sandbox))
        shops = {name: stack.enter_context(shop_in_thread(root / name, key, latency=0)) for name, key in KEYS.items()}
        config = root / "courroie.yaml"
        config.write_text(CONFIG.format(store=root / "hub.db", odoo=odoo, shops="".join(
            SHOP.format(name=name, url=url, variable=variables[name]) for name, url in shops.items())))
        environ = {"ODOO_PASSWORD": seed.ADMIN_PASSWORD, **{variables[name]: key for name, key in KEYS.items()}}
        env = Env(config, environ, shops, odoo)       # type: ignore[arg-type]
        runs = env.run("catalog")                     # the products the customers will order
        assert {run["status"] for run in runs.values()} == {"ok"}, runs
        yield env


@pytest.fixture(scope="module")
def running(odoo_shops, tmp_path_factory) -> Iterator[Running]:
    service = Running(odoo_shops, _free_port(), tmp_path_factory.mktemp("logs") / "service.log")
    service.wait_ready()
    yield service
    if service.process.poll() is None:
        service.process.kill()
        service.process.wait()


def _odoo_sales(env, reference: str) -> list:
    proxy = xmlrpc.client.ServerProxy(f"{env.erp}/xmlrpc/2/object")
    from courroie.sandbox.odoo import seed
    return proxy.execute_kw("odoo", 2, seed.ADMIN_PASSWORD, "sale.order", "search_read",
                            [[("client_order_ref", "=", reference)]], {"fields": ["state"]})


def _in_stock_sku(env) -> str:
    with env.ws("shop-a") as ws:
        rows = ws.get("/stock_availables", params={"display": "[id_product,id_product_attribute,quantity]",
                                                    "filter[id_product_attribute]": "0"}).json()["stock_availables"]
        product = next(int(row["id_product"]) for row in rows if int(row["quantity"]) >= 3)
        return ws.get(f"/products/{product}").json()["product"]["reference"]



@pytest.mark.slow
@pytest.mark.odoo
def test_the_service_serves_health_and_metrics_and_schedules_every_flow(running):
    until(lambda: any(job["job"] == "stock" for job in running.get("/healthz").json()["jobs"]), 10, "no jobs")
    until(lambda: 'flow="stock",status="ok"' in running.get("/metrics").text, 30, running.log.read_text())
    health = running.get("/healthz").json()
    assert health["status"] == "ok", health
    jobs = {(job["shop"], job["job"]) for job in health["jobs"]}
    assert jobs == {(shop, job) for shop in ("shop-a", "shop-b")
                    for job in ("orders", "stock", "stock.reconcile", "status")}
    metrics = running.get("/metrics").text
    assert 'courroie_lag_seconds{connection="shop-a",flow="stock"}' in metrics
    assert "courroie_run_duration_seconds_bucket" in metrics


@pytest.mark.slow
@pytest.mark.odoo
def test_an_order_placed_in_a_shop_is_imported_by_the_service_within_its_interval(running, odoo_shops):
    order = odoo_shops.place_order("shop-a", [(_in_stock_sku(odoo_shops), 1)])
    placed = time.monotonic()
    until(lambda: _odoo_sales(odoo_shops, f"shop-a/{order['reference']}"), 15, running.log.read_text())
    assert time.monotonic() - placed < 15
    assert 'courroie_records_total{action="imported",connection="shop-a",flow="orders"} 1.0' in running.get("/metrics").text


@pytest.mark.slow
@pytest.mark.odoo
def test_sync_runs_beside_the_service_and_a_second_service_is_refused(running, odoo_shops, tmp_path):
    assert odoo_shops.cli("sync", "stock").returncode == 0
    second = Running(odoo_shops, _free_port(), tmp_path / "second.log")
    assert second.process.wait(timeout=60) == EXIT_LOCKED
    assert "another `courroie run` holds the store" in second.log.read_text()


@pytest.mark.slow
@pytest.mark.odoo
def test_sigterm_stops_the_service_cleanly_and_logs_are_json_without_secrets(running, odoo_shops):
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=60) == 0, running.log.read_text()
    lines = [json.loads(line) for line in running.log.read_text().splitlines() if line.strip()]
    assert any(line["message"] == "courroie run stopped" for line in lines)
    assert any(line.get("flow") == "orders" and line.get("status") == "ok" for line in lines)
    text = running.log.read_text()
    assert all(key not in text for key in odoo_shops.environ.values())
    assert "running" not in {row["status"] for row in _schedule_rows(odoo_shops)}


def _schedule_rows(env) -> list[dict]:
    store = Store(load_config(env.config, env.environ).store)
    try:
        return ScheduleLog(store).all()
    finally:
        store.dispose()
