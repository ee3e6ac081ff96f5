"""After the order: storefront orders with vouchers, gift wrapping, bank wire, guests, groups and
regions; the back office (state, cancel, refund, line edit); customer service threads and messages,
credit slips, states, invoice notes. Shapes are held against the captured lists where a capture of
the resource exists (orders, order_payments, order_cart_rules, order_invoices, order_details)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from ps_captures import find
from ps_helpers import Shop, TestClient, parse, xml
from ps_replay import compare_shapes

from courroie.sandbox.prestashop import PrestaShopSandbox
from courroie.sandbox.prestashop.followup import BackOfficeError

BASE = "http://127.0.0.1:8080"


def storefront(client: httpx.Client, lines: dict[str, int], **payload) -> httpx.Response:
    body = {
        "customer": {"email": "shopper@example.com", "firstname": "Ann", "lastname": "Shopper"},
        "address": {"address1": "2 rue du Port", "postcode": "33000", "city": "Bordeaux", "country": "FR"},
        "lines": [{"reference": sku, "quantity": quantity} for sku, quantity in lines.items()],
        **payload,
    }
    return client.post(f"{BASE}/storefront/orders", json=body)


def placed(client: httpx.Client, lines: dict[str, int], **payload) -> dict:
    answer = storefront(client, lines, **payload)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def stocked(shop: Shop) -> dict[str, int]:
    ids = {}
    for reference, price in (("MOTOR", "150"), ("REMOTE", "20")):
        ids[reference] = shop.product(reference, price)
        shop.set_stock(shop.stock_rows(ids[reference])[0]["id"], 50)
    return ids


def listed(shop: Shop, resource: str, **filters: str) -> list[dict]:
    data = shop.get_json(f"/{resource}", display="full", **{f"filter[{k}]": f"[{v}]" for k, v in filters.items()})
    return next(iter(data.values())) if data else []


def same_shape(ws: httpx.Client, path: str, capture: str) -> list[str]:
    """Our `display=full` JSON list against the captured one: keys, order and value types
    (associations only where the captured rows have some: the demo's US lines carry no taxes)."""
    captured = json.loads(find(capture).response.body)
    ours = ws.get(path, params={"output_format": "JSON", "display": "full"}).json()
    for name, rows in ours.items():
        if not any("associations" in row for row in captured[name]):
            ours[name] = [{k: v for k, v in row.items() if k != "associations"} for row in rows]
    return compare_shapes(json.dumps(ours).encode(), find(capture).response.body, BASE)


def add_voucher(ws: httpx.Client, code: str, **fields: str) -> int:
    values = {"date_from": "2020-01-01 00:00:00", "date_to": "2099-12-31 23:59:59", "quantity": "10",
              "quantity_per_user": "10", "priority": "1", "code": code, "reduction_percent": "10",
              "reduction_amount": "0", "reduction_tax": "0", "reduction_currency": "1", "active": "1"} | fields
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    answer = ws.post("/cart_rules", content=xml(f'<cart_rule>{body}<name><language id="1">Promo {code}</language>'
                                                f"</name></cart_rule>"))
    assert answer.status_code == 201, answer.text
    return int(parse(answer)[0].findtext("id"))


# -- storefront -----------------------------------------------------------------------------------------
def test_bank_wire_waits_for_the_money_then_the_back_office_marks_it_paid(
    shop: Shop, ws: TestClient, app: PrestaShopSandbox, stocked: dict[str, int]
) -> None:
    order = placed(ws, {"MOTOR": 1}, payment_module="ps_wirepayment")
    assert (order["current_state"], order["valid"]) == (10, False)
    [row] = listed(shop, "orders", id=order["order_id"])
    assert (row["valid"], row["payment"], row["total_paid_real"]) == ("0", "Bank transfer", "0.000000")
    assert listed(shop, "order_payments") == [] and listed(shop, "order_invoices") == []   # not logable
    assert shop.stock_rows(stocked["MOTOR"])[0]["quantity"] == 50

    app.control.set_order_state(order["order_id"], 2)
    [row] = listed(shop, "orders", id=order["order_id"])
    assert (row["current_state"], row["valid"], row["total_paid_real"]) == (2, "1", row["total_paid_tax_incl"])
    [payment] = listed(shop, "order_payments")
    assert (payment["amount"], payment["payment_method"]) == (row["total_paid_tax_incl"], "Bank transfer")
    [history_1, history_2] = listed(shop, "order_histories", id_order=order["order_id"])
    assert (history_1["id_employee"], history_2["id_employee"], history_2["id_order_state"]) == (0, 1, 2)
    assert shop.stock_rows(stocked["MOTOR"])[0]["quantity"] == 49
    for path, capture in (("/orders", "02-resource-orders/004"), ("/order_payments", "02-resource-order_payments/004"),
                          ("/order_invoices", "02-resource-order_invoices/004")):
        assert same_shape(ws, path, capture) == [], path


def test_paid_orders_and_their_transaction(shop: Shop, ws: TestClient, stocked: dict[str, int]) -> None:
    order = placed(ws, {"REMOTE": 1}, payment_module="stripe_official", payment="Card", transaction_id="pi_1")
    assert order["current_state"] == 2 and order["valid"]
    [payment] = listed(shop, "order_payments")
    assert (payment["payment_method"], payment["transaction_id"]) == ("Card", "pi_1")
    cheque = placed(ws, {"REMOTE": 1}, paid=False)
    assert (cheque["current_state"], cheque["valid"]) == (1, False)     # "Awaiting check payment"


def test_voucher_code_and_gift_wrapping(shop: Shop, ws: TestClient, stocked: dict[str, int]) -> None:
    rule = add_voucher(ws, "PROMO10")
    order = placed(ws, {"MOTOR": 1, "REMOTE": 2}, vouchers=["promo10"], gift=True, gift_message="Pour toi")
    [row] = listed(shop, "orders", id=order["order_id"])
    # 150 + 2 × 20 = 190 €, VAT 20 % → 228; 10 % off; shipping 7 + 20 %; wrapping 2.50 + 20 %.
    assert (row["total_products"], row["total_products_wt"]) == ("190.000000", "228.000000")
    assert (row["total_discounts_tax_excl"], row["total_discounts_tax_incl"]) == ("19.000000", "22.800000")
    assert (row["total_wrapping_tax_excl"], row["total_wrapping_tax_incl"]) == ("2.500000", "3.000000")
    assert (row["gift"], row["gift_message"]) == ("1", "Pour toi")
    assert Decimal(row["total_paid_tax_incl"]) == Decimal("228") + Decimal("8.4") + Decimal("3") - Decimal("22.8")
    assert row["total_paid_real"] == row["total_paid_tax_incl"]            # the front checks the discounted total
    [line] = listed(shop, "order_cart_rules", id_order=order["order_id"])
    assert (line["name"], line["value"], line["value_tax_excl"], line["id_cart_rule"]) == (
        "Promo PROMO10", "22.800000", "19.000000", rule)
    assert same_shape(ws, "/order_cart_rules", "04b-order-with-cart-rule/014") == []
    [invoice] = listed(shop, "order_invoices", id_order=order["order_id"])
    assert invoice["total_wrapping_tax_incl"] == "3.000000"
    assert shop.get_json(f"/cart_rules/{rule}")["cart_rule"]["quantity"] == 9


@pytest.mark.parametrize("fields, error", [
    ({}, "This voucher does not exist"),
    ({"date_to": "2021-01-01 00:00:00"}, "This voucher has expired"),
    ({"quantity": "0"}, "This voucher has already been used"),
    ({"minimum_amount": "1000"}, "The minimum amount to benefit from this promo code is not reached"),
])
def test_a_voucher_that_does_not_apply_is_refused(ws: TestClient, stocked: dict[str, int], fields, error) -> None:
    if fields:
        add_voucher(ws, "BAD", **fields)
    answer = storefront(ws, {"REMOTE": 1}, vouchers=["BAD"])
    assert answer.status_code == 422 and answer.json() == {"error": error, "voucher": "BAD"}


def test_product_voucher_applies_to_that_product_only(shop: Shop, ws: TestClient, stocked: dict[str, int]) -> None:
    add_voucher(ws, "REMOTE5", reduction_percent="0", reduction_amount="5", reduction_product=str(stocked["REMOTE"]))
    order = placed(ws, {"MOTOR": 1, "REMOTE": 1}, vouchers=["REMOTE5"])
    [line] = listed(shop, "order_cart_rules", id_order=order["order_id"])
    assert (line["value_tax_excl"], line["value"]) == ("5.000000", "6.000000")      # tax excluded amount, + 20 %


def test_guest_group_region_company(shop: Shop, ws: TestClient, stocked: dict[str, int]) -> None:
    guest = placed(ws, {"REMOTE": 1}, customer={"email": "g@example.com", "guest": True},
                   address={"address1": "767 Fifth Ave.", "postcode": "10153", "city": "New York", "country": "US",
                            "state": "NY"})
    customer = shop.get_json(f"/customers/{guest['customer_id']}")["customer"]
    assert (customer["is_guest"], customer["id_default_group"]) == ("1", 2)
    address = shop.get_json(f"/addresses/{guest['address_id']}")["address"]
    assert (address["id_country"], address["id_state"]) == (21, 35)      # as the captured New York address
    registered = placed(ws, {"REMOTE": 1}, customer={"email": "g@example.com"})
    assert registered["customer_id"] != guest["customer_id"]

    group = int(parse(ws.post("/groups", content=xml(
        '<group><price_display_method>1</price_display_method><name><language id="1">Pros</language></name></group>'
    )))[0].findtext("id"))
    pro = placed(ws, {"MOTOR": 1}, customer={"email": "pro@example.com", "group": "Pros"},
                 address={"address1": "1 ZA", "postcode": "13000", "city": "Marseille", "country": "FR",
                          "company": "Portails SA", "vat_number": "FR123"},
                 invoice_address={"address1": "Siège, 5 bd Est", "postcode": "13001", "city": "Marseille",
                                  "country": "FR", "company": "Portails SA", "vat_number": "FR123"})
    customer = shop.get_json(f"/customers/{pro['customer_id']}")["customer"]
    assert customer["id_default_group"] == group and customer["associations"]["groups"] == [{"id": group}]
    [row] = listed(shop, "orders", id=pro["order_id"])
    assert (row["id_address_delivery"], row["id_address_invoice"]) == (pro["address_id"], pro["invoice_address_id"])
    assert storefront(ws, {"REMOTE": 1}, address={"address1": "x", "postcode": "1", "city": "y", "country": "US",
                                                  "state": "ZZ"}).status_code == 422


# -- the back office ---------------------------------------------------------------------------------------
def test_cancel_puts_the_stock_back(shop: Shop, ws: TestClient, app: PrestaShopSandbox, clock,
                                    stocked: dict[str, int]) -> None:
    order = placed(ws, {"MOTOR": 2})
    assert shop.stock_rows(stocked["MOTOR"])[0]["quantity"] == 48
    clock.advance(60)
    app.control.cancel_order(order["order_id"])
    [row] = listed(shop, "orders", id=order["order_id"])
    assert (row["current_state"], row["valid"]) == (6, "0") and row["date_upd"] > row["date_add"]
    assert shop.stock_rows(stocked["MOTOR"])[0]["quantity"] == 50


def test_refund_writes_a_credit_slip(shop: Shop, ws: TestClient, app: PrestaShopSandbox, clock,
                                     stocked: dict[str, int]) -> None:
    order = placed(ws, {"MOTOR": 1, "REMOTE": 3})
    clock.advance(60)
    slip = app.control.refund(order["order_id"], [{"reference": "REMOTE", "quantity": 2}], shipping=True)
    answer = ws.get("/order_slip", params={"output_format": "JSON", "display": "full"}).json()
    assert list(answer) == ["order_slips"]                         # objectsNodeName, not the resource name
    [row] = answer["order_slips"]
    assert (row["id_order"], row["total_products_tax_incl"], row["total_shipping_tax_incl"]) == (
        order["order_id"], "48.000000", "8.400000")
    assert row["associations"]["order_slip_details"] == [
        {"id": int(slip["id"]), "id_order_detail": 2, "product_quantity": 2, "amount_tax_excl": "40.000000",
         "amount_tax_incl": "48.000000"}]
    single = ws.get(f"/order_slip/{slip['id']}", params={"output_format": "JSON"}).json()
    assert list(single) == ["order_slip"]
    listing = parse(ws.get("/order_slip"))
    assert listing[0].tag == "order_slips" and listing[0][0].tag == "order_slip"
    details = listed(shop, "order_details", id_order=order["order_id"])
    [detail] = [d for d in details if d["product_reference"] == "REMOTE"]
    assert (detail["product_quantity_refunded"], detail["total_refunded_tax_incl"]) == (2, "48.000000")
    [order_row] = listed(shop, "orders", id=order["order_id"])
    assert order_row["date_upd"] > order_row["date_add"]
    with pytest.raises(BackOfficeError, match="1 refundable"):
        app.control.refund(order["order_id"], [{"reference": "REMOTE", "quantity": 2}])


def test_editing_a_line_recomputes_the_order(shop: Shop, ws: TestClient, app: PrestaShopSandbox, clock,
                                             stocked: dict[str, int]) -> None:
    order = placed(ws, {"MOTOR": 1, "REMOTE": 3})
    clock.advance(60)
    app.control.edit_order_line(order["order_id"], {"reference": "REMOTE"}, 1)
    [row] = listed(shop, "orders", id=order["order_id"])
    assert (row["total_products"], row["total_products_wt"]) == ("170.000000", "204.000000")
    assert row["total_paid_tax_incl"] == "212.400000" and row["date_upd"] > row["date_add"]
    [invoice] = listed(shop, "order_invoices", id_order=order["order_id"])
    assert invoice["total_paid_tax_incl"] == "212.400000"
    assert shop.stock_rows(stocked["REMOTE"])[0]["quantity"] == 49
    assert [r["product_quantity"] for r in row["associations"]["order_rows"]] == [1, 1]
    app.control.edit_order_line(order["order_id"], {"reference": "REMOTE"}, 0)
    [row] = listed(shop, "orders", id=order["order_id"])
    assert [r["product_reference"] for r in row["associations"]["order_rows"]] == ["MOTOR"]
    assert shop.stock_rows(stocked["REMOTE"])[0]["quantity"] == 50
    assert same_shape(ws, "/order_details", "02-resource-order_details/004") == []


def test_control_routes(sandbox) -> None:
    api = httpx.Client(base_url=f"{sandbox}/api", auth=("SANDBOXKEY0123456789ABCDEFGHIJKL", ""))
    product = Shop(api).product("ROUTE", "10")
    Shop(api).set_stock(Shop(api).stock_rows(product)[0]["id"], 5)
    order = httpx.post(f"{sandbox}/storefront/orders", json={
        "customer": {"email": "r@example.com"}, "address": {"address1": "1 r", "postcode": "75001", "city": "Paris",
                                                            "country": "FR"},
        "lines": [{"reference": "ROUTE", "quantity": 2}]}).json()
    control = f"{sandbox}/_sandbox/orders"
    assert httpx.post(f"{control}/line", json={"order_id": order["order_id"], "reference": "ROUTE", "quantity": 1}
                      ).json()["total_products"] == "10.000000"
    assert httpx.post(f"{control}/refund", json={"order_id": order["order_id"],
                                                 "lines": [{"reference": "ROUTE", "quantity": 1}]}).status_code == 200
    assert httpx.post(f"{control}/cancel", json={"order_id": order["order_id"]}).json()["current_state"] == "6"
    assert httpx.post(f"{control}/state", json={"order_id": 999, "state": 2}).status_code == 404
    api.close()


# -- customer service, invoices, states -------------------------------------------------------------------
def test_customer_threads_and_private_messages(shop: Shop, ws: TestClient, stocked: dict[str, int]) -> None:
    order = placed(ws, {"REMOTE": 1})
    missing = ws.post("/customer_threads", content=xml(
        f"<customer_thread><id_lang>1</id_lang><id_contact>0</id_contact><id_order>{order['order_id']}</id_order>"
        "</customer_thread>"))
    assert missing.status_code == 400 and "parameter \"token\" required" in missing.text
    thread = ws.post("/customer_threads", content=xml(
        f"<customer_thread><id_lang>1</id_lang><id_contact>0</id_contact><id_shop>1</id_shop>"
        f"<id_customer>{order['customer_id']}</id_customer><id_order>{order['order_id']}</id_order>"
        "<email>shopper@example.com</email><token>a1b2c3d4e5f6</token><status>open</status></customer_thread>"))
    assert thread.status_code == 201, thread.text
    thread_id = int(parse(thread)[0].findtext("id"))
    message = ws.post("/customer_messages", content=xml(
        f"<customer_message><id_employee>0</id_employee><id_customer_thread>{thread_id}</id_customer_thread>"
        "<message>Held for approval</message><private>1</private></customer_message>"))
    assert message.status_code == 201, message.text
    [row] = listed(shop, "customer_threads", id_order=order["order_id"])
    assert row["associations"]["customer_messages"] == [{"id": int(parse(message)[0].findtext("id"))}]
    assert (row["id_contact"], row["status"], row["token"]) == (0, "open", "a1b2c3d4e5f6")
    [text] = listed(shop, "customer_messages", id_customer_thread=thread_id)
    assert (text["message"], text["private"], text["read"]) == ("Held for approval", 1, "0")
    bad = ws.post("/customer_messages", content=xml(
        f"<customer_message><id_customer_thread>{thread_id}</id_customer_thread>"
        "<message><![CDATA[<script>x</script>]]></message></customer_message>"))
    assert bad.status_code == 400 and "CustomerMessage-&gt;message" in bad.text
    synopsis = ws.get("/customer_threads", params={"schema": "synopsis"}).text
    assert '<token required="true" format="isGenericName">' in synopsis
    assert '<customer_messages nodeType="customer_message" api="customer_messages">' in synopsis
    assert ws.delete(f"/customer_threads/{thread_id}").status_code == 200
    assert listed(shop, "customer_messages") == []


def test_invoice_note_is_patched_like_any_field(shop: Shop, ws: TestClient, stocked: dict[str, int]) -> None:
    order = placed(ws, {"REMOTE": 1})
    [invoice] = listed(shop, "order_invoices", id_order=order["order_id"])
    answer = ws.patch(f"/order_invoices/{invoice['id']}", content=xml(
        f"<order_invoice><id>{invoice['id']}</id><note>ERP invoice FAC-1</note></order_invoice>"))
    assert answer.status_code == 200, answer.text
    assert compare_shapes(answer.content, find("02-resource-order_invoices/005").response.body, BASE) == []
    [after] = listed(shop, "order_invoices", id_order=order["order_id"])
    assert after["note"] == "ERP invoice FAC-1" and after["number"] == invoice["number"]


def test_states_of_the_united_states(shop: Shop, ws: TestClient) -> None:
    assert shop.get_json("/states/35")["state"] == {"id": 35, "id_zone": 2, "id_country": 21, "iso_code": "NY",
                                                   "name": "New York", "active": "1"}
    rows = listed(shop, "states", iso_code="DC")
    assert [(r["id"], r["name"]) for r in rows] == [(56, "District of Columbia")]
    assert len(listed(shop, "states", id_country="21")) == 56
