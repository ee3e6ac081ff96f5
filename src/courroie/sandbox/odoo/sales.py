"""Sale orders, their lines and delivery lines, confirmation into a delivery order, cancellation, locks.

As captured: ``action_confirm`` answers ``True`` and creates the delivery order (its ``origin`` is the
order name in 16.0, ``"<name> - <client_order_ref>"`` in 18.0); ``set_delivery_line`` cannot be called
remotely (``AttributeError``); the ``choose.delivery.carrier`` wizard's ``button_confirm`` returns
``None``; a sent or confirmed order cannot be deleted.

Not captured, modelled on Odoo 16.0 / 18.0's ``sale`` and ``sale_stock`` source: ``action_cancel`` of an
order that is not a quotation answers the ``sale.order.cancel`` wizard (a mail composer; the order is
left as it was) unless the context says ``disable_cancel_warning``, and needs one order then
(``Expected singleton``); cancelling cancels the deliveries not done yet and the draft invoices, never
a done delivery nor a posted invoice. Locking: 16.0 moves the order to state ``done``
(``action_done`` / ``action_unlock``); 17.0+ has a ``locked`` flag (``action_lock`` / ``action_unlock``)
and refuses to cancel a locked order.
"""

from __future__ import annotations

from typing import Any

from .catalog import is_storable
from .errors import ServerError, UserError, attribute_error
from .orm import RULES, Env, Row
from .pricing import float_round, line_price, round_half_up
from .stock import add_quantity, create_delivery, kit_lines

RULES.inverses |= {("sale.order", "order_line"): "order_id"}
RULES.cascade |= {("sale.order", "order_line")}
RULES.orders |= {"sale.order": "date_order desc, id desc", "sale.order.line": "order_id, sequence, id"}
RULES.required |= {"sale.order": ("partner_id",), "sale.order.line": ("order_id",),
                   "choose.delivery.carrier": ("order_id", "carrier_id")}
CONFIRMED = ("sale", "done")
CURRENCY = 0.01   # the rounding of the company currency (USD / EUR)


# --- orders --------------------------------------------------------------------------------------------

def _order_defaults(env: Env, values: Row) -> Row:
    partner = values.get("partner_id")
    pricelist = values.get("pricelist_id") or (env.get("res.partner", partner, "property_product_pricelist")
                                               if partner and partner in env.table("res.partner") else None)
    company_currency = env.table("res.company")[env.server.company_id]["currency_id"]
    currency = env.table("product.pricelist")[pricelist].get("currency_id") if pricelist else company_currency
    warehouses = env.search("stock.warehouse", [], order="sequence, id")
    return {"state": "draft", "date_order": env.now(), "company_id": env.server.company_id, "user_id": env.user.uid,
            "pricelist_id": pricelist, "currency_id": currency, "partner_invoice_id": partner,
            "partner_shipping_id": partner, "warehouse_id": warehouses[0] if warehouses else None,
            "picking_policy": "direct", "invoice_status": "no", "locked": False}


RULES.defaults["sale.order"] = _order_defaults


@RULES.on_create("sale.order")
def _order_name(env: Env, model: str, order: int, values: Row) -> None:
    # The number follows the record id, as on the captured servers (order 26 is S00026).
    if not values.get("name"):
        env.db.update("sale.order", order, {"name": f"S{order:05d}"})


def _line_defaults(env: Env, values: Row) -> Row:
    product = values.get("product_id")
    if not product or product not in env.table("product.product"):
        return {"product_uom_qty": 1.0, "sequence": 10}
    order = env.table("sale.order").get(int(values.get("order_id") or 0), {})
    quantity = float(values.get("product_uom_qty") or 1.0)
    price = line_price(env, order.get("pricelist_id"), product, quantity, order.get("date_order") or env.now())
    defaults: Row = {"product_uom_qty": 1.0, "discount": price.discount, "price_unit": price.price_unit,
                     "sequence": 10, "is_delivery": False, "product_uom": env.get("product.product", product, "uom_id"),
                     "tax_id": [(6, 0, env.get("product.product", product, "taxes_id") or [])],
                     "name": _line_name(env, product)}
    if "price_unit" in values:
        defaults["discount"] = 0.0   # an explicit price is taken as it is
    return defaults


