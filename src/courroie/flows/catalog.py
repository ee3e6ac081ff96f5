"""Catalog, ERP → every shop.

read   the ERP's categories and products, once for all shops
map    for each shop: its assortment, its category mapping, its overrides, and the fields the ERP owns there
diff   against the fingerprint of what the shop last received: unchanged records cost nothing
write  categories (parents first), products (kit components before kits), then their images and
       documents; bounded concurrency; the binding is written right after each create
record bindings (with what was sent, for `plan` and `explain`), journal; bad records go to the blocked
       list and the run goes on; products that left the ERP or the assortment are deactivated (deleted
       only if the configuration says so)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from courroie.connectors.protocols import PackItem, ShopProductIds
from courroie.engine.runs import FlowRun, flow_run
from courroie.errors import DataError
from courroie.model import Category, FileRef, Product
from courroie.sync.assortment import CategoryTree, mapped_categories, select_products
from courroie.sync.bindings import Binding
from courroie.sync.grouping import group_articles
from courroie.sync.fields import apply_overrides, changes, field_values, without_merchant_fields, written_fields
from courroie.sync.writes import adopt, bounded, product_ids, write_record

RETIRED = "retired"
PRICES_FLOW_FIELDS = frozenset({"price"})   # set on create; kept up to date by the prices flow, on its own rhythm


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
        products = group_articles(await run.call(hub.erp.read_products), hub.config.grouping)
        run.count("categories_read", len(categories))
        run.count("products_read", len(products))
        return CatalogSource(categories, products)
    return None


async def push_catalog(hub, shop: str, source: CatalogSource, *, dry_run: bool = False) -> FlowRun:
    async with flow_run(hub, "catalog", shop, dry_run=dry_run) as run:
        settings = hub.config.shop(shop).hub.catalog
        tree = CategoryTree(source.categories)
        products = select_products(source.products, tree, settings.assortment)
        run.expect(len(source.categories) + len(products))
        category_ids = await push_categories(run, shop, source.categories, mapped_categories(tree, settings.category_map))
        await push_products(run, shop, products, category_ids)
        await retire_products(run, shop, {p.sku for p in products})
    return run


# --- categories -------------------------------------------------------------------------------------

async def push_categories(run: FlowRun, shop: str, categories: list[Category],
                          merged: dict[str, str | None]) -> dict[str, str]:
    """Create or update the shop's categories level by level; returns ERP key → shop id for every
    category a product may be placed in (merged ones point at the merchant's category)."""
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "category")
    known = bindings.all()
    ids = {key: b.external_id for key, b in known.items() if b.external_id}
    ids |= {key: target for key, target in merged.items() if target}
    levels, cyclic = by_depth(c for c in categories if c.key not in merged)
    by_key = {c.key: c for c in categories}
    for category in cyclic:
        parent = by_key.get(category.parent_key or "")
        run.block(f"category:{category.key}",
                  f"category {_label(category)} is part of a cycle in the ERP tree: its parent "
                  f"{_label(parent) if parent else category.parent_key} is also below it",
                  details={"parent": category.parent_key}, payload=category.model_dump_json())
    for level in levels:
        async def push(category: Category) -> None:
            parent_id = ids.get(category.parent_key) if category.parent_key else None
            if category.parent_key and parent_id is None and category.parent_key not in merged:
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
    return {key: value for key, value in ids.items() if merged.get(key, True) is not None}


def _label(category: Category) -> str:
    name = next((text for text in category.name.values() if text), "")
    return f"{name!r} ({category.key})" if name else category.key


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

@dataclass
class Published:
    """What a shop already holds, read from the bindings once per run (not once per product)."""

    products: dict[str, Binding]
    variants: dict[str, Binding]
    files: dict[str, dict[str, dict[str, Binding]]]     # kind → SKU → binding key → binding

    @classmethod
    def read(cls, hub, shop: str) -> Published:
        files: dict[str, dict[str, dict[str, Binding]]] = {}
        for kind in ("image", "document"):
            for key, binding in hub.bindings(shop, kind).all().items():
                files.setdefault(kind, {}).setdefault(key.split("#")[0], {})[key] = binding
        return cls(hub.bindings(shop, "product").all(), hub.bindings(shop, "variant").all(), files)


async def push_products(run: FlowRun, shop: str, products: list[Product], category_ids: dict[str, str]) -> None:
    duplicates = duplicate_skus(products)
    for duplicate in sorted(duplicates):
        sharing = [p for p in products if duplicate in {p.sku, *p.skus()}]
        run.block(duplicate, f"{len(sharing)} ERP articles share the reference {duplicate}: fix it in the ERP",
                  payload="[" + ", ".join(p.model_dump_json() for p in sharing) + "]")
    unique = [p for p in products if not duplicates.intersection({p.sku, *p.skus()})]
    published = Published.read(run.hub, shop)
    await bounded(run, [p for p in unique if not p.kit],
                  lambda p: push_product(run, shop, p, category_ids, published))
    # Kits after their components: a pack names its components by their shop ids.
    published.variants = run.hub.bindings(shop, "variant").all()
    await bounded(run, [p for p in unique if p.kit], lambda p: push_product(run, shop, p, category_ids, published))


