"""Which ERP products and categories a shop gets, and where each ERP category lands in it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from courroie.config import AssortmentSettings
from courroie.model import Category, Product


class CategoryTree:
    """ERP categories by key, with names resolved (a merchant names a category by key or by name)."""

    def __init__(self, categories: Iterable[Category]) -> None:
        self.by_key = {c.key: c for c in categories}

    def resolve(self, names: Iterable[str]) -> set[str]:
        """Keys of the categories named (by key, or by name in any language)."""
        wanted = set(names)
        return {key for key, c in self.by_key.items() if key in wanted or wanted & set(c.name.values())}

    def with_descendants(self, keys: set[str]) -> set[str]:
        return {key for key in self.by_key if self.ancestors_and_self(key) & keys}

    def ancestors_and_self(self, key: str) -> set[str]:
        seen: set[str] = set()
        while key in self.by_key and key not in seen:
            seen.add(key)
            key = self.by_key[key].parent_key or ""
        return seen


def select_products(products: Sequence[Product], tree: CategoryTree, rules: AssortmentSettings) -> list[Product]:
    """The products a shop sells: in the chosen categories or carrying a chosen tag, or named; minus
    the excluded. Every rule left empty selects everything."""
    included = tree.with_descendants(tree.resolve(rules.categories)) if rules.categories else None
    excluded = tree.with_descendants(tree.resolve(rules.exclude_categories))
    tags, skus, exclude_skus = set(rules.tags), set(rules.skus), set(rules.exclude_skus)

    def selected(product: Product) -> bool:
        if product.sku in exclude_skus or excluded.intersection(product.category_keys):
            return False
        if product.sku in skus:
            return True
        by_category = included is None or bool(included.intersection(product.category_keys))
        by_tag = not tags or bool(tags.intersection(product.tags))
        return by_category and by_tag

    return [p for p in products if selected(p)]


def mapped_categories(tree: CategoryTree, category_map: dict[str, str | None]) -> dict[str, str | None]:
    """ERP category key → the shop category id a merchant merged it into, or None when left out.
    Categories not named here are published as they are (created by the hub)."""
    result: dict[str, str | None] = {}
    for name, target in category_map.items():
        keys = tree.resolve([name])
        for key in (tree.with_descendants(keys) if target is None else keys):
            result[key] = target
    return result
