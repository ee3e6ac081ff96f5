"""Latency and concurrency model of a small PrestaShop (php -S, 4 workers, 2 cores).

Measured (reference 05-timing, notes/prestashop.md): a product GET takes ~18 ms alone, a stock PUT
~25 ms, a product POST ~55 ms; 4 concurrent clients saturate near 75-80 GET/s with ~50 ms latency;
a batch PUT of 50 stock rows takes ~50 ms (≈1,000 rows/s). Model: at most `workers` requests are
served at once (the others wait, like php -S's accept queue); each request costs a total time of
which a CPU part is serialised through one lane (the CPU the workers share) and the rest overlaps.
Sequential latency = total; saturated throughput ≈ 1 / cpu: 11 ms for a GET, which with timer
overshoot and HTTP handling gives the measured ~77 GET/s at 4 clients (median ~46 ms, 8 clients
~90 ms, as captured).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

GET_REFERENCE_S = 0.018  # `latency` given to create_app is the time of one product GET

# kind → (total ms, cpu ms)
BASE_MS: dict[str, tuple[float, float]] = {
    "one": (18, 11),
    "read": (17, 10.5),
    "list": (16, 9.5),
    "list_fields": (18, 11),
    "list_full": (20, 14),
    "put": (25, 8),
    "patch": (25, 8),
    "post": (24, 11),
    "delete": (45, 20),
    "image": (15, 8),
    "error": (15, 9),
    "storefront": (150, 80),
    "post:products": (55, 30),
    "post:categories": (45, 25),
    "post:customers": (90, 60),
    "post:orders": (160, 90),
    "post:images": (85, 50),
    "put:products": (45, 20),
    "patch:products": (35, 15),
    # Not timed in 05-timing; single exchanges of 04-writes/04b give ~20-25 ms for a specific price or
    # a cart rule (035, 036, 04b/001). Deleting one is a light ObjectModel delete, unlike a product.
    "post:specific_prices": (22, 10),
    "delete:specific_prices": (18, 8),
    "delete:cart_rules": (18, 8),
    "delete:images": (25, 12),
    "post:attachments": (40, 20),
    "put:attachments": (30, 12),
}

# extra ms per listed row: (total, cpu)
ROW_MS: dict[str, tuple[float, float]] = {
    "list_full:products": (3.5, 3.0),
    "list_full:combinations": (0.6, 0.5),
    "list_full:orders": (1.5, 1.2),
    "list_fields:products": (0.8, 0.6),
    "list_full": (0.15, 0.1),
    "list_fields": (0.08, 0.05),
    "list": (0.02, 0.015),
}

# extra ms per additional object of a batch write: (total, cpu)
CHILD_MS: dict[str, tuple[float, float]] = {
    "products": (27, 15),
    "categories": (20, 10),
    "combinations": (12, 6),
    # guesses, not timed: one INSERT each (and a cache flush) behind the same request overhead
    "specific_prices": (4, 2),
    "product_feature_values": (5, 2.5),
    "product_features": (5, 2.5),
    "manufacturers": (6, 3),
}

# extra ms per additional id of a `DELETE ?id=[…]`: (total, cpu) — a guess, one ObjectModel delete each
DELETE_CHILD_MS: dict[str, tuple[float, float]] = {"specific_prices": (3, 1.5)}


def cost_ms(kind: str, count: int) -> tuple[float, float]:
    """(total, cpu) milliseconds for a request of this kind touching `count` rows/objects."""
    verb, _, resource = kind.partition(":")
    total, cpu = BASE_MS.get(kind) or BASE_MS.get(verb) or BASE_MS["read"]
    if verb.startswith("list"):
        row_total, row_cpu = ROW_MS.get(kind) or ROW_MS.get(verb, (0.0, 0.0))
        total, cpu = total + row_total * count, cpu + row_cpu * count
    elif verb == "delete" and count > 1:
        child_total, child_cpu = DELETE_CHILD_MS.get(resource, (10, 5))
        total, cpu = total + child_total * (count - 1), cpu + child_cpu * (count - 1)
    elif verb in ("put", "patch", "post") and count > 1:
        extra = count - 1
        if resource in CHILD_MS:
            child_total, child_cpu = CHILD_MS[resource]
            total, cpu = total + child_total * extra, cpu + child_cpu * extra
        else:  # stock rows and the like: fitted on 10/50/100-row batches (423/1,005/947 rows/s)
            total += 0.235 * extra + 0.006 * extra * extra
            cpu += 0.12 * extra + 0.003 * extra * extra
    return total, cpu


class LatencyModel:
    """`latency=None`: the realistic model; `0`: no delay; `x` seconds: model scaled to GET = x."""

    def __init__(self, latency: float | None, workers: int, seed: int = 7) -> None:
        self.workers = max(1, workers)
        self.set_latency(latency)
        self._random = random.Random(seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._cpu: asyncio.Lock | None = None

    def set_latency(self, latency: float | None) -> None:
        self.scale = 1.0 if latency is None else max(0.0, latency) / GET_REFERENCE_S

    def _primitives(self) -> tuple[asyncio.Semaphore, asyncio.Lock]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None or self._cpu is None:
            self._loop, self._slots, self._cpu = loop, asyncio.Semaphore(self.workers), asyncio.Lock()
        return self._slots, self._cpu

    def _jitter(self) -> float:
        """Skewed like the captured samples: min ≈ 0.87 median, long tail to ≈ 1.45 median."""
        return min(1.6, 0.9 + self._random.expovariate(1 / 0.11))

    async def serve(self, work: Callable[[], Awaitable[tuple[T, str, int]]]) -> T:
        """Run `work` in a worker slot, then hold the slot for the modelled service time."""
        slots, cpu_lane = self._primitives()
        async with slots:
            loop = asyncio.get_running_loop()
            started = loop.time()
            result, kind, count = await work()
            if self.scale <= 0:
                return result
            total_ms, cpu_ms = cost_ms(kind, count)
            factor = self.scale * self._jitter() / 1000
            spent = loop.time() - started  # our own work already held the (single) event loop
            async with cpu_lane:
                await asyncio.sleep(max(0.0, cpu_ms * factor - spent))
            remaining = total_ms * factor - (loop.time() - started)
            if remaining > 0:
                await asyncio.sleep(remaining)
            return result
