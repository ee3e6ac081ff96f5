from decimal import Decimal

from courroie.config import AssortmentSettings
from courroie.model import Category, Money, Product
from courroie.sync.assortment import CategoryTree, mapped_categories, select_products

TREE = CategoryTree([
    Category(key="1", name={"fr": "Motorisation", "en": "Operators"}),
    Category(key="2", name={"fr": "Portails battants"}, parent_key="1"),
    Category(key="3", name={"fr": "Bras"}, parent_key="2"),
    Category(key="4", name={"fr": "Télécommandes"}),
    Category(key="5", name={"fr": "Pièces détachées"}),
])


def product(sku: str, *categories: str, tags: tuple[str, ...] = ()) -> Product:
    return Product(sku=sku, name={"fr": sku}, price=Money(amount=Decimal(1)), category_keys=categories, tags=tags)


PRODUCTS = [product("ARM", "3"), product("REMOTE", "4", tags=("promo",)), product("SPARE", "5"),
            product("BOTH", "3", "4")]


def skus(rules: AssortmentSettings) -> list[str]:
    return [p.sku for p in select_products(PRODUCTS, TREE, rules)]


def test_empty_rules_select_everything():
    assert skus(AssortmentSettings()) == ["ARM", "REMOTE", "SPARE", "BOTH"]


def test_a_category_named_by_name_or_key_brings_its_sub_categories():
    assert skus(AssortmentSettings(categories=["Operators"])) == ["ARM", "BOTH"]
    assert skus(AssortmentSettings(categories=["4"])) == ["REMOTE", "BOTH"]


def test_exclusions_win_and_named_skus_are_added():
    rules = AssortmentSettings(categories=["Motorisation"], exclude_categories=["Télécommandes"], skus=["SPARE"])
    assert skus(rules) == ["ARM", "SPARE"]
    assert skus(AssortmentSettings(exclude_skus=["ARM"], tags=["promo"])) == ["REMOTE"]


def test_category_map_merges_or_leaves_out_with_descendants():
    mapped = mapped_categories(TREE, {"Portails battants": None, "Télécommandes": "12"})
    assert mapped == {"2": None, "3": None, "4": "12"}
