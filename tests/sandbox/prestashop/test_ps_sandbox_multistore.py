"""Several shops in one installation: shop context, key permissions, shop prices and stock (07)."""

from __future__ import annotations

import httpx
from ps_helpers import KEY, Shop, TestClient, created_id, i18n, parse, xml

from courroie.sandbox.prestashop import PrestaShopSandbox


def test_unknown_shop_redirects_to_the_front(ws: httpx.Client) -> None:
    answer = ws.get("/products", params={"id_shop": "99", "display": "[id]", "limit": "0,3"}, follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == "http://127.0.0.1:8080/?display=%5Bid%5D&limit=0%2C3&url=products"
    assert ws.get("/products", params={"id_group_shop": "1", "output_format": "JSON"}).status_code == 200


def test_second_shop_as_captured(app: PrestaShopSandbox, shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("MULTI", "23.90")
    created = ws.post(
        "/shops",
        content=xml(
            "<shop><id_shop_group>1</id_shop_group><id_category>2</id_category>"
            "<active>1</active><name>Second Shop</name><theme_name>classic</theme_name></shop>"
        ),
    )
    second = created_id(created)
    refused = ws.get("/products", params={"id_shop": second, "output_format": "JSON"})
    assert refused.status_code == 403
    assert refused.json() == {"errors": [{"code": 132, "message": "No permission for this key on this shop"}]}

    app.control.associate_key(KEY, second)  # the capture did this in SQL (ps_webservice_account_shop)
    assert ws.get("/products", params={"id_shop": second, "output_format": "JSON"}).content == b"[]"
    missing = ws.get(f"/products/{product}", params={"id_shop": second, "output_format": "JSON"})
    assert missing.status_code == 404
    assert missing.json()["errors"][0] == {
        "code": 131,
        "message": f"This Product ({product}) does not exists on this shop",
    }

    patch = xml(f"<product><id>{product}</id><price>99.000000</price></product>")
    assert ws.patch(f"/products/{product}", params={"id_shop": second}, content=patch).status_code == 200
    prices = {
        shop_id: shop.get_json(
            f"/products/{product}", display="[id,price]", **({"id_shop": str(shop_id)} if shop_id else {})
        )["products"][0]["price"]
        for shop_id in (1, second, None)
    }
    assert prices == {1: "23.900000", second: "99.000000", None: "23.900000"}
    rows = shop.stock_rows(product)
    assert sorted((r["id_shop"], r["id_product_attribute"]) for r in rows) == [(1, 0), (second, 0)]
    # like the capture, `id_shop` does not filter stock rows; `filter[id_shop]` does
    assert (
        len(
            shop.get_json("/stock_availables", id_shop=str(second), **{"filter[id_product]": f"[{product}]"})[
                "stock_availables"
            ]
        )
        == 2
    )
    assert [r["id_shop"] for r in shop.stock_rows(product, second)] == [second]


def test_shops_keep_their_own_stock_and_orders(app: PrestaShopSandbox, shop: Shop, ws: TestClient) -> None:
    outlet = app.control.create_shop("Outlet")
    product = shop.product("EVERYWHERE", "10")  # created without id_shop: in every shop
    rows = {r["id_shop"]: r for r in shop.stock_rows(product)}
    assert set(rows) == {1, outlet}
    shop.set_stock(rows[1]["id"], 5)
    shop.set_stock(rows[outlet]["id"], 50)
    placed = ws.post(
        "http://127.0.0.1:8080/storefront/orders",
        json={
            "shop_id": outlet,
            "customer": {"email": "o@example.com"},
            "address": {"address1": "1 rue", "postcode": "75001", "city": "Paris", "country": "FR"},
            "lines": [{"reference": "EVERYWHERE", "quantity": 4}],
        },
    )
    assert placed.status_code == 201, placed.text
    assert {r["id_shop"]: r["quantity"] for r in shop.stock_rows(product)} == {1: 5, outlet: 46}
    order = shop.get_json(f"/orders/{placed.json()['order_id']}")["order"]
    assert order["id_shop"] == outlet
    in_outlet = shop.get_json("/products", id_shop=str(outlet), display="[id,reference]")
    assert in_outlet == {"products": [{"id": product, "reference": "EVERYWHERE"}]}


def test_writes_without_shop_apply_to_every_shop(app: PrestaShopSandbox, shop: Shop, ws: httpx.Client) -> None:
    outlet = app.control.create_shop("Outlet")
    product = shop.product("PRICES", "10")
    ws.patch(
        f"/products/{product}",
        params={"id_shop": outlet},
        content=xml(f"<product><id>{product}</id><price>8</price></product>"),
    )
    assert shop.get_json(f"/products/{product}", id_shop=str(outlet))["product"]["price"] == "8.000000"
    ws.patch(
        f"/products/{product}",
        params={"id_shop": "1"},
        content=xml(f"<product><id>{product}</id><price>11</price></product>"),
    )
    prices = {s: shop.get_json(f"/products/{product}", id_shop=str(s))["product"]["price"] for s in (1, outlet)}
    assert prices == {1: "11.000000", outlet: "8.000000"}  # a write in shop 1 stays in shop 1
    ws.patch(f"/products/{product}", content=xml(f"<product><id>{product}</id><price>12</price></product>"))
    for shop_id in ("1", str(outlet)):
        assert shop.get_json(f"/products/{product}", id_shop=shop_id)["product"]["price"] == "12.000000"


def test_a_key_limited_to_one_shop(app: PrestaShopSandbox, ws: TestClient) -> None:
    outlet = app.control.create_shop("Outlet", associate_keys=False)
    limited = "LIMITEDKEY0123456789ABCDEFGHIJKL"
    app.control.add_key(limited, [outlet])
    response = ws.get("/products", params={"id_shop": "1"}, auth=(limited, ""))
    assert response.status_code == 403 and parse(response).findtext("errors/error/code") == "132"
    assert ws.get("/products", params={"id_shop": str(outlet)}, auth=(limited, "")).status_code == 200
    assert ws.get("/products", params={"id_shop": str(outlet)}).status_code == 403  # the main key is not in it


def test_product_created_in_one_shop_only(app: PrestaShopSandbox, shop: Shop, ws: httpx.Client) -> None:
    outlet = app.control.create_shop("Outlet")
    body = xml(f"<product><price>5</price><reference>OUTLET-ONLY</reference><name>{i18n('Only')}</name></product>")
    product = created_id(ws.post("/products", params={"id_shop": str(outlet)}, content=body))
    assert [r["id_shop"] for r in shop.stock_rows(product)] == [outlet]
    assert shop.get_json("/products", id_shop="1") == []
    assert shop.get_json("/products") == {"products": [{"id": product}]}  # no shop context: all products
