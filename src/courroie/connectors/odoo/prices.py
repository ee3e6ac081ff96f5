"""Odoo price lists → the hub's price rules: pure functions, no I/O.

A price list item applies to a variant, a product (all its variants), a category (and its
subcategories) or everything, from a minimum quantity, between two dates. Fixed prices and
percentages off the sales price translate as they are; every other item (a formula with rounding,
surcharge or margins, a price on the cost or on another price list) is computed by Odoo itself for
each article it covers, through a :class:`Probe` the connector answers in batches.

Odoo picks, for an article and a quantity, the first applicable item in the order ``applied_on``
(variant, product, category, global), larger minimum quantity first, newest first: rules from
several items meeting the same article, quantity and dates keep that first item only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from courroie.model import PriceRule, Reduction

from .mapping import decimal, many2one_id, money_amount, parse_datetime

Row = dict[str, object]
APPLIED_ORDER = {"0_product_variant": 0, "1_product": 1, "2_product_category": 2, "3_global": 3}
FORMULA_EXTRAS = ("price_surcharge", "price_round", "price_min_margin", "price_max_margin")


@dataclass(frozen=True)
class Article:
    product: int
    sku: str
    template: int
    category: int | None
    base_price: Decimal            # list price + variant extra, company currency


@dataclass(frozen=True)
class Probe:
    """A price Odoo must compute: ``pricelist`` for ``product`` at ``quantity`` on ``date``."""

    pricelist: int
    product: int
    quantity: int
    date: str | None               # Odoo datetime string; None = now


@dataclass(frozen=True)
class PriceList:
    id: int
    name: str
    currency: str
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """One item meeting one article: a rule unless a more specific item came first."""

    pricelist: PriceList
    item: Mapping[str, object]
    article: Article

    @property
    def probe(self) -> Probe | None:
        if not needs_odoo(self.item):
            return None
        return Probe(self.pricelist.id, self.article.product, from_quantity(self.item), probe_date(self.item))


def item_order(item: Mapping[str, object]) -> tuple[int, float, int]:
    return (APPLIED_ORDER.get(str(item.get("applied_on")), 9), -float(item.get("min_quantity") or 0.0),  # type: ignore[arg-type]
            -int(item["id"]))  # type: ignore[call-overload]


def needs_odoo(item: Mapping[str, object]) -> bool:
    """Whether only Odoo can tell the price: not a plain fixed price or percentage off the sales price."""
    kind, base = item.get("compute_price"), item.get("base") or "list_price"
    if kind == "fixed":
        return False
    if base != "list_price":
        return True
    if kind == "percentage":
        return False
    return any(item.get(extra) for extra in FORMULA_EXTRAS) or float(item.get("price_discount") or 0) < 0  # type: ignore[arg-type]


def from_quantity(item: Mapping[str, object]) -> int:
    return max(1, math.ceil(float(item.get("min_quantity") or 0)))  # type: ignore[arg-type]


def probe_date(item: Mapping[str, object]) -> str | None:
    """A moment the item applies: its start if it has one (Odoo compares on the order's date)."""
    start = item.get("date_start")
    if not start:
        return None
    text = str(start)
    return text if " " in text else f"{text} 00:00:00"


def covered(item: Mapping[str, object], articles: Sequence[Article],
            categories: Mapping[int, set[int]]) -> list[Article]:
    """The articles an item applies to; ``categories`` maps a category to itself and its descendants."""
    applied = item.get("applied_on") or "3_global"
    if applied == "0_product_variant":
        product = many2one_id(item.get("product_id"))
        return [a for a in articles if a.product == product]
    if applied == "1_product":
        template = many2one_id(item.get("product_tmpl_id"))
        return [a for a in articles if a.template == template]
    if applied == "2_product_category":
        within = categories.get(many2one_id(item.get("categ_id")) or 0, set())
        return [a for a in articles if a.category in within]
    return list(articles)


def candidates(pricelists: Sequence[PriceList], items: Sequence[Mapping[str, object]], articles: Sequence[Article],
               categories: Mapping[int, set[int]]) -> list[Candidate]:
    """Every (item, article) pair, most specific first, the shadowed ones left out."""
    by_id = {p.id: p for p in pricelists}
    found: list[Candidate] = []
    seen: set[tuple[int, str, int, object, object]] = set()
    for item in sorted(items, key=item_order):
        pricelist = by_id.get(many2one_id(item.get("pricelist_id")) or 0)
        if pricelist is None:
            continue
        for article in covered(item, articles, categories):
            identity = (pricelist.id, article.sku, from_quantity(item), item.get("date_start"), item.get("date_end"))
            if identity not in seen:
                seen.add(identity)
                found.append(Candidate(pricelist, item, article))
    return found


def ends(item: Mapping[str, object]) -> dt.datetime | None:
    """Odoo's end is inclusive (a day, or a second): the hub's is the first moment after it."""
    value = item.get("date_end")
    if not value:
        return None
    moment = parse_datetime(value)
    assert moment is not None
    return moment + (dt.timedelta(seconds=1) if " " in str(value) else dt.timedelta(days=1))


def rules_of(candidate: Candidate, computed: Mapping[Probe, Decimal]) -> list[PriceRule]:
    """The hub's rules for one candidate (one per country of the price list, if it names any)."""
    item, article, pricelist = candidate.item, candidate.article, candidate.pricelist
    price: Decimal | None = None
    reduction = Decimal(0)
    kind = Reduction.AMOUNT
    probe = candidate.probe
    if probe is not None:
        if probe not in computed:
            return []
        price = money_amount(computed[probe])
    elif item.get("compute_price") == "fixed":
        price = money_amount(item.get("fixed_price"))
    else:
        percent = decimal(item.get("percent_price") if item.get("compute_price") == "percentage"
                          else item.get("price_discount"))
        reduction, kind = (percent / 100).normalize(), Reduction.PERCENTAGE
        if not reduction:
            return []
    starts = parse_datetime(item.get("date_start"))
    if price is not None and price == article.base_price and not starts and not item.get("date_end") \
            and from_quantity(item) == 1:
        return []   # the base price again: nothing for the shop to show
    common = {"sku": article.sku, "price": price, "reduction": reduction, "reduction_type": kind,
              "price_list": pricelist.name, "currency": pricelist.currency, "from_quantity": from_quantity(item),
              "starts": starts, "ends": ends(item)}
    return [PriceRule(**common, country=country) for country in pricelist.countries or (None,)]  # type: ignore[arg-type]


def price_rules(found: Iterable[Candidate], computed: Mapping[Probe, Decimal]) -> list[PriceRule]:
    return [rule for candidate in found for rule in rules_of(candidate, computed)]
