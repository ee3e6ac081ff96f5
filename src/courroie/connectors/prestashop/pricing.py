"""Price rules and promotions written to the shop: specific prices in batches, cart rules.

A batch POST of specific prices is not a transaction in PrestaShop: records are saved one after the
other and the first refusal ends the request with an error, the earlier ones kept. A timeout or a
5xx leaves the same doubt, even for one record. So after such a failure the products are read back
and every record already there (same product, conditions, price, reduction, dates) is taken as
created; only the rest is sent again, one by one, each failing on its own. (A single record refused
with an error document was not saved: it fails at once.)
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from courroie.connectors.prestashop import mapping, price_documents
from courroie.connectors.prestashop.batching import Coalescer
from courroie.connectors.prestashop.client import NotFound, PrestaShopClient
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.prestashop.lookups import CatalogLookups, ReferenceIds
from courroie.connectors.prestashop.mapping import as_text, fold, mapped
from courroie.connectors.prestashop.price_documents import SpecificPrice, Targets
from courroie.connectors.protocols import ShopProductIds
from courroie.errors import ConnectionFailure, CourroieError, DataError
from courroie.model import PriceRule, Promotion

log = logging.getLogger(__name__)

_MISSING_IDS = re.compile(r"Id\(s\) not exists: ([\d, ]+)")


class PriceWriter:
    def __init__(self, client: PrestaShopClient, config: PrestaShopConfig, lookups: CatalogLookups,
                 references: ReferenceIds) -> None:
        self._client = client
        self._config = config
        self._lookups = lookups
        self._references = references
        self._creator: Coalescer[SpecificPrice, str] = Coalescer(self._post, size=config.price_batch_size)
        self._deleter: Coalescer[str, None] = Coalescer(self._delete, size=config.price_batch_size)

    # --- price rules

    async def create_rule(self, ids: ShopProductIds, rule: PriceRule) -> str:
        targets = Targets(
            product_id=ids.product_id, combination_id=self._combination(ids, rule.sku),
            currency_id=await self._references.currency(rule.currency),
            country_id=await self._references.country(rule.country),
            group_id=self._group(rule.price_list, f"price rule for {rule.sku}"))
        spec = mapped(price_documents.specific_price, rule, targets, self._config)
        return await self._creator.submit(spec)

    async def delete_rule(self, rule_id: str) -> None:
        await self._deleter.submit(rule_id)

    @staticmethod
    def _combination(ids: ShopProductIds, sku: str) -> str:
        """The combination a variant SKU is; "0" for a product without combinations."""
        if sku in ids.variant_ids:
            return ids.variant_ids[sku] or "0"
        if any(combination not in ("", "0") for combination in ids.variant_ids.values()):
            raise DataError(f"{sku} is none of the combinations of product {ids.product_id} "
                            f"({', '.join(sorted(ids.variant_ids))})")
        return "0"

    def _group(self, price_list: str | None, what: str) -> int:
        if price_list is None:
            return 0
        return mapped(mapping.customer_group_ids, [price_list], self._config, what)[0]

    # --- promotions

    async def create_promotion(self, promotion: Promotion, product_ids: Sequence[str],
                               category_ids: Sequence[str]) -> str:
        self._check_selection(promotion, product_ids, category_ids)
        if promotion.coupon:
            return await self._create_cart_rule(promotion, product_ids, category_ids)
        groups = mapped(mapping.customer_group_ids, promotion.price_lists, self._config,
                                f"promotion {promotion.key}")
        products = await self._selection(promotion, product_ids, category_ids)
        specs = mapped(price_documents.promotion_prices, promotion, products, groups, self._config)
        created = await asyncio.gather(*(self._creator.submit(spec) for spec in specs), return_exceptions=True)
        failures = [result for result in created if isinstance(result, BaseException)]
        done = [result for result in created if isinstance(result, str)]
        if failures:
            await self._withdraw(done)      # all or nothing: a half-applied campaign is worse than none
            raise failures[0]
        return price_documents.promotion_id("specific_prices", done)

    async def delete_promotion(self, promotion_id: str) -> None:
        resource, ids = mapped(price_documents.parse_promotion_id, promotion_id)
        if resource == "cart_rules":
            await self._delete_quietly(resource, ids[0])
            return
        await self._withdraw(ids)

    @staticmethod
    def _check_selection(promotion: Promotion, product_ids: Sequence[str], category_ids: Sequence[str]) -> None:
        """A selection none of which is in this shop must not turn into "everything"."""
        if promotion.skus and not product_ids and not (category_ids or promotion.manufacturers):
            raise DataError(f"promotion {promotion.key}: none of its products ({', '.join(promotion.skus[:5])}…) "
                            "are in this shop")
        if promotion.category_keys and not category_ids and not (product_ids or promotion.manufacturers):
            raise DataError(f"promotion {promotion.key}: none of its categories are in this shop")

    async def _selection(self, promotion: Promotion, product_ids: Sequence[str],
                         category_ids: Sequence[str]) -> list[str]:
        """The products a coupon-less promotion reduces: its own products, plus those of its categories
        and manufacturers (both given: the products in both, like a PrestaShop condition group).
        ``["0"]`` (every product) when it selects nothing at all. Expanded now: products added to
        those categories later are not covered until the promotion is written again."""
        if not (product_ids or category_ids or promotion.manufacturers):
            return ["0"]
        chosen = set(product_ids)
        by_category = await self._category_products(category_ids) if category_ids else None
        by_brand = await self._manufacturer_products(promotion.manufacturers) if promotion.manufacturers else None
        narrowed = [found for found in (by_category, by_brand) if found is not None]
        if narrowed:
            chosen |= set.intersection(*narrowed)
        if not chosen:
            log.info("promotion %s selects no product in shop %s", promotion.key, self._config.name)
        return sorted(chosen, key=int)

    async def _category_products(self, category_ids: Sequence[str]) -> set[str]:
        rows = await self._client.read_by("categories", "id", category_ids)
        return {product for row in rows for product in mapping.association(row, "products")}

    async def _manufacturer_products(self, names: Iterable[str]) -> set[str]:
        found = await self._lookups.manufacturers.find(fold(name) for name in names)
        if not found:
            return set()
        rows = await self._client.read_by("products", "id_manufacturer", found.values(), display="[id]")
        return {as_text(row.get("id")) for row in rows}

    async def _create_cart_rule(self, promotion: Promotion, product_ids: Sequence[str],
                                category_ids: Sequence[str]) -> str:
        """8.1.2 exposes none of a cart rule's restriction tables: a coupon can only be limited to one
        product (``reduction_product``) and an order amount. Anything narrower is refused rather than
        turned into a coupon valid for everything."""
        narrower = [what for what, present in (("customer groups", promotion.price_lists),
                                                ("categories", category_ids or promotion.category_keys),
                                                ("manufacturers", promotion.manufacturers),
                                                ("several products", len(product_ids) > 1)) if present]
        if narrower:
            raise DataError(f"promotion {promotion.key}: a coupon restricted to {', '.join(narrower)} cannot be made "
                            "over PrestaShop 8.1.2's webservice (cart rule restrictions are not exposed); create it "
                            "in the back office (Catalog > Discounts), or drop the restriction or the coupon")
        if self._config.shop_id:
            log.warning("promotion %s: coupon %s is valid in every shop of the install (cart_rule_shop is not "
                        "exposed by the webservice)", promotion.key, promotion.coupon)
        currency = await self._references.currency(self._config.default_currency)
        element = mapped(price_documents.cart_rule_element, promotion,
                                 product_ids[0] if product_ids else None, currency, self._config)
        records = await self._client.post("cart_rules", [element])
        rule_id = as_text(records[0].get("id")) if records else ""
        if not rule_id:
            raise DataError(f"PrestaShop created the cart rule of promotion {promotion.key} but answered no id")
        return price_documents.promotion_id("cart_rules", [rule_id])

    # --- the wire: batch POST with read-back, batch DELETE

    async def _post(self, specs: list[SpecificPrice]) -> list[str | BaseException]:
        try:
            records = await self._client.post("specific_prices", [spec.element() for spec in specs])
            ids = [as_text(record.get("id")) for record in records]
            if len(ids) == len(specs) and all(ids):
                return list(ids)
            raise DataError(f"PrestaShop answered {len(ids)} specific prices for {len(specs)} sent")
        except ConnectionFailure:
            raise
        except DataError as refusal:
            if len(specs) == 1:     # one record refused is one record not saved: nothing to look for
                return [refusal]
            return await self._recover(specs, refusal)
        except CourroieError as failure:
            return await self._recover(specs, failure)

    async def _recover(self, specs: list[SpecificPrice], failure: CourroieError) -> list[str | BaseException]:
        try:
            found = await self._existing(specs)
        except CourroieError:
            return [failure] * len(specs)
        results: list[str | BaseException] = []
        for spec in specs:
            ids = found.get(spec.signature)
            if ids:
                results.append(ids.pop(0))
            elif len(specs) == 1:
                results.append(failure)
            else:
                results.append(await self._post_one(spec))
        return results

    async def _post_one(self, spec: SpecificPrice) -> str | BaseException:
        result = await self._post([spec])
        return result[0]

    async def _existing(self, specs: list[SpecificPrice]) -> dict[tuple[str, ...], list[str]]:
        rows = await self._client.read_by("specific_prices", "id_product", {spec.product_id for spec in specs})
        if any(spec.product_id == "0" for spec in specs):   # read_by leaves "0" out
            rows += await self._client.read("specific_prices", filters={"id_product": "[0]"})
        found: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: int(as_text(r.get("id")) or 0)):
            signature = SpecificPrice.signature_of(row)
            if signature is not None:
                found[signature].append(as_text(row.get("id")))
        return found

    async def _delete(self, ids: list[str]) -> list[BaseException | None]:
        """One ``DELETE ?id=[…]``; ids already gone are done (a 404 names them and deletes nothing,
        so the rest is sent again)."""
        remaining = sorted(set(ids), key=int)
        while remaining:
            try:
                await self._client.delete_many("specific_prices", remaining)
                break
            except NotFound as exc:
                gone = self._missing_ids(exc)
                if not gone & set(remaining):
                    raise
                remaining = [i for i in remaining if i not in gone]
        return [None] * len(ids)

    @staticmethod
    def _missing_ids(error: DataError) -> set[str]:
        text = " ".join(error.details.get("errors", [])) or str(error)
        match = _MISSING_IDS.search(text)
        return {part.strip() for part in match.group(1).split(",")} if match else set()

    async def _withdraw(self, ids: Sequence[str]) -> None:
        await asyncio.gather(*(self._deleter.submit(i) for i in ids))

    async def _delete_quietly(self, resource: str, record_id: str) -> None:
        try:
            await self._client.delete(resource, record_id)
        except NotFound:
            pass
