"""What a product carries beyond its fields (dimensions, brand, features, files, kit, tags, extra) and
campaigns, from Tryton rows, without a server. Row shapes are those trytond 8.2 returns."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from courroie.connectors.tryton import files, mapping
from courroie.model import Feature, FileRef, KitItem, Reduction

pytestmark = pytest.mark.tryton

PROTECTION = {"id": 7, "name": "protection", "string": "Protection rating", "type_": "selection",
              "selection_json": '[["ip44","IP44"],["ip54","IP54"]]'}
VOLTAGE = {"id": 1, "name": "voltage", "string": "Voltage", "type_": "selection",
           "selection_json": '[["24v","24 V"],["230v","230 V"]]'}
SCHEMAS = {"en": mapping.attribute_schemas([VOLTAGE, PROTECTION]),
           "fr": mapping.attribute_schemas([{**VOLTAGE, "string": "Tension"},
                                            {**PROTECTION, "string": "Indice de protection"}])}
TEMPLATE = {"id": 7, "code": "MOT", "name": "Swing gate motor", "list_price": Decimal("249.9000"),
            "categories": [3, 40], "weight": 8.5, "weight_uom.": {"id": 2, "factor": 1.0},
            "length": 49.0, "length_uom.": {"id": 13, "factor": 0.01},
            "width": 0.265, "width_uom.": {"id": 12, "factor": 1.0},
            "height": None, "height_uom.": None, "volume": 38.95, "default_uom.": {"id": 1, "symbol": "u"},
            "account_category.": {"id": 1, "name": "VAT 20%"}, "active": 1}
PARIS = ZoneInfo("Europe/Paris")


def variant(id_: int, code: str, attributes: dict | None = None, identifiers: list | None = None) -> dict:
    return {"id": id_, "code": code, "template": 7, "attributes": attributes, "list_price": None,
            "identifiers.": identifiers or [], "position": None, "description": None, "active": 1}


def facts(content: bytes) -> mapping.FileFacts:
    return mapping.file_facts(content)


def product(variants, *, options=None, attached=None, descriptions=None):
    return mapping.product_from_rows(TEMPLATE, variants, names={"en": "Motor"}, descriptions=descriptions or {},
                                     schemas=SCHEMAS["en"], currency="EUR", options=options, attached=attached)


# --- fields of the template ----------------------------------------------------------------------------

def test_dimensions_are_centimetres_and_tryton_s_length_is_the_depth():
    found = product([variant(1, "MOT-24")])
    assert (found.width, found.height, found.depth) == (Decimal("26.5"), None, Decimal("49"))


def test_the_brand_is_a_product_identifier_of_the_configured_type():
    rows = [variant(1, "MOT-24", identifiers=[{"type": "ean", "code": "3760999000012"}]),
            variant(2, "MOT-230", identifiers=[{"type": "brand", "code": " Sudmatic "}])]
    assert product(rows, options=mapping.CatalogOptions(manufacturer_identifier="brand")).manufacturer == "Sudmatic"
    assert product(rows, options=mapping.CatalogOptions(manufacturer_identifier=None)).manufacturer is None
    assert product(rows).ean13 is None                       # two variants: the EANs stay theirs


def test_feature_attributes_leave_the_options_when_every_variant_agrees():
    rows = [variant(1, "MOT-24", {"voltage": "24v", "protection": "ip44"}),
            variant(2, "MOT-230", {"voltage": "230v", "protection": "ip44"})]
    options = mapping.CatalogOptions(schemas_by_language=SCHEMAS, features=["protection", "voltage"])
    found = product(rows, options=options)
    assert found.features == (
        Feature(name={"en": "Protection rating", "fr": "Indice de protection"}, value={"en": "IP44", "fr": "IP44"}),
        Feature(name={"en": "Voltage", "fr": "Tension"}, value={"en": "24 V, 230 V", "fr": "24 V, 230 V"}))
    assert [v.attributes for v in found.variants] == [{"Voltage": "24 V"}, {"Voltage": "230 V"}]
    assert product(rows).variants[0].attributes == {"Voltage": "24 V", "Protection rating": "IP44"}   # not configured


def test_a_feature_some_variants_lack_stays_an_option():
    rows = [variant(1, "MOT-24", {"protection": "ip44"}), variant(2, "MOT-230", {})]
    found = product(rows, options=mapping.CatalogOptions(schemas_by_language=SCHEMAS, features=["protection"]))
    assert [f.value["en"] for f in found.features] == ["IP44"]
    assert found.variants[0].attributes == {"Protection rating": "IP44"}


def test_tag_categories_become_tags_not_categories():
    found = product([variant(1, "MOT-24")], options=mapping.CatalogOptions(tags={40: "New"}))
    assert (found.category_keys, found.tags) == (("3",), ("New",))


def test_tag_categories_are_the_named_roots_and_everything_under_them():
    rows = {1: {"id": 1, "name": "Labels", "parent": None}, 2: {"id": 2, "name": "New", "parent": 1},
            3: {"id": 3, "name": "Spring", "parent": 2}, 4: {"id": 4, "name": "Motors", "parent": None}}
    assert mapping.tag_categories(rows, ["Labels"]) == {1: "Labels", 2: "New", 3: "Spring"}
    assert mapping.tag_categories(rows, ["4"]) == {4: "Motors"}
    assert mapping.tag_categories(rows, []) == {}
    by_language = {"en": rows, "fr": rows}
    assert [c.key for c in mapping.categories_from_rows(by_language, hidden=[1, 2, 3])] == ["4"]


def test_extra_fields_are_text():
    options = mapping.CatalogOptions(extra_fields=["volume", "default_uom.symbol", "active", "height", "nothing.here"])
    assert product([variant(1, "MOT-24")], options=options).extra == {
        "volume": "38.95", "default_uom.symbol": "u", "active": "1"}


@pytest.mark.parametrize("path, row, text", [
    ("code", {"code": "A"}, "A"),
    ("list_price", {"list_price": Decimal("12.50")}, "12.50"),
    ("weight", {"weight": 1.0}, "1"),
    ("start", {"start": dt.date(2026, 1, 2)}, "2026-01-02"),
    ("categories", {"categories": [3, 4]}, "3,4"),
    ("categories.name", {"categories.": [{"id": 3, "name": "A"}, {"id": 4, "name": "B"}]}, "A, B"),
    ("account_category.name", {"account_category.": None}, None),
    ("salable", {"salable": False}, "0"),
])
def test_field_text(path, row, text):
    assert mapping.field_text(row, path) == text


def test_the_short_description_is_the_first_paragraph():
    found = product([variant(1, "MOT-24")], descriptions={"en": "<p>Quiet.</p><ul><li>IP44</li></ul>",
                                                          "fr": "Silencieux.\n\nIP44", "de": "<ul><li>x</li></ul>"})
    assert found.short_description == {"en": "<p>Quiet.</p>", "fr": "<p>Silencieux.</p>"}


# --- pictures, documents, kit ------------------------------------------------------------------------------

JPEG, PDF = b"\xff\xd8\xff\xe0jpeg", b"%PDF-1.4 manual"


def test_files_are_recognised_by_their_bytes_and_hashed():
    assert mapping.file_facts(JPEG) == mapping.FileFacts(hashlib.sha256(JPEG).hexdigest(), "image/jpeg")
    assert mapping.file_facts(PDF, "x.bin").content_type == "application/pdf"
    assert mapping.file_facts(b"plain", "notes.txt").content_type == "text/plain"
    assert mapping.file_facts(b"RIFF\0\0\0\0WEBPVP8").content_type == "image/webp"
    assert mapping.file_facts(b"???").content_type == "application/octet-stream"


def test_file_keys_name_the_model_and_the_record():
    assert mapping.parse_file_key("image/12") == ("product.image", "image", 12)
    assert mapping.parse_file_key("attachment/3") == ("ir.attachment", "data", 3)
    for wrong in ("image/", "image/x", "party/1", "12"):
        with pytest.raises(ValueError):
            mapping.parse_file_key(wrong)


def template_files() -> mapping.TemplateFiles:
    images = [{"id": 21, "template": 7, "product": 2, "sequence": 10, "description": "230 V"},
              {"id": 20, "template": 7, "product": None, "sequence": 1, "description": "Motor"},
              {"id": 22, "template": 7, "product": None, "sequence": None, "description": None},
              {"id": 23, "template": 7, "product": None, "sequence": 2, "description": "lost"}]    # no bytes: left out
    captions = {"en": {row["id"]: row for row in images}, "fr": {20: {"id": 20, "description": "Moteur"}}}
    documents = [{"id": 5, "resource": "product.template,7", "name": "notice.pdf",
                  "description": "Installation manual\nversion 2"},
                 {"id": 6, "resource": "product.template,8", "name": "other.pdf", "description": ""}]
    components = [{"id": 1, "parent_template": 7, "parent_product": None, "sequence": 2, "quantity": 2.0,
                   "product.": {"code": "TEL", "default_uom.": {"factor": 1.0}}, "unit.": {"factor": 1.0}},
                  {"id": 2, "parent_template": 7, "parent_product": None, "sequence": 1, "quantity": 500.0,
                   "product.": {"code": "CABLE", "default_uom.": {"factor": 1.0}}, "unit.": {"factor": 0.001}},
                  {"id": 3, "parent_template": None, "parent_product": 9, "sequence": None, "quantity": 1.0,
                   "product.": {"code": "PHO", "default_uom.": {"factor": 1.0}}, "unit.": {"factor": 1.0}}]
    return mapping.TemplateFiles(
        images=images, captions=captions, image_facts={20: facts(JPEG), 21: facts(JPEG + b"2"), 22: facts(JPEG + b"3")},
        documents=documents, document_facts={5: facts(PDF), 6: facts(PDF)}, components=components)


def test_pictures_come_in_tryton_s_order_the_first_is_the_cover():
    attached = mapping.attached_by_template(template_files(), template_codes={7: "MOT"}, variant_codes={2: "MOT-230"},
                                            first_variants={7: 1}, language="en")[7]
    assert [(ref.key, ref.filename) for ref in attached.images] == [
        ("image/22", "MOT-22.jpg"), ("image/20", "MOT-20.jpg"), ("image/21", "MOT-230-21.jpg")]
    assert attached.images[1] == FileRef(key="image/20", content_hash=hashlib.sha256(JPEG).hexdigest(),
                                         filename="MOT-20.jpg", content_type="image/jpeg",
                                         name={"en": "Motor", "fr": "Moteur"})
    assert attached.variant_images == {2: (attached.images[2],)}


def test_a_variant_with_its_own_pictures_shows_them_first_then_the_general_ones():
    attached = mapping.attached_by_template(template_files(), template_codes={7: "MOT"}, variant_codes={2: "MOT-230"},
                                            first_variants={7: 1}, language="en")[7]
    found = product([variant(1, "MOT-24"), variant(2, "MOT-230")], attached=attached)
    assert found.images == attached.images
    assert found.variants[0].images == ()                                   # the product's
    assert [ref.key for ref in found.variants[1].images] == ["image/21", "image/22", "image/20"]


def test_documents_and_kit_components():
    attached = mapping.attached_by_template(template_files(), template_codes={7: "MOT"}, variant_codes={},
                                            first_variants={7: 1, 8: 9}, language="en")
    [manual] = attached[7].documents
    assert (manual.key, manual.filename, manual.content_type, manual.name) == (
        "attachment/5", "notice.pdf", "application/pdf", {"en": "Installation manual"})
    assert attached[8].documents[0].name == {"en": "other.pdf"}              # no description: its name
    assert attached[7].kit == (KitItem(sku="CABLE", quantity=Decimal("0.5")), KitItem(sku="TEL", quantity=Decimal(2)))
    assert attached[8].kit == (KitItem(sku="PHO", quantity=Decimal(1)),)     # the first variant's own components


def test_bytes_are_read_in_batches_of_bounded_size():
    sizes = {1: 400, 2: 700, 3: 5000, 4: 100, 5: 100, 6: 100}
    assert list(files.batches(sizes, 1000, 10)) == [[1], [2], [3], [4, 5, 6]]
    assert list(files.batches(sizes, 10**6, 4)) == [[1, 2, 3, 4], [5, 6]]
    assert files.size_context("product.image", "image") == {"product.image.image": "size"}


# --- promotions ---------------------------------------------------------------------------------------------

TREE = {1: None, 7: None, 24: 7, 25: 24}          # category → parent, as shops get them


def promotion(**changes) -> dict:
    row = {"id": 2, "name": "Remise pro", "formula": "unit_price * 0.9", "start_date": dt.date(2026, 11, 12),
           "end_date": dt.date(2026, 12, 31), "price_list.": {"id": 2, "name": "Tarif pro"}, "amount": None,
           "currency.": None, "untaxed_amount": 0, "quantity": None, "products": [], "products.": [],
           "categories": [7], "coupons.": []}
    return row | changes


CONTEXT = mapping.PromotionContext("EUR", PARIS, TREE)


def test_a_campaign_on_a_category_for_a_period_and_a_price_list():
    [campaign] = mapping.promotions_from_row(promotion(), CONTEXT)
    assert (campaign.key, campaign.name, campaign.reduction, campaign.reduction_type) == (
        "2", "Remise pro", Decimal("0.1"), Reduction.PERCENTAGE)
    assert campaign.category_keys == ("7", "24", "25")               # sub-categories match in Tryton too
    assert campaign.price_lists == ("Tarif pro",) and campaign.skus == () and campaign.coupon is None
    assert campaign.starts == dt.datetime(2026, 11, 11, 23, tzinfo=dt.UTC)    # midnight in Toulouse
    assert campaign.ends == dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)      # the last day included


def test_an_amount_off_products_from_an_untaxed_order_amount():
    row = promotion(formula="unit_price - 5", categories=[], products=[16, 17], price_list=None, **{
        "price_list.": None, "products.": [{"id": 17, "code": "TEL-4C"}, {"id": 16, "code": "TEL-2C"}],
        "amount": Decimal("100"), "currency.": {"code": "EUR"}, "untaxed_amount": 1})
    [campaign] = mapping.promotions_from_row(row, CONTEXT)
    assert (campaign.reduction, campaign.reduction_type, campaign.skus, campaign.minimum_amount) == (
        Decimal("5"), Reduction.AMOUNT, ("TEL-2C", "TEL-4C"), Decimal("100"))
    assert not mapping.promotion_needs_skus(row, TREE)


def test_one_campaign_per_active_coupon_number_within_both_periods():
    numbers = [{"id": 1, "number": "BIENVENUE10", "start_date": None, "end_date": None, "active": True},
               {"id": 2, "number": "NOEL", "start_date": dt.date(2026, 12, 1), "end_date": dt.date(2027, 1, 15),
                "active": True},
               {"id": 3, "number": "USED", "start_date": None, "end_date": None, "active": False}]
    row = promotion(**{"coupons.": [{"id": 1, "number_of_use": 0, "numbers.": numbers}]})
    welcome, christmas = mapping.promotions_from_row(row, CONTEXT)
    assert (welcome.key, welcome.coupon, welcome.starts.day, welcome.ends.day) == ("2/1", "BIENVENUE10", 11, 31)
    assert (christmas.coupon, christmas.starts, christmas.ends) == (
        "NOEL", dt.datetime(2026, 11, 30, 23, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC))


@pytest.mark.parametrize("changes, reason", [
    ({"formula": "Decimal('10')"}, "formula"),
    ({"quantity": 3.0}, "minimal quantity"),
    ({"amount": Decimal(50), "currency.": {"code": "EUR"}, "untaxed_amount": 0}, "includes taxes"),
    ({"amount": Decimal(50), "currency.": {"code": "USD"}, "untaxed_amount": 1}, "USD"),
    ({"coupons.": [{"id": 1, "number_of_use": 1, "numbers.": []}]}, "limited number"),
])
def test_what_a_shop_would_apply_differently_is_not_mapped(changes, reason):
    with pytest.raises(mapping.NotMapped, match=reason):
        mapping.promotions_from_row(promotion(**changes), CONTEXT)


def test_a_selection_shops_cannot_name_is_resolved_to_skus():
    assert mapping.promotion_needs_skus(promotion(categories=[99]), TREE)          # accounting or label
    assert mapping.promotion_needs_skus(promotion(products=[16]), TREE)            # products AND categories
    assert not mapping.promotion_needs_skus(promotion(), TREE)
    [campaign] = mapping.promotions_from_row(promotion(categories=[99]), CONTEXT, skus=["A", "B"])
    assert (campaign.skus, campaign.category_keys) == (("A", "B"), ())


def test_a_file_is_read_again_only_when_rewritten():
    import asyncio

    contents = {1: JPEG, 2: PDF}

    class Client:                       # the one call hash_files makes
        def __init__(self) -> None:
            self.reads: list[list[int]] = []

        async def search_read(self, model, domain, fields):
            [(_, _, ids)] = domain
            self.reads.append(ids)
            return [{"id": i, fields[0]: contents[i]} for i in ids]

    client, memo = Client(), {}

    def hashed(stamps: dict, sizes: dict) -> dict:
        return asyncio.run(files.hash_files(client, "product.image", "image", sizes, {}, stamps=stamps, memo=memo,
                                            batch_bytes=10**6, max_records=10))

    sizes = {1: len(JPEG), 2: len(PDF), 3: 0}
    first = hashed({1: ("t1", 9), 2: ("t1", 15)}, sizes)
    assert set(first) == {1, 2} and client.reads == [[1, 2]]          # an empty file has nothing to hash
    assert hashed({1: ("t1", 9), 2: ("t1", 15)}, sizes) == first and client.reads == [[1, 2]]
    contents[1] = JPEG + b"retouched"
    changed = hashed({1: ("t2", 18), 2: ("t1", 15)}, sizes)
    assert client.reads[-1] == [1] and changed[1].sha256 == hashlib.sha256(contents[1]).hexdigest()
    assert files.stamp({"write_date": None, "create_date": "c"}, 4) == ("c", 4)
