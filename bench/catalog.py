"""Catalog push, ERP → N shops at the sandbox's default (realistic) latency: a first full push, a second
pass with nothing changed (which must write nothing), a pass after 1 % of the products changed in the
ERP, the sandbox's own write capacity at the same concurrency, and a naive exporter (search + GET + PUT
per product per shop, sequentially, as OCA connector-prestashop does) side by side."""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.naive import naive_pass
from bench.systems import Systems, systems
from courroie.interfaces.operations import run_flow
from courroie.sandbox.tryton.rpc import Rpc

CONCURRENCY = 4


def catalog_benchmark(products: int = 1000, shops: int = 2, *, changed: float = 0.0,
                      naive_sample: int = 0) -> tuple[str, list[dict]]:
    """The catalog's description (products, share with variants, articles) and the table's rows."""
    rows = []
    with systems(products, shops, concurrency=CONCURRENCY) as bench:
        rows.append(_pass(bench, "first push"))
        rows.append(_pass(bench, "second pass, nothing changed"))
        if changed:
            touched = _change_names(bench, changed)
            rows.append(_pass(bench, f"after {touched} products changed ({changed:.0%})"))
        if naive_sample:
            rows.append(_capacity(bench))
            rows.append(_naive(bench, naive_sample, rows[0]["products"], rows))
    return bench.catalog, rows


def _pass(bench: Systems, label: str) -> dict:
    bench.reset_counters()
    started = time.perf_counter()
    runs = asyncio.run(run_flow(bench.hub(), "catalog"))
    wall = time.perf_counter() - started
    erp = next(r for r in runs if r["connection"] == "tryton")
    shop_runs = [r for r in runs if r["connection"] != "tryton"]
    records = sum(sum(v for k, v in r["counts"].items() if k in ("created", "updated", "unchanged"))
                  for r in shop_runs)
    writes = bench.writes()
    return {"pass": label, "shops": len(shop_runs), "products": erp["counts"].get("products_read", 0),
            "records": records, "writes": writes, "requests": bench.requests(),
            "ERP read s": (erp["finished_at"] - erp["started_at"]).total_seconds(), "wall s": wall,
            "records/s": records / wall, "writes/s": writes / wall,
            "status": ",".join(sorted({r["status"] for r in shop_runs}))}


def _change_names(bench: Systems, share: float) -> int:
    """Rename ``share`` of the templates in the ERP, as a merchant editing products would."""
    rpc = Rpc(bench.erp.url, "bench")
    rpc.login(bench.erp.user, bench.erp.password)
    templates = rpc.search_read("product.template", [("code", "!=", None), ("type", "=", "goods")], ["id", "name"])
    chosen = templates[:: max(1, round(1 / share))]
    for template in chosen:
        rpc.model("product.template", "write", [template["id"]], {"name": f"{template['name']} (2027)"})
    return len(chosen)


def _capacity(bench: Systems, requests: int = 200) -> dict:
    """Writes per second the first sandbox sustains at the hub's concurrency (PATCH of one product)."""
    shop = next(iter(bench.shops.values()))

    async def hammer() -> float:
        limit = asyncio.Semaphore(CONCURRENCY)
        body = ('<prestashop><product><id>{id}</id><price>12.000000</price></product></prestashop>')
        async with httpx.AsyncClient(base_url=shop.url, auth=(shop.key, ""), timeout=60) as client:
            ids = [row["id"] for row in (await client.get("/api/products", params={
                "output_format": "JSON", "limit": str(requests)})).json()["products"]]

            async def one(product_id: int) -> None:
                async with limit:
                    (await client.patch(f"/api/products/{product_id}", content=body.format(id=product_id),
                                        headers={"Content-Type": "text/xml"})).raise_for_status()
            started = time.perf_counter()
            await asyncio.gather(*(one(i) for i in ids))
            return len(ids) / (time.perf_counter() - started)

    rate = asyncio.run(hammer())
    return {"pass": f"sandbox capacity: PATCH at concurrency {CONCURRENCY}", "shops": 1, "writes/s": rate}


def _naive(bench: Systems, sample: int, products: int, rows: list[dict]) -> dict:
    rpc = Rpc(bench.erp.url, "bench")
    rpc.login(bench.erp.user, bench.erp.password)
    templates = rpc.search_read("product.template", [("code", "!=", None)], ["code", "list_price"])[:sample]
    result = naive_pass([(shop.url, shop.key) for shop in bench.shops.values()],
                        [(t["code"], str(t["list_price"])) for t in templates])
    full = result["wall s"] * products / max(1, len(templates))
    ours = rows[0]["wall s"]
    return {"pass": f"naive exporter, {len(templates)} products sampled, extrapolated to {products}",
            "shops": result["shops"], "products": products, "writes": result["written"],
            "requests": result["requests"], "wall s": full, "records/s": products * result["shops"] / full,
            "status": f"{full / ours:.1f}× our first push, {full / rows[1]['wall s']:.0f}× our no-change pass"}
