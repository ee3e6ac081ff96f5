"""Carts and orders: cart totals, order validation, state changes and the records they create.

Captured behaviour (04-writes, 04b-order-with-cart-rule):
* `POST /api/orders` validates the cart: the sent `total_paid` is compared with the cart total
  *before* code-less cart rules are applied; equal → first state 11 "Remote payment accepted"
  (valid), otherwise state 8 "Payment error" — the order is created either way, `total_paid`
  holds the computed total and `total_paid_real` the sent amount;
* the answer only echoes the input (plus the order rows); re-using a cart → 500 text/html;
* the carrier comes from the cart's `delivery_option`, else the first carrier;
* validation also writes order_details, order_carriers, order_histories, an order_payments row
  (for the amount sent, by order reference) and, for a state with `invoice`, the invoice;
* a logable state decrements stock; leaving logable states puts the stock back;
* `POST /api/order_histories` changes the state (`sendemail=1` → 500 "Unable to save resource"
  after the change is saved); PUT/PATCH of `current_state` adds a history row too;
* `orders.shipping_number` is read from the order carrier's `tracking_number`.

From PrestaShop 8.1's source where no capture shows it (PaymentModule::validateOrder,
OrderHistory::changeIdOrderState, Cart::getOrderTotal, CartRule::getContextualValue):
* the order_payments row of validation is written only when the *requested* state is logable (so a
  bank wire order, state 10, has none and `total_paid_real` 0; the wrong-total order of the
  captures, requested 11, has one);
* moving to a `paid` state adds a payment for what the invoices still miss (payment method: the
  order's `payment`), and `total_paid_real` grows by it;
* a cart with `gift=1` pays gift wrapping (PS_GIFT_WRAPPING_PRICE, tax excluded, taxed with
  PS_GIFT_WRAPPING_TAX_RULES_GROUP): `total_wrapping*` on the order and its invoice;
* an amount cart rule with `reduction_tax=0` is worth its amount tax excluded (the tax included
  value follows the cart's average rate); `reduction_product` limits a rule to one product's lines.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from decimal import Decimal

from .backend import Backend, Ctx, Hooks, WriteOp
from .catalog import add_stock, stock_row
from .errors import HtmlAnswer, WebserviceError
from .formats import money, round_half_up, to_decimal
from .pricing import Price, product_price, tax_rate
from .render import Entity
from .storage import Record

STATE_WS_PAYMENT = 11  # PS_OS_WS_PAYMENT "Remote payment accepted"
STATE_ERROR = 8  # PS_OS_ERROR "Payment error"
CART_USED = "Cart cannot be loaded or an order has already been placed using this cart"


@dataclass
class Line:
    product: dict
    combination: Record | None
    quantity: int
    price: Price
    total_excl: Decimal
    total_incl: Decimal
    name: str

    @property
    def attr_id(self) -> str:
        return self.combination["id"] if self.combination else "0"


@dataclass
class CartTotals:
    lines: list[Line]
    shop: int
    country: int
    carrier: Record | None
    products_excl: Decimal = Decimal(0)
    products_incl: Decimal = Decimal(0)
    shipping_excl: Decimal = Decimal(0)
    shipping_incl: Decimal = Decimal(0)
    carrier_rate: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)
    wrapping_excl: Decimal = Decimal(0)
    wrapping_incl: Decimal = Decimal(0)
    rules: list[tuple[Record, Decimal, Decimal]] = field(default_factory=list)  # rule, incl, excl

    @property
    def total_incl(self) -> Decimal:
        return self.products_incl + self.shipping_incl + self.wrapping_incl

    @property
    def total_excl(self) -> Decimal:
        return self.products_excl + self.shipping_excl + self.wrapping_excl

    @property
    def discounts_incl(self) -> Decimal:
        return sum((incl for _, incl, _ in self.rules), Decimal(0))

    @property
    def discounts_excl(self) -> Decimal:
        return sum((excl for _, _, excl in self.rules), Decimal(0))


# -- cart computation -----------------------------------------------------------------------------
def line_name(b: Backend, product: dict, combination: Record | None) -> str:
    name = b.i18n_default(product.get("name"))
    if combination is None:
        return name
    parts = []
    for pov in (combination.get("associations") or {}).get("product_option_values", []):
        value = b.get("product_option_values", pov.get("id"))
        group = b.get("product_options", value.get("id_attribute_group")) if value else None
        if value and group:
            parts.append(f"{b.i18n_default(group.get('public_name'))}: {b.i18n_default(value.get('name'))}")
    return f"{name} ({', '.join(parts)})" if parts else name


def cart_carrier(b: Backend, cart: Record) -> Record | None:
    """The carrier of `delivery_option` for the delivery address, else the first carrier (captured)."""
    try:
        option = json.loads(cart.get("delivery_option") or "{}")
    except ValueError:
        option = {}
    chosen = str(option.get(str(cart.get("id_address_delivery")), "")).strip(",").split(",")[0]
    carrier = b.get("carriers", chosen)
    if carrier is not None and carrier.get("deleted") != "1":
        return carrier
    carriers = [c for c in b.store.table("carriers").values() if c.get("deleted") != "1" and c.get("active") == "1"]
    carriers.sort(key=lambda c: (int(c.get("position") or 0), int(c["id"])))
    return carriers[0] if carriers else None


def _round_lines(b: Backend, unit: Decimal, quantity: int) -> Decimal:
    if b.settings.round_type == 1:
        return round_half_up(unit, 2) * quantity
    if b.settings.round_type == 3:
        return unit * quantity
    return round_half_up(unit * quantity, 2)


def cart_totals(b: Backend, cart: Record, ctx: Ctx) -> CartTotals:
    shop = int(cart.get("id_shop") or b.settings.default_shop)
    address = b.get("addresses", cart.get("id_address_delivery"))
    country = int(address.get("id_country") or b.settings.default_country) if address else b.settings.default_country
    customer = b.get("customers", cart.get("id_customer"))
    group = (
        int(customer.get("id_default_group") or b.settings.customer_group) if customer else b.settings.customer_group
    )
    totals = CartTotals([], shop, country, cart_carrier(b, cart))
    for row in (cart.get("associations") or {}).get("cart_rows", []):
        record = b.get("products", row.get("id_product"))
        if record is None:
            continue
        product = {**record, **(record.get("_shop_values") or {}).get(str(shop), {})}
        combination = b.get("combinations", row.get("id_product_attribute"))
        quantity = int(row.get("quantity") or 1)
        price = product_price(
            b,
            product,
            combination,
            shop=shop,
            country=country,
            group=group,
            customer=int(cart.get("id_customer") or 0),
            quantity=quantity,
            now=ctx.now,
        )
        line = Line(
            product,
            combination,
            quantity,
            price,
            _round_lines(b, price.final_excl, quantity),
            _round_lines(b, price.final_incl, quantity),
            line_name(b, product, combination),
        )
        totals.lines.append(line)
        weight = to_decimal(product.get("weight")) + (to_decimal(combination.get("weight")) if combination else 0)
        totals.weight += weight * quantity
    totals.products_excl = round_half_up(sum((line.total_excl for line in totals.lines), Decimal(0)), 2)
    totals.products_incl = round_half_up(sum((line.total_incl for line in totals.lines), Decimal(0)), 2)
    _shipping(b, totals)
    if cart.get("gift") == "1":
        rate = tax_rate(b, b.settings.gift_wrapping_tax_group, totals.country)
        totals.wrapping_excl = round_half_up(b.settings.gift_wrapping_price, 2)
        totals.wrapping_incl = round_half_up(totals.wrapping_excl * (1 + rate / 100), 2)
    return totals


def _shipping(b: Backend, totals: CartTotals) -> None:
    carrier = totals.carrier
    if carrier is None or carrier.get("is_free") == "1":
        return
    totals.carrier_rate = tax_rate(b, carrier.get("id_tax_rules_group"), totals.country)
    totals.shipping_excl = to_decimal(carrier.get("_shipping_price", "0"))
    totals.shipping_incl = round_half_up(totals.shipping_excl * (1 + totals.carrier_rate / 100), 2)


RESTRICTIONS = (
    "country_restriction",
    "carrier_restriction",
    "group_restriction",
    "product_restriction",
    "shop_restriction",
    "cart_rule_restriction",
)


def rule_refusal(b: Backend, rule: Record, cart: Record, totals: CartTotals, ctx: Ctx) -> str | None:
    """Why this cart rule does not apply to the cart (None: it applies), as CartRule::checkValidity."""
    if rule.get("active") != "1":
        return "This voucher is disabled"
    if int(rule.get("quantity") or 0) <= 0:
        return "This voucher has already been used"
    if str(rule.get("id_customer") or "0") not in ("0", str(cart.get("id_customer") or "0")):
        return "You cannot use this voucher"
    if not (rule.get("date_from", "") <= ctx.now <= rule.get("date_to", "9999")):
        return "This voucher has expired" if ctx.now > rule.get("date_to", "9999") else "This voucher is not valid yet"
    if any(rule.get(name) == "1" for name in RESTRICTIONS):
        return "You cannot use this voucher with these products"  # restrictions are not modelled
    minimum = totals.products_incl if rule.get("minimum_amount_tax") == "1" else totals.products_excl
    if minimum < to_decimal(rule.get("minimum_amount")):
        return "The minimum amount to benefit from this promo code is not reached"
    if rule.get("reduction_product") not in (None, "", "0") and not any(
        line.product["id"] == str(rule.get("reduction_product")) for line in totals.lines
    ):
        return "You cannot use this voucher with these products"
    return None


def apply_cart_rules(b: Backend, cart: Record, totals: CartTotals, ctx: Ctx) -> None:
    """Code-less, active, in-date cart rules for this customer are added at validation (04b), with
    the rules the customer entered in the shop front (their ids in the cart's private `_cart_rules`)."""
    entered = {str(rule_id) for rule_id in cart.get("_cart_rules") or []}
    for rule in sorted(b.store.table("cart_rules").values(), key=lambda r: (int(r.get("priority") or 1), int(r["id"]))):
        if rule.get("code") and rule["id"] not in entered:
            continue
        if rule_refusal(b, rule, cart, totals, ctx) is not None:
            continue
        incl, excl = _rule_value(rule, totals)
        totals.rules.append((rule, incl, excl))


def _rule_value(rule: Record, totals: CartTotals) -> tuple[Decimal, Decimal]:
    """(tax included, tax excluded) value of a rule on the cart."""
    product = str(rule.get("reduction_product") or "0")
    lines = [line for line in totals.lines if product in ("0", "-1", "-2") or line.product["id"] == product]
    if product in ("0", "-1", "-2"):
        base_incl, base_excl = totals.products_incl, totals.products_excl
    else:
        base_incl = round_half_up(sum((line.total_incl for line in lines), Decimal(0)), 2)
        base_excl = round_half_up(sum((line.total_excl for line in lines), Decimal(0)), 2)
    percent = to_decimal(rule.get("reduction_percent"))
    incl = round_half_up(base_incl * percent / 100, 2)
    excl = round_half_up(base_excl * percent / 100, 2)
    amount = to_decimal(rule.get("reduction_amount"))
    if amount > 0:
        if rule.get("reduction_tax") == "1":  # the amount is tax included
            amount_incl = min(amount, base_incl)
            ratio = base_excl / base_incl if base_incl else Decimal(1)
            incl, excl = incl + amount_incl, excl + round_half_up(amount_incl * ratio, 2)
        else:  # tax excluded: the tax included value follows the average rate
            amount_excl = min(amount, base_excl)
            ratio = base_incl / base_excl if base_excl else Decimal(1)
            incl, excl = incl + round_half_up(amount_excl * ratio, 2), excl + amount_excl
    if rule.get("free_shipping") == "1":
        incl, excl = incl + totals.shipping_incl, excl + totals.shipping_excl
    return incl, excl


# -- order validation --------------------------------------------------------------------------------
def _reference(b: Backend) -> str:
    while True:
        reference = "".join(secrets.choice(string.ascii_uppercase) for _ in range(9))
        if not b.find("orders", reference=reference):
            return reference


def order_of_cart(b: Backend, cart_id: object) -> Record | None:
    found = b.find("orders", id_cart=cart_id)
    return found[0] if found else None


def validate_cart(
    b: Backend,
    cart_id: object,
    amount_paid: Decimal,
    ctx: Ctx,
    *,
    module: str,
    payment: str,
    state: int = STATE_WS_PAYMENT,
    extra: dict[str, str] | None = None,
    front: bool = False,
    transaction_id: str = "",
) -> Record:
    """Turn a cart into an order (PaymentModule::validateOrder as observed through the webservice).

    `front`: the shop front's checkout, whose cart carries its rules before the amount check (the
    webservice's carts cannot, so there the amount is checked before code-less rules are added)."""
    cart = b.get("carts", cart_id)
    if cart is None or order_of_cart(b, cart_id) is not None:
        raise HtmlAnswer(500, CART_USED)
    totals = cart_totals(b, cart, ctx)
    requested = b.get("order_states", state)
    if front:
        apply_cart_rules(b, cart, totals, ctx)
    expected = totals.total_incl - (totals.discounts_incl if front else 0)
    if round_half_up(amount_paid, 2) != round_half_up(expected, 2):
        state = STATE_ERROR
    if not front:
        apply_cart_rules(b, cart, totals, ctx)
    customer = b.get("customers", cart.get("id_customer")) or {}
    paid_incl = totals.total_incl - totals.discounts_incl
    paid_excl = totals.total_excl - totals.discounts_excl
    payment_registered = _flag(requested, "logable")
    order = b.insert(
        "orders",
        {
            **(extra or {}),
            "id_address_delivery": cart.get("id_address_delivery", "0"),
            "id_address_invoice": cart.get("id_address_invoice", "0"),
            "id_cart": cart["id"],
            "id_currency": cart.get("id_currency") or str(b.settings.default_currency),
            "id_lang": cart.get("id_lang") or str(b.settings.default_language),
            "id_customer": cart.get("id_customer", "0"),
            "id_carrier": totals.carrier["id"] if totals.carrier else "0",
            "current_state": "0",
            "module": module,
            "payment": payment,
            "valid": "0",
            "id_shop_group": str(_shop_group(b, totals.shop)),
            "id_shop": str(totals.shop),
            "secure_key": customer.get("secure_key", ""),
            "recyclable": cart.get("recyclable") or "0",
            "gift": cart.get("gift") or "0",
            "gift_message": cart.get("gift_message", ""),
            "mobile_theme": "0",
            "total_discounts": money(totals.discounts_incl),
            "total_discounts_tax_incl": money(totals.discounts_incl),
            "total_discounts_tax_excl": money(totals.discounts_excl),
            "total_paid": money(paid_incl),
            "total_paid_tax_incl": money(paid_incl),
            "total_paid_tax_excl": money(paid_excl),
            "total_paid_real": money(amount_paid if payment_registered else 0),
            "total_products": money(totals.products_excl),
            "total_products_wt": money(totals.products_incl),
            "total_shipping": money(totals.shipping_incl),
            "total_shipping_tax_incl": money(totals.shipping_incl),
            "total_shipping_tax_excl": money(totals.shipping_excl),
            "carrier_tax_rate": money(totals.carrier_rate, 3),
            "total_wrapping": money(totals.wrapping_incl),
            "total_wrapping_tax_incl": money(totals.wrapping_incl),
            "total_wrapping_tax_excl": money(totals.wrapping_excl),
            "round_mode": "2",
            "round_type": str(b.settings.round_type),
            "conversion_rate": "1.000000",
            "reference": _reference(b),
        },
        ctx,
    )
    _write_details(b, order, totals, ctx)
    _write_carrier(b, order, totals, ctx)
    for rule, incl, excl in totals.rules:
        b.insert(
            "order_cart_rules",
            {
                "id_order": order["id"],
                "id_cart_rule": rule["id"],
                "id_order_invoice": "0",
                "name": b.i18n_default(rule.get("name")),
                "value": money(incl),
                "value_tax_excl": money(excl),
                "free_shipping": rule.get("free_shipping") or "0",
                "deleted": "0",
            },
            ctx,
        )
    if state != STATE_ERROR:  # a rule is used up only by an accepted order (04b/016)
        for rule, _, _ in totals.rules:
            b.update(
                "cart_rules", rule, {"quantity": str(max(0, int(rule.get("quantity") or 0) - 1))}, ctx, touch=False
            )
    if payment_registered:  # "Register Payment only if the order status validate the order"
        _add_payment(b, order, amount_paid, ctx, transaction_id=transaction_id)
    return change_state(b, order, state, ctx)


def _add_payment(b: Backend, order: Record, amount: Decimal, ctx: Ctx, *, transaction_id: str = "") -> Record:
    return b.insert(
        "order_payments",
        {
            "order_reference": order["reference"],
            "id_currency": order["id_currency"],
            "amount": money(amount),
            "payment_method": order.get("payment", ""),
            "conversion_rate": "1.000000",
            "transaction_id": transaction_id,
            "id_employee": "",
        },
        ctx,
    )


def _shop_group(b: Backend, shop: int) -> int:
    record = b.get("shops", shop)
    return int(record.get("id_shop_group") or 1) if record else 1


def _write_details(b: Backend, order: Record, totals: CartTotals, ctx: Ctx) -> None:
    for line in totals.lines:
        product, combo = line.product, line.combination
        row = stock_row(b, product["id"], line.attr_id, totals.shop)
        available = int(row.get("quantity") or 0) if row else 0
        tax_id = _tax_id(b, product.get("id_tax_rules_group"), totals.country)

        def pick(name: str, product: dict = product, combo: Record | None = combo) -> str:
            """The combination's value when it has one (a zero price counts as none), else the product's."""
            mine = (combo or {}).get(name) or ""
            if mine and not (_numeric(mine) and to_decimal(mine) == 0):
                return mine
            return product.get(name) or ""

        b.insert(
            "order_details",
            {
                "id_order": order["id"],
                "product_id": product["id"],
                "product_attribute_id": line.attr_id,
                "group_reduction": "0.00",
                "id_shop": str(totals.shop),
                "product_name": line.name,
                "product_quantity": str(line.quantity),
                "product_quantity_in_stock": str(max(0, min(line.quantity, available))),
                "product_price": money(line.price.base_excl),
                "product_quantity_discount": money((combo or {}).get("price") or 0),
                "reduction_percent": money(line.price.reduction_percent, 2),
                "reduction_amount": money(line.price.reduction_amount),
                "reduction_amount_tax_incl": money(line.price.reduction_amount),
                "reduction_amount_tax_excl": money(line.price.reduction_amount / (1 + line.price.tax_rate / 100)),
                "product_ean13": pick("ean13"),
                "product_isbn": pick("isbn"),
                "product_upc": pick("upc"),
                "product_mpn": pick("mpn"),
                "product_reference": pick("reference"),
                "product_supplier_reference": pick("supplier_reference"),
                "product_weight": money(to_decimal(product.get("weight")) + to_decimal((combo or {}).get("weight"))),
                "id_tax_rules_group": product.get("id_tax_rules_group") or "0",
                "ecotax_tax_rate": "0.000",
                "download_deadline": "0000-00-00 00:00:00",
                "unit_price_tax_incl": money(line.price.final_incl),
                "unit_price_tax_excl": money(line.price.final_excl),
                "total_price_tax_incl": money(line.total_incl),
                "total_price_tax_excl": money(line.total_excl),
                "purchase_supplier_price": money(pick("wholesale_price") or 0),
                "original_product_price": money(line.price.base_excl),
                "original_wholesale_price": money(product.get("wholesale_price") or 0),
                "associations": {"taxes": [{"id": tax_id}]} if tax_id else {},
            },
            ctx,
        )


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).lstrip("-").isdigit()


