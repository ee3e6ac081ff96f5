"""Turning flat ERP articles into shop products with combinations, for ERPs without variants (Sage 100
keeps each size or colour as an article of its own). The rule comes from the configuration:

- ``pattern``: a regular expression on the reference; its ``parent`` group names the product, every
  other named group is an attribute (``^(?P<parent>TSHIRT-\\d+)-(?P<Taille>XS|S|M|L|XL)$``);
- ``field``: a free ERP field holds the parent reference; ``attributes`` name the fields holding the
  attribute values.

Articles that match no rule stay products of their own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from courroie.config import GroupingSettings
from courroie.model import Product, Variant


def group_articles(products: Sequence[Product], rule: GroupingSettings | None) -> list[Product]:
    if rule is None:
        return list(products)
    families: dict[str, list[tuple[Product, dict[str, str]]]] = defaultdict(list)
    alone: list[Product] = []
    for product in products:
        found = _parent_and_attributes(product, rule)
        if found is None or product.has_combinations:
            alone.append(product)
        else:
            families[found[0]].append((product, found[1]))
    grouped = [_as_product(parent, members) for parent, members in families.items()]
    return alone + grouped


def _parent_and_attributes(product: Product, rule: GroupingSettings) -> tuple[str, dict[str, str]] | None:
    if rule.pattern:
        match = re.fullmatch(rule.pattern, product.sku)
        if not match or not match.groupdict().get("parent"):
            return None
        values = {name: value for name, value in match.groupdict().items() if name != "parent" and value}
        return match.group("parent"), values
    parent = product.extra.get(rule.field or "")
    if not parent:
        return None
    return parent, {name: product.extra[name] for name in rule.attributes if product.extra.get(name)}


def _as_product(parent: str, members: list[tuple[Product, dict[str, str]]]) -> Product:
    """One product named after the parent reference, the first article giving the shared data, and
    each article a variant; a variant's own price is kept when it differs."""
    first = members[0][0]
    variants = tuple(
        Variant(sku=article.sku, attributes=attributes, ean13=article.ean13, weight=article.weight,
                price=article.price if article.price != first.price else None, active=article.active,
                images=article.images)
        for article, attributes in sorted(members, key=lambda member: member[0].sku))
    images = tuple(dict.fromkeys(image for article, _ in members for image in article.images))
    return first.model_copy(update={"sku": parent, "ean13": None, "variants": variants, "images": images,
                                    "active": any(article.active for article, _ in members)})
