"""`python -m bench [NAME …]`: run benchmarks and print their tables (all of them by default)."""

from __future__ import annotations

import argparse
import os
import platform
import time

from rich.console import Console
from rich.table import Table

from bench.catalog import catalog_benchmark

BENCHMARKS = {
    "catalog": (catalog_benchmark, "Catalog push, 1,000 products × 2 shops, sandbox at its default latency"),
}


def show(console: Console, title: str, rows: list[dict]) -> None:
    table = Table(*rows[0].keys(), title=title)
    for row in rows:
        table.add_row(*(f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
                        for v in row.values()))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)")
    names = parser.parse_args().names or list(BENCHMARKS)
    os.environ.setdefault("COURROIE_NO_PROGRESS", "1")
    console = Console(width=140)
    console.print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                  f"Python {platform.python_version()}")
    for name in names:
        function, title = BENCHMARKS[name]
        started = time.perf_counter()
        show(console, title, function())
        console.print(f"({name}: {time.perf_counter() - started:.0f} s in all)\n")


if __name__ == "__main__":
    main()