def _line_name(env: Env, product: int) -> str:
    name = env.display_name("product.product", product)
    description = env.get("product.product", product, "description_sale")
    return f"{name}\n{description}" if description else name


RULES.defaults["sale.order.line"] = _line_defaults


def _lines(env: Env, order: int) -> list[int]:
    return env.search("sale.order.line", [("order_id", "=", order)])


def line_amounts(env: Env, line: int) -> tuple[float, float, float]:
    """(subtotal, tax, total) of a sale order line (see :func:`amounts`)."""
    row = env.table("sale.order.line")[line]
    return amounts(env, row.get("price_unit"), row.get("product_uom_qty"), row.get("discount"), row.get("tax_id"))


def amounts(env: Env, price_unit: Any, quantity: Any, discount: Any, taxes: Any) -> tuple[float, float, float]:
    """(subtotal, tax, total) of a line, taxes rounded per line (Odoo's default ``round_per_line``),
    with each version's float arithmetic: 16.0 rounds the tax, 18.0 the total and subtracts."""
    subtotal = float_round(float(price_unit or 0.0) * float(quantity or 0.0) * (1 - float(discount or 0.0) / 100),
                           CURRENCY)
    rate = sum(float(env.table("account.tax")[t].get("amount") or 0.0) for t in taxes or [])
    if env.major < 18:
        tax = float_round(subtotal * rate / 100, CURRENCY)
        return subtotal, tax, subtotal + tax
    total = float_round(subtotal * (1 + rate / 100), CURRENCY)
    return subtotal, total - subtotal, total


RULES.compute("sale.order.line", "price_subtotal")(lambda env, line: line_amounts(env, line)[0])
RULES.compute("sale.order.line", "price_tax")(lambda env, line: line_amounts(env, line)[1])
RULES.compute("sale.order.line", "price_total")(lambda env, line: line_amounts(env, line)[2])
RULES.compute("sale.order.line", "state")(
    lambda env, line: env.table("sale.order")[env.table("sale.order.line")[line]["order_id"]]["state"])
RULES.compute("sale.order.line", "currency_id")(
    lambda env, line: env.table("sale.order")[env.table("sale.order.line")[line]["order_id"]].get("currency_id"))
RULES.compute("sale.order.line", "order_partner_id")(
    lambda env, line: env.table("sale.order")[env.table("sale.order.line")[line]["order_id"]].get("partner_id"))
RULES.compute("sale.order.line", "product_template_id")(
    lambda env, line: env.get("product.product", p, "product_tmpl_id")
    if (p := env.table("sale.order.line")[line].get("product_id")) else None)
RULES.compute("sale.order.line", "price_reduce_taxexcl")(
    lambda env, line: line_amounts(env, line)[0] / (float(env.table("sale.order.line")[line].get("product_uom_qty")
                                                          or 0.0) or 1.0))


@RULES.compute("sale.order.line", "qty_delivered")
def _delivered(env: Env, line: int) -> float:
    return sum(float(m.get("quantity_done") or m.get("quantity") or 0.0) for m in env.table("stock.move").values()
               if m.get("sale_line_id") == line and m.get("state") == "done")


@RULES.compute("sale.order.line", "invoice_lines")
def _invoice_lines(env: Env, line: int) -> list[int]:
    return [i for i, row in env.table("account.move.line").items() if line in (row.get("sale_line_ids") or [])]


def _order_amounts(env: Env, order: int) -> tuple[float, float]:
    amounts = [line_amounts(env, line) for line in _lines(env, order)]
    return round_half_up(sum(a[0] for a in amounts)), round_half_up(sum(a[1] for a in amounts))


RULES.compute("sale.order", "amount_untaxed")(lambda env, order: _order_amounts(env, order)[0])
RULES.compute("sale.order", "amount_tax")(lambda env, order: _order_amounts(env, order)[1])
RULES.compute("sale.order", "amount_total")(lambda env, order: round_half_up(sum(_order_amounts(env, order))))
RULES.compute("sale.order", "delivery_set")(
    lambda env, order: any(env.table("sale.order.line")[line].get("is_delivery") for line in _lines(env, order)))


