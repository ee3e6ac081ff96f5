"""Issue 3 behaviour of the sandbox: packs, covers, image refusals, attachments, batch deletes, catalog
price rules, manufacturers and features. Where the captures show it, held to them; the rest follows
PrestaShop 8.1's source (the webservice classes and ObjectModel definitions) — each test says which."""

from __future__ import annotations

import base64
import json
import re

import httpx
from ps_captures import find
from ps_helpers import Shop, created_id, i18n, parse, xml

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAYAAACp8Z5+AAAACXBIWXMAAA7EAAAOxAGVKw4bAAAAFUlEQVQI12M8ISf3nwEJMDGgAcICAITGAgtINzqPAAAAAElFTkSuQmCC"
)


def error(response: httpx.Response) -> tuple[int, int, str]:
    doc = parse(response)
    return response.status_code, int(doc.findtext("errors/error/code")), doc.findtext("errors/error/message")


# --- associations -------------------------------------------------------------------------------


def test_an_unknown_association_is_refused_after_the_record_is_saved(shop: Shop, ws: httpx.Client) -> None:
    """saveEntityFromXml runs the associations after add(): `groups` on a category (8.1.2 has none)
    answers 400 code 86, and the category stays."""
    before = len(shop.get_json("/categories")["categories"])
    body = (f"<category><id_parent>2</id_parent><active>1</active><name>{i18n('Trade')}</name>"
            "<associations><groups><group><id>3</id></group></groups></associations></category>")
    answer = ws.post("/categories", content=xml(body))
    assert error(answer) == (400, 86, 'The association "groups" does not exists')
    assert len(shop.get_json("/categories")["categories"]) == before + 1


# --- packs --------------------------------------------------------------------------------------


def _pack_body(items: str, extra: str = "") -> str:
    return xml(f"<product><price>50</price><reference>KIT</reference><type>pack</type>{extra}"
               f"<name>{i18n('Kit')}</name><associations><product_bundle>{items}</product_bundle>"
               "</associations></product>")


def test_pack_items_take_their_combination_from_product_attribute_id(shop: Shop, ws: httpx.Client) -> None:
    """Product::setWsProductBundle reads `product_attribute_id`; the `id_product_attribute` of its own
    schema is ignored and Pack::addItem falls back to the component's default combination."""
    remote = shop.product("REMOTE", "30")
    default = shop.combination(remote, "REMOTE-2", default=True)
    chosen = shop.combination(remote, "REMOTE-4")
    screws = shop.product("SCREWS", "2")
    by_schema = (f"<product><id>{remote}</id><id_product_attribute>{chosen}</id_product_attribute>"
                 "<quantity>1</quantity></product>")
    kit = created_id(ws.post("/products", content=_pack_body(by_schema)))
    [item] = shop.get_json(f"/products/{kit}")["product"]["associations"]["product_bundle"]
    assert (item["id"], item["id_product_attribute"], item["quantity"]) == (remote, default, 1)

    by_setter = (f"<product><id>{remote}</id><product_attribute_id>{chosen}</product_attribute_id>"
                 f"<quantity>2</quantity></product><product><id>{screws}</id><quantity>8</quantity></product>")
    kit = created_id(ws.post("/products", content=_pack_body(by_setter)))
    product = shop.get_json(f"/products/{kit}")["product"]
    assert [(i["id"], i["id_product_attribute"], i["quantity"]) for i in product["associations"]["product_bundle"]] \
        == [(remote, chosen, 2), (screws, 0, 8)]
    assert product["type"] == "pack" and product["product_type"] == "pack" and product["cache_is_pack"] == "1"


def test_type_simple_undoes_a_pack(shop: Shop, ws: httpx.Client) -> None:
    screws = shop.product("SCREWS", "2")
    item = f"<product><id>{screws}</id><quantity>8</quantity></product>"
    kit = created_id(ws.post("/products", content=_pack_body(item)))
    answer = ws.patch(f"/products/{kit}", content=xml(f"<product><id>{kit}</id><type>simple</type></product>"))
    assert answer.status_code == 200
    product = shop.get_json(f"/products/{kit}")["product"]
    assert product["type"] == "simple" and product["product_type"] == "standard"
    assert "product_bundle" not in product.get("associations", {})


# --- images -------------------------------------------------------------------------------------


def test_id_default_image_makes_another_image_the_cover(shop: Shop, ws: httpx.Client) -> None:
    """Product::setCoverWs, the setter behind the writable `id_default_image`."""
    product = shop.product("PICTURED", "10")
    first, second = (int(parse(ws.post(f"/images/products/{product}", files={"image": (f"{n}.png", PNG, "image/png")}))
                         .findtext("image/id")) for n in ("a", "b"))
    assert shop.get_json(f"/products/{product}")["product"]["id_default_image"] == first
    patched = ws.patch(f"/products/{product}",
                       content=xml(f"<product><id>{product}</id><id_default_image>{second}</id_default_image></product>"))
    assert patched.status_code == 200
    assert shop.get_json(f"/products/{product}")["product"]["id_default_image"] == second