async def push_product(run: FlowRun, shop: str, product: Product, category_ids: dict[str, str],
                       published: Published) -> None:
    hub = run.hub
    connector = hub.shops[shop]
    bindings = hub.bindings(shop, "product")
    ownership = hub.config.ownership_of(shop)
    try:
        check_product(product)
        product = apply_overrides(product, hub.config.shop(shop).hub.catalog.overrides.get(product.sku, {}))
        pack = pack_items(product, published.variants)
    except (DataError, ValueError) as error:
        reason = error.reason if isinstance(error, DataError) else f"invalid override: {error}"
        run.block(product.sku, reason, details=getattr(error, "details", {}), payload=product.model_dump_json())
        return
    product = without_merchant_fields(product, ownership)
    shop_categories = [category_ids[k] for k in product.category_keys if k in category_ids]
    binding = await adopt(run, bindings, published.products.get(product.sku), product.sku,
                          lambda: connector.find_product(product.sku))
    creating = binding is None or binding.external_id is None
    fields = written_fields(ownership, creating=creating) - (set() if creating else PRICES_FLOW_FIELDS)
    values = field_values(product, shop_categories, pack)
    # The fingerprint covers what an update writes, whether this run creates or updates.
    owned = {field: values[field] for field in sorted(written_fields(ownership, creating=False) - PRICES_FLOW_FIELDS)}
    previous = (binding.sent or {}).get("sent") if binding else None
    ids = await write_record(
        run, bindings, binding, product.sku, product.sku, owned, snapshot=values,
        create=lambda: connector.create_product(product, shop_categories, pack=pack),
        update=lambda b: connector.update_product(product_ids(b), product, shop_categories, pack=pack,
                                                  fields=fields - {"images", "documents"}),
        external_id=lambda result: result.product_id, keep=lambda result: {"variants": result.variant_ids},
        plan={"changes": changes(previous, values, fields)})
    if ids:
        hub.bindings(shop, "variant").save_many(
            [(sku, f"{ids.product_id}/{vid}", None, None) for sku, vid in ids.variant_ids.items()])
    bound = ids or (product_ids(binding) if binding and binding.external_id else None)
    if bound and not run.dry_run:
        for kind, files in (("image", product.images), ("document", product.documents)):
            if f"{kind}s" in fields:
                ours = published.files.get(kind, {}).get(product.sku, {})
                await push_files(run, shop, product.sku, bound, files, kind, ours)


def pack_items(product: Product, placed: dict[str, Binding]) -> list[PackItem]:
    """A kit's components as the shop knows them; a component not yet in the shop blocks the kit."""
    if not product.kit:
        return []
    items = []
    for item in product.kit:
        where = placed.get(item.sku)
        if where is None or where.external_id is None:
            raise DataError(f"kit {product.sku}: component {item.sku} is not published in this shop",
                            details={"component": item.sku})
        if item.quantity != int(item.quantity) or item.quantity <= 0:
            raise DataError(f"kit {product.sku}: component {item.sku} has quantity {item.quantity}; "
                            "a pack takes whole positive quantities")
        product_id, variant_id = where.external_id.split("/")
        items.append(PackItem(product_id, variant_id, int(item.quantity)))
    return items


async def push_files(run: FlowRun, shop: str, sku: str, ids: ShopProductIds, files: tuple[FileRef, ...],
                     kind: str, ours: dict[str, Binding]) -> None:
    """Upload the ERP's files the shop lacks (by content hash), remove the hub's files the ERP dropped;
    files the merchant added in the shop are not the hub's and stay."""
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, kind)
    ours = {key: binding for key, binding in ours.items() if binding.external_id}
    wanted = {f"{sku}#{file.content_hash}": (position, file) for position, file in enumerate(files)}
    for key, (position, file) in wanted.items():
        if key in ours:
            continue
        async def upload(file: FileRef = file, cover: bool = position == 0) -> str:
            content = await run.call(lambda: run.hub.erp.read_file(file.key), peer=run.hub.erp_name)
            if kind == "image":
                return await connector.upload_image(ids.product_id, file, content, cover=cover)
            return await connector.upload_document(ids.product_id, file, content)
        record = f"{sku} {kind} {file.filename}"
        file_id = await run.attempt(record, upload, payload=file.model_dump_json())
        if file_id:
            bindings.save(key, str(file_id), file.content_hash, {"filename": file.filename})
            run.record(f"{kind}_added", sku, file.filename, details={"id": str(file_id)})
            run.unblock(record)
    for key, binding in ours.items():
        if key in wanted:
            continue
        remove = (lambda b=binding: connector.delete_image(ids.product_id, b.external_id)) if kind == "image" \
            else (lambda b=binding: connector.delete_document(b.external_id))
        if await run.succeeded(f"{sku} {kind}", remove):
            bindings.forget(key)
            run.record(f"{kind}_removed", sku, (binding.sent or {}).get("filename", ""))


async def retire_products(run: FlowRun, shop: str, current: set[str]) -> None:
    """Products bound in this shop but gone from the ERP or the assortment: deactivated once (or
    deleted, when the configuration says so)."""
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "product")
    delete = run.hub.config.shop(shop).hub.catalog.on_leave == "delete"
    gone = [b for key, b in bindings.all().items() if key not in current and b.external_id and b.fingerprint != RETIRED]

    async def retire(binding: Binding) -> None:
        if run.dry_run:
            run.count("deleted" if delete else "deactivated")
            run.planned.append({"record": binding.erp_key, "action": "deleted" if delete else "deactivated"})
            return
        if delete:
            if await run.succeeded(binding.erp_key, lambda: connector.delete_product(binding.external_id)):
                bindings.forget(binding.erp_key)
                run.record("deleted", binding.erp_key, "no longer in the ERP catalog or this shop's assortment")
        elif await run.succeeded(binding.erp_key, lambda: connector.deactivate_product(binding.external_id)):
            bindings.touch_fingerprint(binding.erp_key, RETIRED)
            run.record("deactivated", binding.erp_key, "no longer in the ERP catalog or this shop's assortment")

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

