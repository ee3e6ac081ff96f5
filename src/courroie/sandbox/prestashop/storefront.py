"""A customer placing an order in the shop front (not part of the webservice).

`POST /storefront/orders` with JSON::

    {"shop_id": 1,
     "customer": {"email": "...", "firstname": "...", "lastname": "..."},
     "address": {"address1": "...", "postcode": "...", "city": "...", "country": "FR", "phone": "..."},
     "lines": [{"reference": "SKU-or-combination-reference", "quantity": 2}],
     "carrier_id": 2, "payment_module": "ps_checkpayment", "payment": "Payment by check", "state": 2}

Goes through the same path as the webservice: customer (reused by e-mail) → address (reused when
identical) → cart → `validate_cart` with the cart total, so the order is valid (state 2 by
default, or 11). Refuses (409) a line whose stock is short when the product does not allow
back-orders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .backend import Backend, Ctx
from .catalog import stock_row
from .errors import HtmlAnswer, WebserviceError
from .orders import cart_totals, validate_cart
from .xmlinput import ParsedEntity


class StorefrontError(Exception):
    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.status = status
        self.payload = payload


@dataclass
class Item:
    product_id: str
    attr_id: str
    quantity: int
    reference: str


def place_order(b: Backend, payload: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
    with b.store.lock, b.store.transaction():
        shop = int(payload.get("shop_id") or b.settings.default_shop)
        if b.get("shops", shop) is None:
            raise StorefrontError(404, {"error": f"unknown shop {shop}"})
        ctx.shop, ctx.shops = shop, [shop]
        items = [_resolve(b, line, shop) for line in payload.get("lines") or []]
        if not items:
            raise StorefrontError(422, {"error": "an order needs at least one line"})
        for item in items:
            _check_stock(b, item, shop)
        customer = _customer(b, payload.get("customer") or {}, ctx)
        address = _address(b, customer, payload.get("address") or {}, ctx)
        carrier = str(payload.get("carrier_id") or 2)
        cart = _write(
            b,
            "carts",
            {
                "id_currency": str(b.settings.default_currency),
                "id_lang": customer.get("id_lang") or "1",
                "id_customer": customer["id"],
                "id_address_delivery": address["id"],
                "id_address_invoice": address["id"],
                "id_carrier": carrier,
                "id_shop": str(shop),
                "id_shop_group": "1",
                "delivery_option": json.dumps({address["id"]: f"{carrier},"}),
            },
            ctx,
            associations={
                "cart_rows": [
                    {
                        "id_product": i.product_id,
                        "id_product_attribute": i.attr_id,
                        "id_address_delivery": address["id"],
                        "quantity": str(i.quantity),
                    }
                    for i in items
                ]
            },
        )
        total = cart_totals(b, cart, ctx).total_incl
        order = validate_cart(
            b,
            cart["id"],
            total,
            ctx,
            module=payload.get("payment_module") or "ps_checkpayment",
            payment=payload.get("payment") or "Payment by check",
            state=int(payload.get("state") or 2),
        )
    return {
        "order_id": int(order["id"]),
        "reference": order["reference"],
        "current_state": int(order["current_state"]),
        "total_paid": order["total_paid"],
        "cart_id": int(cart["id"]),
        "customer_id": int(customer["id"]),
        "address_id": int(address["id"]),
    }


def _resolve(b: Backend, line: dict[str, Any], shop: int) -> Item:
    quantity = int(line.get("quantity") or 1)
    reference = str(line.get("reference") or "")
    if line.get("product_id"):
        return Item(str(line["product_id"]), str(line.get("combination_id") or 0), quantity, reference)
    combos = b.find("combinations", reference=reference) if reference else []
    if combos:
        return Item(combos[0]["id_product"], combos[0]["id"], quantity, reference)
    products = [
        p for p in (b.find("products", reference=reference) if reference else []) if shop in p.get("_shops", [shop])
    ]
    if not products:
        raise StorefrontError(404, {"error": f"no product with reference {reference!r}"})
    product = products[0]
    default = next((c for c in b.find("combinations", id_product=product["id"]) if c.get("default_on") == "1"), None)
    return Item(product["id"], default["id"] if default else "0", quantity, reference)


def _check_stock(b: Backend, item: Item, shop: int) -> None:
    row = stock_row(b, item.product_id, item.attr_id, shop)
    available = int(row.get("quantity") or 0) if row else 0
    if item.quantity <= available:
        return
    policy = row.get("out_of_stock", "2") if row else "2"
    if policy == "1" or (policy == "2" and b.settings.allow_backorders):
        return
    raise StorefrontError(
        409,
        {
            "error": "insufficient stock",
            "reference": item.reference,
            "product_id": int(item.product_id),
            "combination_id": int(item.attr_id),
            "requested": item.quantity,
            "available": available,
        },
    )


def _write(
    b: Backend,
    name: str,
    fields: dict[str, str],
    ctx: Ctx,
    associations: dict[str, list[dict[str, str]]] | None = None,
    i18n: dict | None = None,
) -> dict:
    parsed = ParsedEntity(
        fields={k: v for k, v in fields.items() if v is not None}, i18n=i18n or {}, associations=associations or {}
    )
    try:
        op = b.write("POST", name, parsed, ctx)
    except WebserviceError as error:
        raise StorefrontError(422, {"error": error.errors[-1][1], "resource": name}) from None
    except HtmlAnswer as error:
        raise StorefrontError(500, {"error": error.text or "server error"}) from None
    return b.store.get(name, op.saved_id) or op.new


def _customer(b: Backend, data: dict[str, Any], ctx: Ctx) -> dict:
    email = str(data.get("email") or "").strip()
    if not email:
        raise StorefrontError(422, {"error": "customer.email is required"})
    for existing in b.find("customers", email=email):
        if existing.get("deleted") != "1":
            return existing
    return _write(
        b,
        "customers",
        {
            "email": email,
            "firstname": str(data.get("firstname") or "Jane"),
            "lastname": str(data.get("lastname") or "Doe"),
            "passwd": str(data.get("password") or "storefront-pass"),
            "id_default_group": str(b.settings.customer_group),
            "id_lang": str(data.get("id_lang") or 1),
            "active": "1",
            "is_guest": "0",
            "newsletter": "0",
            "optin": "0",
            "id_shop": str(ctx.shop),
        },
        ctx,
    )


def _country_id(b: Backend, country: Any) -> str:
    if country is None or str(country).isdigit():
        return str(country or b.settings.default_country)
    found = b.find("countries", iso_code=str(country).upper())
    if not found:
        raise StorefrontError(422, {"error": f"unknown country {country!r}"})
    return found[0]["id"]


def _address(b: Backend, customer: dict, data: dict[str, Any], ctx: Ctx) -> dict:
    fields = {
        "id_customer": customer["id"],
        "id_country": _country_id(b, data.get("country") or data.get("id_country")),
        "alias": str(data.get("alias") or "Home"),
        "lastname": str(data.get("lastname") or customer.get("lastname")),
        "firstname": str(data.get("firstname") or customer.get("firstname")),
        "address1": str(data.get("address1") or ""),
        "address2": str(data.get("address2") or ""),
        "postcode": str(data.get("postcode") or ""),
        "city": str(data.get("city") or ""),
        "phone": str(data.get("phone") or ""),
        "company": str(data.get("company") or ""),
    }
    for existing in b.find("addresses", id_customer=customer["id"]):
        same = all(existing.get(k) == fields[k] for k in ("id_country", "address1", "postcode", "city"))
        if same and existing.get("deleted") != "1":
            return existing
    return _write(b, "addresses", fields, ctx)
