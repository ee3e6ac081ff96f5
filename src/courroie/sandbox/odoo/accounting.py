"""Journals, customer invoices, payments and attachments: what the hub and a bookkeeper ask of
Odoo's accounting over RPC.

The captures stop at the delivery; the accounting models carry the captured fields
(``fields_get/account.move.json``, ``account.payment.json``) and behave as Odoo 16.0 / 18.0's
``account`` and ``sale`` source does:

- ``account.payment``: 16.0 inherits its journal entry (reference ``ref``; states draft / posted /
  cancel); 18.0 stands alone (reference ``memo``; states draft / in_process / paid / canceled /
  rejected). ``action_post`` returns ``None`` in both: XML-RPC answers fault 1 "cannot marshal None",
  after the payment was posted; JSON-RPC leaves ``result`` out.
- ``account.payment.register`` (an invoice's "Register Payment"): created with the context
  ``active_model='account.move'`` and ``active_ids``, refused for an invoice not posted or paid
  already; ``action_create_payments`` posts the payment, reconciles it with the invoices and answers
  an ``ir.actions.act_window`` on it.
- ``sale.advance.payment.inv`` (a sale order's "Create Invoice"), ``create_invoices``: a draft
  customer invoice of what is left to invoice; answers ``ir.actions.act_window_close``.
- ``account.move.action_post`` numbers ``INV/<year>/<n>`` and answers ``False``.
- ``ir.attachment``: a search leaves out the attachments of binary fields (``res_field`` set) unless
  its domain names ``res_field`` or ``id``. Printing an invoice (:func:`print_invoice`) leaves its PDF
  as an attachment of the invoice: 16.0 ``INV_2026_00001.pdf`` (the report's ``attachment``), 18.0 the
  ``invoice_pdf_report_file`` field, read through ``invoice_pdf_report_id``.
"""

from __future__ import annotations

import base64
from typing import Any

from .errors import UserError
from .orm import RULES, Env, Row, _mentions
from .pricing import round_half_up
from .sales import CONFIRMED, amounts
from .stock import next_number

RULES.inverses |= {("account.move", "invoice_line_ids"): "move_id", ("account.move", "line_ids"): "move_id"}
RULES.cascade |= {("account.move", "invoice_line_ids"), ("account.move", "line_ids")}
RULES.orders |= {"account.move": "date desc, name desc, id desc", "account.journal": "sequence, type, code",
                 "account.payment": "date desc, name desc", "account.payment.term": "sequence, id",
                 "res.partner.category": "name, id", "res.country.state": "country_id, code",
                 "ir.attachment": "id desc"}
RULES.required |= {"account.journal": ("name", "code", "type"), "account.payment.term": ("name",),
                   "res.partner.category": ("name",), "ir.attachment": ("name",)}
RULES.names["res.country.state"] = lambda env, s: (
    f"{env.table('res.country.state')[s]['name']} ({env.get('res.country', env.table('res.country.state')[s]['country_id'], 'code')})")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


# --- attachments -------------------------------------------------------------------------------------------

def _attachment_terms(terms: list[Any]) -> list[Any]:
    if _mentions(terms, "res_field") or _mentions(terms, "id"):
        return terms
    return ["&", ("res_field", "=", False), *terms] if terms else [("res_field", "=", False)]


RULES.search_filters["ir.attachment"] = _attachment_terms


def _attachment_defaults(env: Env, values: Row) -> Row:
    content = values.get("datas")
    size = len(base64.b64decode(content)) if isinstance(content, str) and content else 0
    return {"type": "binary", "mimetype": "application/octet-stream", "file_size": size}


RULES.defaults["ir.attachment"] = _attachment_defaults


def print_invoice(env: Env, move: int) -> int:
    """What printing (or sending) a posted invoice leaves behind: its PDF, attached to it."""
    row = env.table("account.move")[move]
    values: Row = {"name": f"{str(row['name']).replace('/', '_')}.pdf", "res_model": "account.move",
                   "res_id": move, "mimetype": "application/pdf",
                   "datas": base64.b64encode(PDF + str(row["name"]).encode()).decode()}
    if env.major >= 17:
        values["res_field"] = "invoice_pdf_report_file"
    return env.create("ir.attachment", values)


@RULES.compute("account.move", "invoice_pdf_report_id")
def _invoice_pdf(env: Env, move: int) -> int | None:
    found = [a for a, row in env.table("ir.attachment").items() if row.get("res_model") == "account.move"
             and row.get("res_id") == move and row.get("res_field") == "invoice_pdf_report_file"]
    return max(found) if found else None


