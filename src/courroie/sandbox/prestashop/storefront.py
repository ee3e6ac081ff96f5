"""A customer placing an order in the shop front (not part of the webservice).

`POST /storefront/orders` with JSON::

    {"shop_id": 1,
     "customer": {"email": "...", "firstname": "...", "lastname": "...",
                  "guest": false,              # a guest checkout (is_guest=1, group Guest)
                  "group": "Professionnels"},  # default group, by id or name (B2B)
     "address": {"address1": "...", "postcode": "...", "city": "...", "country": "FR", "phone": "...",
                 "state": "NY", "company": "...", "vat_number": "..."},
     "invoice_address": {...},                 # optional: another invoice address
     "lines": [{"reference": "SKU-or-combination-reference", "quantity": 2}],
     "vouchers": ["CODE"],                     # cart rule codes the customer types in
     "gift": true, "gift_message": "...",      # gift wrapping (PS_GIFT_WRAPPING_PRICE)
     "carrier_id": 2, "payment_module": "ps_checkpayment", "payment": "Payment by check",
     "paid": true, "transaction_id": "...", "state": 2}

Goes through the same path as the webservice: customer (reused by e-mail) → address (reused when
identical) → cart → `validate_cart` as the shop front does it (the cart's rules counted before the
amount check), so the order is valid. The first state is `state` when given, else 2 "Payment
accepted" for a paid order, else the payment module's waiting state: 10 "Awaiting bank wire payment"
(ps_wirepayment, never paid at checkout), 1 "Awaiting check payment", 13 "Awaiting Cash On Delivery
validation", 14 "Waiting for payment" for other modules. A waiting (not logable) state leaves the
order `valid=0` with no payment row until the merchant marks it paid. Refuses (409) a line whose
stock is short when the product does not allow back-orders, (422) a voucher that does not apply.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from .backend import Backend, Ctx
from .catalog import stock_row
from .errors import HtmlAnswer, WebserviceError
from .orders import apply_cart_rules, cart_totals, rule_refusal, validate_cart
from .xmlinput import ParsedEntity

# payment module → (name shown on the order, state while the shop waits for the money)
PAYMENT_MODULES = {
    "ps_checkpayment": ("Payment by check", 1),
    "ps_wirepayment": ("Bank transfer", 10),
    "ps_cashondelivery": ("Cash on delivery (COD)", 13),
}
STATE_PAYMENT_ACCEPTED = 2
STATE_WAITING_FOR_PAYMENT = 14


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
        invoice = _address(b, customer, payload["invoice_address"], ctx) if payload.get("invoice_address") else address
        carrier = str(payload.get("carrier_id") or 2)
        gift = bool(payload.get("gift"))
        cart = _write(
            b,
            "carts",
            {
                "id_currency": str(b.settings.default_currency),
                "id_lang": customer.get("id_lang") or "1",
                "id_customer": customer["id"],
                "id_address_delivery": address["id"],
                "id_address_invoice": invoice["id"],
                "id_carrier": carrier,
                "id_shop": str(shop),
                "id_shop_group": "1",
                "gift": "1" if gift else "0",
                "gift_message": str(payload.get("gift_message") or "") if gift else "",
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
        cart = _add_vouchers(b, cart, payload.get("vouchers") or [], ctx)
        totals = cart_totals(b, cart, ctx)
        apply_cart_rules(b, cart, totals, ctx)
        module = str(payload.get("payment_module") or "ps_checkpayment")
        name, waiting = PAYMENT_MODULES.get(module, (module, STATE_WAITING_FOR_PAYMENT))
        paid = bool(payload.get("paid", module != "ps_wirepayment"))
        order = validate_cart(
            b,
            cart["id"],
            totals.total_incl - totals.discounts_incl,
            ctx,
            module=module,
            payment=str(payload.get("payment") or name),
            state=int(payload.get("state") or (STATE_PAYMENT_ACCEPTED if paid else waiting)),
            front=True,
            transaction_id=str(payload.get("transaction_id") or ""),
        )
    return {
        "order_id": int(order["id"]),
        "reference": order["reference"],
        "current_state": int(order["current_state"]),
        "valid": order.get("valid") == "1",
        "total_paid": order["total_paid"],
        "cart_id": int(cart["id"]),
        "customer_id": int(customer["id"]),
        "address_id": int(address["id"]),
        "invoice_address_id": int(invoice["id"]),
    }


def _add_vouchers(b: Backend, cart: dict, codes: list[Any], ctx: Ctx) -> dict:
    """The codes the customer typed in, each checked like the cart page checks it."""
    if not codes:
        return cart
    rule_ids: list[str] = []
    for code in codes:
        found = [r for r in b.store.table("cart_rules").values()
                 if (r.get("code") or "").casefold() == str(code).casefold()]
        if not found:
            raise StorefrontError(422, {"error": "This voucher does not exist", "voucher": code})
        rule = found[0]
        reason = rule_refusal(b, rule, cart, cart_totals(b, cart, ctx), ctx)
        if reason is not None:
            raise StorefrontError(422, {"error": reason, "voucher": code})
        rule_ids.append(rule["id"])
    return b.update("carts", cart, {"_cart_rules": rule_ids}, ctx, touch=False)


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


def _group_id(b: Backend, group: Any) -> str:
    if str(group).isdigit():
        if b.get("groups", group) is None:
            raise StorefrontError(422, {"error": f"unknown customer group {group!r}"})
        return str(group)
    for record in b.store.table("groups").values():
        if str(group).casefold() in {name.casefold() for name in (record.get("name") or {}).values()}:
            return record["id"]
    raise StorefrontError(422, {"error": f"unknown customer group {group!r}"})


def _customer(b: Backend, data: dict[str, Any], ctx: Ctx) -> dict:
    email = str(data.get("email") or "").strip()
    if not email:
        raise StorefrontError(422, {"error": "customer.email is required"})
    guest = bool(data.get("guest"))
    default_group = str(b.settings.guest_group if guest else b.settings.customer_group)
    group = _group_id(b, data["group"]) if data.get("group") else None
    # E-mails compare without case, as MySQL's collation does for Customer::getByEmail (and as the
    # uniqueness check of `customers` does): the account is found again whatever case is typed.
    same = [c for c in b.store.table("customers").values() if (c.get("email") or "").casefold() == email.casefold()]
    for existing in sorted(same, key=lambda c: int(c["id"])):
        if existing.get("deleted") != "1" and (existing.get("is_guest") == "1") == guest:
            if group and existing.get("id_default_group") != group:  # the merchant moved the customer
                existing = b.update("customers", existing, {
                    "id_default_group": group, "associations": {"groups": [{"id": group}]}}, ctx)
            return existing
    group = group or default_group
    return _write(
        b,
        "customers",
        {
            "email": email,
            "firstname": str(data.get("firstname") or "Jane"),
            "lastname": str(data.get("lastname") or "Doe"),
            "passwd": str(data.get("password") or (secrets.token_urlsafe(12) if guest else "storefront-pass")),
            "id_default_group": group,
            "id_lang": str(data.get("id_lang") or 1),
            "company": str(data.get("company") or ""),
            "active": "1",
            "is_guest": "1" if guest else "0",
            "newsletter": "0",
            "optin": "0",
            "id_shop": str(ctx.shop),
        },
        ctx,
        associations={"groups": [{"id": group}]},
    )


def _country_id(b: Backend, country: Any) -> str:
    if country is None or str(country).isdigit():
        return str(country or b.settings.default_country)
    found = b.find("countries", iso_code=str(country).upper())
    if not found:
        raise StorefrontError(422, {"error": f"unknown country {country!r}"})
    return found[0]["id"]


def _state_id(b: Backend, country_id: str, state: Any) -> str:
    if not state:
        return "0"
    if str(state).isdigit():
        return str(state)
    for record in b.find("states", id_country=country_id):
        if (record.get("iso_code") or "").upper() == str(state).upper():
            return record["id"]
    raise StorefrontError(422, {"error": f"unknown state {state!r} in country {country_id}"})


def _address(b: Backend, customer: dict, data: dict[str, Any], ctx: Ctx) -> dict:
    country = _country_id(b, data.get("country") or data.get("id_country"))
    fields = {
        "id_customer": customer["id"],
        "id_country": country,
        "id_state": _state_id(b, country, data.get("state") or data.get("id_state")),
        "alias": str(data.get("alias") or "Home"),
        "lastname": str(data.get("lastname") or customer.get("lastname")),
        "firstname": str(data.get("firstname") or customer.get("firstname")),
        "address1": str(data.get("address1") or ""),
        "address2": str(data.get("address2") or ""),
        "postcode": str(data.get("postcode") or ""),
        "city": str(data.get("city") or ""),
        "phone": str(data.get("phone") or ""),
        "company": str(data.get("company") or ""),
        "vat_number": str(data.get("vat_number") or ""),
    }
    compared = ("id_country", "id_state", "address1", "postcode", "city", "company", "vat_number", "firstname",
                "lastname")
    for existing in b.find("addresses", id_customer=customer["id"]):
        same = all((existing.get(k) or "") == fields[k] for k in compared)
        if same and existing.get("deleted") != "1":
            return existing
    return _write(b, "addresses", fields, ctx)
