"""Pure translations of price rules and promotions into PrestaShop 8.1.2 documents. No I/O.

What 8.1.2's webservice can hold, and so how each canonical record lands:

* ``PriceRule`` → one ``specific_price`` (id_product, id_product_attribute for a variant, shop,
  currency, country, customer group, from_quantity, a fixed price or -1 "keep the base price", a
  reduction tax excluded, dates in shop time or ``0000-00-00 00:00:00``).
* ``Promotion`` without a coupon → ``specific_price`` rows, one per product and customer group
  (``id_product`` 0 for the whole catalog). Not ``specific_price_rules``: over the webservice a
  catalog price rule carries no conditions (its conditions tables are not exposed, PrestaShop issue
  #27396) and is not applied when created, only later to each product whose categories or
  combinations are saved, so a rule meant for one category would quietly spread to every product.
* ``Promotion`` with a coupon → a ``cart_rule``. Cart rules expose no restriction tables over the
  webservice (product, category, manufacturer, group, shop): a coupon can be limited to one product
  (``reduction_product``) and to an order amount, nothing else; anything narrower is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree

from courroie.connectors.prestashop import validation
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.prestashop.mapping import (
    Row,
    as_decimal,
    as_int,
    as_text,
    price_text,
    translated,
    xml_field,
    xml_languages,
    xml_record,
)
from courroie.model import PriceRule, Promotion, Reduction

NO_LIMIT = "0000-00-00 00:00:00"           # specific_price from/to: unlimited
CART_RULE_START = "2000-01-01 00:00:00"     # cart rules need real dates (required, isDate)
CART_RULE_END = "2099-12-31 23:59:59"
COUPON_USES = 1_000_000                     # cart_rule quantity: PrestaShop counts uses down to 0


def shop_time(moment: datetime, zone: ZoneInfo) -> str:
    """An aware instant as the shop's wall clock: PrestaShop compares dates in its own time zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def shop_until(moment: datetime, zone: ZoneInfo) -> str:
    """An exclusive end as PrestaShop's inclusive ``to`` (``now <= to``): one second earlier. In UTC,
    because Python subtracts wall-clock time within a zone (03:00 minus 1 s would be a 02:59:59 that does
    not exist on the day clocks go forward)."""
    return shop_time(moment.astimezone(UTC) - timedelta(seconds=1), zone)


@dataclass(frozen=True)
class SpecificPrice:
    """One ``specific_price`` as the hub writes it; ``signature`` recognises it in a read-back."""

    product_id: str
    combination_id: str
    shop_id: int
    currency_id: int
    country_id: int
    group_id: int
    price: Decimal                  # -1: keep the base price
    from_quantity: int
    reduction: Decimal
    reduction_type: str             # "amount" (tax excluded) | "percentage" (0.10 = 10 %)
    starts: str
    ends: str

    def element(self) -> etree._Element:
        return xml_record("specific_price", [
            xml_field("id_shop_group", 0), xml_field("id_shop", self.shop_id), xml_field("id_cart", 0),
            xml_field("id_product", self.product_id), xml_field("id_product_attribute", self.combination_id),
            xml_field("id_currency", self.currency_id), xml_field("id_country", self.country_id),
            xml_field("id_group", self.group_id), xml_field("id_customer", 0), xml_field("id_specific_price_rule", 0),
            xml_field("price", price_text(self.price)), xml_field("from_quantity", self.from_quantity),
            xml_field("reduction", price_text(self.reduction)), xml_field("reduction_tax", 0),
            xml_field("reduction_type", self.reduction_type), xml_field("from", self.starts),
            xml_field("to", self.ends)])

    @property
    def signature(self) -> tuple[str, ...]:
        return (self.product_id, self.combination_id, str(self.shop_id), str(self.currency_id), str(self.country_id),
                str(self.group_id), str(self.price.quantize(Decimal("0.000001"))), str(self.from_quantity),
                str(self.reduction.quantize(Decimal("0.000001"))), self.reduction_type, self.starts, self.ends)

    @staticmethod
    def signature_of(row: Row) -> tuple[str, ...] | None:
        """The same tuple for a row read back; None for a row the hub would not have written."""
        if as_int(row.get("id_customer")) or as_int(row.get("id_cart")) or as_int(row.get("id_specific_price_rule")):
            return None
        try:
            price, reduction = as_decimal(row.get("price")), as_decimal(row.get("reduction"))
        except ValueError:
            return None
        if as_int(row.get("reduction_tax")):
            return None
        return (as_text(row.get("id_product")) or "0", as_text(row.get("id_product_attribute")) or "0",
                str(as_int(row.get("id_shop"))), str(as_int(row.get("id_currency"))),
                str(as_int(row.get("id_country"))), str(as_int(row.get("id_group"))),
                str(price.quantize(Decimal("0.000001"))), str(as_int(row.get("from_quantity"), 1)),
                str(reduction.quantize(Decimal("0.000001"))), as_text(row.get("reduction_type")),
                as_text(row.get("from")) or NO_LIMIT, as_text(row.get("to")) or NO_LIMIT)


