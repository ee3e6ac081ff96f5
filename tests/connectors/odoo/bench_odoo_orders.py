"""Orders imported per second, and calls per order, into the Odoo sandbox at the measured latency.

    .venv/bin/python tests/connectors/odoo/bench_odoo_orders.py [orders] [batch]

The sandbox runs in a thread on a real socket, answering as the measured Odoo 16.0 / 18.0 do
(``latency=1.0``: reads ~16-20 ms, a sale order create ~70 ms + 18 ms per extra order, a confirmation
~90 ms + 65 ms per order, one request at a time like ``workers = 0``). Customers exist already (one per
order, found by e-mail) and reference data is warm, as in steady operation.

- one by one: what the orders flow asks per order — find_sale, known_skus, find_customer, save_customer,
  ensure_address × 2, create_sale, confirm_sale;
- batched: per order the customer part (find_customer, save_customer, ensure_address × 2), then per batch
  ``create_sales(confirm=True)``: one search, one ``create([...])``, one read, one ``action_confirm``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from courroie.connectors.odoo import OdooErp
from courroie.connectors.protocols import SaleDraft
from courroie.model import Customer
from courroie.sandbox.odoo import run_in_thread
from tests.connectors.odoo.odoo_support import make_config, new_sandbox
from tests.connectors.odoo.test_odoo_connector import goods, order


@dataclass
class Result:
    version: str
    mode: str
    orders: int
    seconds: float
    calls: int

    def row(self) -> str:
        return (f"| {self.version} | {self.mode:<21} | {self.orders:>6} | {self.orders / self.seconds:>8.1f} | "
                f"{self.calls / self.orders:>14.2f} | {1000 * self.seconds / self.orders:>12.0f} |")


def orders(count: int, tag: str) -> list:
    skus = [v.code for v in goods()[:3]]
    return [order(f"{tag}{i:04d}", skus=tuple(skus), customer=Customer(
        email=f"bench{i}@example.org", first_name="Bench", last_name=f"Customer {i}")) for i in range(count)]


async def customer_part(erp: OdooErp, sale_order) -> SaleDraft:
    customer = await erp.save_customer(sale_order.customer, await erp.find_customer(sale_order.customer))
    invoice = await erp.ensure_address(customer, sale_order.invoice_address)
    delivery = await erp.ensure_address(customer, sale_order.delivery_address)
    return SaleDraft(sale_order, customer, invoice, delivery)


async def one_by_one(erp: OdooErp, batch: list) -> None:
    for sale_order in batch:
        assert await erp.find_sale(sale_order.erp_reference) is None
        await erp.known_skus([line.sku for line in sale_order.lines])
        draft = await customer_part(erp, sale_order)
        sale = await erp.create_sale(sale_order, draft.customer_key, draft.invoice_address, draft.delivery_address)
        await erp.confirm_sale(sale.key)


async def batched(erp: OdooErp, batch: list, size: int) -> None:
    for start in range(0, len(batch), size):
        drafts = [await customer_part(erp, sale_order) for sale_order in batch[start:start + size]]
        outcomes = await erp.create_sales(drafts, confirm=True)
        assert all(o.sale and o.sale.confirmed for o in outcomes), [o.error for o in outcomes if o.error]


async def measure(version: str, count: int, size: int) -> list[Result]:
    sandbox = new_sandbox(version, products=120, latency=1.0)
    results = []
    with run_in_thread(sandbox) as url:
        erp = OdooErp(make_config(url=str(url)))
        for customer_order in orders(count, "WARM") + orders(count, "WARM2"):   # customers and caches exist
            await customer_part(erp, customer_order)
        await batched(erp, orders(2, "PRIME"), 2)
        for mode, run in (("one by one", lambda b: one_by_one(erp, b)),
                          (f"batched by {size}", lambda b: batched(erp, b, size))):
            batch = orders(count, mode[:3].upper())
            erp.stats.reset()
            started = time.perf_counter()
            await run(batch)
            results.append(Result(version, mode, count, time.perf_counter() - started, erp.stats.calls))
        await erp.aclose()
    return results


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    print("| Odoo | import | orders | orders/s | calls per order | ms per order |")
    print("|---|---|---:|---:|---:|---:|")
    for version in ("16.0", "18.0"):
        for result in asyncio.run(measure(version, count, size)):
            print(result.row(), flush=True)


if __name__ == "__main__":
    main()
