"""``PrestaShopShop`` over captured answers, for issue 3: what it sends for manufacturers, features,
packs, prices, images, documents and promotions, and how few requests it takes."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from prestashop_captures import (
    CapturedResponse,
    Router,
    as_list,
    batch_xml,
    body_records,
    has_params,
    json_body,
    load,
    response,
)
from prestashop_samples import TEE

from courroie.connectors.protocols import PackItem, ShopProductIds
from courroie.errors import DataError, TransientError
from courroie.model import Category, Feature, FileRef, Money, PriceRule, Promotion, Reduction

pytestmark = [pytest.mark.prestashop, pytest.mark.anyio]

SIMPLE = TEE.model_copy(update={"variants": ()})
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAYAAACp8Z5+AAAACXBIWXMAAA7EAAAOxAGVKw4bAAAAFUlEQVQI12M8IS"
                       "f3nwEJMDGgAcICAITGAgtINzqPAAAAAElFTkSuQmCC")
PICTURE = FileRef(key="img-1", content_hash="h1", filename="motor.png", content_type="image/png")
MANUAL = FileRef(key="doc-1", content_hash="d1", filename="notice<v2>.pdf", content_type="application/pdf",
                 name={"en": "Installation manual", "fr": "Notice de pose"})
EMPTY = response("03-query-features/012-filter-no-match-json")
PARIS = ZoneInfo("Europe/Paris")


def xml_answer(*records: str, status: int = 201) -> CapturedResponse:
    """A write answer for resources the captures never wrote: ``<tag><id>…</id>…</tag>`` records."""
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
            + "".join(records) + "</prestashop>\n").encode()
    return CapturedResponse(status, (("Content-type", "text/xml;charset=utf-8"),), body)


def json_answer(payload: object) -> CapturedResponse:
    return CapturedResponse(200, (("Content-Type", "application/json"),), json.dumps(payload).encode())


def sent(router: Router, method: str, path: str) -> list[list[dict]]:
    return [body_records(request.content) for request in router.sent(method, path)]


def lookup_routes(router: Router) -> Router:
    """Manufacturers Studio Design and Graphic Corner, features Composition (Polyester, Wool) and Property."""
    return (router
            .add("GET", "/api/manufacturers",
                 response("02-resource-manufacturers/004-list-display-full-limit-0-2-json"),
                 when=has_params(limit="0,1000"))
            .add("GET", "/api/product_features",
                 response("02-resource-product_features/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/product_feature_values",
                 response("02-resource-product_feature_values/004-list-display-full-limit-0-2-json"),
                 when=has_params(filter_custom="[0]")))


# --- products -----------------------------------------------------------------------------------


async def test_manufacturer_and_features_are_found_or_created_once(router: Router, shop_for) -> None:
    """Wool exists under Composition: reused. Nice and "Torque: 300 Nm" do not: created, then cached."""
    (lookup_routes(router)
     .add("POST", "/api/manufacturers", xml_answer("<manufacturer><id>3</id><name>Nice</name></manufacturer>"))
     .add("POST", "/api/product_features", xml_answer("<product_feature><id>7</id></product_feature>"))
     .add("POST", "/api/product_feature_values", xml_answer(
         "<product_feature_value><id>40</id></product_feature_value>",
         "<product_feature_value><id>41</id></product_feature_value>"))
     .add("POST", "/api/products", response("04-writes/002-post-product-2-languages")))
    motor = SIMPLE.model_copy(update={"manufacturer": "Nice", "features": (
        Feature(name={"en": "Composition"}, value={"en": "wool"}),
        Feature(name={"en": "Torque", "fr": "Couple"}, value={"en": "300 Nm"}),
        Feature(name={"en": "Property"}, value={"en": "Outdoor"}))})
    shop = shop_for()

    await shop.create_product(motor, ["10"])

    assert sent(router, "POST", "/api/manufacturers") == [[{"active": 1, "name": "Nice"}]]
    assert sent(router, "POST", "/api/product_features") == [[{"name": {"1": "Torque", "2": "Couple"}}]]
    [values] = sent(router, "POST", "/api/product_feature_values")           # both new values in one POST
    assert [(v["id_feature"], v["value"]["1"]) for v in values] == [(7, "300 Nm"), (2, "Outdoor")]
    [[product]] = sent(router, "POST", "/api/products")
    assert product["id_manufacturer"] == 3
    features = router.sent("POST", "/api/products")[0].content
    assert b"<id>1</id><id_feature_value>2</id_feature_value>" in features          # Composition: Wool

    router.requests.clear()
    await shop.create_product(motor.model_copy(update={"sku": "SYNC-REF-101"}), ["10"])
    assert [(r.method, r.url.path) for r in router.requests] == [("POST", "/api/products")]


async def test_concurrent_products_create_a_new_manufacturer_once(router: Router, shop_for) -> None:
    (lookup_routes(router)
     .add("POST", "/api/manufacturers", xml_answer("<manufacturer><id>3</id><name>Nice</name></manufacturer>"))
     .add("POST", "/api/products", response("04-writes/002-post-product-2-languages")))
    shop = shop_for()
    products = [SIMPLE.model_copy(update={"sku": f"M-{n}", "manufacturer": "NICE"}) for n in range(5)]
    await asyncio.gather(*(shop.create_product(p, []) for p in products))
    assert len(router.sent("POST", "/api/manufacturers")) == 1
    assert len(router.sent("GET", "/api/manufacturers")) == 1


async def test_a_refused_name_sends_nothing(router: Router, shop_for) -> None:
    with pytest.raises(DataError, match=r"name \(fr\) contains '>'"):
        await shop_for().create_product(SIMPLE.model_copy(update={"name": {"en": "Gate", "fr": "Portail > 4 m"}}), [])
    assert router.requests == []


async def test_a_pack_sends_its_items(router: Router, shop_for) -> None:
    router.add("POST", "/api/products", response("04-writes/002-post-product-2-languages"))
    kit = SIMPLE.model_copy(update={"sku": "KIT"})
    await shop_for().create_product(kit, [], pack=[PackItem("30", "0", 2), PackItem("31", "45", 1)])
    body = router.sent("POST", "/api/products")[0].content
    assert b"<type>pack</type>" in body and b"<product_type>pack</product_type>" in body
    assert (b"<product><id>31</id><id_product_attribute>45</id_product_attribute>"
            b"<product_attribute_id>45</product_attribute_id><quantity>1</quantity></product>") in body


async def test_a_price_update_patches_the_price_and_the_impacts_that_move(router: Router, shop_for) -> None:
    """Base 20 → 21: M (own price 22) goes from +2 to +1; S (no own price) stays at 0 and is not written."""
    rows = [{"id": 40, "id_product": 21, "reference": "SYNC-REF-100-1", "price": "0.000000", "minimal_quantity": 1},
            {"id": 41, "id_product": 21, "reference": "SYNC-REF-100-2", "price": "2.000000", "minimal_quantity": 1}]
    (router
     .add("PATCH", "/api/products/21", response("04-writes/030-patch-product"))
     .add("GET", "/api/combinations", json_answer({"combinations": rows}), when=has_params(filter_id_product="[21]"))
     .add("PATCH", "/api/combinations/41", response("04-writes/007-post-combination-1")))
    dearer = TEE.model_copy(update={"price": Money(amount=Decimal(21))})
    ids = ShopProductIds("21", {"SYNC-REF-100-1": "40", "SYNC-REF-100-2": "41"})

    assert await shop_for().update_product(ids, dearer, [], fields=frozenset({"price"})) == ids

    assert sent(router, "PATCH", "/api/products/21") == [[{"id": 21, "price": Decimal(21)}]]
    assert sent(router, "PATCH", "/api/combinations/41") == [[{"id": 41, "id_product": 21, "minimal_quantity": 1,
                                                               "price": Decimal(1)}]]
    assert not router.sent("PATCH", "/api/combinations/40") and not router.sent("POST", "/api/combinations")


async def test_an_update_of_unowned_fields_only_writes_nothing(router: Router, shop_for) -> None:
    ids = ShopProductIds("21", {"SYNC-REF-100": "0"})
    assert await shop_for().update_product(ids, SIMPLE, [], fields=frozenset({"images", "documents"})) == ids
    assert router.requests == []


async def test_delete_product_is_done_when_already_gone(router: Router, shop_for) -> None:
    router.add("DELETE", "/api/products/22", response("04-writes/034-delete-product-again-404"))
    await shop_for().delete_product("22")


async def test_a_category_for_some_groups_is_created_inactive(router: Router, shop_for) -> None:
    router.add("POST", "/api/categories", response("04-writes/001-post-category-xml"))
    shop = shop_for(customer_groups={"Pros": 4})
    await shop.create_category(Category(key="PRO", name={"en": "Trade"}, groups=("Pros",)), None)
    [[category]] = sent(router, "POST", "/api/categories")
    assert category["active"] == 0 and "associations" not in category     # no `groups` association in 8.1.2


# --- images -------------------------------------------------------------------------------------


async def test_an_image_upload_is_the_captured_multipart(router: Router, shop_for) -> None:
    router.add("POST", "/api/images/products/21", response("04-writes/040-post-image-multipart"))
    assert await shop_for().upload_image("21", PICTURE, PNG, cover=True) == "24"
    [request] = router.requests
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'Content-Disposition: form-data; name="image"; filename="motor.png"' in request.content
    assert b"Content-Type: image/png" in request.content and PNG in request.content
    # The answer says cover 1 (first image): no PATCH of the product.


async def test_another_image_made_cover_through_id_default_image(router: Router, shop_for) -> None:
    second = load("04-writes/040-post-image-multipart").response.body.replace(
        b"<id><![CDATA[24]]>", b"<id><![CDATA[26]]>").replace(b"<cover><![CDATA[1]]>", b"<cover><![CDATA[]]>")
    (router
     .add("POST", "/api/images/products/21", CapturedResponse(200, (("Content-type", "text/xml"),), second))
     .add("PATCH", "/api/products/21", response("04-writes/030-patch-product")))
    shop = shop_for()
    assert await shop.upload_image("21", PICTURE, PNG, cover=True) == "26"
    assert sent(router, "PATCH", "/api/products/21") == [[{"id": 21, "id_default_image": 26}]]
    router.requests.clear()
    await shop.upload_image("21", PICTURE, PNG, cover=False)
    assert not router.sent("PATCH", "/api/products/21")


@pytest.mark.parametrize("content, error", [
    (b"this is not an image", "not a JPEG, PNG, GIF or WebP image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024), "the shop takes at most 2,097,152"),
])
async def test_images_prestashop_would_refuse_are_refused_before_sending(router: Router, shop_for, content: bytes,
                                                                         error: str) -> None:
    with pytest.raises(DataError, match=error):
        await shop_for().upload_image("21", PICTURE, content, cover=False)
    assert router.requests == []


async def test_the_row_a_refused_image_leaves_is_removed(router: Router, shop_for) -> None:
    """04-writes/044: refused with 400 "An error occurred while copying image", yet image 25 stayed on
    product 21 without a file (02-resource-images/006 lists 24 and 25)."""
    (router
     .add("POST", "/api/images/products/21", response("04-writes/044-post-image-not-an-image"))
     .add("GET", "/api/images/products/21", response("02-resource-images/006-images-of-product-21"))
     .add("GET", "/api/images/products/21/25", httpx.Response(
         500, headers={"Content-Type": "text/xml"},
         content=b"<prestashop><errors><error><code>61</code><message>This image does not exist on disk</message>"
                 b"</error></errors></prestashop>"))
     .add("DELETE", "/api/images/products/21/25", response("04-writes/032-delete-product")))
    corrupt = b"\x89PNG\r\n\x1a\n" + b"truncated"
    with pytest.raises(DataError, match="An error occurred while copying image"):
        await shop_for().upload_image("21", PICTURE, corrupt, cover=False)
    assert len(router.sent("DELETE", "/api/images/products/21/25")) == 1


async def test_deleting_an_image_already_gone_is_done(router: Router, shop_for) -> None:
    router.add("DELETE", "/api/images/products/21/99", response("04-writes/034-delete-product-again-404"))
    await shop_for().delete_image("21", "99")


# --- documents ----------------------------------------------------------------------------------


ATTACHMENT = ("<attachment><id>5</id><file>0123456789abcdef0123456789abcdef01234567</file>"
              "<file_name>notice_v2_.pdf</file_name><file_size>15</file_size><mime>application/pdf</mime>"
              '<name><language id="1">Installation manual</language><language id="2"></language></name>'
              "<description><language id=\"1\"></language><language id=\"2\"></language></description>"
              "</attachment>")


async def test_a_document_is_uploaded_titled_and_linked(router: Router, shop_for) -> None:
    (router
     .add("POST", "/api/attachments/file", xml_answer(ATTACHMENT, status=200))
     .add("PUT", "/api/attachments/5", xml_answer(ATTACHMENT, status=200))
     .add("GET", "/api/products/21", response("02-resource-products/005-get-21-xml"))
     .add("PATCH", "/api/products/21", response("04-writes/030-patch-product")))
    assert await shop_for().upload_document("21", MANUAL, b"%PDF-1.4 manual") == "5"
    upload = router.sent("POST", "/api/attachments/file")[0].content
    assert b'name="file"; filename="notice_v2_.pdf"' in upload and b"Content-Type: application/pdf" in upload
    assert b'name="name"\r\n\r\nInstallation manual' in upload          # PrestaShop's default language only…
    [[titled]] = sent(router, "PUT", "/api/attachments/5")                # …so every language is written after
    assert titled["name"] == {"1": "Installation manual", "2": "Notice de pose"} and titled["mime"] == "application/pdf"
    assert sent(router, "PATCH", "/api/products/21") == [[{"id": 21, "associations": {"attachments": [5]}}]]


async def test_a_document_that_cannot_be_linked_is_removed(router: Router, shop_for) -> None:
    (router
     .add("POST", "/api/attachments/file", xml_answer(ATTACHMENT, status=200))
     .add("PUT", "/api/attachments/5", xml_answer(ATTACHMENT, status=200))
     .add("GET", "/api/products/21", response("04-writes/033-get-deleted-product-404"))
     .add("DELETE", "/api/attachments/5", response("04-writes/032-delete-product")))
    with pytest.raises(DataError):
        await shop_for().upload_document("21", MANUAL, b"%PDF-1.4 manual")
    assert len(router.sent("DELETE", "/api/attachments/5")) == 1


async def test_a_long_title_is_cut_to_32_characters_and_kept_whole_in_the_description(router: Router,
                                                                                   shop_for) -> None:
    (router
     .add("POST", "/api/attachments/file", xml_answer(ATTACHMENT, status=200))
     .add("PUT", "/api/attachments/5", xml_answer(ATTACHMENT, status=200))
     .add("GET", "/api/products/21", response("02-resource-products/005-get-21-xml"))
     .add("PATCH", "/api/products/21", response("04-writes/030-patch-product")))
    title = "Installation & maintenance manual, 2024 edition"
    long = MANUAL.model_copy(update={"name": {"en": title}})
    await shop_for(languages={"en": 1}).upload_document("21", long, b"%PDF")
    assert b'name="name"\r\n\r\nInstallation & maintenance\xe2\x80\xa6' in router.sent(
        "POST", "/api/attachments/file")[0].content
    [[titled]] = sent(router, "PUT", "/api/attachments/5")
    assert titled["name"] == {"1": "Installation & maintenance…"} and len(titled["name"]["1"]) <= 32
    assert titled["description"] == {"1": "Installation &amp; maintenance manual, 2024 edition"}


async def test_a_title_with_a_character_attachments_refuse_is_refused(router: Router, shop_for) -> None:
    with pytest.raises(DataError, match="contains '<'"):
        await shop_for().upload_document("21", MANUAL.model_copy(update={"name": {"en": "Notice <v2>"}}), b"%PDF")
    assert router.requests == []


# --- price rules --------------------------------------------------------------------------------


def rule(price: str | None = None, **changes: object) -> PriceRule:
    return PriceRule(**({"sku": "SYNC-SCRATCH"} | changes), price=Decimal(price) if price else None)


async def test_price_rules_made_together_leave_in_one_post(router: Router, shop_for) -> None:
    router.add("POST", "/api/specific_prices", batch_xml("04-writes/035-post-specific-price-promo-dated",
                                                         "04-writes/036-post-specific-price-group"))
    shop = shop_for(customer_groups={"Clients": 3}, shop_id=1)
    ids = ShopProductIds("21")
    created = await asyncio.gather(
        shop.create_price_rule(ids, rule(reduction=Decimal("0.15"), reduction_type=Reduction.PERCENTAGE,
                                          starts=datetime(2024, 1, 1, tzinfo=PARIS))),
        shop.create_price_rule(ids, rule("18", price_list="Clients")))
    assert created == ["3", "4"]
    [batch] = sent(router, "POST", "/api/specific_prices")
    assert [(r["id_group"], r["price"], r["id_shop"]) for r in batch] == [(0, -1, 1), (3, 18, 1)]
    assert all(request.url.params["id_shop"] == "1" for request in router.requests)     # multistore: every call


async def test_a_variant_rule_targets_its_combination(router: Router, shop_for) -> None:
    router.add("POST", "/api/specific_prices", response("04-writes/036-post-specific-price-group"))
    shop = shop_for()
    await shop.create_price_rule(ShopProductIds("21", {"SYNC-REF-100-2": "41"}), rule("19", sku="SYNC-REF-100-2"))
    [[record]] = sent(router, "POST", "/api/specific_prices")
    assert record["id_product_attribute"] == 41
    with pytest.raises(DataError, match="none of the combinations"):
        await shop.create_price_rule(ShopProductIds("21", {"SYNC-REF-100-2": "41"}), rule("19", sku="OTHER"))


async def test_unknown_price_list_currency_or_country_are_data_errors(router: Router, shop_for) -> None:
    router.add("GET", "/api/currencies", response("02-resource-currencies/004-list-display-full-limit-0-2-json"))
    shop = shop_for(customer_groups={"Clients": 3})
    with pytest.raises(DataError, match="'Revendeurs'"):
        await shop.create_price_rule(ShopProductIds("21"), rule("18", price_list="Revendeurs"))
    with pytest.raises(DataError, match="currency 'EUR' is not known"):
        await shop.create_price_rule(ShopProductIds("21"), rule("18", currency="EUR"))
    assert not router.sent("POST", "/api/specific_prices")


def _rows_as_written(*ids: int) -> CapturedResponse:
    rows = [row | {"reduction_tax": 0} for row in json_body("04-writes/038-get-specific-prices-of-product")
            ["specific_prices"] if row["id"] in ids]
    return json_answer({"specific_prices": rows})


async def test_a_batch_cut_short_is_read_back_and_only_the_rest_sent_again(router: Router, shop_for) -> None:
    """The first record was saved before the failure: found by its fields, not sent twice."""
    answers = iter([httpx.Response(500, content=b""), load("04-writes/035-post-specific-price-promo-dated").response])
    (router
     .add("POST", "/api/specific_prices", lambda request: next(answers))
     .add("GET", "/api/specific_prices", _rows_as_written(4), when=has_params(filter_id_product="[21]")))
    shop = shop_for(customer_groups={"Clients": 3}, shop_id=1)
    created = await asyncio.gather(
        shop.create_price_rule(ShopProductIds("21"), rule("18", price_list="Clients")),
        shop.create_price_rule(ShopProductIds("21"), rule(reduction=Decimal("0.15"),
                                                          reduction_type=Reduction.PERCENTAGE)))
    assert created == ["4", "3"]
    first, second = sent(router, "POST", "/api/specific_prices")
    assert len(first) == 2 and len(second) == 1 and second[0]["reduction"] == Decimal("0.15")


async def test_a_lone_rule_that_failed_and_is_not_there_fails(router: Router, shop_for) -> None:
    (router
     .add("POST", "/api/specific_prices", httpx.Response(503, content=b"busy"))
     .add("GET", "/api/specific_prices", EMPTY))
    with pytest.raises(TransientError):
        await shop_for().create_price_rule(ShopProductIds("21"), rule("18"))


async def test_deletions_made_together_leave_in_one_request(router: Router, shop_for) -> None:
    router.add("DELETE", "/api/specific_prices", response("04-writes/032-delete-product"))
    shop = shop_for()
    await asyncio.gather(shop.delete_price_rule("4"), shop.delete_price_rule("3"))
    [request] = router.requests
    assert request.url.params["id"] == "[3,4]"


async def test_a_deletion_naming_a_gone_id_deletes_the_others(router: Router, shop_for) -> None:
    """A missing id makes the whole DELETE a 404 that deletes nothing; the rest is sent again."""
    missing = load("04-writes/034-delete-product-again-404").response.body.replace(b"22", b"3")
    (router
     .add("DELETE", "/api/specific_prices", CapturedResponse(404, (("Content-type", "text/xml"),), missing),
          when=has_params(id="[3,4]"))
     .add("DELETE", "/api/specific_prices", response("04-writes/032-delete-product"), when=has_params(id="[4]")))
    shop = shop_for()
    await asyncio.gather(shop.delete_price_rule("3"), shop.delete_price_rule("4"))
    assert [r.url.params["id"] for r in router.requests] == ["[3,4]", "[4]"]


# --- promotions ---------------------------------------------------------------------------------


SUMMER = Promotion(key="SUMMER", name="Summer", reduction=Decimal("0.2"))


async def test_a_catalog_wide_promotion_is_one_specific_price_for_every_product(router: Router, shop_for) -> None:
    router.add("POST", "/api/specific_prices", response("04-writes/035-post-specific-price-promo-dated"))
    assert await shop_for().create_promotion(SUMMER, product_ids=[], category_ids=[]) == "specific_prices:3"
    [[record]] = sent(router, "POST", "/api/specific_prices")
    assert (record["id_product"], record["price"], record["reduction"]) == (0, -1, Decimal("0.2"))


async def test_a_promotion_on_a_category_covers_its_products_per_group(router: Router, shop_for) -> None:
    (router
     .add("GET", "/api/categories", as_list("categories", "02-resource-categories/006-get-10-json"),
          when=has_params(filter_id="[10]"))
     .add("POST", "/api/specific_prices", batch_xml("04-writes/035-post-specific-price-promo-dated",
                                                    "04-writes/036-post-specific-price-group")))
    promotion = SUMMER.model_copy(update={"category_keys": ("SYNC",), "price_lists": ("Public", "Clients")})
    shop = shop_for(customer_groups={"Public": 1, "Clients": 3})
    assert await shop.create_promotion(promotion, product_ids=[], category_ids=["10"]) == "specific_prices:3-4"
    [records] = sent(router, "POST", "/api/specific_prices")
    assert [(r["id_product"], r["id_group"]) for r in records] == [(21, 1), (21, 3)]


async def test_a_promotion_whose_products_are_not_in_the_shop_is_refused(router: Router, shop_for) -> None:
    promotion = SUMMER.model_copy(update={"skus": ("GONE-1",)})
    with pytest.raises(DataError, match="none of its products"):
        await shop_for().create_promotion(promotion, product_ids=[], category_ids=[])
    assert router.requests == []


async def test_a_coupon_is_a_cart_rule(router: Router, shop_for) -> None:
    router.add("POST", "/api/cart_rules", response("04b-order-with-cart-rule/001-post-cart-rule-10pct-auto"))
    coupon = SUMMER.model_copy(update={"coupon": "SUMMER20"})
    shop = shop_for(currencies={"EUR": 1})
    assert await shop.create_promotion(coupon, product_ids=["21"], category_ids=[]) == "cart_rules:1"
    [[cart_rule]] = sent(router, "POST", "/api/cart_rules")
    assert (cart_rule["code"], cart_rule["reduction_percent"], cart_rule["reduction_product"]) == ("SUMMER20", 20, 21)


@pytest.mark.parametrize("changes, category_ids, reason", [
    ({"price_lists": ("Clients",)}, [], "customer groups"),
    ({"category_keys": ("SYNC",)}, ["10"], "categories"),
    ({"manufacturers": ("Nice",)}, [], "manufacturers"),
])
async def test_a_coupon_narrower_than_8_1_2_can_say_is_refused(router: Router, shop_for, changes: dict,
                                                               category_ids: list, reason: str) -> None:
    coupon = SUMMER.model_copy(update={"coupon": "SUMMER20", **changes})
    with pytest.raises(DataError, match=f"coupon restricted to {reason}"):
        await shop_for(customer_groups={"Clients": 3}).create_promotion(coupon, product_ids=[],
                                                                         category_ids=category_ids)
    assert router.requests == []


async def test_a_promotion_half_written_is_withdrawn(router: Router, shop_for) -> None:
    """One of two records refused: the other is deleted again, and the promotion fails."""
    refused = load("04-writes/037-post-specific-price-missing-fields").response
    answers = iter([httpx.Response(500, content=b""), refused])
    (router
     .add("POST", "/api/specific_prices", lambda request: next(answers))
     .add("GET", "/api/specific_prices", _rows_as_written(3), when=has_params(filter_id_product="[21|22]"))
     .add("DELETE", "/api/specific_prices", response("04-writes/032-delete-product")))
    percent = SUMMER.model_copy(update={"reduction": Decimal("0.15"), "skus": ("A", "B"),
                                       "starts": datetime(2024, 1, 1, tzinfo=PARIS),
                                       "ends": datetime(2031, 1, 1, tzinfo=PARIS)})   # what row 3 holds
    shop = shop_for()
    with pytest.raises(DataError, match="id_shop"):
        await shop.create_promotion(percent, product_ids=["21", "22"], category_ids=[])
    assert [r.url.params.get("id") for r in router.sent("DELETE", "/api/specific_prices")] == ["[3]"]


async def test_deleting_promotions(router: Router, shop_for) -> None:
    (router
     .add("DELETE", "/api/specific_prices", response("04-writes/032-delete-product"))
     .add("DELETE", "/api/cart_rules/1", response("04-writes/034-delete-product-again-404")))
    shop = shop_for()
    await shop.delete_promotion("specific_prices:3-5")
    await shop.delete_promotion("cart_rules:1")                          # already gone: done
    assert router.sent("DELETE", "/api/specific_prices")[0].url.params["id"] == "[3,4,5]"


async def test_a_manufacturer_or_feature_prestashop_would_refuse_is_a_data_error(router: Router, shop_for) -> None:
    with pytest.raises(DataError, match="manufacturer 'A=B'"):
        await shop_for().create_product(SIMPLE.model_copy(update={"manufacturer": "A=B"}), [])
    with pytest.raises(DataError, match=r"feature of SYNC-REF-100 \(en\) contains '<'"):
        await shop_for().create_product(SIMPLE.model_copy(update={"features": (
            Feature(name={"en": "<b>Torque</b>"}, value={"en": "300 Nm"}),)}), [])
    assert router.requests == []


async def test_attributes_prestashop_would_refuse_create_nothing(router: Router, shop_for) -> None:
    sizes = (TEE.variants[0].model_copy(update={"attributes": {"Size": "S"}}),
             TEE.variants[1].model_copy(update={"attributes": {"Size": "{M}"}}))
    with pytest.raises(DataError, match=r"value '\{M\}' of SYNC-REF-100-2 contains '\{'"):
        await shop_for().create_product(TEE.model_copy(update={"variants": sizes}), [])
    assert router.requests == []
