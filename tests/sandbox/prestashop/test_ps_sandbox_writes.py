"""Writes: PUT replaces, PATCH merges, stock rows are PUT-only, validation errors, dates, persistence."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from ps_helpers import KEY, Clock, Shop, TestClient, created_id, i18n, parse, xml
from lxml import etree

from courroie.sandbox.prestashop import create_app


def errors(response: httpx.Response) -> list[tuple[int, str]]:
    return [(int(e.findtext("code")), e.findtext("message")) for e in parse(response).find("errors")]


def test_put_replaces_the_whole_object_patch_merges(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("KEEP-REF", "20", name="Keep me")
    assert (
        ws.put(
            f"/products/{product}", content=xml(f"<product><id>{product}</id><price>23</price></product>")
        ).status_code
        == 200
    )
    after_put = shop.get_json(f"/products/{product}", display="[id,price,reference,active,name]")["products"][0]
    assert after_put == {
        "id": product,
        "reference": "",
        "price": "23.000000",
        "active": "0",
        "name": [{"id": 1, "value": ""}, {"id": 2, "value": ""}],
    }
    patch = xml(f"<product><id>{product}</id><reference>NEW-REF</reference></product>")
    assert ws.patch(f"/products/{product}", content=patch).status_code == 200
    after_patch = shop.get_json(f"/products/{product}", display="[id,price,reference]")["products"][0]
    assert after_patch == {"id": product, "price": "23.000000", "reference": "NEW-REF"}


def test_put_keeps_associations_it_does_not_mention(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("ASSOC", "20")
    body = xml(f"<product><id>{product}</id><price>21</price><name>{i18n('Renamed')}</name></product>")
    assert ws.put(f"/products/{product}", content=body).status_code == 200
    associations = shop.get_json(f"/products/{product}")["product"]["associations"]
    assert associations["categories"] == [{"id": 2}] and len(associations["stock_availables"]) == 1


def test_product_as_returned_by_get_cannot_be_put_back(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("ROUNDTRIP", "20")
    document = parse(ws.get(f"/products/{product}"))
    first = ws.put(f"/products/{product}", content=etree.tostring(document))
    assert first.status_code == 400
    assert [c for c, _ in errors(first)] == [3, 93] and "manufacturer_name" in errors(first)[1][1]
    for name in ("manufacturer_name", "quantity", "position_in_category"):
        element = document[0].find(name)
        element.getparent().remove(element)
    assert ws.put(f"/products/{product}", content=etree.tostring(document)).status_code == 200


def test_stock_rows_are_put_only(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("STOCKED", "20")
    row = shop.stock_rows(product)[0]
    body = xml(f"<stock_available><id_product>{product}</id_product><quantity>5</quantity></stock_available>")
    assert ws.post("/stock_availables", content=body).status_code == 405
    assert ws.delete(f"/stock_availables/{row['id']}").status_code == 405
    minimal = ws.put(
        f"/stock_availables/{row['id']}",
        content=xml(f"<stock_available><id>{row['id']}</id><quantity>3</quantity></stock_available>"),
    )
    assert minimal.status_code == 400 and errors(minimal) == [(41, 'parameter "id_product" required')]
    assert shop.set_stock(row["id"], 12).status_code == 200
    assert shop.stock_rows(product)[0]["quantity"] == 12


def test_combination_rows_add_up_on_the_product_row(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("COMBI", "20")
    small = shop.combination(product, "COMBI-S", default=True)
    medium = shop.combination(product, "COMBI-M", "2")
    rows = {r["id_product_attribute"]: r for r in shop.stock_rows(product)}
    assert set(rows) == {0, small, medium}
    shop.set_stock(rows[small]["id"], 35)
    shop.set_stock(rows[medium]["id"], 45)
    assert {r["id_product_attribute"]: r["quantity"] for r in shop.stock_rows(product)} == {
        0: 80,
        small: 35,
        medium: 45,
    }
    shop.set_stock(rows[0]["id"], 999)  # accepted as is, until the next combination write
    assert shop.stock_rows(product)[0]["quantity"] == 999
    shop.set_stock(rows[small]["id"], 30)
    assert shop.stock_rows(product)[0]["quantity"] == 75
    product_json = shop.get_json(f"/products/{product}")["product"]
    assert product_json["product_type"] == "combinations" and product_json["id_default_combination"] == small


def test_batch_put_on_the_collection_url(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("BATCH", "20")
    combos = [shop.combination(product, f"BATCH-{n}") for n in range(3)]
    rows = [r for r in shop.stock_rows(product) if r["id_product_attribute"] in combos]
    children = "".join(
        f"<stock_available><id>{r['id']}</id><id_product>{product}</id_product>"
        f"<id_product_attribute>{r['id_product_attribute']}</id_product_attribute><id_shop>1</id_shop>"
        f"<id_shop_group>0</id_shop_group><quantity>{10 + i}</quantity><depends_on_stock>0</depends_on_stock>"
        f"<out_of_stock>2</out_of_stock><location></location></stock_available>"
        for i, r in enumerate(rows)
    )
    answer = ws.put("/stock_availables", content=xml(children))
    assert answer.status_code == 200 and len(parse(answer)) == 3
    quantities = {r["id"]: r["quantity"] for r in shop.stock_rows(product)}
    assert [quantities[r["id"]] for r in rows] == [10, 11, 12]
    assert shop.stock_rows(product)[0]["quantity"] == 33
    categories = xml(
        "".join(
            f"<category><id_parent>2</id_parent><active>1</active><name>{i18n(f'Batch {n}')}</name></category>"
            for n in (1, 2)
        )
    )
    created = ws.post("/categories", content=categories)
    assert created.status_code == 201 and [c.findtext("id") for c in parse(created)] == ["3", "4"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("<price>abc</price>", (400, 85, 'Validation error: "Property Product-&gt;price is not valid"')),
        ("<price>-5</price>", (400, 85, 'Validation error: "Property Product-&gt;price is not valid"')),
        (
            "<price>5</price><ean13>37600000000X</ean13>",
            (400, 85, 'Validation error: "Property Product-&gt;ean13 is not valid"'),
        ),
        (
            "<price>5</price><ean13>37600000000171</ean13>",
            (400, 84, "The length of property Product-&gt;ean13 is currently 14 chars"),
        ),
        ("<active>1</active>", (400, 41, 'parameter "price" required')),
        (
            "<price>5</price><manufacturer_name>x</manufacturer_name>",
            (400, 93, 'parameter "manufacturer_name" not writable'),
        ),
    ],
)
def test_product_validation(ws: httpx.Client, fields: str, expected: tuple[int, int, str]) -> None:
    answer = ws.post("/products", content=xml(f"<product>{fields}<name>{i18n('Ok')}</name></product>"))
    status, code, message = expected
    assert answer.status_code == status
    assert errors(answer)[-1][0] == code and message in errors(answer)[-1][1]


@pytest.mark.parametrize("bad", ["Tee <b>", "Tee;", "Tee=1", "Tee #2", "Tee {x}"])
def test_catalog_names_refuse_special_characters(ws: httpx.Client, bad: str) -> None:
    answer = ws.post(
        "/products", content=xml(f"<product><price>5</price><name>{i18n(bad.replace('<', '&lt;'))}</name></product>")
    )
    assert answer.status_code == 400
    assert errors(answer) == [(85, 'Validation error: "Property Product-&gt;name is not valid"')]


def test_body_errors(ws: httpx.Client) -> None:
    malformed = ws.post("/products", content=b'<?xml version="1.0"?><prestashop><product><price>1</price></prestashop>')
    assert malformed.status_code == 500 and [c for c, _ in errors(malformed)][-1] == 127
    json_body = ws.post("/categories", content=b'{"category": {"id_parent": 2}}', params={"output_format": "JSON"})
    assert json_body.status_code == 500 and json_body.json()["errors"][-1]["code"] == 127
    no_name = ws.post("/products", content=xml("<product><price>10</price></product>"))
    assert no_name.status_code == 500 and errors(no_name)[0][0] == 3


def test_missing_ids(ws: httpx.Client) -> None:
    missing = ws.get("/products/999")
    assert missing.status_code == 404 and missing.content == b"" and missing.headers["content-type"] == ""
    assert ws.get("/products/abc").status_code == 404
    put = ws.put("/products/999", content=xml("<product><id>999</id><price>3</price></product>"))
    assert put.status_code == 404 and errors(put) == [(92, "Invalid ID")]
    delete = ws.delete("/products/999")
    assert delete.status_code == 404 and errors(delete) == [(87, "Id(s) not exists: 999")]
    no_id = ws.put("/products", content=xml("<product><price>3</price></product>"))
    assert no_id.status_code == 400 and errors(no_id) == [(90, "id is required when modifying a resource")]


def test_delete_product_removes_its_combinations_and_stock(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("GONE", "20")
    shop.combination(product, "GONE-1")
    answer = ws.delete(f"/products/{product}")
    assert answer.status_code == 200 and answer.content == b""
    assert shop.stock_rows(product) == []
    assert shop.get_json("/combinations", **{"filter[id_product]": f"[{product}]"}) == []


def test_date_upd_follows_writes_of_the_object_only(shop: Shop, ws: httpx.Client, clock: Clock) -> None:
    product = shop.product("DATED", "20")
    created = shop.get_json(f"/products/{product}")["product"]
    assert created["date_add"] == created["date_upd"] == "2026-11-22 18:00:00"  # shop-local time
    clock.advance(60)
    combination = shop.combination(product, "DATED-1")
    row = next(r for r in shop.stock_rows(product) if r["id_product_attribute"] == combination)
    shop.set_stock(row["id"], 4)
    assert shop.get_json(f"/products/{product}")["product"]["date_upd"] == "2026-11-22 18:00:00"
    clock.advance(60)
    ws.patch(f"/products/{product}", content=xml(f"<product><id>{product}</id><price>25</price></product>"))
    updated = shop.get_json(f"/products/{product}")["product"]
    assert (updated["date_add"], updated["date_upd"]) == ("2026-11-22 18:00:00", "2026-11-22 18:02:00")
    since = shop.get_json("/products", date="1", **{"filter[date_upd]": ">[2026-11-22 18:01:00]"})
    assert since == {"products": [{"id": product}]}


def test_customers(shop: Shop, ws: httpx.Client) -> None:
    customer = shop.customer("dup@example.com")
    record = shop.get_json(f"/customers/{customer}")["customer"]
    assert record["passwd"].startswith("$2y$10$") and len(record["secure_key"]) == 32
    assert record["associations"] == {"groups": [{"id": 3}]}
    duplicate = ws.post(
        "/customers",
        content=xml(
            "<customer><passwd>x1234567</passwd><lastname>Doe</lastname><firstname>Dup</firstname>"
            "<email>dup@example.com</email></customer>"
        ),
    )
    assert duplicate.status_code == 500 and [c for c, _ in errors(duplicate)] == [140, 46]
    invalid = ws.post(
        "/customers",
        content=xml(
            "<customer><passwd>x1234567</passwd><lastname>Doe</lastname><firstname>Bad</firstname>"
            "<email>not-an-email</email></customer>"
        ),
    )
    assert invalid.status_code == 400 and errors(invalid)[0][0] == 85


def test_data_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    app = create_app(tmp_path / "data", KEY, latency=0, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:8080/api") as client:
        client.auth = (KEY, "")
        first = created_id(
            client.post(
                "/products",
                content=xml(
                    f"<product><price>9</price><reference>PERSIST</reference><name>{i18n('P')}</name></product>"
                ),
            )
        )
    app.backend.store.close()
    again = create_app(tmp_path / "data", KEY, latency=0, clock=clock)
    with TestClient(again, base_url="http://127.0.0.1:8080/api") as client:
        client.auth = (KEY, "")
        assert (
            client.get(f"/products/{first}", params={"output_format": "JSON"}).json()["product"]["reference"]
            == "PERSIST"
        )
        second = created_id(
            client.post("/products", content=xml(f"<product><price>9</price><name>{i18n('Q')}</name></product>"))
        )
        assert second == first + 1
        assert len(client.get("/stock_availables", params={"output_format": "JSON"}).json()["stock_availables"]) == 2
