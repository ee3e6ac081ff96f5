from decimal import Decimal

import pytest
from pydantic import ValidationError

from courroie.config import GroupingSettings
from courroie.model import Money, Product
from courroie.sync.grouping import group_articles


def article(sku: str, price: str = "20", **extra: str) -> Product:
    return Product(sku=sku, name={"fr": "T-shirt"}, price=Money(amount=Decimal(price)), ean13=None, extra=extra)


FLAT = [article("TS-100-S"), article("TS-100-M"), article("TS-100-XL", "22"), article("CAP-7")]


def test_a_pattern_groups_articles_into_one_product_with_combinations():
    rule = GroupingSettings(pattern=r"(?P<parent>TS-\d+)-(?P<Taille>XS|S|M|L|XL)")
    products = {p.sku: p for p in group_articles(FLAT, rule)}
    assert set(products) == {"TS-100", "CAP-7"}
    shirt = products["TS-100"]
    assert [(v.sku, v.attributes) for v in shirt.variants] == [
        ("TS-100-M", {"Taille": "M"}), ("TS-100-S", {"Taille": "S"}), ("TS-100-XL", {"Taille": "XL"})]
    assert [v.price.amount if v.price else None for v in shirt.variants] == [None, None, Decimal("22")]


def test_a_field_names_the_parent_and_others_the_attributes():
    flat = [article("A1", parent="A", Couleur="Rouge"), article("A2", parent="A", Couleur="Bleu"), article("B")]
    products = {p.sku: p for p in group_articles(flat, GroupingSettings(field="parent", attributes=["Couleur"]))}
    assert set(products) == {"A", "B"}
    assert {v.attributes["Couleur"] for v in products["A"].variants} == {"Rouge", "Bleu"}


def test_no_rule_changes_nothing_and_bad_rules_are_refused():
    assert group_articles(FLAT, None) == FLAT
    with pytest.raises(ValidationError):
        GroupingSettings(pattern="(no-parent)")
    with pytest.raises(ValidationError):
        GroupingSettings(pattern="x", field="y")
