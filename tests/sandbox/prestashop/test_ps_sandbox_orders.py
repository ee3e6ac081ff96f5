"""Carts, orders (state 11 vs 8), taxes and rounding, state changes, tracking, storefront orders."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from ps_helpers import Shop, TestClient, parse, xml


@pytest.fixture
def buyer(shop: Shop) -> tuple[int, int]:
    customer = shop.customer()
    return customer, shop.address(customer)


def order_json(shop: Shop, order_id: int) -> dict:
    return shop.get_json(f"/orders/{order_id}")["order"]


def test_exact_total_gives_a_valid_order_in_state_11(shop: Shop, ws: httpx.Client, buyer: tuple[int, int]) -> None:
    customer, address = buyer
    product = shop.product("TAXED", "20")  # 20 € tax excluded, French VAT 20 %
    shop.set_stock(shop.stock_rows(product)[0]["id"], 10)
    cart = shop.cart(customer, address, [(product, 0, 2)])
    answer = shop.order(cart, customer, address, "56.40")  # 2 x 24.00 + shipping 7.00 + 20 %
    assert answer.status_code == 201
    echoed = parse(answer)[0]
    assert echoed.findtext("current_state") == "" and echoed.findtext("total_paid") == "56.40"
    order = order_json(shop, int(echoed.findtext("id")))
    assert order["current_state"] == 11 and order["valid"] == "1"
    assert (order["total_products"], order["total_products_wt"]) == ("40.000000", "48.000000")
    assert (order["total_shipping_tax_excl"], order["total_shipping_tax_incl"]) == ("7.000000", "8.400000")
    assert (order["total_paid_tax_excl"], order["total_paid"], order["total_paid_real"]) == (
        "47.000000",
        "56.400000",
        "56.400000",
    )
    assert order["carrier_tax_rate"] == "20.000" and order["round_type"] == 2
    row = order["associations"]["order_rows"][0]
    assert (row["product_reference"], row["product_quantity"], row["unit_price_tax_incl"]) == ("TAXED", 2, "24.000000")
    assert shop.stock_rows(product)[0]["quantity"] == 8
    payments = shop.get_json(
        "/order_payments", display="full", **{"filter[order_reference]": f"[{order['reference']}]"}
    )
    assert payments["order_payments"][0]["amount"] == "56.400000"
    invoices = shop.get_json("/order_invoices", display="full", **{"filter[id_order]": f"[{order['id']}]"})
    assert invoices["order_invoices"][0]["total_paid_tax_incl"] == "56.400000"


def test_wrong_total_gives_state_8_and_keeps_the_stock(shop: Shop, buyer: tuple[int, int]) -> None:
    customer, address = buyer
    product = shop.product("WRONG", "20")
    shop.set_stock(shop.stock_rows(product)[0]["id"], 10)
    cart = shop.cart(customer, address, [(product, 0, 1)])
    order_id = int(parse(shop.order(cart, customer, address, "1.00"))[0].findtext("id"))
    order = order_json(shop, order_id)
    assert order["current_state"] == 8 and "valid" not in order  # 0 is left out of a single JSON record
    assert (order["total_paid"], order["total_paid_real"]) == ("32.400000", "1.000000")
    assert "invoice_number" not in order
    assert shop.stock_rows(product)[0]["quantity"] == 10
    history = shop.get_json("/order_histories", display="full", **{"filter[id_order]": f"[{order_id}]"})
    assert [h["id_order_state"] for h in history["order_histories"]] == [8]


def test_a_cart_gives_one_order_only(shop: Shop, ws: httpx.Client, buyer: tuple[int, int]) -> None:
    customer, address = buyer
    product = shop.product("ONCE", "10")
    cart = shop.cart(customer, address, [(product, 0, 1)])
    assert shop.order(cart, customer, address, "20.40").status_code == 201
    again = shop.order(cart, customer, address, "20.40")
    assert again.status_code == 500 and again.headers["content-type"] == "text/html; charset=utf-8"
    assert again.text == "Cart cannot be loaded or an order has already been placed using this cart"


def test_line_rounding_and_combination_prices(shop: Shop, buyer: tuple[int, int]) -> None:
    customer, address = buyer
    product = shop.product("ROUND", "1.04")
    small = shop.combination(product, "ROUND-S", default=True)
    large = shop.combination(product, "ROUND-L", "0.5")
    cart = shop.cart(customer, address, [(product, small, 3), (product, large, 1)])
    order_id = int(parse(shop.order(cart, customer, address, "0"))[0].findtext("id"))
    order = order_json(shop, order_id)
    # per line: 3 x 1.248 = 3.744 → 3.74 (per item would give 3.75); 1.54 x 1.2 = 1.848 → 1.85
    assert (order["total_products"], order["total_products_wt"]) == ("4.660000", "5.590000")
    details = shop.get_json("/order_details", display="full", **{"filter[id_order]": f"[{order_id}]"})["order_details"]
    assert [(d["product_reference"], d["unit_price_tax_excl"], d["total_price_tax_incl"]) for d in details] == [
        ("ROUND-S", "1.040000", "3.740000"),
        ("ROUND-L", "1.540000", "1.850000"),
    ]
    assert details[0]["product_name"] == "Tee (Size: ROUND-S)"


def test_state_changes(shop: Shop, ws: httpx.Client, buyer: tuple[int, int]) -> None:
    customer, address = buyer
    product = shop.product("STATES", "10")
    shop.set_stock(shop.stock_rows(product)[0]["id"], 5)
    cart = shop.cart(customer, address, [(product, 0, 2)])
    order_id = int(parse(shop.order(cart, customer, address, "32.40"))[0].findtext("id"))
    history = xml(f"<order_history><id_order>{order_id}</id_order><id_order_state>2</id_order_state></order_history>")
    assert ws.post("/order_histories", content=history).status_code == 201
    assert order_json(shop, order_id)["current_state"] == 2
    mailed = xml(f"<order_history><id_order>{order_id}</id_order><id_order_state>3</id_order_state></order_history>")
    failed = ws.post("/order_histories?sendemail=1", content=mailed)
    assert failed.status_code == 500 and parse(failed).findtext("errors/error/code") == "46"
    order = order_json(shop, order_id)
    assert order["current_state"] == 3 and order["delivery_number"] == 1  # saved all the same
    bad = ws.post(
        "/order_histories",
        content=xml(
            f"<order_history><id_order>{order_id}</id_order><id_order_state>9999</id_order_state></order_history>"
        ),
    )
    assert bad.status_code == 500 and bad.content == b""
    document = parse(ws.get(f"/orders/{order_id}"))
    document[0].find("current_state").text = "6"  # canceled: the stock comes back
    assert ws.put(f"/orders/{order_id}", content=xml_bytes(document)).status_code == 200
    states = shop.get_json("/order_histories", display="full", **{"filter[id_order]": f"[{order_id}]"})
    assert [h["id_order_state"] for h in states["order_histories"]] == [11, 2, 3, 6]
    assert shop.stock_rows(product)[0]["quantity"] == 5
    assert order_json(shop, order_id).get("valid") is None


def xml_bytes(document) -> bytes:
    from lxml import etree

    return etree.tostring(document)


def test_tracking_number_shows_as_shipping_number(shop: Shop, ws: httpx.Client, buyer: tuple[int, int]) -> None:
    customer, address = buyer
    product = shop.product("TRACK", "10")
    cart = shop.cart(customer, address, [(product, 0, 1)])
    order_id = int(parse(shop.order(cart, customer, address, "20.40"))[0].findtext("id"))
    carrier = shop.get_json("/order_carriers", display="full", **{"filter[id_order]": f"[{order_id}]"})[
        "order_carriers"
    ][0]
    assert (carrier["weight"], carrier["shipping_cost_tax_incl"]) == ("0.500000", "8.400000")
    document = parse(ws.get(f"/order_carriers/{carrier['id']}"))
    document[0].find("tracking_number").text = "1Z999AA10123456784"
    assert ws.put(f"/order_carriers/{carrier['id']}", content=xml_bytes(document)).status_code == 200
    listed = shop.get_json(f"/orders/{order_id}", display="[id,shipping_number]")
    assert listed == {"orders": [{"id": order_id, "shipping_number": "1Z999AA10123456784"}]}


def test_code_less_cart_rule_applies_after_the_total_check(
    shop: Shop, ws: httpx.Client, buyer: tuple[int, int]
) -> None:
    customer, address = buyer
    rule = xml(
        f"<cart_rule><id_customer>{customer}</id_customer><date_from>2024-01-01 00:00:00</date_from>"
        f"<date_to>2030-12-31 23:59:59</date_to><quantity>10</quantity><quantity_per_user>10</quantity_per_user>"
        f"<priority>1</priority><partial_use>1</partial_use><code></code><reduction_percent>10</reduction_percent>"
        f'<active>1</active><name><language id="1">Ten</language><language id="2">Dix</language></name></cart_rule>'
    )
    assert ws.post("/cart_rules", content=rule).status_code == 201
    product = shop.product("RULED", "20")
    cart = shop.cart(customer, address, [(product, 0, 2)])
    order_id = int(parse(shop.order(cart, customer, address, "56.40"))[0].findtext("id"))  # the pre-discount total
    order = order_json(shop, order_id)
    assert order["current_state"] == 11
    assert (order["total_discounts"], order["total_paid"], order["total_paid_real"]) == (
        "4.800000",
        "51.600000",
        "56.400000",
    )
    lines = shop.get_json("/order_cart_rules", display="full", **{"filter[id_order]": f"[{order_id}]"})[
        "order_cart_rules"
    ]
    assert (lines[0]["name"], lines[0]["value"], lines[0]["value_tax_excl"]) == ("Ten", "4.800000", "4.000000")
    assert shop.get_json("/cart_rules/1")["cart_rule"]["quantity"] == 9


# -- storefront --------------------------------------------------------------------------------------
def storefront(client: httpx.Client, **payload) -> httpx.Response:
    body = {
        "customer": {"email": "shopper@example.com", "firstname": "Ann", "lastname": "Shopper"},
        "address": {"address1": "2 rue du Port", "postcode": "33000", "city": "Bordeaux", "country": "FR"},
        "carrier_id": 2,
        **payload,
    }
    return client.post("http://127.0.0.1:8080/storefront/orders", json=body)


def test_storefront_order_goes_through_cart_and_validation(shop: Shop, ws: TestClient) -> None:
    product = shop.product("SKU-TEE", "20")
    small = shop.combination(product, "SKU-TEE-S", default=True)
    rows = {r["id_product_attribute"]: r["id"] for r in shop.stock_rows(product)}
    shop.set_stock(rows[small], 10)
    answer = storefront(ws, lines=[{"reference": "SKU-TEE-S", "quantity": 3}])
    assert answer.status_code == 201, answer.text
    placed = answer.json()
    assert placed["current_state"] == 2 and placed["total_paid"] == "80.400000"
    order = order_json(shop, placed["order_id"])
    assert order["reference"] == placed["reference"] and order["valid"] == "1" and order["id_cart"] == placed["cart_id"]
    assert {r["id_product_attribute"]: r["quantity"] for r in shop.stock_rows(product)} == {0: 7, small: 7}
    again = storefront(ws, lines=[{"reference": "SKU-TEE", "quantity": 1}], state=11).json()
    assert (again["customer_id"], again["address_id"]) == (placed["customer_id"], placed["address_id"])
    assert again["current_state"] == 11
    customer = shop.get_json(f"/customers/{placed['customer_id']}")["customer"]
    assert customer["email"] == "shopper@example.com"


def test_storefront_refuses_short_stock_unless_backorders(shop: Shop, ws: TestClient) -> None:
    product = shop.product("SKU-SHORT", "20")
    row = shop.stock_rows(product)[0]
    shop.set_stock(row["id"], 1)
    refused = storefront(ws, lines=[{"reference": "SKU-SHORT", "quantity": 2}])
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "insufficient stock",
        "reference": "SKU-SHORT",
        "product_id": product,
        "combination_id": 0,
        "requested": 2,
        "available": 1,
    }
    assert shop.get_json("/orders") == []
    document = parse(ws.get(f"/stock_availables/{row['id']}"))
    document[0].find("out_of_stock").text = "1"  # allow back-orders on this product
    ws.put(f"/stock_availables/{row['id']}", content=xml_bytes(document))
    assert storefront(ws, lines=[{"reference": "SKU-SHORT", "quantity": 2}]).status_code == 201
    assert shop.stock_rows(product)[0]["quantity"] == -1
    assert storefront(ws, lines=[{"reference": "NOPE", "quantity": 1}]).status_code == 404


def test_storefront_totals_match_the_cart_check(shop: Shop, ws: TestClient) -> None:
    product = shop.product("SKU-MANY", "9.99")
    shop.set_stock(shop.stock_rows(product)[0]["id"], 100)
    placed = storefront(ws, lines=[{"reference": "SKU-MANY", "quantity": 7}]).json()
    expected = (Decimal("9.99") * Decimal("1.2")).quantize(Decimal("0.000001")) * 7
    order = order_json(shop, placed["order_id"])
    assert Decimal(order["total_products_wt"]) == expected.quantize(Decimal("0.01"))
    assert order["current_state"] == 2