# --- invoices --------------------------------------------------------------------------------------------

def _move_defaults(env: Env, values: Row) -> Row:
    kind = values.get("move_type") or env.context.get("default_move_type") or "entry"
    journal_type = {"out_invoice": "sale", "out_refund": "sale", "in_invoice": "purchase"}.get(kind, "general")
    journals = env.search("account.journal", [("type", "=", journal_type)])
    company_currency = env.table("res.company")[env.server.company_id]["currency_id"]
    return {"state": "draft", "name": "/", "move_type": kind, "date": env.now()[:10], "payment_state": "not_paid",
            "journal_id": journals[0] if journals else None, "currency_id": company_currency,
            "company_id": env.server.company_id, "auto_post": "no"}


RULES.defaults["account.move"] = _move_defaults
RULES.defaults["account.move.line"] = lambda env, values: {"quantity": 1.0, "discount": 0.0}


def _move_lines(env: Env, move: int) -> list[Row]:
    return [row for row in env.table("account.move.line").values() if row.get("move_id") == move]


def _line_amounts(env: Env, row: Row) -> tuple[float, float, float]:
    return amounts(env, row.get("price_unit"), row.get("quantity"), row.get("discount"), row.get("tax_ids"))


def move_amounts(env: Env, move: int) -> tuple[float, float]:
    lines = [_line_amounts(env, row) for row in _move_lines(env, move)]
    return round_half_up(sum(a[0] for a in lines)), round_half_up(sum(a[1] for a in lines))


def residual(env: Env, move: int) -> float:
    row = env.table("account.move")[move]
    if row.get("state") == "cancel":
        return 0.0
    return round_half_up(sum(move_amounts(env, move)) - float(row.get("_paid") or 0.0))


RULES.compute("account.move", "amount_untaxed")(lambda env, move: move_amounts(env, move)[0])
RULES.compute("account.move", "amount_tax")(lambda env, move: move_amounts(env, move)[1])
RULES.compute("account.move", "amount_total")(lambda env, move: round_half_up(sum(move_amounts(env, move))))
RULES.compute("account.move", "amount_residual")(residual)
RULES.compute("account.move.line", "price_subtotal")(
    lambda env, line: _line_amounts(env, env.table("account.move.line")[line])[0])
RULES.compute("account.move.line", "price_total")(
    lambda env, line: _line_amounts(env, env.table("account.move.line")[line])[2])


@RULES.compute("account.move", "payment_state")
def _payment_state(env: Env, move: int) -> str:
    row = env.table("account.move")[move]
    paid = float(row.get("_paid") or 0.0)
    if row.get("state") != "posted" or row.get("move_type") == "entry" or paid <= 0:
        return "not_paid"
    return "in_payment" if residual(env, move) <= 0 else "partial"


@RULES.compute("account.move", "commercial_partner_id")
def _move_commercial(env: Env, move: int) -> int | None:
    partner = env.table("account.move")[move].get("partner_id")
    return env.get("res.partner", partner, "commercial_partner_id") if partner else None


def action_post(env: Env, model: str, ids: list[int]) -> bool:
    """Number and post. Odoo's ``action_post`` returns ``False`` so that XML-RPC can marshal it."""
    for move in ids:
        row = env.table("account.move")[move]
        if row.get("state") == "posted":
            raise UserError(f"The entry {row.get('name')} (id {move}) is already posted.")
        if row.get("move_type") in ("out_invoice", "out_refund") and not _move_lines(env, move):
            raise UserError("You need to add a line before posting.")
        year = env.now()[:4]
        prefix = {"out_invoice": "INV", "out_refund": "RINV"}.get(str(row.get("move_type")), "MISC")
        number = next_number(env, f"{prefix}/{year}/")
        name = f"{prefix}/{year}/{number:05d}"
        env.touch("account.move", move, {"state": "posted", "name": name,
                                         "invoice_date": row.get("invoice_date") or env.now()[:10],
                                         "payment_reference": row.get("payment_reference") or name})
    return False


def button_cancel(env: Env, model: str, ids: list[int]) -> bool:
    for move in ids:
        if env.table("account.move")[move].get("state") == "posted":
            raise UserError("You cannot cancel a posted entry: reset it to draft first.")
        env.touch("account.move", move, {"state": "cancel"})
    return True


# --- "Create Invoice" on sale orders ---------------------------------------------------------------------

def _invoicing_defaults(env: Env, values: Row) -> Row:
    orders = (env.context.get("active_ids") or []) if env.context.get("active_model") == "sale.order" else []
    return {"advance_payment_method": "delivered", "sale_order_ids": [(6, 0, list(orders))], "count": len(orders),
            "deduct_down_payments": True}


