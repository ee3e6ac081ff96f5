"""Catalog, ERP → every shop: categories first (parents before children), then products and their
variants, then products that left the ERP are deactivated (never deleted).

read   the ERP's categories and products, once for all shops
map    each record into what this shop should hold (category ids resolved through bindings)
diff   against the fingerprint of what the shop last received: unchanged records cost nothing
write  creates and updates with bounded concurrency (the binding is written right after each create)
record bindings, journal; bad records go to the blocked list and the run goes on
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from courroie.connectors.protocols import ShopProductIds
from courroie.engine.failpoints import failpoint
from courroie.engine.runs import FlowRun, flow_run
from courroie.errors import DataError
from courroie.model import Category, Product
from courroie.sync.bindings import Binding, Bindings
from courroie.sync.fingerprints import fingerprint

RETIRED = "retired"


@dataclass(frozen=True)
class CatalogSource:
    categories: list[Category]
    products: list[Product]


async def sync_catalog(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    source = await read_catalog(hub, dry_run=dry_run)
    if source is None:
        return                                  # the ERP run failed and says why; shops keep what they have
    await asyncio.gather(*(push_catalog(hub, name, source, dry_run=dry_run) for name in hub.selected_shops(shop)))


async def read_catalog(hub, *, dry_run: bool = False) -> CatalogSource | None:
    async with flow_run(hub, "catalog", hub.erp_name, dry_run=dry_run) as run:
        categories = await run.call(hub.erp.read_categories)
        products = await run.call(hub.erp.read_products)
        run.count("categories_read", len(categories))
        run.count("products_read", len(products))
        return CatalogSource(categories, products)
    return None


async def push_catalog(hub, shop: str, source: CatalogSource, *, dry_run: bool = False) -> None:
    async with flow_run(hub, "catalog", shop, dry_run=dry_run) as run:
        run.expect(len(source.categories) + len(source.products))
        category_ids = await push_categories(run, shop, source.categories)
        await push_products(run, shop, source.products, category_ids)
        await retire_products(run, shop, {p.sku for p in source.products})


# --- categories -------------------------------------------------------------------------------------

async def push_categories(run: FlowRun, shop: str, categories: list[Category]) -> dict[str, str]:
    """Create or update categories level by level; returns ERP key → shop id of those the shop has."""
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "category")
    known = bindings.all()
    ids = {key: b.external_id for key, b in known.items() if b.external_id}
    levels, cyclic = by_depth(categories)
    for category in cyclic:
        run.block(f"category:{category.key}", f"category {category.key} is part of a cycle in the ERP tree",
                  details={"parent": category.parent_key})
    for level in levels:
        async def push(category: Category) -> None:
            parent_id = ids.get(category.parent_key) if category.parent_key else None
            if category.parent_key and parent_id is None:
                return                          # its parent was blocked: it waits with it
            sent = {"category": category.model_dump(mode="json"), "parent": parent_id}

            async def update(binding: Binding) -> str:
                await connector.update_category(binding.external_id, category, parent_id)
                return binding.external_id

            category_id = await write_record(
                run, bindings, known.get(category.key), category.key, f"category:{category.key}", sent,
                create=lambda: connector.create_category(category, parent_id), update=update)
            if category_id:
                ids[category.key] = str(category_id)
        await bounded(run, level, push)
    return ids


def by_depth(categories: Iterable[Category]) -> tuple[list[list[Category]], list[Category]]:
    """Categories grouped by depth (roots first), and those caught in a parent cycle."""
    by_key = {c.key: c for c in categories}
    depth: dict[str, int] = {}

    def depth_of(key: str, seen: tuple[str, ...] = ()) -> int:
        if key in depth:
            return depth[key]
        if key in seen:
            raise ValueError(key)
        parent = by_key[key].parent_key
        value = 0 if parent is None or parent not in by_key else depth_of(parent, (*seen, key)) + 1
        depth[key] = value
        return value

    cyclic = []
    for key in by_key:
        try:
            depth_of(key)
        except ValueError:
            cyclic.append(by_key[key])
    levels: dict[int, list[Category]] = {}
    for key, value in depth.items():
        levels.setdefault(value, []).append(by_key[key])
    return [levels[d] for d in sorted(levels)], cyclic


# --- products ---------------------------------------------------------------------------------------

async def push_products(run: FlowRun, shop: str, products: list[Product], category_ids: dict[str, str]) -> None:
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "product")
    variants = run.hub.bindings(shop, "variant")
    known = bindings.all()
    duplicates = duplicate_skus(products)
    for duplicate in sorted(duplicates):
        run.block(duplicate, f"two ERP articles share the reference {duplicate}: fix it in the ERP")
    unique = [p for p in products if not duplicates.intersection(p.skus()) and p.sku not in duplicates]

    async def push(product: Product) -> None:
        record = product.sku
        try:
            check_product(product)
        except DataError as error:
            run.block(record, error.reason, details=error.details, payload=product.model_dump_json())
            return
        shop_categories = [category_ids[k] for k in product.category_keys if k in category_ids]
        sent = {"product": product.model_dump(mode="json"), "categories": shop_categories}
        binding = await adopt(run, bindings, known.get(product.sku), product.sku,
                              lambda: connector.find_product(product.sku))
        ids = await write_record(
            run, bindings, binding, product.sku, record, sent,
            create=lambda: connector.create_product(product, shop_categories),
            update=lambda b: connector.update_product(_ids(b), product, shop_categories),
            external_id=lambda ids: ids.product_id, extra=lambda result: {"variants": result.variant_ids})
        if ids:
            variants.save_many([(sku, f"{ids.product_id}/{vid}", None, None) for sku, vid in ids.variant_ids.items()])

    await bounded(run, unique, push)


async def retire_products(run: FlowRun, shop: str, current: set[str]) -> None:
    """Products bound in this shop but gone from the ERP are deactivated, once."""
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "product")
    gone = [b for key, b in bindings.all().items() if key not in current and b.external_id and b.fingerprint != RETIRED]

    async def retire(binding: Binding) -> None:
        if run.dry_run:
            run.count("deactivate")
            return
        if await run.succeeded(binding.erp_key, lambda: connector.deactivate_product(binding.external_id)):
            bindings.touch_fingerprint(binding.erp_key, RETIRED)
            run.record("deactivated", binding.erp_key, "no longer in the ERP catalog")

    await bounded(run, gone, retire)


def duplicate_skus(products: list[Product]) -> set[str]:
    seen: set[str] = set()
    duplicates: set[str] = set()
    for product in products:
        for sku in {product.sku, *product.skus()}:
            (duplicates if sku in seen else seen).add(sku)
    return duplicates


def check_product(product: Product) -> None:
    """Rules every shop shares; a shop's own limits are checked by its connector."""
    if product.price.amount < 0:
        raise DataError(f"negative price {product.price.amount} for {product.sku}")
    for sku, ean in [(product.sku, product.ean13)] + [(v.sku, v.ean13) for v in product.variants]:
        if ean and not valid_ean13(ean):
            raise DataError(f"invalid EAN13 {ean!r} on {sku} (wrong length or checksum)", details={"ean13": ean})
    if not any(product.name.values()):
        raise DataError(f"{product.sku} has no name in any language")
    for variant in product.variants:
        if variant.price is not None and variant.price.amount < 0:
            raise DataError(f"negative price {variant.price.amount} for {variant.sku}")


