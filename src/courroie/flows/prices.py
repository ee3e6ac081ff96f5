"""Prices, ERP → every shop, on their own rhythm (daily by default) and on demand.

read   the ERP's products (base prices), the price lists the shops publish, and its campaigns, once
map    per shop: the base price (list price, or the shop's base price list), price rules of its customer
       group lists and of its base list's tiers and dated prices, campaigns still running
diff   against the fingerprints of what the shop last received, rule by rule
write  base prices (only the price field), price rules and campaigns the shop lacks; rules and campaigns
       the hub created that the ERP no longer has are removed; the merchant's own are never touched
record bindings and journal
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from courroie.connectors.protocols import ShopProductIds
from courroie.engine.runs import FlowRun, flow_run
from courroie.model import PriceRule, Product, Promotion
from courroie.sync.bindings import Binding
from courroie.sync.fingerprints import fingerprint
from courroie.sync.grouping import group_articles
from courroie.sync.writes import bounded, product_ids, write_record


@dataclass(frozen=True)
class PriceSource:
    products: list[Product]
    rules: list[PriceRule]
    promotions: list[Promotion]


async def sync_prices(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    shops = hub.selected_shops(shop)
    source = await read_prices(hub, shops, dry_run=dry_run)
    if source is None:
        return
    await asyncio.gather(*(push_prices(hub, name, source, dry_run=dry_run) for name in shops))


async def read_prices(hub, shops: list[str], *, dry_run: bool = False) -> PriceSource | None:
    lists = sorted({name for shop in shops for name in _lists(hub, shop)})
    wants_promotions = any(hub.config.shop(shop).hub.prices.promotions for shop in shops)
    async with flow_run(hub, "prices", hub.erp_name, dry_run=dry_run) as run:
        products = group_articles(await run.call(hub.erp.read_products), hub.config.grouping)
        rules = await run.call(lambda: hub.erp.read_price_rules(lists)) if lists else []
        promotions = await run.call(hub.erp.read_promotions) if wants_promotions else []
        run.count("rules_read", len(rules))
        run.count("promotions_read", len(promotions))
        return PriceSource(products, rules, promotions)
    return None


def _lists(hub, shop: str) -> list[str]:
    settings = hub.config.shop(shop).hub.prices
    return [*settings.lists, *([settings.base] if settings.base else [])]


async def push_prices(hub, shop: str, source: PriceSource, *, dry_run: bool = False) -> None:
    async with flow_run(hub, "prices", shop, dry_run=dry_run) as run:
        published = hub.bindings(shop, "product").all()
        placed = {sku: b.external_id for sku, b in hub.bindings(shop, "variant").all().items() if b.external_id}
        settings = hub.config.shop(shop).hub.prices
        now = datetime.now(UTC)
        listed = list_prices(source.rules, settings.base)
        priced = [shop_priced(product, listed) for product in source.products]
        rules = shop_rules(source.rules, settings.lists, settings.base, placed, now)
        run.expect(len(priced) + len(rules))
        await push_base_prices(run, shop, priced, published)
        await push_rules(run, shop, rules, placed, held=negative_skus(priced))
        if settings.promotions:
            await push_promotions(run, shop, [p for p in source.promotions if p.ends is None or p.ends > now])


# --- map --------------------------------------------------------------------------------------------

def base_prices(products: list[Product], rules: list[PriceRule], base_list: str | None) -> dict[str, str]:
    """SKU of each product → its base price tax excluded in this shop: the list price, or the price
    the shop's base price list gives for one unit at any time."""
    listed = list_prices(rules, base_list)
    return {p.sku: str(shop_priced(p, listed).price.amount) for p in products}


def list_prices(rules: list[PriceRule], base_list: str | None) -> dict[str, Decimal]:
    """SKU → the price the shop's base price list gives one unit at any time."""
    return {rule.sku: rule.price for rule in rules
            if base_list and rule.price_list == base_list and rule.from_quantity == 1 and rule.starts is None
            and rule.ends is None and rule.price is not None}


def shop_priced(product: Product, listed: dict[str, Decimal]) -> Product:
    """The product at the prices of the shop's base list. An ERP list prices articles, so a product with
    variants takes the lowest of its variants' prices and each variant priced otherwise keeps its own
    (a combination's price impact in the shop)."""
    if not product.has_combinations:
        if product.sku not in listed:
            return product
        return product.model_copy(update={"price": product.price.model_copy(update={"amount": listed[product.sku]})})
    if not any(v.sku in listed for v in product.variants):
        return product
    own = {v.sku: listed.get(v.sku, (v.price or product.price).amount) for v in product.variants}
    base = min(own.values())
    variants = tuple(v.model_copy(update={"price": None if own[v.sku] == base
                                          else product.price.model_copy(update={"amount": own[v.sku]})})
                     for v in product.variants)
    return product.model_copy(update={"price": product.price.model_copy(update={"amount": base}),
                                      "variants": variants})


def shop_rules(rules: list[PriceRule], group_lists: list[str], base_list: str | None, placed: dict[str, str],
               now: datetime) -> dict[str, PriceRule]:
    """The price rules a shop shows, by identity: its customer-group lists as they are, and the tiers and
    dated prices of its base list for everyone. Expired rules and articles the shop lacks are left out."""
    wanted: dict[str, PriceRule] = {}
    for rule in rules:
        if rule.sku not in placed or (rule.ends and rule.ends <= now):
            continue
        if rule.price_list in group_lists:
            wanted[rule.identity()] = rule
        elif base_list and rule.price_list == base_list and (rule.from_quantity > 1 or rule.starts or rule.ends):
            everyone = rule.model_copy(update={"price_list": None})
            wanted[everyone.identity()] = everyone
    return wanted


