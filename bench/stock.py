"""Stock, ERP → shops.

1. Push throughput: N articles (10,000) in PrestaShop sandboxes (3) in their own processes at their
   default (realistic) latency; a first pass writes every row (the connector reads the rows it does not
   know yet), then, as if an hour later (nothing "just placed" any more), M figures (1,000) change in
   the ERP and a pass of changes writes them again: rows per second, requests.
2. ERP change → shop latency: changes made in the ERP at random moments while stock passes run every
   10 s, start to start (the service's default rhythm, as its scheduler keeps it), each change timed
   until every sandbox shows it: p50 / p95. The hub is the one of part 1, as a service that has been
   running keeps it (its connectors know the shops' stock rows); a change is watched by reading its
   stock row by id, every 0.2 s (concurrently), in each shop that does not show it yet.
3. A stock pass over 100,000 articles with nothing changed, each measured in a process of its own:
   wall time and peak RSS of the pass of changes (every 10 s) and of the reconciliation (hourly), after
   a first pass that wrote everything.

The ERP is an in-process fake (``BenchErp``: quantities per location, a log of moves, changes since a
cursor), not Tryton: seeding a real Tryton with 100,000 articles takes hours, and what is measured here
is the hub and the shop; the Tryton side of a pass of changes (moves since the cursor, then the levels
of those articles only) is tested against a real trytond in tests/connectors/tryton. Part 3's shop is
an in-process fake too (a dictionary of rows): creating 100,000 products in the sandbox would take
longer than everything else, and part 1 measures the shop's side.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from bench.systems import SandboxProcess
from courroie.config import ErpEntry, HubConfig, ShopEntry, ShopSettings, StockSettings, load_config
from courroie.engine.hub import Hub
from courroie.flows.stock import reconcile_stock, sync_stock
from courroie.model import StockLevel
from courroie.sandbox.config import SandboxShop, write_sandbox_config
from courroie.store import Store

LOCATIONS = ("TLS", "BDX")
EVERY = 10.0                   # seconds between two passes, the service's default


class BenchErp:
    """Quantities per location and article, and a log of moves with the ERP's own clock (a fake)."""

    name = "erp"

    def __init__(self, skus: Sequence[str], quantity=lambda n, location: 5 + n % 7) -> None:
        self.skus = list(skus)
        self.levels = {location: {sku: Decimal(quantity(n, location)) for n, sku in enumerate(self.skus)}
                       for location in LOCATIONS}
        self.clock = datetime(2020, 1, 1, tzinfo=UTC)
        self.moves: list[tuple[datetime, str]] = [(self.clock, sku) for sku in self.skus[-1:]]
        self.lock = threading.Lock()

    def move(self, sku: str, location: str, delta: int) -> None:
        with self.lock:
            self.levels[location][sku] += delta
            self.clock += timedelta(seconds=1)
            self.moves.append((self.clock, sku))

    async def read_stock(self, locations: Sequence[str]) -> list[StockLevel]:
        return self._levels(locations, self.skus)

    async def read_stock_changes(self, locations: Sequence[str], since: datetime | None):
        with self.lock:
            if since is None:
                return self._levels(locations, self.skus), self.moves[-1][0]
            moved = [(when, sku) for when, sku in self.moves if when >= since]
            return (self._levels(locations, sorted({sku for _, sku in moved})),
                    max((when for when, _ in moved), default=since))

    def _levels(self, locations: Sequence[str], skus: Sequence[str]) -> list[StockLevel]:
        return [StockLevel(sku=sku, location=location, quantity=self.levels[location][sku])
                for location in locations for sku in skus]

    async def aclose(self) -> None:
        pass


def stock_benchmark(articles: int = 10_000, shops: int = 3, *, changed: int | None = 1_000,
                    latency_changes: int = 30, window_s: float = 90,
                    large: int = 100_000) -> tuple[str, list[dict]]:
    """``changed``: figures changed for part 1's pass of changes (None: every article)."""
    rows = []
    changed = articles if changed is None else min(changed, articles)
    with tempfile.TemporaryDirectory(prefix="courroie-bench-stock-") as root:
        sandboxes = [SandboxProcess(Path(root) / f"shop{n}", f"{n:02d}".ljust(32, "S"), None)
                     for n in range(1, shops + 1)]
        try:
            skus = [f"ART-{n:06d}" for n in range(articles)]
            started = time.perf_counter()
            config, erp = _setup(Path(root), sandboxes, skus)
            setup_s = time.perf_counter() - started
            loop = asyncio.new_event_loop()           # the connectors' HTTP clients live in one loop
            hub = _hub(config, erp)
            try:
                rows += _throughput(loop, hub, erp, sandboxes, skus, changed)
                if latency_changes:
                    rows.append(_latency(loop, hub, erp, sandboxes, skus, latency_changes, window_s))
            finally:
                loop.run_until_complete(hub.aclose())
                loop.close()
        finally:
            for sandbox in sandboxes:
                sandbox.stop()
        if large:
            rows += _large(Path(root), large)
    return (f"{articles:,} articles × {shops} shops (PrestaShop sandboxes, default latency; set up in "
            f"{setup_s:,.0f} s), then {large:,} articles (in-process shop); ERP: an in-process fake, "
            f"see bench/stock.py"), rows


