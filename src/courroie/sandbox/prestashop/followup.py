"""What happens to an order after it is placed: customer service threads and their messages, credit
slips, and what a merchant does in the back office (change the state, cancel, refund, edit a line).

No capture shows these resources; their fields are the 8.1 ObjectModel definitions (see
`resources.HAND_FIELDS`) and their behaviour PrestaShop 8.1's source:
* a `customer_thread` lists its messages as the `customer_messages` association; deleting a thread
  deletes its messages (CustomerThread::delete);
* an `order_slip` (resource `order_slip`, lists `order_slips`: its `objectsNodeName`) lists what it
  refunds as the virtual `order_slip_details` association (id_order_detail, product_quantity,
  amount_tax_excl, amount_tax_incl), read only through the webservice (`setter: false`);
* back-office actions go through the same code as the webservice: a state change is an
  order_histories row by employee 1 (OrderHistory::changeIdOrderState); a partial refund
  (IssuePartialRefundHandler) writes the slip and its details, counts the refunded quantities and
  amounts on the order details and touches the order (`date_upd`) so that a client polling orders by
  `date_upd` sees it; editing a line's quantity (UpdateProductInOrderHandler) rewrites the line, the
  order and invoice totals, moves the stock when the order is logable and touches the order;
  quantity 0 deletes the line (DeleteProductFromOrderHandler).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .backend import Backend, Ctx, Hooks
from .catalog import add_stock
from .formats import money, round_half_up, to_decimal
from .orders import change_state
from .render import Entity
from .storage import Record

EMPLOYEE = "1"  # the back office's first employee


class BackOfficeError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CustomerThreadHooks(Hooks):
    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None:
        messages = b.find("customer_messages", id_customer_thread=entity.values["id"])
        entity.assocs["customer_messages"] = [{"id": m["id"]} for m in sorted(messages, key=lambda m: int(m["id"]))]

    def before_delete(self, b: Backend, record: Record, ctx: Ctx) -> None:
        for message in b.find("customer_messages", id_customer_thread=record["id"]):
            b.store.delete("customer_messages", int(message["id"]))


FOLLOWUP_HOOKS: dict[str, Hooks] = {"customer_threads": CustomerThreadHooks()}


# -- back-office actions -----------------------------------------------------------------------------
def _order(b: Backend, order_id: object) -> Record:
    order = b.get("orders", order_id)
    if order is None:
        raise BackOfficeError(404, f"no order {order_id}")
    return order


def set_state(b: Backend, order_id: object, state: int, ctx: Ctx) -> Record:
    """What "Update status" on the order page does: a history row by the employee, then the change."""
    order = _order(b, order_id)
    if b.get("order_states", state) is None:
        raise BackOfficeError(422, f"no order state {state}")
    b.insert("order_histories", {"id_employee": EMPLOYEE, "id_order_state": str(state), "id_order": order["id"]}, ctx)
    return change_state(b, order, state, ctx, history=False)


def _detail(b: Backend, order: Record, line: dict[str, Any]) -> Record:
    details = b.find("order_details", id_order=order["id"])
    if line.get("order_detail_id"):
        found = [d for d in details if d["id"] == str(line["order_detail_id"])]
    else:
        found = [d for d in details if d.get("product_reference") == str(line.get("reference") or "")]
    if not found:
        named = line.get("order_detail_id") or line.get("reference")
        raise BackOfficeError(404, f"order {order['id']} has no line {named!r}")
    return found[0]


def refund(b: Backend, order_id: object, lines: list[dict[str, Any]], ctx: Ctx, *, shipping: bool = False) -> Record:
    """A partial refund with a credit slip: each line's refunded quantity at its unit price, and the
    shipping when asked."""
    order = _order(b, order_id)
    slip_details, products_excl, products_incl = [], Decimal(0), Decimal(0)
    for line in lines:
        detail = _detail(b, order, line)
        quantity = int(line.get("quantity") or 0)
        left = int(detail.get("product_quantity") or 0) - int(detail.get("product_quantity_refunded") or 0)
        if quantity <= 0 or quantity > left:
            raise BackOfficeError(422, f"line {detail['id']}: {quantity} to refund, {left} refundable")
        excl = round_half_up(to_decimal(detail.get("unit_price_tax_excl")) * quantity, 2)
        incl = round_half_up(to_decimal(detail.get("unit_price_tax_incl")) * quantity, 2)
        products_excl, products_incl = products_excl + excl, products_incl + incl
        slip_details.append({"id_order_detail": detail["id"], "product_quantity": str(quantity),
                             "amount_tax_excl": money(excl), "amount_tax_incl": money(incl)})
        b.update("order_details", detail, {
            "product_quantity_refunded": str(int(detail.get("product_quantity_refunded") or 0) + quantity),
            "total_refunded_tax_excl": money(to_decimal(detail.get("total_refunded_tax_excl")) + excl),
            "total_refunded_tax_incl": money(to_decimal(detail.get("total_refunded_tax_incl")) + incl),
        }, ctx, touch=False)
    shipping_excl = to_decimal(order.get("total_shipping_tax_excl")) if shipping else Decimal(0)
    shipping_incl = to_decimal(order.get("total_shipping_tax_incl")) if shipping else Decimal(0)
    slip = b.insert("order_slip", {
        "id_customer": order.get("id_customer") or "0",
        "id_order": order["id"],
        "conversion_rate": order.get("conversion_rate") or "1.000000",
        "total_products_tax_excl": money(products_excl),
        "total_products_tax_incl": money(products_incl),
        "total_shipping_tax_excl": money(shipping_excl),
        "total_shipping_tax_incl": money(shipping_incl),
        "amount": money(products_incl),
        "shipping_cost": "1" if shipping else "0",
        "shipping_cost_amount": money(shipping_incl),
        "partial": "1",
        "order_slip_type": "0",
    }, ctx)
    # getWsOrderSlipDetails: `SELECT id_order_slip AS id, id_order_detail, …`
    slip = b.update("order_slip", slip, {"associations": {"order_slip_details": [
        {"id": slip["id"], **detail} for detail in slip_details]}}, ctx, touch=False)
    b.update("orders", order, {}, ctx)
    return slip


def edit_line(b: Backend, order_id: object, line: dict[str, Any], quantity: int, ctx: Ctx) -> Record:
    """The merchant changes a line's quantity (0 removes it); totals follow, stock too if logable."""
    order = _order(b, order_id)
    detail = _detail(b, order, line)
    if quantity < 0:
        raise BackOfficeError(422, "a quantity cannot be negative")
    old = int(detail.get("product_quantity") or 0)
    delta = quantity - old
    if order.get("valid") == "1" and delta:
        add_stock(b, detail["product_id"], detail.get("product_attribute_id") or "0",
                  int(order.get("id_shop") or b.settings.default_shop), -delta)
    if quantity == 0:
        b.store.delete("order_details", int(detail["id"]))
    else:
        b.update("order_details", detail, {
            "product_quantity": str(quantity),
            "total_price_tax_excl": money(round_half_up(to_decimal(detail.get("unit_price_tax_excl")) * quantity, 2)),
            "total_price_tax_incl": money(round_half_up(to_decimal(detail.get("unit_price_tax_incl")) * quantity, 2)),
        }, ctx, touch=False)
    return _retotal(b, order, ctx)


def _retotal(b: Backend, order: Record, ctx: Ctx) -> Record:
    details = b.find("order_details", id_order=order["id"])
    products_excl = sum((to_decimal(d.get("total_price_tax_excl")) for d in details), Decimal(0))
    products_incl = sum((to_decimal(d.get("total_price_tax_incl")) for d in details), Decimal(0))

    def amount(name: str) -> Decimal:
        return to_decimal(order.get(name))

    paid_excl = (products_excl + amount("total_shipping_tax_excl") + amount("total_wrapping_tax_excl")
                 - amount("total_discounts_tax_excl"))
    paid_incl = (products_incl + amount("total_shipping_tax_incl") + amount("total_wrapping_tax_incl")
                 - amount("total_discounts_tax_incl"))
    totals = {
        "total_products": money(products_excl),
        "total_products_wt": money(products_incl),
        "total_paid_tax_excl": money(paid_excl),
        "total_paid_tax_incl": money(paid_incl),
        "total_paid": money(paid_incl),
    }
    for invoice in b.find("order_invoices", id_order=order["id"]):
        b.update("order_invoices", invoice, {k: v for k, v in totals.items() if k in invoice}, ctx, touch=False)
    return b.update("orders", order, totals, ctx)
