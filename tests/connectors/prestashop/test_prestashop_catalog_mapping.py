"""Pure catalog mapping of issue 3: what PrestaShop refuses is refused here first, with what to fix;
fields the ERP owns and only those; packs, features, manufacturers, free fields, category groups."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prestashop_captures import body_records, load
from prestashop_samples import TEE, make_config
from pydantic import ValidationError

from courroie.connectors.prestashop import mapping, validation
from courroie.connectors.prestashop.client import xml_document
from courroie.connectors.prestashop.mapping import ProductRefs
from courroie.connectors.protocols import PackItem
from courroie.model import Category, KitItem, Money, Product, Variant

pytestmark = pytest.mark.prestashop

CONFIG = make_config()
SIMPLE = TEE.model_copy(update={"variants": ()})


def written(element) -> dict:
    [fields] = body_records(xml_document([element]))
    return fields


def update(product: Product, *fields: str, refs: ProductRefs = mapping.NO_REFS, config=CONFIG) -> dict | None:
    element = mapping.product_element(product, ["10"], config, "21", fields=set(fields), refs=refs)
    return None if element is None else written(element)


# --- names, texts and identifiers as PrestaShop validates them ----------------------------------


@pytest.mark.parametrize("character", list(validation.CATALOG_NAME_REFUSED))
def test_a_name_with_a_character_isCatalogName_refuses_is_named(character: str) -> None:
    named = SIMPLE.model_copy(update={"name": {"en": f"Gate {character} motor", "fr": "Moteur"}})
    with pytest.raises(ValueError, match=rf"product SYNC-REF-100 name \(en\) contains {character!r}"):
        mapping.product_element(named, [], CONFIG)


def test_a_name_longer_than_128_characters_is_refused() -> None:
    long = SIMPLE.model_copy(update={"name": {"en": "x" * 129}})
    with pytest.raises(ValueError, match=r"is 129 characters long \(at most 128\)"):
        mapping.product_element(long, [], CONFIG)


def test_a_missing_translation_takes_the_fallback_language() -> None:
    fields = written(mapping.product_element(SIMPLE.model_copy(update={"name": {"en": "Gate"}}), [], CONFIG))
    assert fields["name"] == {"1": "Gate", "2": "Gate"}


def test_a_missing_translation_without_fallback_is_refused() -> None:
    french_only = SIMPLE.model_copy(update={"description": {"fr": "<p>Moteur</p>"}})
    with pytest.raises(ValueError, match="description of SYNC-REF-100 has no en text and no en text to fall back"):
        mapping.product_element(french_only, [], CONFIG)


def test_another_fallback_language_fills_the_gaps() -> None:
    config = make_config(fallback_language="fr")
    fields = written(mapping.product_element(SIMPLE.model_copy(update={"description": {"fr": "<p>Moteur</p>"}}),
                                             [], config))
    assert fields["description"] == {"1": "<p>Moteur</p>", "2": "<p>Moteur</p>"}


@pytest.mark.parametrize("html, fault", [
    ("<p>ok</p><script>alert(1)</script>", "contains a script"),
    ('<img src="x" onerror="alert(1)">', "event handler"),
    ('<iframe src="https://video"></iframe>', "iframe"),
])
def test_descriptions_isCleanHtml_refuses_are_refused(html: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        mapping.product_element(SIMPLE.model_copy(update={"description": {"en": html}}), [], CONFIG)


def test_iframes_pass_where_the_shop_allows_them() -> None:
    config = make_config(allow_iframes=True)
    video = SIMPLE.model_copy(update={"description": {"en": '<iframe src="https://video"></iframe>'}})
    assert "iframe" in written(mapping.product_element(video, [], config))["description"]["1"]


def test_the_short_description_limit_counts_text_without_tags() -> None:
    at_limit = SIMPLE.model_copy(update={"short_description": {"en": "<p><b>" + "x" * 800 + "</b></p>"}})
    mapping.product_element(at_limit, [], CONFIG)
    over = SIMPLE.model_copy(update={"short_description": {"en": "x" * 801}})
    with pytest.raises(ValueError, match="801 characters without tags; PrestaShop takes 800"):
        mapping.product_element(over, [], CONFIG)


@pytest.mark.parametrize("ean13", ["12345678901234", "37600000000AB"])
def test_a_bad_ean13_is_refused(ean13: str) -> None:
    with pytest.raises(ValueError, match="EAN-13 of SYNC-REF-100"):
        mapping.product_element(SIMPLE.model_copy(update={"ean13": ean13}), [], CONFIG)


def test_a_reference_with_a_refused_character_is_refused() -> None:
    with pytest.raises(ValueError, match=r"reference 'A;B' contains ';'"):
        mapping.product_element(SIMPLE.model_copy(update={"sku": "A;B"}), [], CONFIG)
    variant = Variant(sku="A=B", attributes={"Size": "S"})
    with pytest.raises(ValueError, match=r"reference 'A=B' contains '='"):
        mapping.check_variants(TEE.model_copy(update={"variants": (variant,)}))


@given(st.text(max_size=140))
def test_what_validation_lets_through_isCatalogName_takes(name: str) -> None:
    if validation.problem(name, validation.PRODUCT_NAME) is None:
        assert len(name) <= 128 and not set(name) & set(validation.CATALOG_NAME_REFUSED)


# --- fields the ERP owns ------------------------------------------------------------------------


def test_a_price_update_writes_the_price_and_nothing_else() -> None:
    assert update(SIMPLE, "price") == {"id": 21, "price": Decimal("20")}


def test_an_update_with_nothing_for_the_product_itself_sends_nothing() -> None:
    assert update(TEE, "variants", "images") is None


def test_dimensions_manufacturer_and_features() -> None:
    product = SIMPLE.model_copy(update={"width": Decimal("12.5"), "height": Decimal("3"), "depth": None,
                                        "manufacturer": "Nice"})
    refs = ProductRefs(manufacturer_id="4", features=(("2", "10"), ("5", "31")))
    fields = update(product, "dimensions", "manufacturer", "features", refs=refs)
    assert fields == {"id": 21, "id_manufacturer": 4, "width": Decimal("12.5"), "height": 3, "depth": 0,
                      "associations": {"product_features": [2, 5]}}
    element = mapping.product_element(product, [], CONFIG, "21", fields={"features"}, refs=refs)
    assert [item.findtext("id_feature_value") for item in element.iterfind("associations/product_features/*")] \
        == ["10", "31"]


def test_a_new_product_without_manufacturer_or_features_sends_neither() -> None:
    fields = written(mapping.product_element(SIMPLE, [], CONFIG))
    assert "id_manufacturer" not in fields and "associations" in fields
    assert set(fields["associations"]) == {"categories"}


def test_negative_measures_are_refused() -> None:
    with pytest.raises(ValueError, match="width of SYNC-REF-100 is negative"):
        update(SIMPLE.model_copy(update={"width": Decimal("-1")}), "dimensions")


# --- packs --------------------------------------------------------------------------------------


KIT = SIMPLE.model_copy(update={"sku": "KIT-1", "kit": (KitItem(sku="A", quantity=Decimal(2)),
                                                        KitItem(sku="B-M", quantity=Decimal(1)))})
ITEMS = (PackItem("30", "0", 2), PackItem("31", "45", 1))


def test_a_kit_becomes_a_pack_with_its_items() -> None:
    element = mapping.product_element(KIT, [], CONFIG, refs=ProductRefs(pack=ITEMS))
    fields = written(element)
    assert fields["type"] == "pack" and fields["product_type"] == "pack"
    items = [{child.tag: child.text for child in item} for item in element.iterfind("associations/product_bundle/*")]
    # 8.1.2's setWsProductBundle reads product_attribute_id; its schema names id_product_attribute.
    assert items == [
        {"id": "30", "id_product_attribute": "0", "product_attribute_id": "0", "quantity": "2"},
        {"id": "31", "id_product_attribute": "45", "product_attribute_id": "45", "quantity": "1"},
    ]


def test_a_product_that_is_no_longer_a_kit_is_set_back_to_simple() -> None:
    fields = update(SIMPLE, "pack")
    assert fields == {"id": 21, "type": "simple", "associations": {"product_bundle": []}}


def test_a_kit_without_its_components_ids_is_refused() -> None:
    with pytest.raises(ValueError, match="the shop ids of its components were not given"):
        mapping.product_element(KIT, [], CONFIG)


def test_a_kit_with_combinations_is_refused() -> None:
    with pytest.raises(ValueError, match="a PrestaShop pack cannot have any"):
        mapping.product_element(TEE.model_copy(update={"kit": KIT.kit}), [], CONFIG, refs=ProductRefs(pack=ITEMS))


# --- free fields --------------------------------------------------------------------------------


def test_free_erp_fields_fill_the_configured_product_fields() -> None:
    config = make_config(extra_fields={"mpn": "mpn", "seo": "meta_title", "sale": "on_sale", "eco": "ecotax"})
    product = SIMPLE.model_copy(update={"extra": {"mpn": "NICE-24", "seo": "Gate motor", "sale": "True",
                                                  "unmapped": "ignored"}})
    assert update(product, "extra", config=config) == {
        "id": 21, "ecotax": "", "meta_title": {"1": "Gate motor", "2": "Gate motor"}, "mpn": "NICE-24",
        "on_sale": 1}


def test_a_free_field_value_the_target_refuses_is_named() -> None:
    config = make_config(extra_fields={"eco": "ecotax"})
    with pytest.raises(ValueError, match=r"eco of SYNC-REF-100 \(→ ecotax\) is not a price"):
        update(SIMPLE.model_copy(update={"extra": {"eco": "two euros"}}), "extra", config=config)


@pytest.mark.parametrize("extra_fields, error", [
    ({"x": "price"}, "cannot write"),
    ({"x": "name"}, "cannot write"),
    ({"x": "mpn", "y": "mpn"}, "several ERP fields to mpn"),
])
def test_the_configuration_refuses_fields_the_connector_cannot_fill(extra_fields: dict, error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        make_config(extra_fields=extra_fields)


# --- categories ---------------------------------------------------------------------------------


def test_a_category_for_some_customer_groups_is_created_inactive() -> None:
    config = make_config(customer_groups={"Professionnels": 4})
    b2b = Category(key="PRO", name={"en": "Trade"}, groups=("Professionnels",))
    assert written(mapping.category_element(b2b, "2", config))["active"] == 0
    assert "active" not in written(mapping.category_element(b2b, "2", config, category_id="12"))


def test_a_category_naming_an_unknown_group_is_refused() -> None:
    b2b = Category(key="PRO", name={"en": "Trade"}, groups=("Revendeurs",))
    with pytest.raises(ValueError, match=r"customer group.*'Revendeurs'.*customer_groups mapping"):
        mapping.category_element(b2b, "2", make_config(customer_groups={"Professionnels": 4}))


def test_category_names_follow_isCatalogName() -> None:
    with pytest.raises(ValueError, match=r"category C1 name \(en\) contains '#'"):
        mapping.category_element(Category(key="C1", name={"en": "No #1"}), "2", CONFIG)


# --- documents the connector writes around products ---------------------------------------------


def test_cover_and_attachment_documents() -> None:
    assert written(mapping.cover_element("21", "25")) == {"id": 21, "id_default_image": 25}
    assert written(mapping.attachments_element("21", ["3", "7"])) == {"id": 21, "associations": {"attachments": [3, 7]}}


def test_feature_value_documents_are_predefined_values() -> None:
    fields = written(mapping.feature_value_element("2", {1: "120 pages", 2: "120 pages"}))
    captured = body_records(load("02-resource-product_feature_values/005-get-10-xml").response.body)[0]
    assert fields == {"id_feature": 2, "custom": 0, "value": captured["value"]}


def test_manufacturer_names_follow_isCatalogName_and_64_characters() -> None:
    assert written(mapping.manufacturer_element("Graphic Corner")) == {"active": 1, "name": "Graphic Corner"}
    with pytest.raises(ValueError, match="at most 64"):
        mapping.manufacturer_element("x" * 65)


def test_combination_price_documents_keep_the_required_fields() -> None:
    row = {"id": 40, "id_product": 21, "minimal_quantity": "1", "price": "0.000000"}
    assert written(mapping.combination_price_element(row, Decimal("2.5"))) == {
        "id": 40, "id_product": 21, "minimal_quantity": 1, "price": Decimal("2.5")}


def test_price_impacts_follow_the_base_price() -> None:
    dearer = TEE.variants[1]                       # 22 on a 20 base
    assert mapping.price_impact(TEE, dearer) == Decimal("2")
    cheaper_base = TEE.model_copy(update={"price": Money(amount=Decimal("21"))})
    assert mapping.price_impact(cheaper_base, dearer) == Decimal("1")
    assert mapping.price_impact(cheaper_base, TEE.variants[0]) == 0
