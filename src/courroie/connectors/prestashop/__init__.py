"""PrestaShop 8 shops, through the webservice (``/api/``).

``PrestaShopShop(config)`` implements :class:`courroie.connectors.protocols.ShopConnector`: reads in
bulk (JSON, filtered by id lists, paged to the end), writes in XML, batched where the webservice takes
several records in one document (stock rows, combinations, specific prices, feature values), with at
most ``config.concurrency`` requests in flight. Keys handed to the hub are PrestaShop ids as text; a
product without combinations has the variant id ``"0"``; a promotion's id names its records
(``specific_prices:12-40`` or ``cart_rules:7``).

Modules: ``client`` (HTTP and documents), ``mapping`` / ``price_documents`` / ``validation`` (pure),
``lookups`` (cached shop ids: manufacturers, features, currencies, countries), ``files`` (images and
attachments), ``pricing`` (specific prices and cart rules), ``batching`` (coalesced batch writes),
``orders`` (reading orders: what each field comes from), ``fulfilment`` (states, shipments, private
notes and ERP documents: what PrestaShop can take and why it is done this way).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from lxml import etree

from courroie.connectors.prestashop import mapping
from courroie.connectors.prestashop.client import NotFound, PrestaShopClient, filter_values
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.prestashop.files import ProductFiles
from courroie.connectors.prestashop.fulfilment import OrderWriter
from courroie.connectors.prestashop.lookups import CatalogLookups, ReferenceIds
from courroie.connectors.prestashop.mapping import (
    CombinationSpec,
    ProductRefs,
    Row,
    StockRow,
    as_decimal,
    as_int,
    as_text,
    mapped,
)
from courroie.connectors.prestashop.orders import OrderReader
from courroie.connectors.prestashop.pricing import PriceWriter
from courroie.connectors.protocols import (
    PRODUCT_FIELDS,
    CheckResult,
    PackItem,
    ShopProductIds,
    StatusUpdate,
    StockUpdate,
)
from courroie.errors import AuthenticationFailure, ConnectionFailure, CourroieError, DataError, TransientError
from courroie.model import Category, ErpDocument, FileRef, IncomingOrder, PriceRule, Product, Promotion

__all__ = ["PrestaShopConfig", "PrestaShopShop"]

log = logging.getLogger(__name__)

T = TypeVar("T")

STOCK_ROWS_PER_PAGE = 5000

# What each flow needs the key to be allowed to do (root listing attributes).
REQUIRED_PERMISSIONS: Mapping[str, frozenset[str]] = {
    "categories": frozenset({"get", "post", "patch"}),
    "products": frozenset({"get", "post", "patch", "delete"}),
    "manufacturers": frozenset({"get", "post"}),
    "product_features": frozenset({"get", "post"}),
    "product_feature_values": frozenset({"get", "post"}),
    "images": frozenset({"get", "post", "delete"}),
    "attachments": frozenset({"get", "post", "put", "delete"}),
    "specific_prices": frozenset({"get", "post", "delete"}),
    "cart_rules": frozenset({"get", "post", "delete"}),
    "groups": frozenset({"get"}),
    "combinations": frozenset({"get", "post", "patch", "delete"}),
    "product_options": frozenset({"get", "post"}),
    "product_option_values": frozenset({"get", "post"}),
    "stock_availables": frozenset({"get", "put"}),
    "orders": frozenset({"get"}),
    "order_details": frozenset({"get"}),
    "order_payments": frozenset({"get"}),
    "order_cart_rules": frozenset({"get"}),
    "order_slip": frozenset({"get"}),
    "order_histories": frozenset({"get", "post"}),
    "order_carriers": frozenset({"get", "put", "post"}),
    "order_states": frozenset({"get"}),
    "order_invoices": frozenset({"get", "patch"}),
    "customer_threads": frozenset({"get", "post"}),
    "customer_messages": frozenset({"get", "post"}),
    "customers": frozenset({"get"}),
    "addresses": frozenset({"get"}),
    "states": frozenset({"get"}),
    "carriers": frozenset({"get"}),
    "countries": frozenset({"get"}),
    "currencies": frozenset({"get"}),
    "languages": frozenset({"get"}),
}


_mapped = mapped


async def _done(value: T) -> T:
    return value


def _decimal_or_none(value: object) -> Decimal | None:
    try:
        return as_decimal(value)
    except ValueError:
        return None


def _created_id(records: Sequence[Row], what: str) -> str:
    record_id = as_text(records[0].get("id")) if records else ""
    if not record_id:
        raise DataError(f"PrestaShop created {what} but its answer holds no id")
    return record_id


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass
class _OptionCatalog:
    """Attribute groups and values by name, read once per connector and grown as we create."""

    groups: dict[str, str] = field(default_factory=dict)                 # name → id
    values: dict[tuple[str, str], str] = field(default_factory=dict)     # (group id, name) → id


class PrestaShopShop:
    """A PrestaShop shop seen through the ``ShopConnector`` protocol."""

    def __init__(self, config: PrestaShopConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.name = config.name
        self._client = PrestaShopClient(config.url, config.key, shop_id=config.shop_id,
                                        shop_group_id=config.shop_group_id, timeout=config.timeout,
                                        concurrency=config.concurrency, transport=transport)
        self._options: _OptionCatalog | None = None
        self._options_lock = asyncio.Lock()
        self._orders = OrderReader(self._client, config)
        self._fulfilment = OrderWriter(self._client, config)
        self._lookups = CatalogLookups(self._client, config)
        self._references = ReferenceIds(self._client, config)
        self._files = ProductFiles(self._client, config)
        self._prices = PriceWriter(self._client, config, self._lookups, self._references)
        # Complete stock rows by (product, variant) as last read or written (see write_stock).
        self._known: dict[tuple[str, str], tuple[StockRow, ...]] = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> PrestaShopShop:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- catalog ------------------------------------------------------------------------------

    async def create_category(self, category: Category, parent_id: str | None) -> str:
        element = _mapped(mapping.category_element, category, self._parent(parent_id), self.config)
        return await self._create("categories", element, f"category {category.key}")

    async def update_category(self, category_id: str, category: Category, parent_id: str | None) -> None:
        element = _mapped(mapping.category_element, category, self._parent(parent_id), self.config, category_id)
        await self._client.update("categories", category_id, element)

    def _parent(self, parent_id: str | None) -> str:
        return parent_id or str(self.config.home_category_id)

    async def create_product(self, product: Product, category_ids: Sequence[str], *,
                             pack: Sequence[PackItem] = ()) -> ShopProductIds:
        """The product with everything it points to: manufacturer, features, pack items, combinations.
        What it points to is found or created first, so that a refusal leaves no half product."""
        refs = await self._refs(product, PRODUCT_FIELDS, pack)
        element = _mapped(mapping.product_element, product, category_ids, self.config, refs=refs)
        assert element is not None
        specs = await self._combination_specs(product)      # attribute values first: no orphan product if they fail
        product_id = await self._create("products", element, f"product {product.sku}")
        if not specs:
            return ShopProductIds(product_id, {sku: "0" for sku in product.skus()})
        try:
            variant_ids = await self._create_combinations(product_id, specs, with_default=True)
        except CourroieError:
            # Without its combinations the product must not stay: the next run would create it twice.
            await self._delete_quietly("products", product_id)
            raise
        return ShopProductIds(product_id, variant_ids)

    async def update_product(self, ids: ShopProductIds, product: Product, category_ids: Sequence[str], *,
                             pack: Sequence[PackItem] = (),
                             fields: frozenset[str] = PRODUCT_FIELDS) -> ShopProductIds:
        """Only ``fields``, the ones the ERP owns in this shop: one PATCH with just those (PUT would
        wipe the others), then the combinations when ``variants`` is named — or, with ``price`` alone,
        the price impacts of the combinations that have their own price."""
        product_id = ids.product_id
        refs = await self._refs(product, fields, pack)
        element = _mapped(mapping.product_element, product, category_ids, self.config, product_id,
                          fields=fields, refs=refs)
        specs = await self._combination_specs(product) if "variants" in fields else []
        if element is not None:
            await self._client.update("products", product_id, element)
        if "variants" in fields:
            return await self._sync_combinations(ids, product, specs)
        if "price" in fields and product.has_combinations:
            await self._update_price_impacts(ids, product)
        return ShopProductIds(product_id, dict(ids.variant_ids) or {sku: "0" for sku in product.skus()})

    async def _refs(self, product: Product, fields: Iterable[str], pack: Sequence[PackItem]) -> ProductRefs:
        """Shop ids the product document needs, for the fields about to be written."""
        wanted = set(fields)
        manufacturer, features = await asyncio.gather(
            self._lookups.manufacturer_id(product.manufacturer) if "manufacturer" in wanted else _done("0"),
            self._lookups.feature_pairs(product) if "features" in wanted and product.features else _done(()))
        return ProductRefs(manufacturer_id=manufacturer, features=features, pack=tuple(pack))

    async def _sync_combinations(self, ids: ShopProductIds, product: Product,
                                 specs: list[CombinationSpec]) -> ShopProductIds:
        """Bring the combinations in line: patch the changed ones, create the new, delete the ones we
        made that the ERP no longer has."""
        product_id = ids.product_id
        ours = {combination_id for combination_id in ids.variant_ids.values() if combination_id != "0"}
        if not specs:
            await asyncio.gather(*(self._delete_quietly("combinations", c) for c in sorted(ours)))
            return ShopProductIds(product_id, {sku: "0" for sku in product.skus()})

        rows = await self._client.read("combinations", filters={"id_product": filter_values([product_id])})
        by_reference = {as_text(row.get("reference")): row for row in rows}
        by_id = {as_text(row.get("id")): row for row in rows}
        variant_ids: dict[str, str] = {}
        to_create: list[CombinationSpec] = []
        changes = []
        for spec in specs:
            row = by_reference.get(spec.reference) or by_id.get(ids.variant_ids.get(spec.reference, ""))
            if row is None:
                to_create.append(spec)
                continue
            combination_id = as_text(row.get("id"))
            variant_ids[spec.reference] = combination_id
            if not spec.matches(row):
                changes.append(self._client.update("combinations", combination_id,
                                                   spec.element(product_id, combination_id)))
        await asyncio.gather(*changes)
        if to_create:
            variant_ids |= await self._create_combinations(product_id, to_create, with_default=not rows)
        stale = sorted((ours & by_id.keys()) - set(variant_ids.values()))
        await asyncio.gather(*(self._delete_quietly("combinations", c) for c in stale))
        return ShopProductIds(product_id, variant_ids)

    async def _update_price_impacts(self, ids: ShopProductIds, product: Product) -> None:
        """A new base price moves the impact of every combination priced on its own (impact = own
        price - base); the others keep impact 0. Only the impacts that differ are written."""
        rows = await self._client.read("combinations", display="[id,id_product,reference,price,minimal_quantity]",
                                       filters={"id_product": filter_values([ids.product_id])})
        by_reference = {as_text(row.get("reference")): row for row in rows}
        by_id = {as_text(row.get("id")): row for row in rows}
        changes = []
        for variant in product.variants:
            row = by_reference.get(variant.sku) or by_id.get(ids.variant_ids.get(variant.sku, ""))
            impact = mapping.price_impact(product, variant)
            if row is not None and _decimal_or_none(row.get("price")) != impact:
                changes.append(self._client.update("combinations", as_text(row.get("id")),
                                                   mapping.combination_price_element(row, impact)))
        await asyncio.gather(*changes)

    async def find_product(self, sku: str) -> ShopProductIds | None:
        """The product whose reference is ``sku`` (the oldest, if the shop has several), with its
        combinations by reference: what a create cut short may have left in the shop."""
        rows = await self._client.read("products", display="[id,reference]",
                                       filters={"reference": mapping.exact_filter(sku)})
        ids = sorted(as_int(row.get("id")) for row in rows if as_text(row.get("reference")) == sku)
        if not ids:
            return None
        product_id = str(ids[0])
        combinations = await self._client.read("combinations", display="[id,reference]",
                                               filters={"id_product": filter_values([product_id])})
        variant_ids = {as_text(row.get("reference")): as_text(row.get("id")) for row in combinations
                       if as_text(row.get("reference"))}
        return ShopProductIds(product_id, variant_ids or {sku: "0"})

    async def read_product(self, product_id: str) -> dict[str, Any] | None:
        """What the shop holds now for the fields it can show back, by ``PRODUCT_FIELDS`` name; None
        when the product is gone."""
        rows = await self._client.read("products", filters={"id": f"[{as_int(product_id)}]"})
        return mapping.held_fields(rows[0], self.config) if rows else None

    async def deactivate_product(self, product_id: str) -> None:
        await self._client.update("products", product_id, mapping.deactivation_element(product_id))

    async def delete_product(self, product_id: str) -> None:
        """Its combinations, stock rows, images and specific prices go with it; already gone is done."""
        try:
            await self._client.delete("products", product_id)
        except NotFound:
            pass

    # --- images and documents -----------------------------------------------------------------

    async def upload_image(self, product_id: str, image: FileRef, content: bytes, *, cover: bool) -> str:
        return await self._files.upload_image(product_id, image, content, cover=cover)

    async def delete_image(self, product_id: str, image_id: str) -> None:
        await self._files.delete_image(product_id, image_id)

    async def upload_document(self, product_id: str, document: FileRef, content: bytes) -> str:
        return await self._files.upload_document(product_id, document, content)

    async def delete_document(self, document_id: str) -> None:
        await self._files.delete_document(document_id)

    # --- prices -------------------------------------------------------------------------------

    async def create_price_rule(self, ids: ShopProductIds, rule: PriceRule) -> str:
        """One specific price; calls made together leave in one batch POST."""
        return await self._prices.create_rule(ids, rule)

    async def delete_price_rule(self, rule_id: str) -> None:
        await self._prices.delete_rule(rule_id)

    async def create_promotion(self, promotion: Promotion, *, product_ids: Sequence[str],
                               category_ids: Sequence[str]) -> str:
        """Specific prices (no coupon) or a cart rule (coupon): see ``price_documents`` for why not
        ``specific_price_rules``. The id names the records, so deleting needs no lookup."""
        return await self._prices.create_promotion(promotion, product_ids, category_ids)

    async def delete_promotion(self, promotion_id: str) -> None:
        await self._prices.delete_promotion(promotion_id)

    async def _combination_specs(self, product: Product) -> list[CombinationSpec]:
        if not product.has_combinations:
            return []
        bare = [variant.sku for variant in product.variants if not variant.attributes]
        if bare:
            raise DataError(f"product {product.sku} has combinations but variants {', '.join(bare)} have no "
                            "attributes to tell them apart")
        _mapped(mapping.check_variants, product)     # before any attribute is created for it
        value_ids = await self._option_value_ids({pair for v in product.variants for pair in v.attributes.items()})
        return [_mapped(mapping.combination_spec, product, variant,
                        [value_ids[pair] for pair in variant.attributes.items()])
                for variant in product.variants]

    async def _create_combinations(self, product_id: str, specs: Sequence[CombinationSpec], *,
                                   with_default: bool) -> dict[str, str]:
        """All combinations of a product in one POST; the answer lists each with its reference."""
        elements = [spec.element(product_id, default=with_default and index == 0) for index, spec in enumerate(specs)]
        created = await self._client.post("combinations", elements)
        by_reference = {as_text(row.get("reference")): as_text(row.get("id")) for row in created}
        missing = [spec.reference for spec in specs if not by_reference.get(spec.reference)]
        if missing:
            raise DataError(f"PrestaShop did not confirm combinations {', '.join(missing)} of product {product_id}")
        return {spec.reference: by_reference[spec.reference] for spec in specs}

    async def _option_value_ids(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Attribute value ids for (group name, value name) pairs, creating what the shop lacks.

        Under a lock: two products sharing a new value must not create it twice. New groups and
        values are rare (a catalog has a few dozen), so they go one POST each."""
        async with self._options_lock:
            catalog = self._options = self._options or await self._read_options()
            for group in sorted({group for group, _ in pairs if _fold(group) not in catalog.groups}):
                catalog.groups[_fold(group)] = await self._create(
                    "product_options", mapping.option_group_element(group, self.config), f"attribute group {group}")

            def key(group: str, value: str) -> tuple[str, str]:
                return catalog.groups[_fold(group)], _fold(value)

            new_values = sorted(pair for pair in pairs if key(*pair) not in catalog.values)
            created = await asyncio.gather(*(
                self._create("product_option_values", mapping.option_value_element(key(group, value)[0], value,
                                                                                   self.config),
                             f"attribute value {group}: {value}") for group, value in new_values))
            catalog.values |= {key(*pair): value_id for pair, value_id in zip(new_values, created, strict=True)}
            return {pair: catalog.values[key(*pair)] for pair in pairs}

    async def _create(self, resource: str, element: etree._Element, what: str) -> str:
        return _created_id(await self._client.post(resource, [element]), what)

    async def _read_options(self) -> _OptionCatalog:
        groups, values = await asyncio.gather(
            self._client.read("product_options", display="[id,name]"),
            self._client.read("product_option_values", display="[id,id_attribute_group,name]"))
        catalog = _OptionCatalog()
        for row in groups:
            for name in mapping.all_texts(row.get("name")):
                catalog.groups.setdefault(_fold(name), as_text(row.get("id")))
        for row in values:
            for name in mapping.all_texts(row.get("name")):
                catalog.values.setdefault((as_text(row.get("id_attribute_group")), _fold(name)), as_text(row.get("id")))
        return catalog

    async def _delete_quietly(self, resource: str, record_id: str) -> None:
        try:
            await self._client.delete(resource, record_id)
        except NotFound:
            pass
        except CourroieError as exc:
            log.warning("could not delete %s/%s: %s", resource, record_id, exc)

    # --- stock --------------------------------------------------------------------------------

    async def write_stock(self, updates: Sequence[StockUpdate]) -> None:
        """Absolute quantities, as batch PUTs of complete rows on the collection URL (06-batch-write).

        A PUT replaces the whole row, so each must be sent complete (04-writes/019, 028). The rows are
        read first, in bulk; with ``stock_rows_from_memory``, those this connector last read or wrote
        (``_known``: the reconciliation's bulk read refreshes them all) are not, only articles it does not
        know yet. A row read for this call
        and already right is left alone; a known row is written whatever this connector last saw of it
        (the shop may have sold since: the hub asks only for what it means to write). A refused batch
        is retried row by row; a refused row that came from memory is read again and tried once more
        (the shop may have replaced it). The price: the other fields of a row (location, out_of_stock
        when the hub leaves it to the shop, depends_on_stock) go back as last read, so a back-office
        edit of them made since the last read (at most a reconciliation ago) is undone by the next
        write of that row; the same happened before between a read and its PUT, in a narrower window.
        Sequential batch PUTs of 50 reach ~1,000 rows/s on a real 8.1.2; a read of 100 rows first
        (~35 ms per 100 rows against ~100 ms of PUTs) cost about a quarter of that."""
        wanted = {(u.product_id, u.variant_id or "0"): u for u in updates}
        if not wanted:
            return
        remembered = self._known if self.config.stock_rows_from_memory else {}
        known = {key: remembered[key] for key in wanted if key in remembered}
        fresh = await self._read_stock_of([key for key in wanted if key not in known])
        refused = await self._put_changes(self._stock_changes(wanted, known, fresh))
        stale = {row.key for row, _ in refused} & known.keys()
        if stale:
            for key in stale:
                del known[key]
                self._known.pop(key, None)
            again = await self._read_stock_of(stale)
            fresh |= again
            refused = [(row, line) for row, line in refused if row.key not in stale]
            refused += await self._put_changes(self._stock_changes({key: wanted[key] for key in stale}, {}, again))
        missing = [f"{product_id}/{variant_id}" for product_id, variant_id in wanted
                   if (product_id, variant_id) not in known and (product_id, variant_id) not in fresh]
        if missing or refused:
            raise DataError(f"{len(missing) + len(refused)} of {len(wanted)} stock levels not written",
                            details={"no_stock_row": missing, "refused": [line for _, line in refused]})

    @staticmethod
    def _stock_changes(wanted: Mapping[tuple[str, str], StockUpdate],
                       known: Mapping[tuple[str, str], tuple[StockRow, ...]],
                       fresh: Mapping[tuple[str, str], tuple[StockRow, ...]]) -> list[tuple[StockRow, int]]:
        """(complete row, quantity) to PUT, in the order asked. out_of_stock: 0 refuses orders beyond
        stock, 1 accepts them (back-orders), 2 follows the shop's setting; None leaves it as it is."""
        changes = []
        for key, update in wanted.items():
            out_of_stock = mapping.out_of_stock(update.backorders)
            for row in known.get(key, ()):
                changes.append((row.with_out_of_stock(out_of_stock), update.quantity))
            for row in fresh.get(key, ()):
                if row.quantity != update.quantity or (out_of_stock is not None and row.out_of_stock != out_of_stock):
                    changes.append((row.with_out_of_stock(out_of_stock), update.quantity))
        return changes

    async def _put_changes(self, changes: Sequence[tuple[StockRow, int]]) -> list[tuple[StockRow, str]]:
        """Batch PUTs, ``stock_batch_size`` rows each, concurrently; the refused rows."""
        size = self.config.stock_batch_size
        results = await _settle(self._put_stock(changes[start:start + size]) for start in range(0, len(changes), size))
        return [refusal for refusals in results for refusal in refusals]

    async def _put_stock(self, batch: Sequence[tuple[StockRow, int]]) -> list[tuple[StockRow, str]]:
        """One batch PUT; if PrestaShop refuses it, row by row to find the culprits. Returns refusals."""
        try:
            await self._client.put("stock_availables", [row.element(quantity) for row, quantity in batch])
        except DataError as exc:
            if len(batch) == 1:
                row = batch[0][0]
                return [(row, f"{row.product_id}/{row.variant_id}: {exc}")]
            results = await _settle(self._put_stock([pair]) for pair in batch)
            return [refusal for refusals in results for refusal in refusals]
        self._remember(row.with_quantity(quantity) for row, quantity in batch)
        return []

    async def _read_stock_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[StockRow, ...]]:
        """The rows of these articles' products, read in bulk (and remembered), by article."""
        keys = set(keys)
        if not keys:
            return {}
        by_key: dict[tuple[str, str], list[StockRow]] = defaultdict(list)
        for row in await self._stock_rows({product_id for product_id, _ in keys}):
            by_key[row.key].append(row)
        if self.config.stock_rows_from_memory:
            for key in keys - by_key.keys():
                self._known.pop(key, None)              # gone from the shop
            self._known.update((key, tuple(rows)) for key, rows in by_key.items())
        return {key: tuple(rows) for key, rows in by_key.items() if key in keys}

    def _remember(self, rows: Iterable[StockRow]) -> None:
        """Rows as just written: what the next write of the same articles sends again, whole (kept only
        when the shop writes from memory: else each pass reads its rows, and memory is not spent)."""
        if not self.config.stock_rows_from_memory:
            return
        for row in rows:
            others = tuple(r for r in self._known.get(row.key, ()) if r.id != row.id)
            self._known[row.key] = (*others, row)

    async def _stock_rows(self, product_ids: Iterable[str]) -> list[StockRow]:
        rows = await self._client.read_by("stock_availables", "id_product", product_ids)
        return [row for row in map(StockRow.from_record, rows) if self._ours(row)]

    def _ours(self, row: StockRow) -> bool:
        return mapping.belongs_to_shop(row, self.config.shop_id, self.config.shop_group_id)

    async def read_stock(self) -> dict[tuple[str, str], int]:
        """What the shop shows, every row read in bulk (complete rows: they also renew ``_known``,
        so that the writes that follow a reconciliation need no read)."""
        levels: dict[tuple[str, str], int] = {}
        known: dict[tuple[str, str], tuple[StockRow, ...]] = {}
        async for page in self._client.read_pages("stock_availables", display="full",
                                                  page_size=STOCK_ROWS_PER_PAGE):
            for row in map(StockRow.from_record, page):
                if self._ours(row):
                    levels.setdefault(row.key, row.quantity)
                    known[row.key] = (*known.get(row.key, ()), row)
        if self.config.stock_rows_from_memory:
            self._known = known
        return levels

    # --- orders -------------------------------------------------------------------------------

    async def read_orders(self, updated_since: datetime | None) -> AsyncIterator[IncomingOrder]:
        """Every order updated at or after ``updated_since`` (local shop time filter), every page,
        with what it points to read in bulk per page (see ``orders``)."""
        async for incoming in self._orders.read_orders(updated_since):
            yield incoming

    async def read_order(self, order_id: str) -> IncomingOrder | None:
        found = await self._orders.alone(order_id)
        return found[0] if found else None

    # --- fulfilment ---------------------------------------------------------------------------

    async def set_order_status(self, update: StatusUpdate) -> None:
        """Tell the shop what the ERP did (see ``fulfilment``). Idempotent: a state the order has had
        is not sent again (it would step the order back and mail the customer twice), nor a tracking
        number it holds."""
        await self._fulfilment.set_order_status(update)

    async def add_order_note(self, order_id: str, text: str) -> None:
        """A private message on the order (customer thread + private customer message); once per text."""
        await self._fulfilment.add_order_note(order_id, text)

    async def publish_documents(self, order_id: str, documents: Sequence[ErpDocument],
                                files: Mapping[str, bytes]) -> None:
        """The ERP's invoice and delivery note numbers on the order: in its PrestaShop invoice's note
        and in a private note. Files are not uploaded: the webservice takes none for an order."""
        await self._fulfilment.publish_documents(order_id, documents, files)

    # --- check --------------------------------------------------------------------------------

    async def check(self) -> list[CheckResult]:
        """Reachable, authenticated, a PrestaShop webservice, allowed to do what the flows need,
        and configured with languages, shop, states and tax groups that exist."""
        api = f"{self.config.url}/api/"
        try:
            root = await self._client.root()
        except AuthenticationFailure as exc:
            return [CheckResult("reachable", True, api),
                    CheckResult("authenticated", False, str(exc), exc.hint)]
        except ConnectionFailure as exc:
            return [CheckResult("reachable", False, str(exc), exc.hint)]
        except (TransientError, DataError) as exc:
            return [CheckResult("reachable", False, str(exc),
                                f"check that {api} answers and that the webservice is enabled "
                                "(Advanced Parameters > Webservice)")]
        results = [
            CheckResult("reachable", True, api),
            CheckResult("authenticated", True, f"shop {root.shop_name!r}"),
            CheckResult("PrestaShop webservice", bool(root.version),
                        f"PSWS-Version {root.version}" if root.version else "no PSWS-Version header",
                        "" if root.version else f"{api} does not look like a PrestaShop webservice"),
            self._check_permissions(root.permissions),
        ]
        config = self.config
        tax_groups = set(config.tax_rules_groups.values())
        if config.default_tax_rules_group is not None:
            tax_groups.add(config.default_tax_rules_group)
        results += await asyncio.gather(
            self._check_languages(),
            self._check_ids("home category", "categories", {config.home_category_id}, "home_category_id"),
            self._check_ids("order states", "order_states", set(config.order_states.values()), "order_states"),
            self._check_ids("tax rules groups", "tax_rule_groups", tax_groups, "tax_rules_groups"),
            self._check_ids("customer groups", "groups", set(config.customer_groups.values()), "customer_groups"),
            *([self._check_ids("currencies", "currencies", set(config.currencies.values()), "currencies")]
              if config.currencies else []),
            *([self._check_ids("countries", "countries", set(config.countries.values()), "countries")]
              if config.countries else []),
            *([self._check_ids("carriers", "carriers", set(config.carriers.values()), "carriers")]
              if config.carriers else []),
            *([self._check_ids("note author", "employees", {config.note_employee_id}, "note_employee_id")]
              if config.note_employee_id else []),
            *([self._check_ids("shop", "shops", {config.shop_id}, "shop_id")] if config.shop_id else []))
        return results

    def _check_permissions(self, permissions: Mapping[str, frozenset[str]]) -> CheckResult:
        missing = {resource: sorted(methods - permissions.get(resource, frozenset()))
                   for resource, methods in REQUIRED_PERMISSIONS.items()}
        missing = {resource: methods for resource, methods in missing.items() if methods}
        if not missing:
            return CheckResult("permissions", True, f"{len(REQUIRED_PERMISSIONS)} resources")
        detail = "; ".join(f"{resource}: {', '.join(method.upper() for method in methods)}"
                           for resource, methods in missing.items())
        return CheckResult("permissions", False, f"missing {detail}",
                           "Back office > Advanced Parameters > Webservice > edit the key: tick these methods")

    async def _check_languages(self) -> CheckResult:
        try:
            rows = await self._client.read("languages", display="[id,iso_code]")
        except CourroieError as exc:
            return CheckResult("languages", False, str(exc))
        iso_by_id = {as_int(row.get("id")): as_text(row.get("iso_code")).lower() for row in rows}
        problems = [f"{code}→{language_id} " + ("missing" if language_id not in iso_by_id
                                                 else f"is {iso_by_id[language_id]!r}")
                    for code, language_id in self.config.languages.items()
                    if iso_by_id.get(language_id) != code.lower()]
        present = ", ".join(f"{iso}={number}" for number, iso in sorted(iso_by_id.items()))
        return CheckResult("languages", not problems,
                           "; ".join(problems) or ", ".join(self.config.languages),
                           f"set languages to the shop's ids ({present})" if problems else "")

    async def _check_ids(self, what: str, resource: str, wanted: set[int], setting: str) -> CheckResult:
        if not wanted:
            return CheckResult(what, True, "none configured")
        try:
            rows = await self._client.read(resource, display="[id]", filters={"id": filter_values(sorted(wanted))})
        except CourroieError as exc:
            return CheckResult(what, False, str(exc))
        missing = sorted(wanted - {as_int(row.get("id")) for row in rows})
        return CheckResult(what, not missing,
                           f"ids {missing} do not exist" if missing else f"ids {sorted(wanted)} exist",
                           f"fix {setting} in the shop's configuration" if missing else "")


async def _settle(work: Iterable[Awaitable[list[str]]]) -> list[list[str]]:
    """Run everything and let every part finish, then raise the first failure: what succeeded
    stays done, and the next run, finding those rows right, only redoes the rest."""
    results = await asyncio.gather(*work, return_exceptions=True)
    done: list[list[str]] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        done.append(result)
    return done

