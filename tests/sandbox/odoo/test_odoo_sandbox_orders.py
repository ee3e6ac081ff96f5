"""What the sandbox answers, over the wire, to what follows an order: cancellation (and its wizard),
locks, backorders, invoices, payments and attachments — as Odoo 16.0 and 18.0 do (their ``sale``,
``stock`` and ``account`` source, and the captured fields: ``ref`` vs ``memo``, payment states)."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest
from starlette.testclient import TestClient

from courroie.sandbox.odoo import OdooSandbox, seed
from courroie.sandbox.odoo.accounting import print_invoice
from tests.sandbox.odoo.test_odoo_sandbox_behaviour import execute

pytestmark = pytest.mark.odoo
VERSIONS = ("16.0", "18.0")


@pytest.fixture(params=VERSIONS)
def sandbox(request: pytest.FixtureRequest) -> OdooSandbox:
    made = OdooSandbox(request.param)
    seed.door_and_gate(made.server, 40)
    return made


def result(answer: dict[str, Any]) -> Any:
    assert "error" not in answer, answer["error"]["data"]["message"]
    return answer.get("result")


def error(answer: dict[str, Any]) -> tuple[str, str]:
    return answer["error"]["data"]["name"], answer["error"]["data"]["message"]


def xmlrpc_call(client: TestClient, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None):
    body = xmlrpc.client.dumps(("odoo", 2, seed.ADMIN_PASSWORD, model, method, args, kwargs or {}), "execute_kw")
    return xmlrpc.client.loads(client.post("/xmlrpc/2/object", content=body).content)[0][0]


def confirmed_order(client: TestClient, *, lines: int = 1, confirm: bool = True) -> int:
    products = result(execute(client, "product.product", "search", [("default_code", "=like", "MOT-%"),
                                                                     ("qty_available", ">", 3)], limit=lines,
                              context={"location": 7}))
    order = result(execute(client, "sale.order", "create", {"partner_id": 8, "client_order_ref": "ps/1", "order_line": [
        (0, 0, {"product_id": product, "product_uom_qty": 1}) for product in products]}))
    if confirm:
        assert result(execute(client, "sale.order", "action_confirm", [order])) is True
    return int(order)


def read(client: TestClient, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
    return result(execute(client, model, "read", ids, fields=fields))


# --- cancellation ---------------------------------------------------------------------------------------------

def test_cancelling_a_confirmed_order_answers_the_wizard_and_changes_nothing(sandbox):
    with TestClient(sandbox) as client:
        order = confirmed_order(client)
        wizard = xmlrpc_call(client, "sale.order", "action_cancel", [[order]])     # marshallable: no None inside
        assert (wizard["res_model"], wizard["type"], wizard["target"]) == ("sale.order.cancel",
                                                                           "ir.actions.act_window", "new")
        assert wizard["context"]["default_order_id"] == order
        assert read(client, "sale.order", [order], ["state"])[0]["state"] == "sale"
        created = result(execute(client, "sale.order.cancel", "create", {}, context=wizard["context"]))
        assert result(execute(client, "sale.order.cancel", "action_cancel", [created])) is True
        assert read(client, "sale.order", [order], ["state"])[0]["state"] == "cancel"
        [picking] = read(client, "sale.order", [order], ["picking_ids"])[0]["picking_ids"]
        assert read(client, "stock.picking", [picking], ["state"])[0]["state"] == "cancel"


def test_disable_cancel_warning_cancels_at_once_and_a_quotation_needs_no_wizard(sandbox):
    with TestClient(sandbox) as client:
        order, quotation = confirmed_order(client), confirmed_order(client, confirm=False)
        assert result(execute(client, "sale.order", "action_cancel", [order],
                              context={"disable_cancel_warning": True})) is True
        assert result(execute(client, "sale.order", "action_cancel", [quotation])) is True
        assert {r["state"] for r in read(client, "sale.order", [order, quotation], ["state"])} == {"cancel"}


def test_the_wizard_wants_one_order(sandbox):
    with TestClient(sandbox) as client:
        orders = [confirmed_order(client), confirmed_order(client)]
        with pytest.raises(xmlrpc.client.Fault) as caught:
            xmlrpc_call(client, "sale.order", "action_cancel", [orders])
        assert caught.value.faultCode == 1
        assert caught.value.faultString.strip().splitlines()[-1] == \
            f"ValueError: Expected singleton: sale.order({orders[0]}, {orders[1]})"


def test_locking_is_a_state_in_16_and_a_flag_from_17(sandbox):
    with TestClient(sandbox) as client:
        order = confirmed_order(client)
        if sandbox.version == "16.0":
            assert error(execute(client, "sale.order", "action_lock", [order]))[0] == "builtins.AttributeError"
            assert result(execute(client, "sale.order", "action_done", [order])) is True
            assert read(client, "sale.order", [order], ["state"])[0]["state"] == "done"
            assert "Invalid field" in error(execute(client, "sale.order", "read", [order], fields=["locked"]))[1]
        else:
            assert error(execute(client, "sale.order", "action_done", [order]))[0] == "builtins.AttributeError"
            assert result(execute(client, "sale.order", "action_lock", [order])) is True
            assert read(client, "sale.order", [order], ["state", "locked"])[0] | {"id": 0} == \
                {"id": 0, "state": "sale", "locked": True}
            refused = execute(client, "sale.order", "action_cancel", [order], context={"disable_cancel_warning": True})
            assert error(refused) == ("odoo.exceptions.UserError",
                                      "You cannot cancel a locked order. Please unlock it first.")
        assert result(execute(client, "sale.order", "action_unlock", [order])) is True
        assert read(client, "sale.order", [order], ["state"])[0]["state"] == "sale"


# --- backorders ------------------------------------------------------------------------------------------------

def test_a_short_delivery_offers_the_backorder_wizard_then_makes_a_backorder(sandbox):
    with TestClient(sandbox) as client:
        order = confirmed_order(client, lines=2)
        [picking] = read(client, "sale.order", [order], ["picking_ids"])[0]["picking_ids"]
        first = result(execute(client, "stock.move", "search", [("picking_id", "=", picking)]))[0]
        done = {"quantity_done": 1.0} if sandbox.version == "16.0" else {"quantity": 1.0, "picked": True}
        execute(client, "stock.move", "write", [first], done)
        wizard = result(execute(client, "stock.picking", "button_validate", [picking]))
        assert wizard["res_model"] == "stock.backorder.confirmation"
        assert read(client, "stock.picking", [picking], ["state"])[0]["state"] == "assigned"
        assert result(execute(client, "stock.picking", "button_validate", [picking],
                              context={"skip_backorder": True})) is True
        pickings = read(client, "sale.order", [order], ["picking_ids"])[0]["picking_ids"]
        rows = {r["id"]: r for r in read(client, "stock.picking", pickings, ["name", "state", "backorder_id"])}
        [backorder] = [p for p in pickings if p != picking]
        assert rows[picking]["state"] == "done" and rows[backorder]["backorder_id"][0] == picking
        assert rows[backorder]["state"] == "assigned" and rows[backorder]["name"] != rows[picking]["name"]
        status = read(client, "sale.order", [order], ["delivery_status"])[0]["delivery_status"]
        assert status == "partial"


# --- invoices and payments ---------------------------------------------------------------------------------------

def invoiced(client: TestClient, order: int, *, post: bool = True) -> int:
    context = {"active_model": "sale.order", "active_ids": [order]}
    wizard = result(execute(client, "sale.advance.payment.inv", "create", {}, context=context))
    closed = result(execute(client, "sale.advance.payment.inv", "create_invoices", [wizard], context=context))
    assert closed == {"type": "ir.actions.act_window_close"}
    [invoice] = read(client, "sale.order", [order], ["invoice_ids"])[0]["invoice_ids"]
    if post:
        assert result(execute(client, "account.move", "action_post", [invoice])) is False
    return int(invoice)


def test_create_invoice_makes_a_customer_invoice_of_the_order(sandbox):
    with TestClient(sandbox) as client:
        order = confirmed_order(client)
        invoice = invoiced(client, order)
        [row] = read(client, "account.move", [invoice], ["name", "state", "move_type", "amount_total", "amount_residual",
                                                         "invoice_origin", "payment_state", "partner_id"])
        [sale] = read(client, "sale.order", [order], ["name", "amount_total", "partner_invoice_id"])
        assert (row["state"], row["move_type"], row["invoice_origin"]) == ("posted", "out_invoice", sale["name"])
        assert row["amount_total"] == row["amount_residual"] == sale["amount_total"]
        assert row["payment_state"] == "not_paid" and row["name"].startswith("INV/")
        again = execute(client, "sale.advance.payment.inv", "create", {},
                        context={"active_model": "sale.order", "active_ids": [order]})
        assert "no invoiceable line" in error(execute(client, "sale.advance.payment.inv", "create_invoices",
                                                      [result(again)]))[1]


def test_payments_carry_ref_in_16_and_memo_in_18(sandbox):
    own, other = ("ref", "memo") if sandbox.version == "16.0" else ("memo", "ref")
    with TestClient(sandbox) as client:
        refused = execute(client, "account.payment", "create", {"partner_id": 8, "amount": 5.0, other: "x"})
        assert error(refused)[0] == "builtins.ValueError" and f"Invalid field '{other}'" in error(refused)[1]
        payment = result(execute(client, "account.payment", "create", {"partner_id": 8, "amount": 5.0, own: "pi_1"}))
        with pytest.raises(xmlrpc.client.Fault, match="cannot marshal None"):
            xmlrpc_call(client, "account.payment", "action_post", [[payment]])
        [row] = read(client, "account.payment", [payment], ["state", own, "name", "journal_id"])
        assert row["state"] == ("posted" if sandbox.version == "16.0" else "in_process")   # committed all the same
        assert row[own] == "pi_1" and row["journal_id"][1] == "Bank"
        payload = execute(client, "account.payment", "action_post", [payment])
        if sandbox.version == "16.0":            # already posted
            assert error(payload)[0] == "odoo.exceptions.UserError"
        else:
            assert "result" not in payload and "error" not in payload


def test_register_payment_reconciles_a_posted_invoice_only(sandbox):
    field = "ref" if sandbox.version == "16.0" else "memo"
    with TestClient(sandbox) as client:
        order = confirmed_order(client)
        draft = invoiced(client, order, post=False)
        context = {"active_model": "account.move", "active_ids": [draft]}
        assert error(execute(client, "account.payment.register", "create", {}, context=context)) == \
            ("odoo.exceptions.UserError", "You can only register payment for posted journal entries.")
        assert "only be called on account.move" in error(execute(client, "account.payment.register", "create", {},
                                                                 context={"active_ids": [draft]}))[1]
        execute(client, "account.move", "action_post", [draft])
        wizard = result(execute(client, "account.payment.register", "create", {"communication": "pi_9"},
                                context=context))
        [values] = read(client, "account.payment.register", [wizard], ["amount", "partner_id", "journal_id"])
        total = read(client, "account.move", [draft], ["amount_total"])[0]["amount_total"]
        assert values["amount"] == total and values["partner_id"][0] == 8
        action = result(execute(client, "account.payment.register", "action_create_payments", [wizard],
                                context=context))
        assert (action["res_model"], action["view_mode"]) == ("account.payment", "form")
        [payment] = read(client, "account.payment", [action["res_id"]], [field, "amount", "reconciled_invoice_ids"])
        assert (payment[field], payment["amount"], payment["reconciled_invoice_ids"]) == ("pi_9", total, [draft])
        [invoice] = read(client, "account.move", [draft], ["amount_residual", "payment_state"])
        assert (invoice["amount_residual"], invoice["payment_state"]) == (0.0, "in_payment")
        assert "nothing left to pay" in error(execute(client, "account.payment.register", "create", {},
                                                      context=context))[1]


def test_a_printed_invoice_s_pdf_is_an_attachment_18_hides_from_searches(sandbox):
    with TestClient(sandbox) as client:
        invoice = invoiced(client, confirmed_order(client))
        attachment = print_invoice(sandbox.server.env(2), invoice)
        plain = result(execute(client, "ir.attachment", "search", [("res_model", "=", "account.move"),
                                                                    ("res_id", "=", invoice)]))
        named = result(execute(client, "ir.attachment", "search", [("res_model", "=", "account.move"),
                                                                    ("res_id", "=", invoice),
                                                                    ("res_field", "!=", False)]))
        if sandbox.version == "16.0":
            assert (plain, named) == ([attachment], [])
        else:
            assert (plain, named) == ([], [attachment])
            [row] = read(client, "account.move", [invoice], ["invoice_pdf_report_id"])
            assert row["invoice_pdf_report_id"][0] == attachment
        [content] = read(client, "ir.attachment", [attachment], ["datas", "mimetype", "name"])
        assert content["mimetype"] == "application/pdf" and content["name"].startswith("INV_")