# --- 1. push throughput against the sandbox -------------------------------------------------------------

def _hub(config: HubConfig, erp: BenchErp) -> Hub:
    hub = Hub.open(config)
    hub.erp = erp
    return hub


def _setup(root: Path, sandboxes: list[SandboxProcess], skus: list[str]) -> tuple[HubConfig, BenchErp]:
    """Products created in each sandbox (latency off meanwhile), bound as the catalog flow binds them."""
    names = {f"shop{n}": sandbox for n, sandbox in enumerate(sandboxes, 1)}
    for name, sandbox in names.items():
        os.environ[f"BENCH_{name.upper()}_KEY"] = sandbox.key
    os.environ.setdefault("TRYTON_PASSWORD", "unused")
    config = load_config(write_sandbox_config(
        root / "courroie.yaml", store=root / "hub.db", erp_url="http://127.0.0.1:9", database="unused",
        shops={name: SandboxShop(sandbox.url, f"BENCH_{name.upper()}_KEY", LOCATIONS)
               for name, sandbox in names.items()}))
    erp = BenchErp(skus)
    with ThreadPoolExecutor(len(names)) as pool:                # each sandbox is a process of its own
        created = dict(zip(names, pool.map(lambda sandbox: _create_products(sandbox, skus), names.values())))
    store = Store(config.store)
    try:
        for name, ids in created.items():
            Hub(config, store, erp, {}).bindings(name, "variant").save_many(
                [(sku, f"{ids[sku]}/0", None, None) for sku in skus])
    finally:
        store.dispose()
    return config, erp


def _create_products(sandbox: SandboxProcess, skus: list[str]) -> dict[str, str]:
    httpx.post(f"{sandbox.url}/_sandbox/latency", json={"latency": 0}, timeout=10).raise_for_status()

    async def create() -> dict[str, str]:
        limit = asyncio.Semaphore(8)
        async with httpx.AsyncClient(base_url=sandbox.url, auth=(sandbox.key, ""), timeout=60,
                                     params={"output_format": "JSON"}) as client:
            async def one(sku: str) -> tuple[str, str]:
                async with limit:
                    response = await client.post("/api/products", content=_product(sku),
                                                 headers={"Content-Type": "text/xml"})
                    response.raise_for_status()
                    return sku, str(response.json()["product"]["id"])
            return dict(await asyncio.gather(*(one(sku) for sku in skus)))
    try:
        return asyncio.run(create())
    finally:
        httpx.post(f"{sandbox.url}/_sandbox/latency", json={"latency": None}, timeout=10).raise_for_status()


def _product(sku: str) -> str:
    return f"""<prestashop><product><price>10.000000</price><id_tax_rules_group>1</id_tax_rules_group>
<active>1</active><state>1</state><reference>{sku}</reference><id_category_default>2</id_category_default>
<name><language id="1">{sku}</language><language id="2">{sku}</language></name>
<link_rewrite><language id="1">{sku.lower()}</language><language id="2">{sku.lower()}</language></link_rewrite>
</product></prestashop>"""


def _throughput(loop: asyncio.AbstractEventLoop, hub: Hub, erp: BenchErp, sandboxes: list[SandboxProcess],
                skus: list[str], changed: int) -> list[dict]:
    rows = [_pass(loop, hub, sandboxes, "first pass: every row written")]
    _an_hour_later(hub.store)           # the changes come long after: not every article "just placed"
    for sku in random.Random(1).sample(skus, changed):
        erp.move(sku, "TLS", 1)
    rows.append(_pass(loop, hub, sandboxes, f"{changed:,} figures changed in the ERP, pass of changes"))
    rows.append(_pass(loop, hub, sandboxes, "nothing changed, pass of changes"))
    return rows