def _tax_id(b: Backend, group: object, country: int) -> str | None:
    for rule in b.find("tax_rules", id_tax_rules_group=group):
        if str(rule.get("id_country")) in (str(country), "0"):
            return str(rule.get("id_tax"))
    return None


def _write_carrier(b: Backend, order: Record, totals: CartTotals, ctx: Ctx) -> None:
    b.insert(
        "order_carriers",
        {
            "id_order": order["id"],
            "id_carrier": order["id_carrier"],
            "id_order_invoice": "0",
            "weight": money(totals.weight),
            "shipping_cost_tax_excl": money(totals.shipping_excl),
            "shipping_cost_tax_incl": money(totals.shipping_incl),
            "tracking_number": "",
        },
        ctx,
    )


# -- states -------------------------------------------------------------------------------------------
def _flag(state: Record | None, name: str) -> bool:
    return state is not None and state.get(name) == "1"


def change_state(b: Backend, order: Record, state_id: int, ctx: Ctx, *, history: bool = True) -> Record:
    """Apply a new state: history row, valid flag, stock moves, invoice and delivery numbers."""
    new = b.get("order_states", state_id)
    if new is None:
        raise HtmlAnswer(500)  # a PHP fatal error, empty body (04-writes/060)
    order = b.get("orders", order["id"]) or order
    old = b.get("order_states", order.get("current_state"))
    if history:
        b.insert("order_histories", {"id_employee": "0", "id_order_state": str(state_id), "id_order": order["id"]}, ctx)
    changes = {"current_state": str(state_id), "valid": "1" if _flag(new, "logable") else "0"}
    if _flag(new, "logable") and not _flag(old, "logable"):
        _move_stock(b, order, -1)
    elif _flag(old, "logable") and not _flag(new, "logable"):
        _move_stock(b, order, +1)
    order = b.update("orders", order, changes, ctx)
    if _flag(new, "invoice") and order.get("invoice_number") in (None, "", "0"):
        order = _create_invoice(b, order, ctx)
    if _flag(new, "delivery") and order.get("delivery_number") in (None, "", "0"):
        order = _deliver(b, order, ctx)
    if _flag(new, "paid"):
        order = _pay_the_rest(b, order, ctx)
    return order