def test_an_undecodable_image_leaves_its_row_without_a_file(shop: Shop, ws: httpx.Client) -> None:
    """04-writes/044 then 02-resource-images/006: refused with code 76, yet image 25 stays (also
    replayed in test_ps_sandbox_replay). The row is the cover if it is the first, and has no file."""
    product = shop.product("BROKEN", "10")
    answer = ws.post(f"/images/products/{product}", files={"image": ("a.png", b"\x89PNG broken", "image/png")})
    assert error(answer) == (400, 76, "An error occurred while copying image")
    [declination] = parse(ws.get(f"/images/products/{product}")).find("image")
    image_id = declination.get("id")
    assert shop.get_json(f"/products/{product}")["product"]["id_default_image"] == int(image_id)
    assert error(ws.get(f"/images/products/{product}/{image_id}")) == (500, 61, "This image does not exist on disk")


def test_a_part_that_does_not_declare_an_image_is_refused_before_any_row(shop: Shop, ws: httpx.Client) -> None:
    """ImageManager::validateUpload runs before the row is created."""
    product = shop.product("DECLARED", "10")
    answer = ws.post(f"/images/products/{product}", files={"image": ("notes.pdf", b"%PDF-1.4", "application/pdf")})
    status, code, message = error(answer)
    assert (status, code) == (400, 76) and message.startswith("Image upload error : Image format not recognized")
    assert ws.get(f"/images/products/{product}").status_code == 404


