"""The systems a benchmark runs against: a real Tryton seeded with N products (shaped as
:data:`BENCH_SHAPE`: 30 % of them with 2 to 6 variants), PrestaShop sandboxes at their realistic default
latency, and a hub configured for them (the same path as `courroie`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from courroie.config import load_config
from courroie.sandbox.config import SandboxShop, add_customer_group, write_sandbox_config
from courroie.engine.hub import Hub
from courroie.sandbox.tryton import TrytonServer, ensure_template
from courroie.sandbox.tryton.catalog import BENCH_SHAPE, Catalog, Shape, build_catalog


def bench_catalog(products: int, shape: Shape | None = BENCH_SHAPE) -> Catalog:
    """The catalog of exactly ``products`` shop products (templates): the catalog is prefix-stable, so
    it has the articles (variants) of the first ``products`` templates of any larger one."""
    skus = products
    while len(templates := build_catalog(skus, shape=shape).products) < products:
        skus = skus * products // len(templates) + 10
    return build_catalog(sum(len(p.variants) for p in templates[:products]), shape=shape)


def describe(catalog: Catalog) -> str:
    """E.g. "10,000 products, 30 % of them with 2–6 variants, 19,012 articles"."""
    counts = [len(p.variants) for p in catalog.products]
    several = [n for n in counts if n > 1]
    return (f"{len(counts):,} products, {len(several) / len(counts):.0%} of them with "
            f"{min(several, default=0)}–{max(several, default=0)} variants, {sum(counts):,} articles")


class SandboxProcess:
    """A PrestaShop sandbox in its own process (`courroie sandbox prestashop`), so that the hub being
    measured does not share an interpreter with the shop it talks to."""

    def __init__(self, data: Path, key: str, latency_ms: float | None) -> None:
        self.key = key
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "courroie", "sandbox", "prestashop", "--port", str(self.port),
                   "--data", str(data), "--key", key]
        if latency_ms is not None:
            command += ["--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait()

    def _wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/_sandbox/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the PrestaShop sandbox did not start")

    def stats(self) -> dict[str, int]:
        return httpx.get(f"{self.url}/_sandbox/stats", timeout=10).json()

    def reset_stats(self) -> None:
        httpx.delete(f"{self.url}/_sandbox/stats", timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class Systems:
    config: Path
    shops: dict[str, SandboxProcess]
    erp: TrytonServer
    catalog: str  # what the ERP holds, see describe()

    def hub(self, **kwargs) -> Hub:
        return Hub.open(load_config(self.config), **kwargs)

    def writes(self) -> int:
        return sum(n for shop in self.shops.values() for name, n in shop.stats().items()
                   if name.split(" ")[0] in ("POST", "PUT", "PATCH", "DELETE"))

    def requests(self) -> int:
        return sum(shop.stats().get("requests", 0) for shop in self.shops.values())

    def reset_counters(self) -> None:
        for shop in self.shops.values():
            shop.reset_stats()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def systems(products: int, shops: int, *, concurrency: int = 4, latency_ms: float | None = None,
            shape: Shape | None = BENCH_SHAPE) -> Iterator[Systems]:
    root = Path(tempfile.mkdtemp(prefix="courroie-bench-"))
    catalog = bench_catalog(products, shape)
    template = ensure_template(sum(1 for _ in catalog.variants), shape=shape)
    with ExitStack() as stack:
        erp = stack.enter_context(TrytonServer.start(root / "tryton", databases=["bench"], template=template))
        urls = {}
        for index in range(1, shops + 1):
            key = f"{index:02d}".ljust(32, "K")
            os.environ[f"BENCH_SHOP{index}_KEY"] = key
            shop = SandboxProcess(root / f"shop{index}", key, latency_ms)
            stack.callback(shop.stop)
            urls[f"shop{index}"] = shop
        os.environ["TRYTON_PASSWORD"] = erp.password
        config = write_sandbox_config(
            root / "courroie.yaml", store=root / "hub.db", erp_url=erp.url, database="bench", concurrency=concurrency,
            shops={name: SandboxShop(shop.url, f"BENCH_{name.upper()}_KEY", ("TLS", "BDX"),
                                     add_customer_group(shop.url, shop.key)) for name, shop in urls.items()})
        yield Systems(config, urls, erp, describe(catalog))