def _pay_the_rest(b: Backend, order: Record, ctx: Ctx) -> Record:
    """A paid state records a payment for what the invoices still miss (OrderInvoice::getRestPaid)."""
    invoiced = sum((to_decimal(i.get("total_paid_tax_incl")) for i in b.find("order_invoices", id_order=order["id"])),
                   Decimal(0))
    paid = sum((to_decimal(p.get("amount")) for p in b.find("order_payments", order_reference=order["reference"])),
               Decimal(0))
    rest = round_half_up(invoiced - paid, 2)
    if rest <= 0:
        return order
    _add_payment(b, order, rest, ctx)
    total = to_decimal(order.get("total_paid_real")) + rest
    return b.update("orders", order, {"total_paid_real": money(total)}, ctx, touch=False)


def _move_stock(b: Backend, order: Record, sign: int) -> None:
    shop = int(order.get("id_shop") or b.settings.default_shop)
    for detail in b.find("order_details", id_order=order["id"]):
        quantity = int(detail.get("product_quantity") or 0)
        add_stock(b, detail["product_id"], detail.get("product_attribute_id") or "0", shop, sign * quantity)


def _next_number(b: Backend, key: str) -> int:
    number = int(b.store.meta(key, 0)) + 1
    b.store.set_meta(key, number)
    return number