def valid_ean13(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    total = sum(digits[i] * (3 if i % 2 else 1) for i in range(12))
    return (10 - total % 10) % 10 == digits[12]


# --- shared by every write -------------------------------------------------------------------------

async def adopt(run: FlowRun, bindings: Bindings, binding: Binding | None, erp_key: str,
                find: Callable[[], Awaitable[ShopProductIds | None]]) -> Binding | None:
    """A binding left as an intent means a create may have reached the shop before the process died:
    look the record up by reference and bind it instead of creating it twice."""
    if binding is None or not binding.is_intent or run.dry_run:
        return binding
    found = await run.call(find)
    if found is None:
        return binding
    bindings.save(erp_key, found.product_id, None, {"variants": found.variant_ids})
    run.record("adopted", erp_key, "found in the shop after an interrupted create")
    return bindings.get(erp_key)


async def write_record(run: FlowRun, bindings: Bindings, binding: Binding | None, erp_key: str, record: str,
                       sent: dict, *, create: Callable[[], Awaitable], update: Callable[[Binding], Awaitable],
                       external_id: Callable = str, extra: Callable = lambda result: {}):
    """Diff one record against its binding and create, update or skip it. ``create`` and ``update``
    return where the record is in the shop. Returns that; None when unchanged, blocked or a dry run."""
    digest = fingerprint(sent)
    if binding and binding.external_id and binding.fingerprint == digest:
        run.count("unchanged")
        return None
    action = "updated" if binding and binding.external_id else "created"   # a retired product is updated too
    if run.dry_run:
        run.count(action)
        return None
    if action == "created":
        bindings.intend(erp_key)                # a crash after the create is found again by reference
        result = await run.attempt(record, create, payload=_json(sent))
        failpoint("catalog.after_create")
    else:
        result = await run.attempt(record, lambda: update(binding), payload=_json(sent))
    if result is None:
        return None
    bindings.save(erp_key, external_id(result), digest, extra(result) or None)
    run.unblock(record)
    run.record(action, record, details={"external_id": external_id(result)})
    return result


def _ids(binding: Binding) -> ShopProductIds:
    return ShopProductIds(binding.external_id, dict((binding.sent or {}).get("variants", {})))


async def bounded(run: FlowRun, items: list, work: Callable[[object], Awaitable[None]]) -> None:
    limit = asyncio.Semaphore(run.hub.config.concurrency)

    async def one(item) -> None:
        async with limit:
            await work(item)

    await asyncio.gather(*(one(item) for item in items))


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