@RULES.compute("sale.order", "picking_ids")
def _pickings(env: Env, order: int) -> list[int]:
    return sorted(p for p, row in env.table("stock.picking").items() if row.get("sale_id") == order)


RULES.compute("sale.order", "delivery_count")(lambda env, order: len(_pickings(env, order)))


@RULES.compute("sale.order", "invoice_ids")
def _invoices(env: Env, order: int) -> list[int]:
    lines = set(_lines(env, order))
    return sorted({row["move_id"] for row in env.table("account.move.line").values()
                   if lines & set(row.get("sale_line_ids") or [])})


RULES.compute("sale.order", "invoice_count")(lambda env, order: len(_invoices(env, order)))


@RULES.compute("sale.order", "delivery_status")
def _delivery_status(env: Env, order: int) -> str | None:
    states = [env.table("stock.picking")[p]["state"] for p in _pickings(env, order)
              if env.table("stock.picking")[p]["state"] != "cancel"]
    if not states:
        return None
    if all(s == "done" for s in states):
        return "full"
    return "partial" if any(s == "done" for s in states) else "pending"


def action_confirm(env: Env, model: str, ids: list[int]) -> bool:
    for order in ids:
        row = env.table("sale.order")[order]
        if row.get("state") not in ("draft", "sent"):
            raise UserError("It is not allowed to confirm an order in the following states: "
                            f"{_state_label(env, row.get('state'))}")
        env.touch("sale.order", order, {"state": "sale", "date_order": env.now(), "invoice_status": "to invoice"})
        goods: list[tuple[int, float, int | None]] = []
        for line in _lines(env, order):
            values = env.table("sale.order.line")[line]
            components = kit_lines(env, values["product_id"]) if values.get("product_id") else None
            if components:   # ``mrp``: a kit ships as its components
                goods += [(item, float(values["product_uom_qty"]) * per, line) for item, per in components]
            elif _ships(env, values):
                goods.append((values["product_id"], float(values["product_uom_qty"]), line))
        if goods:
            warehouse = row.get("warehouse_id") or env.search("stock.warehouse", [])[0]
            origin = row["name"] if env.major < 18 or not row.get("client_order_ref") else \
                f"{row['name']} - {row['client_order_ref']}"
            create_delivery(env, env.table("stock.warehouse")[warehouse]["out_type_id"], goods,
                            {"origin": origin, "partner_id": row.get("partner_shipping_id"), "sale_id": order,
                             "carrier_id": row.get("carrier_id"), "company_id": row.get("company_id")})
    return True


def _ships(env: Env, line: Row) -> bool:
    product = line.get("product_id")
    if not product:
        return False
    kind = env.get("product.product", product, "type")
    return kind != "service" and (kind in ("consu", "product") or is_storable(env, product))


def _state_label(env: Env, state: Any) -> str:
    fld = env.field("sale.order", "state")
    labels = dict(fld.selection or ()) if fld else {}
    return labels.get(str(state), str(state))


CANCEL_VIEW = 1043           # ``sale.sale_order_cancel_view_form``
CANCEL_TEMPLATE = 14         # ``sale.mail_template_sale_cancellation``


def locked(env: Env, order: int) -> bool:
    row = env.table("sale.order")[order]
    return bool(row.get("locked")) if env.major >= 17 else row.get("state") == "done"


