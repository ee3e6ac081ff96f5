"""The store stock lookup, `GET /api/v1/stock/SKU?store=CODE`, under a steady load.

The hub's stock cache holds 10,000 articles × 6 locations (4 of them physical stores), as the stock flow
leaves it. The endpoint of `courroie run` (``interfaces.api.store_stock_answer``, the same function) is
served by uvicorn in a process of its own; a second process sends requests at a fixed rate (open loop:
each request leaves at its planned moment whether or not the previous ones have answered, so a slow
server shows as latency, not as a lower rate) for random articles and stores, with the API key.
Latency is measured by the sender, from sending to the whole answer read: p50, p95, p99, max.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

ARTICLES, STORES, WAREHOUSES = 10_000, ["STORE-TLS", "STORE-BDX", "STORE-MRS", "STORE-NTE"], ["TLS", "BDX"]
KEY = "bench-api-key-" + "k" * 26


def stock_api_benchmark(rates: tuple[int, ...] = (200, 400), seconds: float = 15) -> tuple[str, list[dict]]:
    with tempfile.TemporaryDirectory(prefix="courroie-bench-api-") as work:
        url = f"sqlite:///{Path(work) / 'hub.db'}"
        _fill(url)
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "bench.stock_api", url, str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_ready(port)
            rows = [_load(port, rate, seconds) for rate in rates]
        finally:
            server.terminate()
            server.wait(10)
    return f"stock cache of {ARTICLES:,} articles × {len(STORES) + len(WAREHOUSES)} locations (SQLite)", rows


def _fill(url: str) -> None:
    from courroie.model import StockLevel
    from courroie.store import Store
    from courroie.store.stock import StockCache
    store = Store(url)
    rng = random.Random(7)
    locations = STORES + WAREHOUSES
    levels = [StockLevel(sku=f"ART-{n:05d}", location=location, quantity=Decimal(rng.randint(-2, 40)))
              for n in range(ARTICLES) for location in locations]
    cache = StockCache(store)
    cache.apply(levels, locations, complete=True)
    cache.mark_read(locations, datetime.now(UTC), full=True)
    store.dispose()


def _load(port: int, rate: int, seconds: float) -> dict:
    latencies, statuses = asyncio.run(_send(port, rate, seconds))
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000
    return {"rate req/s": rate, "requests": len(latencies), "ok": statuses.count(200),
            "p50 ms": pct(0.50), "p95 ms": pct(0.95), "p99 ms": pct(0.99), "max ms": ordered[-1] * 1000,
            "mean ms": statistics.fmean(ordered) * 1000, "goal": "p50 and p95 ≤ 10 ms at 200 req/s"}


async def _send(port: int, rate: int, seconds: float) -> tuple[list[float], list[int]]:
    rng, latencies, statuses = random.Random(rate), [], []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10,
                                 headers={"X-Api-Key": KEY}) as client:
        async def one(sku: str, store: str) -> None:
            started = time.perf_counter()
            answer = await client.get(f"/api/v1/stock/{sku}", params={"store": store})
            latencies.append(time.perf_counter() - started)
            statuses.append(answer.status_code)

        for _ in range(20):                                   # connections opened before the clock starts
            await one("ART-00000", STORES[0])
        latencies.clear(), statuses.clear()
        start, tasks = time.perf_counter(), []
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(f"ART-{rng.randrange(ARTICLES):05d}", rng.choice(STORES))))
        await asyncio.gather(*tasks)
    return latencies, statuses


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/stock/ART-00000", params={"store": STORES[0]},
                         headers={"X-Api-Key": KEY}).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the stock API did not start")


def _serve(url: str, port: int) -> None:
    """The API as `courroie run` serves it: the same endpoint function, one uvicorn worker."""
    from types import SimpleNamespace

    import uvicorn
    from pydantic import SecretStr
    from starlette.applications import Starlette
    from starlette.routing import Route

    from courroie.config import ApiSettings
    from courroie.interfaces.api import store_stock_answer
    from courroie.store import Store

    hub = SimpleNamespace(store=Store(url), config=SimpleNamespace(api=ApiSettings(keys=[SecretStr(KEY)])))

    def stock(request):
        return store_stock_answer(hub, request)
    app = Starlette(routes=[Route("/api/v1/stock/{sku:path}", stock)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    os.environ.setdefault("COURROIE_NO_PROGRESS", "1")
    _serve(sys.argv[1], int(sys.argv[2]))