# --- write ------------------------------------------------------------------------------------------

async def push_base_prices(run: FlowRun, shop: str, products: list[Product], published: dict[str, Binding]) -> None:
    """Only the price field, only for products in the shop; other fields belong to the catalog flow.
    ``products`` are at this shop's prices (``shop_priced``)."""
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "base_price")
    sent = bindings.all()

    async def push(product: Product) -> None:
        binding = published.get(product.sku)
        if binding is None or binding.external_id is None:
            return
        state = {"price": str(product.price.amount),
                 "variants": {v.sku: str(v.price.amount) if v.price else None for v in product.variants}}
        previous = sent.get(product.sku)
        if previous is None and created_with(binding) == state:    # the catalog flow created it at this price
            if not run.dry_run:
                bindings.save(product.sku, binding.external_id, fingerprint(state), {"sent": state})
            run.count("unchanged")
            run.unblock(product.sku)
            return

        async def write(_binding: Binding | None = None) -> str:
            await connector.update_product(product_ids(binding), product, [], fields=frozenset({"price"}))
            return binding.external_id

        # A product the catalog flow created carries the price it was created with: this is an update.
        previous = previous or Binding(product.sku, binding.external_id, None, {"sent": created_with(binding)},
                                       binding.updated_at)
        old = ((previous.sent or {}).get("sent") or {}).get("price")
        await write_record(run, bindings, previous, product.sku, product.sku, state, create=write, update=write,
                           plan={"changes": {"price": (old, state["price"])}})

    await bounded(run, products, push)


def created_with(product: Binding) -> dict:
    """The base price state the catalog flow created a product with (from what it remembers sending)."""
    sent = (product.sent or {}).get("sent") or {}
    return {"price": str((sent.get("price") or {}).get("amount")),
            "variants": {v["sku"]: (v.get("price") or {}).get("amount") for v in sent.get("variants") or []}}


def negative_skus(products: list[Product]) -> set[str]:
    """Articles the ERP now prices below zero: their base price is blocked, and the ERP gives no price
    rules for them (``ErpConnector.read_price_rules`` leaves negative prices out)."""
    return {sku for p in products if p.price.amount < 0 or any(v.price and v.price.amount < 0 for v in p.variants)
            for sku in (p.sku, *p.skus())}


async def push_rules(run: FlowRun, shop: str, wanted: dict[str, PriceRule], placed: dict[str, str], *,
                     held: set[str] = frozenset()) -> None:
    """The rules the shop lacks; the hub's rules the ERP no longer has are removed, except those of
    ``held`` articles, which keep their last good rules while their price is blocked."""
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "price_rule")
    known = bindings.all()

    async def push(item: tuple[str, PriceRule]) -> None:
        identity, rule = item
        ids = _ids_of(rule.sku, placed)

        async def replace(binding: Binding) -> str:
            await connector.delete_price_rule(binding.external_id)
            return await connector.create_price_rule(ids, rule)

        await write_record(run, bindings, known.get(identity), identity, f"{rule.sku} price rule",
                           rule.model_dump(mode="json"), create=lambda: connector.create_price_rule(ids, rule),
                           update=replace, plan={"rule": rule.model_dump(mode="json")})

    await bounded(run, wanted.items(), push)
    kept = {key for key, b in known.items() if ((b.sent or {}).get("sent") or {}).get("sku") in held}
    await remove_stale(run, bindings, known, set(wanted) | kept, connector.delete_price_rule, "price rule")


async def push_promotions(run: FlowRun, shop: str, promotions: list[Promotion]) -> None:
    connector = run.hub.shops[shop]
    bindings = run.hub.bindings(shop, "promotion")
    known = bindings.all()
    placed = {sku: b.external_id.split("/")[0] for sku, b in run.hub.bindings(shop, "variant").all().items()
              if b.external_id}
    categories = run.hub.bindings(shop, "category").all()

    async def push(promotion: Promotion) -> None:
        product_ids_ = sorted({placed[sku] for sku in promotion.skus if sku in placed})
        category_ids = [categories[k].external_id for k in promotion.category_keys
                        if k in categories and categories[k].external_id]

        async def create() -> str:
            return await connector.create_promotion(promotion, product_ids=product_ids_, category_ids=category_ids)

        async def replace(binding: Binding) -> str:
            await connector.delete_promotion(binding.external_id)
            return await create()

        sent = {"promotion": promotion.model_dump(mode="json"), "products": product_ids_, "categories": category_ids}
        await write_record(run, bindings, known.get(promotion.key), promotion.key, f"promotion {promotion.name}",
                           sent, create=create, update=replace, plan={"promotion": promotion.name})

    await bounded(run, promotions, push)
    await remove_stale(run, bindings, known, {p.key for p in promotions}, connector.delete_promotion, "promotion")


async def remove_stale(run: FlowRun, bindings, known: dict[str, Binding], wanted: set[str], delete, what: str) -> None:
    """What the hub created earlier that the ERP no longer has (or that ended) is withdrawn."""
    async def withdraw(binding: Binding) -> None:
        if run.dry_run:
            run.count("removed")
            run.planned.append({"record": binding.erp_key, "action": f"{what} removed"})
            return
        if await run.succeeded(binding.erp_key, lambda: delete(binding.external_id)):
            bindings.forget(binding.erp_key)
            run.record("removed", binding.erp_key, f"{what} no longer in the ERP")

    await bounded(run, [b for key, b in known.items() if key not in wanted and b.external_id], withdraw)


def _ids_of(sku: str, placed: dict[str, str]) -> ShopProductIds:
    product_id, variant_id = placed[sku].split("/")
    return ShopProductIds(product_id, {sku: variant_id} if variant_id != "0" else {})

