"""Orders, shop → Odoo, through the orders flow: the Odoo double at the latency measured on a real Odoo
(``latency=1.0``: reads ~16-20 ms, a sale create ~70 ms + 18 ms per extra order, a confirmation ~90 ms
+ 65 ms per order, one request at a time like ``workers = 0``), a PrestaShop sandbox at no latency (the
ERP is what is measured). Orders per second and ERP calls per order, one order per call (batches of 1)
against batches of 40, for Odoo 16 (XML-RPC) and 18 (JSON-RPC), once warm: every customer has ordered
before (steady operation)."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from courroie.config import load_config
from courroie.connectors.protocols import StockUpdate
from courroie.engine.hub import Hub
from courroie.flows import orders as orders_flow
from courroie.interfaces.operations import run_flow
from courroie.sandbox.config import add_customer_group
from courroie.sandbox.odoo import OdooSandbox, seed
from courroie.sandbox.odoo import run_in_thread as odoo_in_thread
from courroie.sandbox.prestashop import run_in_thread as shop_in_thread

KEY = "O" * 32
PRODUCTS = 120
CUSTOMERS = 20     # returning customers, each known to Odoo before the measure
CONFIG = """\
store: sqlite:///{store}
erp: {{type: odoo, url: {odoo}, database: odoo, user: admin, password: {password}, protocol: {protocol},
      languages: [en_US, fr_FR], warehouses: [TLS, BDX], sale_warehouse: TLS, payment_journal: Bank, timeout: 30,
      carriers: {{"My carrier": Colissimo}}}}
shops:
  - {{name: shop, type: prestashop, url: {shop}, key: {key}, customer_groups: {{"Tarif pro": {b2b}}},
      tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}, stock: {{locations: [TLS, BDX]}}}}
"""


def odoo_orders_benchmark(orders: int = 200) -> tuple[str, list[dict]]:
    rows = [_measure(version, protocol, orders, batch)
            for version, protocol in (("16.0", "xmlrpc"), ("18.0", "jsonrpc")) for batch in (1, orders_flow.BATCH)]
    return f"Odoo double at measured latency, {PRODUCTS} products, orders of 1–3 lines", rows


def _measure(version: str, protocol: str, count: int, batch: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix="courroie-bench-odoo-"))
    sandbox = OdooSandbox(version, modules=("sale_management", "stock", "delivery"), latency=1.0)
    seed.door_and_gate(sandbox.server, PRODUCTS)
    with ExitStack() as stack:
        odoo = stack.enter_context(odoo_in_thread(sandbox))
        shop = stack.enter_context(shop_in_thread(root / "shop", KEY, latency=0))
        config = root / "courroie.yaml"
        config.write_text(CONFIG.format(store=root / "hub.db", odoo=odoo, password=seed.ADMIN_PASSWORD,
                                        protocol=protocol, shop=shop, key=KEY, b2b=add_customer_group(shop, KEY)))
        hub = lambda: Hub.open(load_config(config))      # noqa: E731 — a fresh hub per run, as the CLI opens one
        asyncio.run(run_flow(hub(), "catalog"))
        asyncio.run(_plenty_of_stock(hub()))
        skus = _sellable(shop)
        rng = random.Random(11)
        for n in range(CUSTOMERS):                        # warm: every customer ordered once already
            _place(shop, rng, skus, n)
        asyncio.run(run_flow(hub(), "orders"))
        for n in range(count):
            _place(shop, rng, skus, n)
        sandbox.counters.reset()
        orders_flow.BATCH, saved = batch, orders_flow.BATCH
        try:
            started = time.perf_counter()
            runs = asyncio.run(run_flow(hub(), "orders"))
            wall = time.perf_counter() - started
        finally:
            orders_flow.BATCH = saved
    imported = sum(r["counts"].get("imported", 0) for r in runs)
    busiest = ", ".join(f"{call} {n / max(imported, 1):.1f}" for call, n in sandbox.counters.calls.most_common(4))
    return {"Odoo": f"{version} ({protocol})", "batch": batch, "orders": count, "imported": imported,
            "wall s": wall, "orders/s": imported / wall, "ERP calls/order": sandbox.counters.total / max(imported, 1),
            "most calls per order": busiest}


def _sellable(shop) -> list[str]:
    """Simple products (no combinations, no kits) of the shop."""
    def read(resource: str, **filters: str) -> list[dict]:
        params = {"output_format": "JSON", "display": "full", **{f"filter[{k}]": v for k, v in filters.items()}}
        answer = httpx.get(f"{shop}/api/{resource}", auth=(KEY, ""), params=params, timeout=30).json()
        return answer.get(resource, []) if isinstance(answer, dict) else []
    with_combinations = {str(row["id_product"]) for row in read("combinations")}
    return [p["reference"] for p in read("products", active="1")
            if str(p["id"]) not in with_combinations and p["reference"] and not p["reference"].startswith("KIT")][:30]


async def _plenty_of_stock(hub: Hub) -> None:
    """The shop may sell every article as often as the benchmark orders it (stock is not measured here)."""
    placed = [b.external_id for b in hub.bindings("shop", "variant").all().values() if b.external_id]
    async with hub:
        await hub.shops["shop"].write_stock([StockUpdate(*where.split("/"), 100_000) for where in placed])


def _place(shop, rng: random.Random, skus: list[str], n: int) -> None:
    customer = n % CUSTOMERS
    body = {"customer": {"email": f"client{customer}@example.com", "firstname": "Client", "lastname": f"Number {chr(65 + customer % 26)}"},
            "address": {"address1": f"{customer} rue des Lilas", "postcode": "31000", "city": "Toulouse",
                        "country": "FR", "phone": "0561000000"},
            "lines": [{"reference": sku, "quantity": 1} for sku in rng.sample(skus, rng.randint(1, 3))], "paid": True}
    response = httpx.post(f"{shop}/storefront/orders", json=body, timeout=30)
    if response.status_code >= 400:
        raise RuntimeError(f"the shop refused a benchmark order: {response.text}")
