"""`courroie demo`: the whole job on embedded defaults, as a merchant would live it.

A real Tryton ERP (SQLite) with a door and gate automation catalog, two local PrestaShop shops, and
the hub between them, driven through the same configuration file and operations as `courroie sync`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets as random_keys
import shutil
import string
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from courroie.config import load_config
from courroie.engine.hub import Hub
from courroie.interfaces.operations import run_flow, status_report
from courroie.interfaces.present import RichProgress, print_runs
from courroie.sandbox.config import SandboxShop, add_customer_group, write_sandbox_config
from courroie.sandbox.prestashop import SandboxURL, run_in_thread
from courroie.sandbox.tryton import TrytonServer, ensure_template
from courroie.sandbox.tryton.rpc import Rpc
from courroie.store import Store

SHOPS = {"portails": ["TLS", "BDX"], "garages": ["BDX"]}
DATABASE = "courroie_demo"

CUSTOMERS = [
    ("ana.lopez@example.com", "Ana", "López", "12 rue des Lilas", "31000", "Toulouse"),
    ("bruno.martin@example.com", "Bruno", "Martin", "4 cours de l'Intendance", "33000", "Bordeaux"),
    ("chloe.durand@example.com", "Chloé", "Durand", "27 allées Jean Jaurès", "31000", "Toulouse"),
]


def run_demo(workdir: Path, *, products: int, console: Console, serve: bool = False, port: int = 8400) -> None:
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        console.rule("[bold]1. The ERP: a real Tryton 8.2")
        erp = stack.enter_context(_tryton(workdir, products, console))
        console.rule("[bold]2. Two PrestaShop shops")
        shops = {name: stack.enter_context(_shop(workdir, name, console)) for name in SHOPS}
        config = _write_config(workdir, erp, shops)
        console.print(f"configuration: {config}")

        console.rule("[bold]3. Catalog, prices and stock, ERP → shops")
        _flow(config, "catalog", console)
        _flow(config, "prices", console)
        _flow(config, "stock", console)

        console.rule("[bold]4. Customers order on the shops")
        placed = _place_orders(shops, _in_stock(erp, 4), console)

        console.rule("[bold]5. Orders, shops → ERP (each exactly once)")
        _flow(config, "orders", console)
        _flow(config, "orders", console)         # a second pass: nothing is imported twice
        rpc = _rpc(erp)
        _print_sales(rpc, placed, console)

        console.rule("[bold]6. A parcel leaves the Toulouse warehouse")
        shop, order = placed[0]
        rpc.ship(f"{shop}/{order['reference']}", "6A0123456789")
        console.print(f"shipped {shop}/{order['reference']} in Tryton with tracking number 6A0123456789")
        _flow(config, "status", console)
        _flow(config, "stock", console)
        _print_shop_orders(shops, placed, console)

        console.rule("[bold]7. What moved where")
        _print_summary(config, console)
        console.rule("[bold]8. The console")
        password = _console_user(config, workdir)
        sign_in = (f"http://127.0.0.1:{port}/ as [bold]admin[/bold], password [bold]{password}[/bold] (kept in "
                   f"{workdir / 'console-password.txt'})")
        if serve:
            console.print(f"`courroie run` now serves every flow on its schedule and the console: sign in at {sign_in}. "
                          "Ctrl-C stops it all.")
            _serve(config, port)
        else:
            console.print(f"[bold]courroie demo --serve[/bold] ends with the ERP, the shops and `courroie run` still "
                          f"going, and the console at {sign_in}; [bold]courroie status --config {config}[/bold] "
                          "reads the store.")


# --- the systems ------------------------------------------------------------------------------------

@contextmanager
def _tryton(workdir: Path, products: int, console: Console) -> Iterator[TrytonServer]:
    started = time.monotonic()
    with console.status("building or finding the Tryton template database (about a minute the first time)…"):
        template = ensure_template(products)
        server = TrytonServer.start(workdir / "tryton", databases=[DATABASE], template=template)
    console.print(f"Tryton serving database [bold]{DATABASE}[/bold] at {server.url} "
                  f"({time.monotonic() - started:.1f} s)")
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def _shop(workdir: Path, name: str, console: Console) -> Iterator[SandboxURL]:
    key = _key()
    shutil.rmtree(workdir / f"shop-{name}", ignore_errors=True)     # every demo starts with empty shops
    os.environ[_variable(name)] = key
    with run_in_thread(workdir / f"shop-{name}", key, latency=None, shop_name=name) as url:
        console.print(f"PrestaShop [bold]{name}[/bold] at {url}/api/ (realistic latency), stock from "
                      f"{' + '.join(SHOPS[name])}")
        yield url


def _key() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(random_keys.choice(alphabet) for _ in range(32))


def _variable(name: str) -> str:
    return f"PS_{name.upper()}_KEY"


def _write_config(workdir: Path, erp: TrytonServer, shops: dict[str, SandboxURL]) -> Path:
    os.environ["TRYTON_PASSWORD"] = erp.password
    (workdir / "hub.db").unlink(missing_ok=True)
    return write_sandbox_config(
        workdir / "courroie.yaml", store=workdir / "hub.db", erp_url=erp.url, database=DATABASE,
        shops={name: SandboxShop(url, _variable(name), tuple(SHOPS[name]),
                                 add_customer_group(url, os.environ[_variable(name)]))
               for name, url in shops.items()})


def _rpc(erp: TrytonServer) -> Rpc:
    rpc = Rpc(erp.url, DATABASE)
    rpc.login(erp.user, erp.password)
    return rpc


def _console_user(config: Path, workdir: Path) -> str:
    """An admin for the console, with a password of its own kept beside the demo's databases."""
    from courroie.store.console import Users
    users, password = Users(Store(load_config(config).store)), random_keys.token_urlsafe(12)
    users.add("admin", password, "admin")
    (workdir / "console-password.txt").write_text(password + "\n", encoding="utf-8")
    return password


