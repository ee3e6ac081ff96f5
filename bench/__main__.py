"""`python -m bench [NAME …]`: run benchmarks and print their tables (all of them by default)."""

from __future__ import annotations

import argparse
import os
import platform
import time

from rich.console import Console
from rich.table import Table

from bench.catalog import catalog_benchmark
from bench.console import console_benchmark
from bench.odoo_orders import odoo_orders_benchmark
from bench.orders import orders_benchmark
from bench.stock import stock_benchmark
from bench.stock_api import stock_api_benchmark

BENCHMARKS = {
    "catalog": (catalog_benchmark, "Catalog push, 1,000 products × 2 shops, sandbox at its default latency"),
    "catalog-large": (lambda: catalog_benchmark(10_000, 3, changed=0.01, naive_sample=300),
                      "Catalog push, 10,000 products × 3 shops, 1 % changed, naive exporter side by side"),
    "console": (console_benchmark, "Console pages on a large store (SQLite, and PostgreSQL where installed)"),
    "odoo-orders": (odoo_orders_benchmark, "Orders into the Odoo double through the orders flow, one per call vs batches"),
    "orders": (orders_benchmark, "Orders into the real Tryton: 1,000 waiting, then live ones polled every 10 s"),
    "stock-api": (stock_api_benchmark, "Store stock lookup GET /api/v1/stock/SKU?store=CODE at a steady rate (open loop)"),
    "stock": (stock_benchmark, "Stock: push throughput and ERP → shop latency against sandboxes, "
                               "then a no-change pass over 100,000 articles"),
}


def show(console: Console, title: str, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(_cell(row.get(column, "")) for column in columns))
    console.print(table)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: catalog)")
    names = parser.parse_args().names or ["catalog"]
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {sorted(unknown)[0]}; choose from {', '.join(BENCHMARKS)}")
    os.environ.setdefault("COURROIE_NO_PROGRESS", "1")
    console = Console(width=140)
    console.print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                  f"Python {platform.python_version()}")
    for name in names:
        function, title = BENCHMARKS[name]
        started = time.perf_counter()
        catalog, rows = function()
        show(console, f"{title}\nERP: {catalog}", rows)
        console.print(f"({name}: {time.perf_counter() - started:.0f} s in all)\n")


if __name__ == "__main__":
    main()
