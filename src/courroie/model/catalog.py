"""Catalog records. A SKU is always the ERP reference of the sellable article (the variant)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from courroie.model.base import Money, Record, Translations


class Category(Record):
    key: str                      # the ERP's identifier, stable across renames
    name: Translations
    parent_key: str | None = None
    groups: tuple[str, ...] = ()  # customer groups allowed to see it (B2B); empty = everyone


class Feature(Record):
    """A characteristic shown on the product page: "Torque" = "300 Nm"."""

    name: Translations
    value: Translations


class FileRef(Record):
    """An image or document held by the ERP. Its bytes are read on demand (``ErpConnector.read_file``);
    the content hash says whether the shop already has this very file."""

    key: str                      # the ERP's identifier of the file
    content_hash: str             # sha256 of the bytes
    filename: str
    content_type: str
    name: Translations = Field(default_factory=dict)   # a document's title


class KitItem(Record):
    """One component of a kit (PrestaShop pack, Odoo/Tryton bill of materials)."""

    sku: str
    quantity: Decimal


class Variant(Record):
    """One sellable article of a product: a PrestaShop combination, an Odoo product.product."""

    sku: str
    attributes: dict[str, str] = Field(default_factory=dict)   # attribute group → value, e.g. {"Voltage": "24 V"}
    ean13: str | None = None
    weight: Decimal | None = None                               # kg
    price: Money | None = None                                  # tax excluded; None = the product's price
    active: bool = True
    images: tuple[FileRef, ...] = ()                            # pictures of this variant (a subset of the product's)


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
    weight: Decimal | None = None                                 # kg
    width: Decimal | None = None                                  # cm
    height: Decimal | None = None
    depth: Decimal | None = None
    manufacturer: str | None = None
    features: tuple[Feature, ...] = ()
    images: tuple[FileRef, ...] = ()                              # the first is the cover
    documents: tuple[FileRef, ...] = ()                           # manuals, data sheets
    kit: tuple[KitItem, ...] = ()                                 # empty unless the product is a kit
    groups: tuple[str, ...] = ()                                  # customer groups allowed to see it; empty = all
    tags: tuple[str, ...] = ()                                    # for assortment rules
    extra: dict[str, str] = Field(default_factory=dict)           # free ERP fields, mapped to shop fields by configuration
    active: bool = True
    variants: tuple[Variant, ...] = ()

    @property
    def has_combinations(self) -> bool:
        return any(v.attributes for v in self.variants)

    def skus(self) -> list[str]:
        return [v.sku for v in self.variants] or [self.sku]