def _pass(loop: asyncio.AbstractEventLoop, hub: Hub, sandboxes: list[SandboxProcess], label: str) -> dict:
    for sandbox in sandboxes:
        sandbox.reset_stats()
    first = hub.runs.max_id()
    started = time.perf_counter()
    loop.run_until_complete(sync_stock(hub, None))
    wall = time.perf_counter() - started
    shop_runs = [r for r in hub.runs.since(first) if r["flow"] == "stock" and r["connection"] != "erp"]
    written = sum(r["counts"].get("updated", 0) for r in shop_runs)
    stats = [sandbox.stats() for sandbox in sandboxes]
    puts = sum(n for s in stats for name, n in s.items() if name.split(" ")[0] == "PUT")
    push_s = max(((r["finished_at"] - r["started_at"]).total_seconds() for r in shop_runs), default=0.0)
    return {"pass": label, "shops": len(shop_runs), "rows written": written, "PUT requests": puts,
            "requests": sum(s.get("requests", 0) for s in stats), "wall s": wall,
            "rows/s": written / wall if written else 0.0,
            "rows/s per shop": written / len(shop_runs) / push_s if written and push_s else 0.0,
            "status": ",".join(sorted({r["status"] for r in shop_runs}))}


# --- 2. ERP change → shop latency -----------------------------------------------------------------------

def _latency(loop: asyncio.AbstractEventLoop, hub: Hub, erp: BenchErp, sandboxes: list[SandboxProcess],
             skus: list[str], changes: int, window: float) -> dict:
    """Changes at random moments over ``window`` seconds while a pass starts every EVERY seconds (in
    another thread, on part 1's hub and loop); each change timed until every sandbox shows its new
    figure (its stock row read by id every 0.2 s, all at once, in the shops that do not show it yet)."""
    rows = {name: _stock_row_ids(sandbox) for name, sandbox in _named(sandboxes).items()}
    ids = {name: {sku: rows[name][b.external_id.split("/")[0]]
                  for sku, b in hub.bindings(name, "variant").all().items()} for name in rows}
    stop = threading.Event()

    def passes() -> None:
        asyncio.set_event_loop(loop)
        while not stop.is_set():
            started = time.monotonic()
            loop.run_until_complete(sync_stock(hub, None))
            stop.wait(max(0.0, started + EVERY - time.monotonic()))
        asyncio.set_event_loop(None)

    worker = threading.Thread(target=passes, daemon=True)
    worker.start()
    rng = random.Random(5)
    moments = sorted(rng.uniform(0, window) for _ in range(changes))
    chosen = rng.sample(skus, changes)
    latencies: list[float] = []
    started = time.monotonic()
    pending: list[tuple[float, str, int, set[str]]] = []        # since, sku, figure, shops not showing it yet
    named = _named(sandboxes)
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(8) as pool:
        while moments or pending:
            now = time.monotonic() - started
            while moments and moments[0] <= now:
                moments.pop(0)
                sku = chosen.pop()
                erp.move(sku, "BDX", 3)
                expected = int(sum(erp.levels[location][sku] for location in LOCATIONS))
                pending.append((time.monotonic(), sku, expected, set(named)))
            asked = [(n, name) for n, (_, sku, _, waiting) in enumerate(pending) for name in sorted(waiting)]
            shown = pool.map(lambda pair: _shown(client, named[pair[1]], ids[pair[1]][pending[pair[0]][1]]), asked)
            for (n, name), quantity in zip(asked, shown, strict=True):    # all polled at once: read together
                if quantity == pending[n][2]:
                    pending[n][3].discard(name)
            seen = time.monotonic()
            latencies += [seen - since for since, _, _, waiting in pending if not waiting]
            pending = [change for change in pending if change[3]]
            if time.monotonic() - started > window + 6 * EVERY:
                break
            time.sleep(0.2)
    stop.set()
    worker.join()
    quantiles = statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) >= 2 \
        else [float("nan")] * 19
    return {"pass": f"ERP change → all {len(sandboxes)} shops, a pass every {EVERY:g} s ({len(latencies)} of "
                    f"{changes} changes seen)", "shops": len(sandboxes),
            "p50 s": statistics.median(latencies) if latencies else float("nan"), "p95 s": quantiles[18],
            "max s": max(latencies, default=float("nan"))}


def _named(sandboxes: list[SandboxProcess]) -> dict[str, SandboxProcess]:
    return {f"shop{n}": sandbox for n, sandbox in enumerate(sandboxes, 1)}


