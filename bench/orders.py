"""Orders, shop → real Tryton: 1,000 orders of about 3 lines placed in a PrestaShop sandbox, imported in
one run (orders per second, ERP calls per order); then orders placed one by one while the hub polls
every 10 seconds, as `courroie run` would (time from "order placed" to "ERP sale order exists")."""

from __future__ import annotations

import asyncio
import random
import statistics
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from bench.systems import Systems, systems
from courroie.connectors.protocols import StockUpdate
from courroie.interfaces.operations import run_flow

CUSTOMERS = 150            # returning customers: most orders find theirs in the ERP
POLL_SECONDS = 10


def orders_benchmark(orders: int = 1000, *, live_orders: int = 60, rate_per_s: float = 1.0) -> tuple[str, list[dict]]:
    rows = []
    with systems(200, 1, shape=None) as bench:
        asyncio.run(run_flow(bench.hub(), "catalog"))
        skus = asyncio.run(_plenty_of_stock(bench))
        rng = random.Random(7)
        placed = [_place(bench, rng, skus, n) for n in range(orders)]
        rows.append(_batch_import(bench, len(placed)))
        rows.append(_polled(bench, rng, skus, live_orders, rate_per_s))
    return f"{bench.catalog}; orders of 1–5 lines (3 on average), {CUSTOMERS} customers", rows


def _batch_import(bench: Systems, placed: int) -> dict:
    with erp_calls(bench) as calls:
        started = time.perf_counter()
        runs = asyncio.run(run_flow(bench.hub(), "orders"))
        wall = time.perf_counter() - started
    counts = Counter()
    for run in runs:
        counts.update(run["counts"])
    imported = counts.get("imported", 0)
    why = Counter(entry["reason"][:70] for entry in bench.hub().blocked.list())
    return {"phase": f"{placed:,} orders waiting, one run", "imported": imported,
            "blocked": counts.get("blocked", 0), "wall s": wall, "orders/s": imported / wall,
            "ERP calls": calls.total, "calls/order": calls.total / max(imported, 1),
            "blocked because": "; ".join(f"{n} × {reason}" for reason, n in why.most_common(3))}


def _polled(bench: Systems, rng: random.Random, skus: list[str], count: int, rate: float) -> dict:
    """Orders placed one by one while a poller runs the orders flow every POLL_SECONDS."""
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            asyncio.run(run_flow(bench.hub(), "orders"))
            stop.wait(POLL_SECONDS)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    placed_at = {}
    for n in range(count):
        reference = _place(bench, rng, skus, 100_000 + n)
        placed_at[reference] = datetime.now(UTC)
        time.sleep(rng.expovariate(rate))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_imported_at(bench, placed_at)) < count:
        time.sleep(1)
    stop.set()
    poller.join()
    imported = _imported_at(bench, placed_at)
    delays = sorted((imported[ref] - placed_at[ref]).total_seconds() for ref in imported)
    return {"phase": f"{count} orders placed live (~{rate:g}/s), polled every {POLL_SECONDS} s",
            "imported": len(delays), "placed → ERP sale p50 s": statistics.median(delays),
            "p95 s": delays[int(0.95 * (len(delays) - 1))], "max s": delays[-1]}


def _imported_at(bench: Systems, placed_at: dict[str, datetime]) -> dict[str, datetime]:
    """Reference → when the ERP sale existed (the journal's "imported" entry)."""
    hub = bench.hub()
    found = {}
    for row in hub.journal.history(flow="orders", limit=1_000_000):
        reference = (row["record"] or "/").split("/", 1)[1]
        if row["action"] == "imported" and reference in placed_at:
            found[reference] = row["at"]
    return found


def _place(bench: Systems, rng: random.Random, skus: list[str], n: int) -> str:
    customer = rng.randrange(CUSTOMERS)
    lines = {rng.choice(skus): rng.randint(1, 2) for _ in range(rng.choice((1, 2, 3, 3, 4, 5)))}
    body = {"customer": {"email": f"client{customer}@example.com", "firstname": "Client", "lastname": f"Number {chr(65 + customer % 26)}"},
            "address": {"address1": f"{customer} rue des Lilas", "postcode": "31000", "city": "Toulouse",
                        "country": "FR", "phone": "0561000000"},
            "lines": [{"reference": sku, "quantity": qty} for sku, qty in lines.items()], "paid": True}
    shop = next(iter(bench.shops.values()))
    response = httpx.post(f"{shop.url}/storefront/orders", json=body, timeout=30)
    if response.status_code >= 400:
        raise RuntimeError(f"the shop refused a benchmark order: {response.text}")
    return response.json()["reference"]


async def _plenty_of_stock(bench: Systems) -> list[str]:
    """Every published article gets enough stock in the shop for the whole benchmark; returns their SKUs."""
    hub = bench.hub()
    placed = {sku: b.external_id for sku, b in hub.bindings("shop1", "variant").all().items() if b.external_id}
    updates = [StockUpdate(*where.split("/"), 100_000) for where in placed.values()]   # "product/combination"
    async with hub:
        await hub.shops["shop1"].write_stock(updates)
    return sorted(sku for sku in placed if not sku.startswith("KIT-"))   # packs draw on their components


class _Calls:
    total = 0


@contextmanager
def erp_calls(bench: Systems):
    """Count the HTTP requests the hub makes to the ERP (every JSON-RPC call is one)."""
    calls, original = _Calls(), httpx.AsyncClient.send
    erp = bench.erp.url.rstrip("/")

    async def counting(self, request, *args, **kwargs):
        if str(request.url).startswith(erp):
            calls.total += 1
        return await original(self, request, *args, **kwargs)

    httpx.AsyncClient.send = counting
    try:
        yield calls
    finally:
        httpx.AsyncClient.send = original