RULES.defaults["sale.advance.payment.inv"] = _invoicing_defaults


@RULES.compute("sale.order.line", "qty_invoiced")
def _qty_invoiced(env: Env, line: int) -> float:
    total = 0.0
    for row in env.table("account.move.line").values():
        if line in (row.get("sale_line_ids") or []):
            move = env.table("account.move")[row["move_id"]]
            if move.get("state") != "cancel":
                sign = -1.0 if move.get("move_type") == "out_refund" else 1.0
                total += sign * float(row.get("quantity") or 0.0)
    return total


def create_invoices(env: Env, model: str, ids: list[int]) -> dict[str, Any]:
    """A regular invoice of each order for what is left to invoice (Odoo's default policy: ordered
    quantities)."""
    invoices = []
    for wizard in ids:
        row = env.table("sale.advance.payment.inv")[wizard]
        if row.get("advance_payment_method") != "delivered":
            raise UserError("The sandbox invoices regular invoices only (no down payments).")
        for order in row.get("sale_order_ids") or []:
            invoices.append(_invoice_order(env, order))
    if env.context.get("open_invoices"):
        return {"name": "Invoices", "type": "ir.actions.act_window", "res_model": "account.move",
                "view_mode": "form" if len(invoices) == 1 else "tree,form",
                **({"res_id": invoices[0]} if len(invoices) == 1 else {"domain": [["id", "in", invoices]]}),
                "context": {"default_move_type": "out_invoice"}}
    return {"type": "ir.actions.act_window_close"}


def _invoice_order(env: Env, order: int) -> int:
    sale = env.table("sale.order")[order]
    if sale.get("state") not in CONFIRMED:
        raise UserError("There is no invoiceable line. If a product has a Delivered quantities invoicing policy, "
                        "please make sure that a quantity has been delivered.")
    lines = []
    for line in env.search("sale.order.line", [("order_id", "=", order)]):
        values = env.table("sale.order.line")[line]
        quantity = float(values.get("product_uom_qty") or 0.0) - _qty_invoiced(env, line)
        if quantity > 0 and values.get("product_id"):
            lines.append((0, 0, {"product_id": values["product_id"], "name": values.get("name"), "quantity": quantity,
                                 "price_unit": values.get("price_unit"), "discount": values.get("discount") or 0.0,
                                 "tax_ids": [(6, 0, list(values.get("tax_id") or []))],
                                 "sale_line_ids": [(6, 0, [line])]}))
    if not lines:
        raise UserError("There is no invoiceable line. If a product has a Delivered quantities invoicing policy, "
                        "please make sure that a quantity has been delivered.")
    move = env.create("account.move", {
        "move_type": "out_invoice", "partner_id": sale.get("partner_invoice_id"),
        "partner_shipping_id": sale.get("partner_shipping_id"), "currency_id": sale.get("currency_id"),
        "invoice_origin": sale.get("name"), "ref": sale.get("client_order_ref") or False,
        "invoice_payment_term_id": sale.get("payment_term_id"), "invoice_line_ids": lines})
    env.touch("sale.order", order, {"invoice_status": "invoiced"})
    return move


# --- journals and payments ---------------------------------------------------------------------------------

RULES.defaults["account.journal"] = lambda env, values: {"active": True, "sequence": 10,
                                                         "company_id": env.server.company_id}


def bank_journal(env: Env) -> int | None:
    found = env.search("account.journal", [("type", "in", ["bank", "cash"])])
    return found[0] if found else None


def _payment_defaults(env: Env, values: Row) -> Row:
    company_currency = env.table("res.company")[env.server.company_id]["currency_id"]
    journal = values.get("journal_id") or bank_journal(env)
    return {"state": "draft", "payment_type": "inbound", "partner_type": "customer", "date": env.now()[:10],
            "journal_id": journal, "currency_id": company_currency, "company_id": env.server.company_id,
            "amount": 0.0, **({"name": "/"} if env.major < 18 else {})}


RULES.defaults["account.payment"] = _payment_defaults
RULES.required["account.payment"] = ("journal_id", "payment_type", "partner_type")
RULES.compute("account.payment", "reconciled_invoice_ids")(
    lambda env, payment: list(env.table("account.payment")[payment].get("_invoices") or []))
RULES.compute("account.payment", "is_reconciled")(
    lambda env, payment: bool(env.table("account.payment")[payment].get("_invoices")))