def _create_invoice(b: Backend, order: Record, ctx: Ctx) -> Record:
    number = _next_number(b, "invoice_number")
    invoice = b.insert(
        "order_invoices",
        {
            "id_order": order["id"],
            "number": str(number),
            "delivery_number": "0",
            "total_discount_tax_excl": order["total_discounts_tax_excl"],
            "total_discount_tax_incl": order["total_discounts_tax_incl"],
            "total_paid_tax_excl": order["total_paid_tax_excl"],
            "total_paid_tax_incl": order["total_paid_tax_incl"],
            "total_products": order["total_products"],
            "total_products_wt": order["total_products_wt"],
            "total_shipping_tax_excl": order["total_shipping_tax_excl"],
            "total_shipping_tax_incl": order["total_shipping_tax_incl"],
            "total_wrapping_tax_excl": order.get("total_wrapping_tax_excl") or "0.000000",
            "total_wrapping_tax_incl": order.get("total_wrapping_tax_incl") or "0.000000",
            "shipping_tax_computation_method": "0",
            "shop_address": b.settings.shop_name,
        },
        ctx,
    )
    for name in ("order_details", "order_carriers"):
        for record in b.find(name, id_order=order["id"]):
            b.update(name, record, {"id_order_invoice": invoice["id"]}, ctx, touch=False)
    return b.update("orders", order, {"invoice_number": str(number), "invoice_date": ctx.now}, ctx, touch=False)