def test_a_file_above_php_upload_max_filesize_never_arrives(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("HUGE", "10")
    huge = PNG + b"\0" * (2 * 1024 * 1024)
    answer = ws.post(f"/images/products/{product}", files={"image": ("big.png", huge, "image/png")})
    assert error(answer) == (400, 76, 'Please set an "image" parameter with image data for value')


# --- attachments --------------------------------------------------------------------------------


def _upload(ws: httpx.Client, content: bytes = b"%PDF-1.4 manual", name: str = "Manual") -> httpx.Response:
    return ws.post("/attachments/file", files={"file": ("manual.pdf", content, "application/pdf")},
                   data={"name": name})


def test_an_attachment_upload_answers_the_new_record(shop: Shop, ws: httpx.Client) -> None:
    answer = _upload(ws)
    assert answer.status_code == 200                                    # an emulated GET, not a 201
    record = parse(answer).find("attachment")
    attachment = record.findtext("id")
    assert re.fullmatch(r"[0-9a-f]{40}", record.findtext("file"))
    assert (record.findtext("file_name"), record.findtext("mime"), record.findtext("file_size")) \
        == ("manual.pdf", "application/pdf", "15")
    assert [lang.text or "" for lang in record.find("name")] == ["Manual", ""]    # default language only
    download = ws.get(f"/attachments/file/{attachment}")
    assert download.content == b"%PDF-1.4 manual" and download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == 'attachment; filename="manual.pdf"'


def test_attachment_quirks_read_from_the_source(shop: Shop, ws: httpx.Client) -> None:
    """PUT and DELETE on /attachments/file/{id} read the id from the "file" segment; PATCH has no branch;
    a POST without a file lists every attachment."""
    first = parse(_upload(ws)).findtext("attachment/id")
    replaced = ws.put(f"/attachments/file/{first}", files={"file": ("v2.pdf", b"%PDF v2", "application/pdf")})
    assert parse(replaced).findtext("attachment/id") != first          # a new attachment, not a new file
    assert ws.delete(f"/attachments/file/{first}").status_code == 200
    assert ws.get(f"/attachments/{first}").status_code == 200          # still there
    patched = ws.patch(f"/attachments/{first}", content=xml(f"<attachment><id>{first}</id></attachment>"))
    assert patched.status_code == 200 and parse(patched).findtext("attachment/id") == ""
    listing = ws.post("/attachments/file", data={"name": "nothing"})
    second = parse(replaced).findtext("attachment/id")
    assert [a.get("id") for a in parse(listing).find("attachments")] == [first, second]


def test_attachments_link_to_products_and_unlink_when_deleted(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("DOCUMENTED", "10")
    attachment = parse(_upload(ws)).findtext("attachment/id")
    linked = ws.patch(f"/products/{product}", content=xml(
        f"<product><id>{product}</id><associations><attachments><attachment><id>{attachment}</id></attachment>"
        "</attachments></associations></product>"))
    assert linked.status_code == 200
    record = shop.get_json(f"/products/{product}")["product"]
    assert record["associations"]["attachments"] == [{"id": int(attachment)}] and record["cache_has_attachments"] == "1"
    assert ws.delete(f"/attachments/{attachment}").status_code == 200
    record = shop.get_json(f"/products/{product}")["product"]
    assert "attachments" not in record.get("associations", {}) and record.get("cache_has_attachments", "0") == "0"


# --- specific prices and catalog price rules ----------------------------------------------------


def _specific_price(product: int, group: int = 0, price: str = "-1", reduction: str = "0.1") -> str:
    return (f"<specific_price><id_shop>0</id_shop><id_cart>0</id_cart><id_product>{product}</id_product>"
            f"<id_product_attribute>0</id_product_attribute><id_currency>0</id_currency><id_country>0</id_country>"
            f"<id_group>{group}</id_group><id_customer>0</id_customer><price>{price}</price><from_quantity>1</from_quantity>"
            f"<reduction>{reduction}</reduction><reduction_tax>0</reduction_tax><reduction_type>percentage</reduction_type>"
            "<from>0000-00-00 00:00:00</from><to>0000-00-00 00:00:00</to></specific_price>")


def test_specific_prices_batch_post_and_batch_delete(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("PROMO", "10")
    created = ws.post("/specific_prices", content=xml(_specific_price(product) + _specific_price(product, 3, "8")))
    assert created.status_code == 201
    ids = [record.findtext("id") for record in parse(created)]
    missing = ws.delete("/specific_prices", params={"id": f"[{ids[0]},999]"})
    assert error(missing) == (404, 87, "Id(s) not exists: 999")        # all or nothing
    assert len(shop.get_json("/specific_prices")["specific_prices"]) == 2
    assert ws.delete("/specific_prices", params={"id": f"[{','.join(ids)}]"}).status_code == 200
    assert shop.get_json("/specific_prices") == []


def test_the_missing_id_message_is_the_captured_one(ws: httpx.Client) -> None:
    captured = find("04-writes/034-delete-product-again-404").response.body
    assert parse(ws.delete("/products/22")).findtext("errors/error/message") \
        == re.search(rb"CDATA\[(Id\(s\) not exists: 22)\]", captured).group(1).decode()


def _price_rule(reduction: str = "20") -> str:
    return xml(f"<specific_price_rule><name>Summer</name><id_shop>1</id_shop><id_country>0</id_country>"
               f"<id_currency>0</id_currency><id_group>0</id_group><from_quantity>1</from_quantity><price>-1</price>"
               f"<reduction>{reduction}</reduction><reduction_tax>1</reduction_tax>"
               "<reduction_type>percentage</reduction_type></specific_price_rule>")


def test_a_catalog_price_rule_applies_only_to_products_saved_later(shop: Shop, ws: httpx.Client) -> None:
    """No conditions over the webservice, no application on creation; Product::updateCategories and
    Combination::add run applyAllRules for their product (then the rule covers it, whatever it is)."""
    product = shop.product("BEFORE", "10")
    rule = created_id(ws.post("/specific_price_rules", content=_price_rule()))
    assert shop.get_json("/specific_prices") == []
    later = shop.product("AFTER", "10")                                 # written with its categories
    [made] = shop.get_json("/specific_prices", display="full")["specific_prices"]
    assert (made["id_product"], made["id_specific_price_rule"], made["reduction"]) == (later, rule, "0.200000")
    shop.combination(product, "BEFORE-S")
    assert {p["id_product"] for p in shop.get_json("/specific_prices", display="full")["specific_prices"]} \
        == {product, later}
    assert ws.delete(f"/specific_price_rules/{rule}").status_code == 200
    assert shop.get_json("/specific_prices") == []                      # SpecificPriceRule::delete


# --- manufacturers and features -----------------------------------------------------------------


def test_a_manufacturer_gets_its_link_rewrite_from_its_name(shop: Shop, ws: httpx.Client) -> None:
    """02-resource-manufacturers/006: "Graphic Corner" → "graphic-corner" (read-only, computed)."""
    captured = json.loads(find("02-resource-manufacturers/006-get-2-json").response.body)["manufacturer"]
    made = created_id(ws.post("/manufacturers", content=xml(
        f"<manufacturer><active>1</active><name>{captured['name']}</name></manufacturer>")))
    assert shop.get_json(f"/manufacturers/{made}")["manufacturer"]["link_rewrite"] == captured["link_rewrite"]


def test_features_and_predefined_values_can_be_filtered(shop: Shop, ws: httpx.Client) -> None:
    feature = created_id(ws.post("/product_features", content=xml(f"<product_feature><name>{i18n('Torque', 'Couple')}"
                                                                  "</name></product_feature>")))
    values = ws.post("/product_feature_values", content=xml(
        f"<product_feature_value><id_feature>{feature}</id_feature><custom>0</custom><value>{i18n('300 Nm')}</value>"
        f"</product_feature_value><product_feature_value><id_feature>{feature}</id_feature><custom>1</custom>"
        f"<value>{i18n('Own')}</value></product_feature_value>"))
    assert values.status_code == 201
    predefined = shop.get_json("/product_feature_values", display="[id,id_feature,value]", **{"filter[custom]": "[0]"})
    assert [(v["id_feature"], v["value"][0]["value"]) for v in predefined["product_feature_values"]] \
        == [(feature, "300 Nm")]