@dataclass(frozen=True)
class Targets:
    """Shop ids a price rule names, resolved by the connector (lookups it caches)."""

    product_id: str
    combination_id: str = "0"
    currency_id: int = 0
    country_id: int = 0
    group_id: int = 0


def _window(starts: datetime | None, ends: datetime | None, zone: ZoneInfo) -> tuple[str, str]:
    return (shop_time(starts, zone) if starts else NO_LIMIT, shop_until(ends, zone) if ends else NO_LIMIT)


def _reduction(amount: Decimal, kind: Reduction) -> tuple[Decimal, str]:
    if not amount:
        return Decimal(0), "amount"
    return amount, "percentage" if kind is Reduction.PERCENTAGE else "amount"


def specific_price(rule: PriceRule, targets: Targets, config: PrestaShopConfig) -> SpecificPrice:
    """A price rule as a specific price: a fixed price (tax excluded) replaces the base price; with
    only a reduction the price is -1 (keep the base). A variant's fixed price is the variant's own
    price (PrestaShop adds no combination impact to a combination-specific price)."""
    if rule.price is None and not rule.reduction:
        raise ValueError(f"price rule for {rule.sku} has neither a price nor a reduction")
    reduction, kind = _reduction(rule.reduction, rule.reduction_type)
    starts, ends = _window(rule.starts, rule.ends, config.zone)
    return SpecificPrice(
        product_id=targets.product_id, combination_id=targets.combination_id, shop_id=config.shop_id or 0,
        currency_id=targets.currency_id, country_id=targets.country_id, group_id=targets.group_id,
        price=rule.price if rule.price is not None else Decimal(-1), from_quantity=rule.from_quantity,
        reduction=reduction, reduction_type=kind, starts=starts, ends=ends)


def promotion_prices(promotion: Promotion, product_ids: Iterable[str], group_ids: Sequence[int],
                     config: PrestaShopConfig) -> list[SpecificPrice]:
    """A coupon-less promotion: the reduction on each product (``"0"``: every product), for each group."""
    if promotion.reduction <= 0:
        raise ValueError(f"promotion {promotion.key} has no reduction")
    if promotion.reduction_type is Reduction.PERCENTAGE and promotion.reduction > 1:
        raise ValueError(f"promotion {promotion.key}: a percentage is at most 1 (100 %), got {promotion.reduction}")
    reduction, kind = _reduction(promotion.reduction, promotion.reduction_type)
    starts, ends = _window(promotion.starts, promotion.ends, config.zone)
    return [SpecificPrice(product_id=product_id, combination_id="0", shop_id=config.shop_id or 0, currency_id=0,
                          country_id=0, group_id=group_id, price=Decimal(-1), from_quantity=1, reduction=reduction,
                          reduction_type=kind, starts=starts, ends=ends)
            for product_id in sorted(set(product_ids), key=int) for group_id in (group_ids or [0])]


