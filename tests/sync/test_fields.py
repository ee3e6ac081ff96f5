from decimal import Decimal

import pytest

from courroie.config import DEFAULT_OWNERSHIP
from courroie.connectors.protocols import PRODUCT_FIELDS, PackItem
from courroie.model import Money, Product
from courroie.sync.fields import apply_overrides, changes, field_values, without_merchant_fields, written_fields

PRODUCT = Product(sku="MOT-1", name={"fr": "Moteur", "en": "Operator"}, price=Money(amount=Decimal("10.5")),
                  description={"fr": "<p>Long</p>"}, manufacturer="Sudmatic")


def test_every_field_has_a_value():
    values = field_values(PRODUCT, ["7"], [PackItem("3", "0", 2)])
    assert set(values) == PRODUCT_FIELDS
    assert values["categories"] == ["7"] and values["pack"] == [["3", "0", 2]] and values["price"]["amount"] == "10.5"


def test_overrides_merge_translations_and_replace_values():
    changed = apply_overrides(PRODUCT, {"name": {"fr": "Moteur Pro"}, "manufacturer": "Autre"})
    assert changed.name == {"fr": "Moteur Pro", "en": "Operator"} and changed.manufacturer == "Autre"
    with pytest.raises(ValueError):
        apply_overrides(PRODUCT, {"price": "cheap"})


def test_ownership_decides_what_is_written():
    ownership = DEFAULT_OWNERSHIP | {"manufacturer": "never"}
    assert "description" in written_fields(ownership, creating=True)
    assert "description" not in written_fields(ownership, creating=False)
    assert "manufacturer" not in written_fields(ownership, creating=True)
    assert without_merchant_fields(PRODUCT, ownership).manufacturer is None
    assert without_merchant_fields(PRODUCT, ownership | {"name": "never"}).name == PRODUCT.name   # required


def test_changes_list_old_and_new_of_owned_fields():
    old = field_values(PRODUCT, ["7"], [])
    new = field_values(apply_overrides(PRODUCT, {"manufacturer": "Autre", "description": {"fr": "x"}}), ["7"], [])
    assert changes(old, new, frozenset({"manufacturer", "name"})) == {"manufacturer": ("Sudmatic", "Autre")}
    assert set(changes(None, new, frozenset({"name"}))) == {"name"}
