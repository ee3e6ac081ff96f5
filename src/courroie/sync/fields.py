"""What a product looks like field by field in one shop, who owns each field, and what changed.

The fields are the keys of ``PRODUCT_FIELDS``: a fingerprint, a plan and an explanation all speak of them.
"""

from __future__ import annotations

from typing import Any

from courroie.connectors.protocols import PRODUCT_FIELDS, PackItem
from courroie.model import Product


def apply_overrides(product: Product, overrides: dict[str, Any]) -> Product:
    """A shop's own values for some fields of one product (translations are merged language by language)."""
    if not overrides:
        return product
    changes = {}
    for field, value in overrides.items():
        current = getattr(product, field)
        changes[field] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
    return Product.model_validate({**product.model_dump(), **changes})


def field_values(product: Product, category_ids: list[str], pack: list[PackItem]) -> dict[str, Any]:
    """The product as the shop should hold it, one JSON-able value per field."""
    dump = product.model_dump(mode="json")
    values = {
        "name": dump["name"], "description": dump["description"], "short_description": dump["short_description"],
        "categories": category_ids, "price": dump["price"], "tax_group": dump["tax_group"], "ean13": dump["ean13"],
        "weight": dump["weight"], "dimensions": [dump["width"], dump["height"], dump["depth"]],
        "manufacturer": dump["manufacturer"], "features": dump["features"], "active": dump["active"],
        "variants": [{k: v for k, v in variant.items() if k != "images"} for variant in dump["variants"]],
        "pack": [[item.product_id, item.variant_id, item.quantity] for item in pack], "extra": dump["extra"],
        "images": [image["content_hash"] for image in dump["images"]],
        "documents": [document["content_hash"] for document in dump["documents"]],
    }
    assert set(values) == PRODUCT_FIELDS
    return values


def written_fields(ownership: dict[str, str], *, creating: bool) -> frozenset[str]:
    """The fields the ERP writes: ``always`` ones, and ``on_create`` ones when the product is new."""
    owned = {"always", "on_create"} if creating else {"always"}
    return frozenset(field for field, owner in ownership.items() if owner in owned)


def changes(old: dict[str, Any] | None, new: dict[str, Any], fields: frozenset[str]) -> dict[str, tuple[Any, Any]]:
    """Field → (old, new) for the fields that differ, among ``fields``."""
    old = old or {}
    return {field: (old.get(field), new[field]) for field in sorted(fields) if old.get(field) != new[field]}


# What a field the merchant owns alone (``never``) is left as when the hub creates the product.
_BLANK: dict[str, dict[str, Any]] = {
    "description": {"description": {}}, "short_description": {"short_description": {}},
    "manufacturer": {"manufacturer": None}, "features": {"features": ()}, "extra": {"extra": {}},
    "ean13": {"ean13": None}, "weight": {"weight": None}, "dimensions": {"width": None, "height": None, "depth": None},
    "images": {"images": ()}, "documents": {"documents": ()},
}


def without_merchant_fields(product: Product, ownership: dict[str, str]) -> Product:
    """The product with the fields the ERP never writes left blank (required ones are kept: a shop
    cannot hold a product without a name or a price)."""
    blank: dict[str, Any] = {}
    for field, owner in ownership.items():
        if owner == "never":
            blank |= _BLANK.get(field, {})
    return product.model_copy(update=blank) if blank else product
