"""Listing features on the sandbox's own data: filters, sort, limit, display, language, dates, prices."""

from __future__ import annotations

import httpx
import pytest
from ps_helpers import Shop, i18n, parse, xml


@pytest.fixture
def catalog(shop: Shop) -> list[int]:
    ids = [
        shop.product("ALPHA-1", "10", name="Red shirt"),
        shop.product("ALPHA-2", "30", name="Blue shirt"),
        shop.product("BETA-1", "20", name="Green hat"),
        shop.product("BETA-22", "20", name="Yellow hat"),
    ]
    return ids


def ids_of(data: dict | list, resource: str = "products") -> list[int]:
    return [item["id"] for item in data[resource]] if data else []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("[1|3]", [1, 3]),
        ("[2,3]", [2, 3]),
        (">[2]", [3, 4]),
        ("<[2]", [1]),
        ("![1]", [2, 3, 4]),
        ("[4]", [4]),
    ],
)
def test_filter_on_id(shop: Shop, catalog: list[int], spec: str, expected: list[int]) -> None:
    assert ids_of(shop.get_json("/products", **{"filter[id]": spec})) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("[ALPHA]%", [1, 2]),
        ("%[-2]%", [2, 4]),
        ("%[-1]", [1, 3]),
        ("[beta-1]", [3]),  # case-insensitive like MySQL's _ci collations
        ("[%ALPHA%]", []),  # a % inside the brackets is taken literally
    ],
)
def test_filter_like_forms(shop: Shop, catalog: list[int], spec: str, expected: list[int]) -> None:
    assert ids_of(shop.get_json("/products", **{"filter[reference]": spec})) == expected


def test_filter_on_multilingual_field_and_numbers(shop: Shop, catalog: list[int]) -> None:
    assert ids_of(shop.get_json("/products", **{"filter[name]": "%[hat]%"})) == [3, 4]
    assert ids_of(shop.get_json("/products", **{"filter[price]": "[15,25]"})) == [3, 4]
    assert ids_of(shop.get_json("/products", **{"filter[price]": ">[9.5]", "filter[reference]": "[BETA]%"})) == [3, 4]


def test_percent_encoded_brackets_work_like_raw_ones(ws: httpx.Client, catalog: list[int]) -> None:
    raw = ws.get("/products?filter[id]=[1|3]&output_format=JSON").json()
    encoded = ws.get("/products?filter%5Bid%5D=%5B1%7C3%5D&output_format=JSON").json()
    assert raw == encoded == {"products": [{"id": 1}, {"id": 3}]}


def test_sort_limit_and_display(shop: Shop, catalog: list[int]) -> None:
    data = shop.get_json("/products", sort="[price_ASC,id_DESC]", display="[id,price]")
    assert [(p["id"], p["price"]) for p in data["products"]] == [
        (1, "10.000000"),
        (4, "20.000000"),
        (3, "20.000000"),
        (2, "30.000000"),
    ]
    assert ids_of(shop.get_json("/products", limit="1,2")) == [2, 3]
    assert ids_of(shop.get_json("/products", limit="3")) == [1, 2, 3]
    fields = shop.get_json("/products", display="[reference,id,name]", limit="1")["products"][0]
    assert list(fields) == ["id", "reference", "name"]  # schema order, not the requested order


def test_empty_results(ws: httpx.Client, catalog: list[int]) -> None:
    json_answer = ws.get("/products", params={"filter[reference]": "[nothing]", "output_format": "JSON"})
    assert json_answer.content == b"[]"
    xml_answer = ws.get("/products", params={"filter[reference]": "[nothing]"})
    assert xml_answer.text.endswith("<products>\n</products>\n</prestashop>\n")


def test_unknown_display_filter_and_sort_fields_are_500s(ws: httpx.Client) -> None:
    for params, code in (
        ({"display": "[id,foo]"}, 35),
        ({"display": "[id,associations]"}, 35),
        ({"filter[foo]": "[1]"}, 32),
        ({"sort": "[foo_DESC]"}, 38),
    ):
        answer = ws.get("/products", params={**params, "output_format": "JSON"})
        assert answer.status_code == 500
        errors = answer.json()["errors"]
        assert errors[0]["code"] == code and [e["code"] for e in errors[1:]] == [3, 3, 3, 3]