def _deliver(b: Backend, order: Record, ctx: Ctx) -> Record:
    number = _next_number(b, "delivery_number")
    for invoice in b.find("order_invoices", id_order=order["id"]):
        b.update(
            "order_invoices", invoice, {"delivery_number": str(number), "delivery_date": ctx.now}, ctx, touch=False
        )
    return b.update("orders", order, {"delivery_number": str(number), "delivery_date": ctx.now}, ctx, touch=False)


# -- webservice hooks ------------------------------------------------------------------------------------
class OrderHooks(Hooks):
    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None:
        oid = entity.values["id"]
        carriers = b.find("order_carriers", id_order=oid)
        entity.values["shipping_number"] = carriers[0].get("tracking_number", "") if carriers else ""
        entity.assocs["order_rows"] = [
            {
                "id": d["id"],
                "product_id": d.get("product_id"),
                "product_attribute_id": d.get("product_attribute_id"),
                "product_quantity": d.get("product_quantity"),
                "product_name": d.get("product_name"),
                "product_reference": d.get("product_reference"),
                "product_ean13": d.get("product_ean13"),
                "product_isbn": d.get("product_isbn"),
                "product_upc": d.get("product_upc"),
                "product_price": d.get("product_price"),
                "id_customization": d.get("id_customization") or "0",
                "unit_price_tax_incl": d.get("unit_price_tax_incl"),
                "unit_price_tax_excl": d.get("unit_price_tax_excl"),
            }
            for d in b.find("order_details", id_order=oid)
        ]

    def create(self, b: Backend, op: WriteOp) -> Record | None:
        return create_order(b, op)

    def echo(self, b: Backend, op: WriteOp, entity: Entity) -> None:
        if op.method == "POST" and entity.sent is not None and "current_state" in entity.sent:
            entity.sent["current_state"] = ""  # ignored on POST: the cart check decides the state
            entity.bare_links.add("current_state")

    def after_save(self, b: Backend, op: WriteOp) -> None:
        if op.method in ("PUT", "PATCH") and op.old is not None:
            state = op.new.get("current_state")
            if state and state != op.old.get("current_state"):
                restored = b.update(
                    "orders", op.new, {"current_state": op.old.get("current_state")}, op.ctx, touch=False
                )
                change_state(b, restored, int(state), op.ctx)


