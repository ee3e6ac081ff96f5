"""Price lists as Odoo 16 / 18 apply them to a sale order line.

The first applicable item wins, in the model's order (variant, product, category, global; larger
minimum quantity first; newest first); fixed / percentage / formula prices on the sales price, the
cost or another price list. 16.0 shows a discount on the line only for ``without_discount`` price lists;
18.0 for percentage items and formulas with a discount (``_show_discount``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .domain import compare
from .orm import Env, Row

APPLIED_ORDER = {"0_product_variant": 0, "1_product": 1, "2_product_category": 2, "3_global": 3}


def round_half_up(value: float, digits: int = 2) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def float_round(value: float, precision: float) -> float:
    """Odoo's ``float_round(value, precision_rounding=precision)``: half-up to a number of steps, times
    the step *as floats* — hence Odoo's ``1.1300000000000001`` for 113 × 0.01."""
    steps = Decimal(repr(value)) / Decimal(repr(precision))
    return int(steps.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * precision


@dataclass(frozen=True)
class LinePrice:
    price_unit: float
    discount: float
    item: int | None


def applicable_item(env: Env, pricelist: int, product: int, quantity: float, date: str) -> int | None:
    items = [item for item in env.search("product.pricelist.item", [("pricelist_id", "=", pricelist)])
             if _applies(env, env.table("product.pricelist.item")[item], product, quantity, date)]
    table = env.table("product.pricelist.item")
    items.sort(key=lambda i: (APPLIED_ORDER.get(str(table[i].get("applied_on")), 9),
                              -float(table[i].get("min_quantity") or 0.0), -i))
    return items[0] if items else None


def _applies(env: Env, item: Row, product: int, quantity: float, date: str) -> bool:
    if item.get("min_quantity") and quantity < float(item["min_quantity"]):
        return False
    if item.get("date_start") and compare(date, "<", item["date_start"], "datetime"):
        return False
    if item.get("date_end") and compare(date, ">", item["date_end"], "datetime"):
        return False
    applied = item.get("applied_on") or "3_global"
    if applied == "0_product_variant":
        return item.get("product_id") == product
    if applied == "1_product":
        return item.get("product_tmpl_id") == env.get("product.product", product, "product_tmpl_id")
    if applied == "2_product_category":
        category = env.get("product.product", product, "categ_id")
        return bool(category) and item.get("categ_id") in env.parents_of("product.category", category)
    return True


def base_price(env: Env, item: Row | None, product: int, quantity: float, date: str) -> float:
    base = (item or {}).get("base") or "list_price"
    if base == "pricelist" and item and item.get("base_pricelist_id"):
        return product_price(env, item["base_pricelist_id"], product, quantity, date)
    if base == "standard_price":
        return float(env.get("product.product", product, "standard_price") or 0.0)
    return float(env.get("product.product", product, "lst_price") or 0.0)


def item_price(env: Env, item: Row, product: int, quantity: float, date: str) -> float:
    kind = item.get("compute_price") or "fixed"
    if kind == "fixed":
        return float(item.get("fixed_price") or 0.0)
    base = base_price(env, item, product, quantity, date)
    if kind == "percentage":
        return base - base * float(item.get("percent_price") or 0.0) / 100
    price = base - base * float(item.get("price_discount") or 0.0) / 100
    if item.get("price_round"):
        price = float_round(price, float(item["price_round"]))
    price += float(item.get("price_surcharge") or 0.0)
    if item.get("price_min_margin"):
        price = max(price, base + float(item["price_min_margin"]))
    if item.get("price_max_margin"):
        price = min(price, base + float(item["price_max_margin"]))
    return price


def product_price(env: Env, pricelist: int, product: int, quantity: float, date: str) -> float:
    item = applicable_item(env, pricelist, product, quantity, date)
    if item is None:
        return float(env.get("product.product", product, "lst_price") or 0.0)
    return item_price(env, env.table("product.pricelist.item")[item], product, quantity, date)


def line_price(env: Env, pricelist: int | None, product: int, quantity: float, date: str) -> LinePrice:
    """``price_unit`` and ``discount`` Odoo computes for a new sale order line."""
    if not pricelist:
        return LinePrice(float(env.get("product.product", product, "lst_price") or 0.0), 0.0, None)
    item = applicable_item(env, pricelist, product, quantity, date)
    row = env.table("product.pricelist.item")[item] if item else None
    final = item_price(env, row, product, quantity, date) if row else base_price(env, None, product, quantity, date)
    if row and _shows_discount(env, pricelist, row):
        before = base_price(env, row, product, quantity, date)
        if before > final:
            return LinePrice(before, round_half_up((before - final) / before * 100), item)
    return LinePrice(final, 0.0, item)


def _shows_discount(env: Env, pricelist: int, item: Row) -> bool:
    if env.major < 17:
        return env.table("product.pricelist")[pricelist].get("discount_policy") == "without_discount"
    return item.get("compute_price") == "percentage" or (
        item.get("compute_price") == "formula" and bool(item.get("price_discount")))