def test_date_filter_needs_date_1(shop: Shop, ws: httpx.Client, catalog: list[int]) -> None:
    without = ws.get("/products", params={"filter[date_upd]": ">[2000-01-01 00:00:00]", "output_format": "JSON"})
    assert without.status_code == 500
    message = without.json()["errors"][0]["message"]
    assert without.json()["errors"][0]["code"] == 32 and '"date_upd"' not in message
    with_date = shop.get_json("/products", date="1", **{"filter[date_upd]": ">[2000-01-01 00:00:00]"})
    assert ids_of(with_date) == catalog
    assert shop.get_json("/products", date="1", **{"filter[date_upd]": ">[2999-01-01 00:00:00]"}) == []


def test_language_parameter(shop: Shop, ws: httpx.Client) -> None:
    body = f"<product><price>5</price><name>{i18n('Hat', 'Chapeau')}</name></product>"
    assert ws.post("/products", content=xml(body)).status_code == 201
    assert shop.get_json("/products/1", language="2")["product"]["name"] == "Chapeau"
    listed = shop.get_json("/products", display="[id,name]", language="[1|2]")["products"][0]["name"]
    assert listed == [{"id": "1", "value": "Hat"}, {"id": "2", "value": "Chapeau"}]  # string ids, as captured
    single = parse(ws.get("/products/1", params={"language": "1"}))
    assert [lang.get("id") for lang in single.find("product/name")] == ["1"]


def test_single_record_with_display(shop: Shop, ws: httpx.Client, catalog: list[int]) -> None:
    assert shop.get_json("/products/2", display="[id,reference]") == {"products": [{"id": 2, "reference": "ALPHA-2"}]}
    element = parse(ws.get("/products/2", params={"display": "[id,reference]"}))
    assert [child.tag for child in element] == ["product"]
    assert [child.tag for child in element[0]] == ["id", "reference"]


def test_virtual_price_fields_apply_tax_and_specific_prices(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("PRICED", "22.5")
    body = (
        f"<specific_price><id_shop_group>0</id_shop_group><id_shop>0</id_shop><id_cart>0</id_cart>"
        f"<id_product>{product}</id_product><id_product_attribute>0</id_product_attribute><id_currency>0</id_currency>"
        f"<id_country>0</id_country><id_group>0</id_group><id_customer>0</id_customer><price>-1</price>"
        f"<from_quantity>1</from_quantity><reduction>0.2</reduction><reduction_tax>1</reduction_tax>"
        f"<reduction_type>percentage</reduction_type><from>0000-00-00 00:00:00</from><to>0000-00-00 00:00:00</to>"
        f"</specific_price>"
    )
    assert ws.post("/specific_prices", content=xml(body)).status_code == 201
    params = {
        "price[base][use_tax]": "0",
        "price[base][use_reduction]": "0",
        "price[net][use_tax]": "0",
        "price[gross][use_tax]": "1",
    }
    product_json = shop.get_json(f"/products/{product}", **params)["product"]
    assert (product_json["base"], product_json["net"], product_json["gross"]) == ("22.500000", "18.000000", "21.600000")
    listed = shop.get_json("/products", display="[id,price]", **params)["products"][0]
    assert "gross" not in listed  # virtual fields only on full records (03/032)


def test_root_listing_and_unknown_resource(ws: httpx.Client) -> None:
    root = parse(ws.get("/"))
    names = [child.tag for child in root.find("api")]
    assert len(names) == 70 and "stock_availables" in names
    unknown = ws.get("/foobars")
    assert unknown.status_code == 400
    assert 'Did you mean: "orders"?' in parse(unknown).findtext("errors/error/message")
    not_modelled = ws.get("/attachments", params={"output_format": "JSON"})
    assert not_modelled.status_code == 200 and not_modelled.content == b"[]"