def create_order(b: Backend, op: WriteOp) -> Record:
    """POST /api/orders once the generic checks passed: the cart decides everything."""
    fields = op.parsed.fields
    extra = {k: op.new[k] for k in ("note",) if op.new.get(k)}
    return validate_cart(
        b,
        fields.get("id_cart"),
        to_decimal(fields.get("total_paid")),
        op.ctx,
        module=fields.get("module", ""),
        payment=fields.get("payment", ""),
        extra=extra,
    )


class OrderHistoryHooks(Hooks):
    def check(self, b: Backend, op: WriteOp) -> None:
        if op.method == "POST" and b.get("order_states", op.new.get("id_order_state")) is None:
            raise HtmlAnswer(500)

    def after_save(self, b: Backend, op: WriteOp) -> None:
        if op.method != "POST":
            return
        order = b.get("orders", op.new.get("id_order"))
        if order is None:
            return
        state = b.get("order_states", op.new.get("id_order_state"))
        change_state(b, order, int(op.new["id_order_state"]), op.ctx, history=False)
        if op.ctx.sendemail and _flag(state, "send_email"):
            # mail() fails on a host without MTA: the state is saved, the call still fails (04-writes/059)
            op.ctx.after_commit.append(WebserviceError(500, [(46, "Unable to save resource")]))


ORDER_HOOKS: dict[str, Hooks] = {
    "orders": OrderHooks(),
    "order_histories": OrderHistoryHooks(),
}
