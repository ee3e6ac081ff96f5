"""Prices and taxes: product price in a shop, specific prices, tax rate by delivery country.

Specific price choice follows PrestaShop's documented priority: a combination-specific price
wins, then the highest `from_quantity`, then the best score (customer 32, shop 16, currency 8,
country 4, group 2). A fixed `price` (≥ 0) replaces the base price (the combination impact is still
added unless the specific price targets that combination); `reduction` then applies as a
percentage or an amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .formats import ZERO_DATETIME, round_half_up, to_decimal
from .storage import Record

SIX = 6


@dataclass
class Price:
    base_excl: Decimal  # with a fixed specific price, before reductions
    final_excl: Decimal  # after reductions, tax excluded
    tax_rate: Decimal  # percent
    reduction_percent: Decimal = Decimal(0)
    reduction_amount: Decimal = Decimal(0)  # tax included when reduction_tax=1

    @property
    def final_incl(self) -> Decimal:
        return with_tax(self.final_excl, self.tax_rate)


def with_tax(amount: Decimal, rate: Decimal) -> Decimal:
    return round_half_up(amount * (1 + rate / 100), SIX)


def tax_rate(b, id_tax_rules_group: object, id_country: object) -> Decimal:
    """Rate of the tax rule of this group for the country (0 when the group has none)."""
    if str(id_tax_rules_group) in ("", "0", "None"):
        return Decimal(0)
    for rule in b.find("tax_rules", id_tax_rules_group=id_tax_rules_group):
        if str(rule.get("id_country")) in (str(id_country), "0"):
            tax = b.get("taxes", rule.get("id_tax"))
            if tax is not None and tax.get("active", "1") == "1" and tax.get("deleted", "0") != "1":
                return to_decimal(tax.get("rate"))
    return Decimal(0)


def _in_window(sp: Record, now: str) -> bool:
    start, end = sp.get("from") or ZERO_DATETIME, sp.get("to") or ZERO_DATETIME
    return (start == ZERO_DATETIME or start <= now) and (end == ZERO_DATETIME or now <= end)


def specific_price(
    b,
    product_id: int,
    attr_id: int,
    *,
    shop: int,
    currency: int,
    country: int,
    group: int,
    customer: int,
    quantity: int,
    now: str,
) -> Record | None:
    wanted = {
        "id_shop": shop,
        "id_currency": currency,
        "id_country": country,
        "id_group": group,
        "id_customer": customer,
    }
    best, best_key = None, None
    candidates = b.find("specific_prices", id_product=product_id) + b.find("specific_prices", id_product=0)
    for sp in candidates:
        if str(sp.get("id_product_attribute", "0")) not in ("0", str(attr_id)):
            continue
        if any(str(sp.get(k, "0")) not in ("0", str(v)) for k, v in wanted.items()):
            continue
        if str(sp.get("id_cart", "0")) != "0" or int(sp.get("from_quantity") or 1) > quantity:
            continue
        if not _in_window(sp, now):
            continue
        score = sum(
            weight
            for key, weight in (
                ("id_customer", 32),
                ("id_shop", 16),
                ("id_currency", 8),
                ("id_country", 4),
                ("id_group", 2),
            )
            if str(sp.get(key, "0")) != "0"
        )
        key = (int(sp.get("id_product_attribute") or 0) != 0, int(sp.get("from_quantity") or 1), score)
        if best_key is None or key > best_key:
            best, best_key = sp, key
    return best


def product_price(
    b,
    product: dict,
    combination: Record | None,
    *,
    shop: int,
    country: int,
    group: int,
    customer: int = 0,
    quantity: int = 1,
    use_reduction: bool = True,
    now: str,
) -> Price:
    """Unit price of a product (values as read in `shop`) and optional combination."""
    attr_id = int(combination["id"]) if combination else 0
    impact = to_decimal(combination.get("price")) if combination else Decimal(0)
    base = to_decimal(product.get("price")) + impact
    rate = tax_rate(b, product.get("id_tax_rules_group"), country)
    sp = specific_price(
        b,
        int(product["id"]),
        attr_id,
        shop=shop,
        currency=b.settings.default_currency,
        country=country,
        group=group,
        customer=customer,
        quantity=quantity,
        now=now,
    )
    if sp is None:
        return Price(base, base, rate)
    fixed = to_decimal(sp.get("price"))
    if fixed >= 0:
        base = fixed + (impact if int(sp.get("id_product_attribute") or 0) == 0 else 0)
    final = base
    reduction = to_decimal(sp.get("reduction"))
    percent = amount = Decimal(0)
    if use_reduction and reduction > 0:
        if sp.get("reduction_type") == "percentage":
            percent = reduction * 100
            final = base * (1 - reduction)
        else:
            amount = reduction
            excl = reduction / (1 + rate / 100) if str(sp.get("reduction_tax", "1")) == "1" else reduction
            final = max(Decimal(0), base - excl)
    return Price(round_half_up(base, SIX), round_half_up(final, SIX), rate, percent, amount)