def action_cancel(env: Env, model: str, ids: list[int]) -> Any:
    """``sale.order.action_cancel``: the cancellation wizard for an order past its quotation (unless
    ``disable_cancel_warning``), else cancel; 17.0+ refuses a locked order."""
    if env.major >= 17 and any(locked(env, order) for order in ids):
        raise UserError("You cannot cancel a locked order. Please unlock it first.")
    if not env.context.get("disable_cancel_warning") and \
            any(env.table("sale.order")[order].get("state") != "draft" for order in ids):
        if len(ids) != 1:
            raise ServerError("ValueError", f"Expected singleton: sale.order({', '.join(map(str, ids))})")
        return {"name": "Cancel Sales Order", "view_mode": "form", "res_model": "sale.order.cancel",
                "view_id": CANCEL_VIEW, "type": "ir.actions.act_window",
                "context": {"default_template_id": CANCEL_TEMPLATE, "default_order_id": ids[0],
                            "mark_so_as_canceled": True,
                            "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                            "model_description": "Sales Order"},
                "target": "new"}
    for order in ids:
        cancel_order(env, order)
    return True


def cancel_order(env: Env, order: int) -> None:
    """``_action_cancel``: deliveries not done and draft invoices cancelled, then the order."""
    for picking in _pickings(env, order):
        if env.table("stock.picking")[picking]["state"] in ("done", "cancel"):
            continue
        for move in env.search("stock.move", [("picking_id", "=", picking)]):
            if env.table("stock.move")[move].get("state") not in ("done", "cancel"):
                _release(env, move)
        env.touch("stock.picking", picking, {"state": "cancel"})
    for invoice in _invoices(env, order):
        if env.table("account.move")[invoice].get("state") == "draft":
            env.touch("account.move", invoice, {"state": "cancel"})
    env.touch("sale.order", order, {"state": "cancel"})


RULES.required["sale.order.cancel"] = ("order_id",)


def wizard_cancel(env: Env, model: str, ids: list[int]) -> bool:
    """``sale.order.cancel.action_cancel`` / ``action_send_mail_and_cancel`` (no mail leaves the sandbox)."""
    orders = [env.table("sale.order.cancel")[wizard]["order_id"] for wizard in ids]
    return bool(action_cancel(env.with_context(disable_cancel_warning=True), "sale.order", orders))


def action_lock(env: Env, model: str, ids: list[int]) -> bool:
    """16.0 ``action_done`` (state ``done``), 17.0+ ``action_lock`` (the ``locked`` flag)."""
    for order in ids:
        env.touch("sale.order", order, {"locked": True} if env.major >= 17 else {"state": "done"})
    return True


def action_unlock(env: Env, model: str, ids: list[int]) -> bool:
    for order in ids:
        row = env.table("sale.order")[order]
        env.touch("sale.order", order, {"locked": False} if env.major >= 17 else
                  ({"state": "sale"} if row.get("state") == "done" else {}))
    return True


def _release(env: Env, move: int) -> None:
    row = env.table("stock.move")[move]
    if row.get("_reserved"):
        add_quantity(env, row["product_id"], row["location_id"], 0.0, reserved=-float(row["_reserved"]))
    env.touch("stock.move", move, {"state": "cancel", "_reserved": 0.0})


def action_draft(env: Env, model: str, ids: list[int]) -> bool:
    for order in ids:
        env.touch("sale.order", order, {"state": "draft"})
    return True


def _refuse_unlink(env: Env, model: str, ids: list[int]) -> None:
    if any(env.table("sale.order")[order].get("state") not in ("draft", "cancel") for order in ids):
        raise UserError("You can not delete a sent quotation or a confirmed sales order. You must first cancel it.")


RULES.before_unlink["sale.order"].append(_refuse_unlink)


def set_delivery_line(env: Env, model: str, ids: list[int], carrier: Any = None, amount: Any = None) -> None:
    # Its first argument is a carrier record: given an id over RPC, Odoo fails on ``carrier.id``.
    raise attribute_error("'int' object has no attribute 'id'")


# --- the delivery wizard -------------------------------------------------------------------------------------

RULES.defaults["choose.delivery.carrier"] = lambda env, values: {
    "partner_id": env.table("sale.order").get(int(values.get("order_id") or 0), {}).get("partner_id"),
    "delivery_price": 0.0}


def button_confirm(env: Env, model: str, ids: list[int]) -> None:
    """Add the carrier's delivery line to the order. Returns ``None``, like Odoo's."""
    for wizard in ids:
        row = env.table("choose.delivery.carrier")[wizard]
        order, carrier = row["order_id"], row["carrier_id"]
        last = max((env.table("sale.order.line")[line].get("sequence") or 10 for line in _lines(env, order)),
                   default=10)
        env.create("sale.order.line", {
            "order_id": order, "product_id": env.table("delivery.carrier")[carrier]["product_id"],
            "name": env.get("delivery.carrier", carrier, "name"), "product_uom_qty": 1.0,
            "price_unit": float(row.get("delivery_price") or 0.0), "is_delivery": True, "sequence": last + 1})
        env.write("sale.order", [order], {"carrier_id": carrier})
    return None