def payment_post(env: Env, model: str, ids: list[int]) -> None:
    """``account.payment.action_post``: numbered in its journal, posted (16.0) or in process (18.0; paid
    at once in a cash journal). Returns ``None``, as Odoo's does."""
    for payment in ids:
        row = env.table("account.payment")[payment]
        if row.get("state") != "draft":
            if env.major < 18:
                raise UserError(f"The entry {row.get('name')} (id {payment}) is already posted.")
            continue
        journal = env.table("account.journal")[row["journal_id"]]
        year = str(row.get("date") or env.now())[:4]
        prefix = f"{journal['code']}/{year}/" if env.major < 18 else f"P{journal['code']}/{year}/"
        state = "posted" if env.major < 18 else ("paid" if journal.get("type") == "cash" else "in_process")
        env.touch("account.payment", payment, {"state": state, "name": f"{prefix}{next_number(env, prefix):05d}"})
    return None


def payment_cancel(env: Env, model: str, ids: list[int]) -> None:
    for payment in ids:
        env.touch("account.payment", payment, {"state": "cancel" if env.major < 18 else "canceled"})
    return None


# --- "Register Payment" on invoices -------------------------------------------------------------------------

def _register_defaults(env: Env, values: Row) -> Row:
    if env.context.get("active_model") not in ("account.move", "account.move.line"):
        raise UserError("The register payment wizard should only be called on account.move or account.move.line "
                        "records.")
    ids = list(env.context.get("active_ids") or [])
    moves = ids if env.context.get("active_model") == "account.move" else \
        sorted({env.table("account.move.line")[line]["move_id"] for line in ids})
    rows = [env.table("account.move").get(move) for move in moves]
    if not rows or any(row is None or row.get("state") != "posted" for row in rows):
        raise UserError("You can only register payment for posted journal entries.")
    due = round_half_up(sum(residual(env, move) for move in moves))
    if due <= 0:
        raise UserError("You can't register a payment because there is nothing left to pay on the selected "
                        "journal items.")
    first = rows[0]
    assert first is not None
    lines = [line for line, row in env.table("account.move.line").items() if row.get("move_id") in moves]
    return {"line_ids": [(6, 0, lines)], "amount": due, "payment_date": env.now()[:10], "journal_id": bank_journal(env),
            "currency_id": first.get("currency_id"), "partner_id": _move_commercial(env, moves[0]),
            "payment_type": "inbound" if first.get("move_type") in ("out_invoice", "in_refund") else "outbound",
            "partner_type": "customer" if str(first.get("move_type", "")).startswith("out_") else "supplier",
            "communication": " ".join(str(r.get("payment_reference") or r.get("name")) for r in rows if r),
            "group_payment": True, "can_edit_wizard": True}


RULES.defaults["account.payment.register"] = _register_defaults


def create_payments(env: Env, model: str, ids: list[int]) -> Any:
    """``action_create_payments``: one payment per wizard, posted and reconciled with its invoices."""
    payments = []
    for wizard in ids:
        row = env.table("account.payment.register")[wizard]
        moves = sorted({env.table("account.move.line")[line]["move_id"] for line in row.get("line_ids") or []})
        reference = "memo" if env.major >= 18 else "ref"
        payment = env.create("account.payment", {
            "payment_type": row.get("payment_type") or "inbound", "partner_type": row.get("partner_type") or "customer",
            "partner_id": row.get("partner_id"), "amount": float(row.get("amount") or 0.0),
            "currency_id": row.get("currency_id"), "journal_id": row.get("journal_id") or bank_journal(env),
            "date": row.get("payment_date") or env.now()[:10], reference: row.get("communication") or False,
            **({"invoice_ids": [(6, 0, moves)]} if env.major >= 18 else {})})
        payment_post(env, "account.payment", [payment])
        left = float(row.get("amount") or 0.0)
        for move in moves:
            share = min(left, residual(env, move))
            if share > 0:
                current = float(env.table("account.move")[move].get("_paid") or 0.0)
                env.touch("account.move", move, {"_paid": round_half_up(current + share)})
                left -= share
        env.db.update("account.payment", payment, {"_invoices": moves})
        payments.append(payment)
    if env.context.get("dont_redirect_to_payments"):
        return True
    action: dict[str, Any] = {"name": "Payments", "type": "ir.actions.act_window", "res_model": "account.payment",
                              "context": {"create": False}}
    if len(payments) == 1:
        return action | {"view_mode": "form", "res_id": payments[0]}
    return action | {"view_mode": "tree,form" if env.major < 17 else "list,form",
                     "domain": [["id", "in", payments]]}
