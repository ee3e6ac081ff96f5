"""Catalog records. A SKU is always the ERP reference of the sellable article (the variant)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from courroie.model.base import Money, Record, Translations


class Category(Record):
    key: str                      # the ERP's identifier, stable across renames
    name: Translations
    parent_key: str | None = None


class Variant(Record):
    """One sellable article of a product: a PrestaShop combination, an Odoo product.product."""

    sku: str
    attributes: dict[str, str] = Field(default_factory=dict)   # attribute group → value, e.g. {"Voltage": "24 V"}
    ean13: str | None = None
    weight: Decimal | None = None                               # kg
    price: Money | None = None                                  # tax excluded; None = the product's price
    active: bool = True


class Product(Record):
    """A product as shown in a shop. ``sku`` is the template reference; a product without
    variants has exactly one variant carrying the same SKU."""

    sku: str
    name: Translations
    description: Translations = Field(default_factory=dict)          # HTML
    short_description: Translations = Field(default_factory=dict)    # HTML
    category_keys: tuple[str, ...] = ()
    price: Money                                                  # tax excluded
    tax_group: str | None = None
    ean13: str | None = None
    weight: Decimal | None = None
    active: bool = True
    variants: tuple[Variant, ...] = ()

    @property
    def has_combinations(self) -> bool:
        return any(v.attributes for v in self.variants)

    def skus(self) -> list[str]:
        return [v.sku for v in self.variants] or [self.sku]