def _stock_row_ids(sandbox: SandboxProcess) -> dict[str, str]:
    """Product id → id of its stock row (products without combinations: one row each)."""
    rows = httpx.get(f"{sandbox.url}/api/stock_availables", auth=(sandbox.key, ""), timeout=120,
                     params={"output_format": "JSON", "display": "[id,id_product]"}).json()
    return {str(row["id_product"]): str(row["id"]) for row in (rows or {}).get("stock_availables") or []}


def _shown(client: httpx.Client, sandbox: SandboxProcess, row_id: str) -> int | None:
    answer = client.get(f"{sandbox.url}/api/stock_availables/{row_id}", auth=(sandbox.key, ""),
                        params={"output_format": "JSON"})
    return int(answer.json()["stock_available"]["quantity"]) if answer.status_code == 200 else None


# --- 3. 100,000 articles, nothing changed ---------------------------------------------------------------

def _large(root: Path, articles: int) -> list[dict]:
    store = root / "large.db"
    rows = []
    for phase in ("first", "changes", "reconcile"):
        out = subprocess.run([sys.executable, "-m", "bench.stock", phase, str(store), str(articles)],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        label = {"first": "first pass: every row written",
                 "changes": "nothing changed: pass of changes (every 10 s)",
                 "reconcile": "nothing changed: reconciliation (hourly), shop read back"}[phase]
        rows.append({"pass": f"{articles:,} articles, {label}", "shops": 1, "rows written": result["written"],
                     "wall s": result["wall"], "peak RSS MB": result["rss_mb"],
                     "status": result["status"]})
    return rows


class BenchShop:
    """A shop as a dictionary of stock rows (a fake): what part 3 measures is the hub."""

    name = "shop"

    def __init__(self, skus: Sequence[str], shown: dict[tuple[str, str], int] | None = None) -> None:
        self.rows = shown if shown is not None else {(str(n + 1), "0"): 0 for n in range(len(skus))}

    async def write_stock(self, updates) -> None:
        for update in updates:
            self.rows[(update.product_id, update.variant_id)] = update.quantity

    async def read_stock(self) -> dict[tuple[str, str], int]:
        return dict(self.rows)

    async def read_orders(self, updated_since):
        return
        yield

    async def aclose(self) -> None:
        pass


def _phase(phase: str, store_path: str, articles: int) -> None:
    """One measured pass in this process (``python -m bench.stock PHASE STORE ARTICLES``)."""
    skus = [f"ART-{n:06d}" for n in range(articles)]
    store = Store(f"sqlite:///{store_path}")
    settings = StockSettings(locations=list(LOCATIONS))
    config = HubConfig(store=store.url, erp=ErpEntry(type="tryton", connector=None),
                       shops=[ShopEntry(name="shop", type="prestashop", hub=ShopSettings(stock=settings),
                                        connector=None)])
    erp = BenchErp(skus)
    shown = None if phase == "first" else {(str(n + 1), "0"): int(sum(erp.levels[loc][sku] for loc in LOCATIONS))
                                           for n, sku in enumerate(skus)}
    hub = Hub(config, store, erp, {"shop": BenchShop(skus, shown)})
    if phase == "first":
        hub.bindings("shop", "variant").save_many([(sku, f"{n + 1}/0", None, None) for n, sku in enumerate(skus)])
    else:
        _an_hour_later(store)
    flow = reconcile_stock if phase == "reconcile" else sync_stock
    first = hub.runs.max_id()
    started = time.perf_counter()
    asyncio.run(flow(hub, None))
    wall = time.perf_counter() - started
    runs = [r for r in hub.runs.since(first) if r["connection"] == "shop" and r["flow"] == "stock"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024      # KiB on Linux
    print(json.dumps({"wall": wall, "rss_mb": round(peak, 1), "written": sum(r["counts"].get("updated", 0) for r in runs),
                      "status": ",".join(r["status"] for r in runs)}))


def _an_hour_later(store: Store) -> None:
    """As if this pass ran an hour after the first one: what the first pass wrote is not "just changed"
    (a pass of changes looks back a little over its previous one, see ``flows.stock.SETTLE``)."""
    from sqlalchemy import update

    from courroie.store.db import utcnow
    from courroie.store.tables import bindings, stock_levels, stock_shops
    before = utcnow() - timedelta(hours=1)
    with store.engine.begin() as db:
        db.execute(update(stock_levels).values(changed_at=before))
        db.execute(update(bindings).values(updated_at=before))
        db.execute(update(stock_shops).values(changes_from=before + timedelta(minutes=1)))


if __name__ == "__main__":
    _phase(sys.argv[1], sys.argv[2], int(sys.argv[3]))
