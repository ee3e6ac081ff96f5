"""Timing of issue 3's calls against the PrestaShop sandbox with its realistic latency model (4 PHP
workers, ~18 ms a GET; reference/prestashop-8.1.2/05-timing). Not a test: run it by hand,

    .venv/bin/python tests/connectors/prestashop/perf_catalog_prices.py [products] [workers]

It drives the connector the way the flows do (a bounded number of records in flight) and prints one
line per phase: 100 products with a manufacturer and 3 features, 3 images each, 2 specific prices
each (coalesced, then one request per rule for comparison), a price-only update, promotions.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from courroie.connectors.prestashop import PrestaShopConfig, PrestaShopShop
from courroie.connectors.protocols import ShopProductIds
from courroie.model import Feature, FileRef, Money, PriceRule, Product, Promotion, Reduction
from courroie.sandbox.prestashop import run_in_thread

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAYAAACp8Z5+AAAACXBIWXMAAA7EAAAOxAGVKw4bAAAAFUlEQVQI12M8IS"
                       "f3nwEJMDGgAcICAITGAgtINzqPAAAAAElFTkSuQmCC")
T = TypeVar("T")


async def bounded(items: Iterable[T], work: Callable[[T], Awaitable[object]], workers: int) -> list[object]:
    slots = asyncio.Semaphore(workers)

    async def one(item: T) -> object:
        async with slots:
            return await work(item)

    return await asyncio.gather(*(one(item) for item in items))


def product(n: int) -> Product:
    return Product(sku=f"PERF-{n:05d}", name={"en": f"Gate motor {n}", "fr": f"Moteur {n}"},
                   description={"en": "<p>Quiet and strong</p>"}, price=Money(amount=Decimal("100") + n),
                   weight=Decimal("7.5"), width=Decimal(30), height=Decimal(12), depth=Decimal(20),
                   manufacturer=f"Brand {n % 10}",
                   features=(Feature(name={"en": "Torque"}, value={"en": f"{300 + 100 * (n % 5)} Nm"}),
                             Feature(name={"en": "Voltage"}, value={"en": "24 V" if n % 2 else "230 V"}),
                             Feature(name={"en": "Warranty"}, value={"en": "2 years"})))


async def phase(name: str, count: int, unit: str, work: Awaitable[T], requests: Callable[[], int]) -> T:
    before = requests()
    started = time.perf_counter()
    result = await work
    elapsed = time.perf_counter() - started
    sent = requests() - before
    print(f"{name:<52} {count:>5} {unit:<14} {elapsed:7.2f} s  {count / elapsed:7.1f}/s  {sent:>5} requests")
    return result


async def main(url: str, control, total: int, workers: int) -> None:
    def requests() -> int:
        return control.stats().get("requests", 0)

    config = PrestaShopConfig(name="perf", url=url, key=KEY, customer_groups={"Trade": 3})
    one_by_one = config.model_copy(update={"price_batch_size": 1})
    async with PrestaShopShop(config) as shop, PrestaShopShop(one_by_one) as single:
        products = [product(n) for n in range(total)]
        ids: list[ShopProductIds] = await phase(
            "create products (manufacturer, 3 features, sizes)", total, "products",
            bounded(products, lambda p: shop.create_product(p, []), workers), requests)

        async def images(item: tuple[int, ShopProductIds]) -> None:
            n, placed = item
            for k in range(3):    # one product's images in order, as the catalog flow uploads them
                ref = FileRef(key=f"{n}-{k}", content_hash=f"{n}-{k}", filename=f"{n}-{k}.png",
                              content_type="image/png")
                await shop.upload_image(placed.product_id, ref, PNG, cover=k == 0)

        await phase("upload 3 images per product", 3 * total, "images", bounded(enumerate(ids), images, workers),
                    requests)

        def rules(placed: ShopProductIds, sku: str) -> list[PriceRule]:
            return [PriceRule(sku=sku, price=Decimal(80), price_list="Trade"),
                    PriceRule(sku=sku, reduction=Decimal("0.1"), reduction_type=Reduction.PERCENTAGE, from_quantity=5)]

        work = [(placed, rule) for placed, p in zip(ids, products, strict=True) for rule in rules(placed, p.sku)]
        created = await phase("2 specific prices per product, coalesced", len(work), "rules",
                              bounded(work, lambda w: shop.create_price_rule(*w), workers * 4), requests)
        await phase("  … and deleted, coalesced", len(created), "rules",
                    bounded(created, shop.delete_price_rule, workers * 4), requests)
        created = await phase("2 specific prices per product, one POST each", len(work), "rules",
                              bounded(work, lambda w: single.create_price_rule(*w), workers * 4), requests)
        await phase("  … and deleted one by one", len(created), "rules",
                    bounded(created, single.delete_price_rule, workers * 4), requests)

        dearer = [p.model_copy(update={"price": Money(amount=p.price.amount + 1)}) for p in products]
        await phase("price-only update", total, "products",
                    bounded(list(zip(ids, dearer, strict=True)),
                            lambda pair: shop.update_product(pair[0], pair[1], [], fields=frozenset({"price"})),
                            workers), requests)

        campaign = Promotion(key="ALL", name="All", reduction=Decimal("0.05"), skus=tuple(p.sku for p in products))
        promotion = await phase("promotion on every product (specific prices)", total, "products",
                                shop.create_promotion(campaign, product_ids=[i.product_id for i in ids],
                                                      category_ids=[]), requests)
        await phase("  … withdrawn", total, "products", shop.delete_promotion(promotion), requests)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    flows = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    with tempfile.TemporaryDirectory() as directory, run_in_thread(Path(directory), KEY, latency=None) as sandbox_url:
        print(f"{count} products, {flows} in flight, sandbox latency model on (4 workers)")
        asyncio.run(main(str(sandbox_url), sandbox_url.control, count, flows))
