"""Catalog push, ERP → N shops at the sandbox's default (realistic) latency: a first full push, then a
second pass with nothing changed, which must write nothing."""

from __future__ import annotations

import asyncio
import time

from bench.systems import systems
from courroie.interfaces.operations import run_flow


def catalog_benchmark(products: int = 1000, shops: int = 2) -> list[dict]:
    rows = []
    with systems(products, shops) as bench:
        for label in ("first push", "second pass, nothing changed"):
            bench.reset_counters()
            started = time.perf_counter()
            runs = asyncio.run(run_flow(bench.hub(), "catalog"))
            wall = time.perf_counter() - started
            erp = next(r for r in runs if r["connection"] == "tryton")
            shop_runs = [r for r in runs if r["connection"] != "tryton"]
            records = sum(sum(v for k, v in r["counts"].items() if k in ("created", "updated", "unchanged"))
                          for r in shop_runs)
            rows.append({
                "pass": label, "shops": shops, "products": erp["counts"].get("products_read", 0),
                "records": records, "writes": bench.writes(), "requests": bench.requests(),
                "ERP read s": (erp["finished_at"] - erp["started_at"]).total_seconds(),
                "wall s": wall, "records/s": records / wall,
                "status": ",".join(sorted({r["status"] for r in shop_runs})),
            })
    return rows