def cart_rule_element(promotion: Promotion, product_id: str | None, currency_id: int,
                      config: PrestaShopConfig) -> etree._Element:
    """A voucher: its code, the reduction (tax excluded) on the order or on ``product_id``, the
    minimum order amount (tax excluded) and its dates. Usable without limit until it ends."""
    code = validation.check(promotion.coupon or "", validation.CART_RULE_CODE, f"coupon of promotion {promotion.key}")
    names = translated({code: promotion.name for code in config.languages}, config,
                       f"name of promotion {promotion.key}", validation.CART_RULE_NAME)
    percent = promotion.reduction_type is Reduction.PERCENTAGE
    if percent and not 0 < promotion.reduction <= 1:
        raise ValueError(f"promotion {promotion.key}: a percentage is between 0 and 1, got {promotion.reduction}")
    if promotion.reduction <= 0:
        raise ValueError(f"promotion {promotion.key} has no reduction")
    starts = shop_time(promotion.starts, config.zone) if promotion.starts else CART_RULE_START
    ends = shop_until(promotion.ends, config.zone) if promotion.ends else CART_RULE_END
    return xml_record("cart_rule", [
        xml_field("id_customer", 0), xml_field("date_from", starts), xml_field("date_to", ends),
        xml_field("description", f"courroie promotion {promotion.key}"), xml_field("quantity", COUPON_USES),
        xml_field("quantity_per_user", COUPON_USES), xml_field("priority", 1), xml_field("partial_use", 0),
        xml_field("code", code),
        xml_field("minimum_amount", price_text(promotion.minimum_amount)), xml_field("minimum_amount_tax", 0),
        xml_field("minimum_amount_currency", currency_id), xml_field("minimum_amount_shipping", 0),
        *(xml_field(name, 0) for name in ("country_restriction", "carrier_restriction", "group_restriction",
                                       "cart_rule_restriction", "product_restriction", "shop_restriction",
                                       "free_shipping")),
        xml_field("reduction_percent", f"{(promotion.reduction * 100).quantize(Decimal('0.01'))}" if percent else 0),
        xml_field("reduction_amount", 0 if percent else price_text(promotion.reduction)), xml_field("reduction_tax", 0),
        xml_field("reduction_currency", currency_id), xml_field("reduction_product", product_id or 0),
        xml_field("reduction_exclude_special", 0), xml_field("gift_product", 0), xml_field("gift_product_attribute", 0),
        xml_field("highlight", 0), xml_field("active", 1), xml_languages("name", names)])


# --- promotion ids ----------------------------------------------------------------------------
# A promotion may be many specific prices; its id names the resource and the ids, in ranges
# ("specific_prices:12-40,57"), so that delete_promotion needs no lookup and no state.

_ID = re.compile(r"(specific_prices|cart_rules):([\d,\-]*)")


def promotion_id(resource: str, ids: Iterable[str]) -> str:
    numbers = sorted({int(i) for i in ids})
    ranges: list[str] = []
    for number in numbers:
        if ranges and number == _last(ranges) + 1:
            ranges[-1] = f"{ranges[-1].split('-')[0]}-{number}"
        else:
            ranges.append(str(number))
    return f"{resource}:{','.join(ranges)}"


def _last(ranges: list[str]) -> int:
    return int(ranges[-1].split("-")[-1])


def parse_promotion_id(value: str) -> tuple[str, list[str]]:
    match = _ID.fullmatch(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a PrestaShop promotion id of this connector")
    ids: list[str] = []
    for part in filter(None, match.group(2).split(",")):
        first, _, last = part.partition("-")
        ids += [str(n) for n in range(int(first), int(last or first) + 1)]
    return match.group(1), ids