def _serve(config: Path, port: int) -> None:
    from courroie.interfaces.logs import setup_logging
    from courroie.interfaces.service import serve
    setup_logging(logging.INFO, json=False, quiet=True)
    try:
        asyncio.run(serve(load_config(config), host="127.0.0.1", port=port, grace=5))
    except KeyboardInterrupt:
        pass


# --- the job ----------------------------------------------------------------------------------------

def _flow(config: Path, flow: str, console: Console) -> None:
    with RichProgress() as progress:
        hub = Hub.open(load_config(config), progress=progress)
        runs = asyncio.run(run_flow(hub, flow))
    print_runs(runs, title=flow)


def _in_stock(erp: TrytonServer, count: int) -> list[str]:
    """Articles with a few units in both warehouses: sold by both shops, shipped from Toulouse."""
    rpc = _rpc(erp)
    quantities = []
    for warehouse in ("TLS", "BDX"):
        [location] = rpc.search_read("stock.location", [("code", "=", warehouse)], ["id"])
        rows = rpc.search_read("product.product", [("type", "=", "goods"), ("code", "!=", None)],
                               ["code", "forecast_quantity"], locations=[location["id"]])
        quantities.append({row["code"] for row in rows if row["forecast_quantity"] >= 5})
    return sorted(set.intersection(*quantities))[:count]


def _place_orders(shops: dict[str, SandboxURL], skus: list[str], console: Console) -> list[tuple[str, dict]]:
    baskets = [("portails", CUSTOMERS[0], [(skus[0], 1), (skus[1], 2)]),
               ("portails", CUSTOMERS[1], [(skus[2], 1)]),
               ("garages", CUSTOMERS[2], [(skus[3], 1)]),
               ("garages", CUSTOMERS[0], [(skus[0], 1)])]
    table = Table("shop", "order", "customer", "lines", "total paid", title="orders placed by customers")
    placed = []
    for shop, (email, first, last, street, postcode, city), lines in baskets:
        body = {"customer": {"email": email, "firstname": first, "lastname": last},
                "address": {"address1": street, "postcode": postcode, "city": city, "country": "FR"},
                "lines": [{"reference": sku, "quantity": quantity} for sku, quantity in lines]}
        order = httpx.post(f"{shops[shop]}/storefront/orders", json=body, timeout=60).raise_for_status().json()
        placed.append((shop, order))
        table.add_row(shop, order["reference"], email, ", ".join(f"{q} × {s}" for s, q in lines),
                      f"{Decimal(order['total_paid']):.2f} €")
    console.print(table)
    return placed


def _print_sales(rpc: Rpc, placed: list[tuple[str, dict]], console: Console) -> None:
    table = Table("shop order", "ERP sale", "state", "total (tax incl.)", title="in the ERP")
    for shop, order in placed:
        reference = f"{shop}/{order['reference']}"
        for sale in rpc.search_read("sale.sale", [("reference", "=", reference)], ["number", "state", "total_amount"]):
            table.add_row(reference, sale["number"], sale["state"], f"{sale['total_amount']} €")
    console.print(table)


def _print_shop_orders(shops: dict[str, SandboxURL], placed: list[tuple[str, dict]], console: Console) -> None:
    table = Table("shop", "order", "state in the shop", "tracking number", title="what the shops now show")
    for shop, order in placed:
        api = httpx.Client(base_url=shops[shop].api, auth=(os.environ[_variable(shop)], ""),
                           params={"output_format": "JSON"}, timeout=30)
        with api:
            state = api.get(f"/orders/{order['order_id']}").json()["order"]["current_state"]
            name = api.get(f"/order_states/{state}").json()["order_state"]["name"]
            carriers = api.get("/order_carriers", params={"filter[id_order]": order["order_id"],
                                                          "display": "[tracking_number]"}).json()
        label = name[0]["value"] if isinstance(name, list) else name
        tracking = (carriers or {}).get("order_carriers", [{}])[0].get("tracking_number") or ""
        table.add_row(shop, order["reference"], label, tracking)
    console.print(table)


def _print_summary(config: Path, console: Console) -> None:
    hub = Hub.open(load_config(config))
    report = status_report(hub)
    print_runs(report["runs"], title="last run of every flow", lag=True)
    table = Table("connection", "records created", "updated", "imported", "status sent", "blocked",
                  title="journal totals")
    totals: dict[str, dict[str, int]] = {}
    for row in hub.journal.history(limit=100_000):
        totals.setdefault(row["connection"], {}).setdefault(row["action"], 0)
        totals[row["connection"]][row["action"]] += 1
    for connection, counts in sorted(totals.items()):
        table.add_row(connection, *(str(counts.get(k, 0)) for k in ("created", "updated", "imported", "status_sent",
                                                                    "blocked")))
    console.print(table)
    console.print(f"blocked records waiting for a person: [bold]{report['blocked']}[/bold]")
