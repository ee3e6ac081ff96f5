"""OdooErp, the order contract of issue 4, against the Odoo sandbox as 16.0 and as 18.0: customers
found by VAT number and given their group's terms, vouchers, gift wrapping, regions, payments,
cancellations, partial shipments, invoices and delivery notes."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from courroie.connectors.odoo import OdooErp
from courroie.connectors.protocols import SaleTerms
from courroie.errors import DataError
from courroie.model import Address, Customer, Order, OrderLine, Payment, SaleState, Voucher
from courroie.sandbox.odoo import OdooSandbox
from courroie.sandbox.odoo.accounting import print_invoice
from tests.connectors.odoo.odoo_support import make_config
from tests.connectors.odoo.test_odoo_connector import CATALOG, CUSTOMER, HOME, goods, import_order, order

pytestmark = [pytest.mark.odoo, pytest.mark.anyio]

SERVICE = "MAINT-AN"                    # a service at 20 % VAT: the discount and gift wrapping product here
PRO = SaleTerms(price_list="Tarif pro", payment_term="30 Days", customer_category="Professionnels",
                payment_journals={"ps_checkpayment": "Bank", "stripe_official": "STRP"})
PAID_AT = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def table(sandbox: OdooSandbox, model: str) -> dict[int, dict[str, Any]]:
    return sandbox.server.db.tables[model]


def lines_of(sandbox: OdooSandbox, sale_key: str) -> list[dict[str, Any]]:
    return sorted((r for r in table(sandbox, "sale.order.line").values() if r["order_id"] == int(sale_key)),
                  key=lambda r: r["id"])


def payments_of(sandbox: OdooSandbox, partner: int) -> list[dict[str, Any]]:
    return [r for r in table(sandbox, "account.payment").values() if r.get("partner_id") == partner]


def reference_field(sandbox: OdooSandbox) -> str:
    return "memo" if sandbox.version == "18.0" else "ref"


def posted_state(sandbox: OdooSandbox) -> str:
    return "in_process" if sandbox.version == "18.0" else "posted"


def with_extras(base: Order, *, vouchers: tuple[Voucher, ...] = (), wrapping: str = "0",
                message: str | None = None) -> Order:
    """``base`` with vouchers and gift wrapping, its totals following (20 % VAT)."""
    off = sum((v.amount_tax_excl for v in vouchers), Decimal(0))
    wrap = Decimal(wrapping)
    excl = base.total_tax_excl - off + wrap
    return base.model_copy(update={
        "vouchers": vouchers, "discounts_tax_excl": off, "discounts_tax_incl": off * Decimal("1.2"),
        "gift_wrapping_tax_excl": wrap, "gift_wrapping_tax_incl": wrap * Decimal("1.2"), "gift_message": message,
        "total_tax_excl": excl, "total_tax_incl": excl * Decimal("1.2")})


def voucher(name: str, amount: str, code: str | None = None) -> Voucher:
    return Voucher(name=name, code=code, amount_tax_excl=Decimal(amount),
                   amount_tax_incl=Decimal(amount) * Decimal("1.2"))


async def imported(erp: OdooErp, reference: str, *, terms: SaleTerms = SaleTerms(), confirm: bool = True,
                   skus: tuple[str, ...] | None = None, customer: Customer = CUSTOMER):
    """An order imported as the flow does it, with ``terms``: (customer key, sale)."""
    sale_order = order(reference, skus=skus, customer=customer)
    key = await erp.save_customer(customer, await erp.find_customer(customer), terms)
    address = await erp.ensure_address(key, HOME)
    sale = await erp.create_sale(sale_order, key, address, address, terms)
    if confirm:
        await erp.confirm_sale(sale.key)
    return key, sale


async def invoice_sale(erp: OdooErp, sale_key: str, *, post: bool = True) -> int:
    """What a bookkeeper does over RPC: the sale order's "Create Invoice" wizard, then post."""
    context = {"active_model": "sale.order", "active_ids": [int(sale_key)]}
    [wizard] = await erp.client.create("sale.advance.payment.inv", [{"advance_payment_method": "delivered"}],
                                       context=context)
    await erp.client.button("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
    [row] = await erp.client.call("sale.order", "read", [int(sale_key)], {"fields": ["invoice_ids"]})
    move = max(row["invoice_ids"])
    if post:
        assert await erp.client.button("account.move", "action_post", [move]) is False
    return int(move)


async def pickings_of(erp: OdooErp, sale_key: str) -> list[dict[str, Any]]:
    return await erp.client.search_read("stock.picking", [("sale_id", "=", int(sale_key))],
                                        ["name", "state", "backorder_id"])


async def ship(erp: OdooErp, picking: int, tracking: str, *, only: int | None = None, backorder: bool = True) -> Any:
    """A clerk ships a delivery order, all of it or only its first ``only`` moves; a short delivery
    goes through Odoo's backorder wizard ("Create Backorder" or "No Backorder")."""
    session = await erp.session()
    moves = await erp.client.search_read("stock.move", [("picking_id", "=", picking)], ["product_uom_qty"])
    for move in moves[:only] if only is not None else moves:
        await erp.client.write("stock.move", [move["id"]], session.dialect.move_done_values(move["product_uom_qty"]))
    await erp.client.write("stock.picking", [picking], {"carrier_tracking_ref": tracking})
    answer = await erp.client.button("stock.picking", "button_validate", [picking])
    if isinstance(answer, dict):
        assert answer["res_model"] == "stock.backorder.confirmation"
        [wizard] = await erp.client.create("stock.backorder.confirmation", [{}], context=answer["context"])
        answer = await erp.client.button("stock.backorder.confirmation",
                                         "process" if backorder else "process_cancel_backorder", [wizard],
                                         context=answer["context"])
    return answer


# --- customers -------------------------------------------------------------------------------------------

BUSINESS = Customer(email="compta@portails-occitans.example", first_name="Luc", last_name="Roux",
                    company="Portails Occitans", vat_number="FR 40 303 265 045", group="Professionnels")


async def test_a_business_is_found_by_its_vat_number_however_it_is_typed(erp, sandbox):
    company = sandbox.server.env(2).create("res.partner", {"name": "Portails Occitans SARL", "is_company": True,
                                                          "vat": "fr40303265045", "email": "contact@po.example"})
    assert await erp.find_customer(BUSINESS) == str(company)
    assert await erp.find_customer(BUSINESS.model_copy(update={"vat_number": "FR40303265046"})) is None
    assert await erp.find_customer(BUSINESS.model_copy(update={"vat_number": None})) is None
    own = await erp.save_customer(BUSINESS.model_copy(update={"vat_number": None}), None)
    assert await erp.find_customer(BUSINESS) == own             # the e-mail first


async def test_a_new_customer_gets_its_group_s_price_list_payment_term_and_tag(erp, sandbox):
    key = await erp.save_customer(BUSINESS, None, PRO)
    row = table(sandbox, "res.partner")[int(key)]
    names = {model: {i: r["name"] for i, r in table(sandbox, model).items()}
             for model in ("product.pricelist", "account.payment.term", "res.partner.category")}
    assert names["product.pricelist"][row["property_product_pricelist"]] == {"en_US": "Tarif pro"}
    assert names["account.payment.term"][row["property_payment_term_id"]] == "30 Days"
    assert [names["res.partner.category"][t] for t in row["category_id"]] == ["Professionnels"]
    assert row["vat"] == "FR 40 303 265 045" and row["company_name"] == "Portails Occitans"


async def test_an_existing_customer_takes_its_group_s_terms_and_keeps_its_own_tags(erp, sandbox):
    key = await erp.save_customer(BUSINESS, None)
    own_tag = sandbox.server.env(2).create("res.partner.category", {"name": "VIP"})
    sandbox.server.env(2).write("res.partner", [int(key)], {"category_id": [(4, own_tag)]})
    fresh = OdooErp(erp.config, transport=erp.client._http._transport)
    try:
        assert await fresh.save_customer(BUSINESS, await fresh.find_customer(BUSINESS), PRO) == key
        erp_calls = fresh.stats.methods["res.partner.write"]
        assert await fresh.save_customer(BUSINESS, key, PRO) == key
        assert fresh.stats.methods["res.partner.write"] == erp_calls == 1     # nothing new the second time
    finally:
        await fresh.aclose()
    row = table(sandbox, "res.partner")[int(key)]
    tags = {table(sandbox, "res.partner.category")[t]["name"] for t in row["category_id"]}
    assert tags == {"VIP", "Professionnels"} and row["property_payment_term_id"] is not None


@pytest.mark.parametrize("terms, named", [(SaleTerms(payment_term="60 Days EOM"), "payment term"),
                                          (SaleTerms(customer_category="Revendeurs"), "contact tag"),
                                          (SaleTerms(price_list="Tarif inconnu"), "price list")])
async def test_terms_naming_nothing_in_odoo_are_a_data_error(erp, terms, named):
    with pytest.raises(DataError, match=named):
        await erp.save_customer(BUSINESS, None, terms)


async def test_a_region_odoo_knows_is_kept_and_one_it_does_not_is_left_out(erp, sandbox):
    key = await erp.save_customer(CUSTOMER, None)
    await erp.ensure_address(key, HOME)
    new_york = Address(first_name="Jeanne", last_name="Martin", street="1 Main St", postcode="10001",
                       city="New York", country_code="US", state_code="NY")
    found = await erp.ensure_address(key, new_york)
    state = table(sandbox, "res.partner")[int(found)]["state_id"]
    assert table(sandbox, "res.country.state")[state]["code"] == "NY"
    assert await erp.ensure_address(key, new_york.model_copy(update={"state_code": "ny"})) == found
    assert await erp.ensure_address(key, new_york.model_copy(update={"state_code": "NJ"})) != found
    lyon = HOME.model_copy(update={"street": "5 quai Saint-Vincent", "city": "Lyon", "state_code": "69"})
    kept = await erp.ensure_address(key, lyon)                     # Odoo has no French departments here
    assert table(sandbox, "res.partner")[int(kept)]["state_id"] is None
    fresh = OdooErp(erp.config, transport=erp.client._http._transport)
    try:
        assert await fresh.ensure_address(key, lyon) == kept       # found again, not duplicated
    finally:
        await fresh.aclose()


# --- the sale's lines and terms ----------------------------------------------------------------------------

async def test_vouchers_are_one_discount_line_each(erp_for, sandbox):
    erp = erp_for(sandbox, discount_product=SERVICE)
    sale_order = with_extras(order("V1"), vouchers=(voucher("Welcome 10 %", "10.00", "WELCOME"),
                                                    voucher("Free mug", "4.50")))
    *_, sale = await import_order(erp, sale_order, confirm=False)
    assert (sale.total_tax_excl, sale.total_tax_incl) == (sale_order.total_tax_excl, sale_order.total_tax_incl)
    discounts = [(r["name"], r["price_unit"]) for r in lines_of(sandbox, sale.key) if r["price_unit"] < 0]
    assert discounts == [("Welcome 10 % (WELCOME)", -10.0), ("Free mug", -4.5)]


async def test_vouchers_as_one_global_line_and_discounts_they_do_not_explain(erp_for, sandbox):
    erp = erp_for(sandbox, discount_product=SERVICE)
    sale_order = with_extras(order("V2"), vouchers=(voucher("Welcome", "10.00"), voucher("Loyalty", "5.00")))
    customer, invoice, delivery, _ = await import_order(erp, with_extras(order("V0")), confirm=False)
    sale = await erp.create_sale(sale_order.model_copy(update={"reference": "V2G", "external_id": "V2G"}), customer,
                                 invoice, delivery, SaleTerms(vouchers_as="global"))
    assert [(r["name"], r["price_unit"]) for r in lines_of(sandbox, sale.key) if r["price_unit"] < 0] == \
        [("Discount (V2G)", -15.0)]
    extra = sale_order.model_copy(update={"reference": "V2L", "external_id": "V2L",
                                          "discounts_tax_excl": Decimal("17.00"), "discounts_tax_incl": Decimal("20.40"),
                                          "total_tax_excl": sale_order.total_tax_excl - 2,
                                          "total_tax_incl": (sale_order.total_tax_excl - 2) * Decimal("1.2")})
    lined = await erp.create_sale(extra, customer, invoice, delivery)
    assert [r["price_unit"] for r in lines_of(sandbox, lined.key) if r["price_unit"] < 0] == [-10.0, -5.0, -2.0]
    assert lined.total_tax_excl == extra.total_tax_excl


async def test_gift_wrapping_is_a_line_with_the_message(erp_for, sandbox):
    sale_order = with_extras(order("GIFT"), wrapping="2.50", message="Joyeux anniversaire !")
    with pytest.raises(DataError, match="gift_wrapping_product"):
        await import_order(erp_for(sandbox), sale_order, confirm=False)
    erp = erp_for(sandbox, gift_wrapping_product=SERVICE)
    *_, sale = await import_order(erp, sale_order.model_copy(update={"reference": "GIFT2", "external_id": "GIFT2"}),
                                  confirm=False)
    [wrapping] = [r for r in lines_of(sandbox, sale.key) if r["price_unit"] == 2.5]
    assert wrapping["name"] == "Gift wrapping\nJoyeux anniversaire !"
    assert sale.total_tax_incl == sale_order.total_tax_incl


async def test_the_sale_takes_the_group_s_price_list_and_payment_term(erp, sandbox):
    key, sale = await imported(erp, "TERMS", terms=PRO, confirm=False)
    row = table(sandbox, "sale.order")[int(sale.key)]
    assert table(sandbox, "product.pricelist")[row["pricelist_id"]]["name"] == {"en_US": "Tarif pro"}
    assert table(sandbox, "account.payment.term")[row["payment_term_id"]]["name"] == "30 Days"
    assert sale.total_tax_excl == order("TERMS").total_tax_excl        # the shop's prices, whatever the list
    address = await erp.ensure_address(key, HOME)
    with pytest.raises(DataError, match="in EUR, the order in USD"):
        await erp.create_sale(order("USD").model_copy(update={"currency": "USD"}), key, address, address, PRO)


async def test_a_kit_sold_ships_and_reserves_its_components(erp, sandbox):
    kit = next(p for p in CATALOG.products if p.type == "kit")
    before = {s.sku: s.quantity for s in await erp.read_stock(["TLS"])}
    assert before[kit.code] >= 1
    _, sale = await imported(erp, "KIT", skus=(kit.code,))
    after = {s.sku: s.quantity for s in await erp.read_stock(["TLS"])}
    for code, quantity in kit.components:
        assert after[code] == before[code] - quantity
    [picking] = await pickings_of(erp, sale.key)
    moved = await erp.client.search_read("stock.move", [("picking_id", "=", picking["id"])], ["product_id"])
    codes = {row["default_code"] for row in await erp.client.read_in(
        "product.product", "id", [m["product_id"][0] for m in moved], ["default_code"])}
    assert codes == {code for code, _ in kit.components}


# --- payments -----------------------------------------------------------------------------------------------

def paid(amount: str, method: str = "ps_checkpayment", transaction: str | None = None) -> Payment:
    return Payment(method=method, amount=Decimal(amount), transaction_id=transaction, paid_at=PAID_AT)


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_payments_before_the_invoice_are_customer_payments_recorded_once(erp_for, sandbox, protocol):
    erp = erp_for(sandbox, protocol=protocol)
    key, sale = await imported(erp, "PAY1", terms=PRO)
    payments = (paid("100.00", "stripe_official", "pi_3Nx"), paid("31.88"))
    await erp.record_payments(sale.key, payments, PRO)     # XML-RPC: action_post answers "cannot marshal None"
    rows = sorted(payments_of(sandbox, int(key)), key=lambda r: r["id"])
    field = reference_field(sandbox)
    assert [(r[field], r["amount"], r["state"], r["date"]) for r in rows] == [
        ("pi_3Nx", 100.0, posted_state(sandbox), "2026-11-02"),
        ("ps1/PAY1 ps_checkpayment", 31.88, posted_state(sandbox), "2026-11-02")]
    journals = {i: r["code"] for i, r in table(sandbox, "account.journal").items()}
    assert [journals[r["journal_id"]] for r in rows] == ["STRP", "BNK1"]
    assert all((r["payment_type"], r["partner_type"]) == ("inbound", "customer") for r in rows)
    erp.stats.reset()
    await erp.record_payments(sale.key, payments, PRO)     # again: recognised, nothing added
    assert len(payments_of(sandbox, int(key))) == 2
    assert erp.stats.methods["account.payment.create"] == 0


async def test_a_payment_left_in_draft_is_posted_on_the_retry(erp, sandbox):
    key, sale = await imported(erp, "PAY2", terms=PRO)
    field = reference_field(sandbox)
    await erp.client.create("account.payment", [{"partner_id": int(key), "amount": 131.88, field: "pi_half",
                                                 "payment_type": "inbound", "partner_type": "customer"}])
    await erp.record_payments(sale.key, [paid("131.88", "stripe_official", "pi_half")], PRO)
    [row] = payments_of(sandbox, int(key))
    assert row["state"] == posted_state(sandbox)


async def test_a_payment_on_an_invoiced_sale_is_registered_on_the_invoice(erp, sandbox):
    key, sale = await imported(erp, "PAY3", terms=PRO)
    invoice = await invoice_sale(erp, sale.key)
    move = table(sandbox, "account.move")[invoice]
    assert sandbox.server.env(2).get("account.move", invoice, "amount_total") == 131.88
    await erp.record_payments(sale.key, [paid("131.88", "stripe_official", "pi_inv")], PRO)
    env = sandbox.server.env(2)
    assert env.get("account.move", invoice, "amount_residual") == 0.0
    assert env.get("account.move", invoice, "payment_state") == "in_payment"
    [row] = payments_of(sandbox, int(key))
    assert row[reference_field(sandbox)] == "pi_inv" and row["_invoices"] == [invoice] and move["state"] == "posted"
    await erp.record_payments(sale.key, [paid("131.88", "stripe_official", "pi_inv")], PRO)
    assert len(payments_of(sandbox, int(key))) == 1


async def test_payments_that_cannot_be_recorded_are_data_errors(erp_for, sandbox):
    erp = erp_for(sandbox)
    _, sale = await imported(erp, "PAY4")
    with pytest.raises(DataError, match="payment_journals"):
        await erp.record_payments(sale.key, [paid("10.00", "ps_wirepayment")])
    with pytest.raises(DataError, match="'Banque Postale'"):
        await erp.record_payments(sale.key, [paid("10.00")], SaleTerms(payment_journals={"ps_checkpayment":
                                                                                          "Banque Postale"}))
    with pytest.raises(DataError, match="refunds"):
        await erp.record_payments(sale.key, [paid("-10.00")], PRO)
    await erp_for(sandbox, payment_journal="CSH1").record_payments(sale.key, [paid("10.00", "ps_wirepayment")])
    [row] = [r for r in table(sandbox, "account.payment").values() if r["amount"] == 10.0]
    assert table(sandbox, "account.journal")[row["journal_id"]]["code"] == "CSH1"
    assert row["state"] == ("paid" if sandbox.version == "18.0" else "posted")   # 18: cash is paid at once
    await erp.cancel_sale(sale.key)
    with pytest.raises(DataError, match="cancelled"):
        await erp.record_payments(sale.key, [paid("5.00")], PRO)


# --- cancellations -------------------------------------------------------------------------------------------

async def test_a_confirmed_sale_is_cancelled_without_odoo_s_wizard_and_its_stock_freed(erp, sandbox):
    article = goods()[0]
    _, sale = await imported(erp, "CANCEL", skus=(article.code,))
    held = {(s.sku, s.location): s.quantity for s in await erp.read_stock(["TLS"])}
    assert held[(article.code, "TLS")] == article.stock["TLS"] - 1
    erp.stats.reset()
    await erp.cancel_sale(sale.key)
    assert erp.stats.methods["sale.order.cancel.create"] == 0           # no wizard was needed
    assert table(sandbox, "sale.order")[int(sale.key)]["state"] == "cancel"
    assert {p["state"] for p in await pickings_of(erp, sale.key)} == {"cancel"}
    freed = {(s.sku, s.location): s.quantity for s in await erp.read_stock(["TLS"])}
    assert freed[(article.code, "TLS")] == article.stock["TLS"]
    await erp.cancel_sale(sale.key)                                     # again: nothing to do
    assert (await erp.find_sale("ps1/CANCEL")).cancelled
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.CANCELLED


async def test_a_quotation_is_cancelled_too(erp, sandbox):
    _, sale = await imported(erp, "QCANCEL", confirm=False)
    await erp.cancel_sale(sale.key)
    assert table(sandbox, "sale.order")[int(sale.key)]["state"] == "cancel"


async def test_a_shipped_invoiced_or_locked_sale_is_not_cancelled(erp, sandbox):
    _, shipped = await imported(erp, "SHIPPED")
    [picking] = await pickings_of(erp, shipped.key)
    await ship(erp, picking["id"], "T-1")
    with pytest.raises(DataError, match="shipped already"):
        await erp.cancel_sale(shipped.key)
    _, invoiced = await imported(erp, "INVOICED")
    await invoice_sale(erp, invoiced.key)
    with pytest.raises(DataError, match="credit note"):
        await erp.cancel_sale(invoiced.key)
    _, locked = await imported(erp, "LOCKED")
    await erp.client.button("sale.order", "action_lock" if sandbox.version == "18.0" else "action_done",
                            [int(locked.key)])
    with pytest.raises(DataError, match="locked"):
        await erp.cancel_sale(locked.key)
    states = {table(sandbox, "sale.order")[int(s.key)]["state"] for s in (shipped, invoiced)}
    assert states == {"sale"}


async def test_a_draft_invoice_is_cancelled_with_its_sale(erp, sandbox):
    _, sale = await imported(erp, "DRAFTINV")
    invoice = await invoice_sale(erp, sale.key, post=False)
    await erp.cancel_sale(sale.key)
    assert table(sandbox, "account.move")[invoice]["state"] == "cancel"


class WithoutContextKey(httpx.AsyncBaseTransport):
    """A server that ignores ``disable_cancel_warning`` (a customisation would): the key is taken out
    of every JSON-RPC request before the sandbox sees it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        for arg in (body.get("params") or {}).get("args") or []:
            if isinstance(arg, dict):
                (arg.get("context") or {}).pop("disable_cancel_warning", None)
        content = json.dumps(body).encode()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        return await self.inner.handle_async_request(httpx.Request(request.method, request.url, headers=headers,
                                                                   content=content))


async def test_when_odoo_answers_the_cancel_wizard_it_is_gone_through(sandbox):
    erp = OdooErp(make_config(), transport=WithoutContextKey(httpx.ASGITransport(app=sandbox)))
    try:
        _, sale = await imported(erp, "WIZARD")
        await erp.cancel_sale(sale.key)
        assert erp.stats.methods["sale.order.cancel.create"] == erp.stats.methods["sale.order.cancel.action_cancel"] == 1
        assert table(sandbox, "sale.order")[int(sale.key)]["state"] == "cancel"
    finally:
        await erp.aclose()


# --- statuses, shipments and documents -------------------------------------------------------------------------

async def test_a_partial_shipment_then_its_backorder(erp, sandbox):
    first, second = goods()[0].code, goods()[1].code
    _, sale = await imported(erp, "PARTIAL", skus=(first, second))
    [picking] = await pickings_of(erp, sale.key)
    assert await ship(erp, picking["id"], "TRACK-A", only=1) is True
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.PARTIALLY_SHIPPED
    [shipment] = status.shipments
    assert (shipment.number, shipment.tracking_number, shipment.carrier) == (picking["name"], "TRACK-A", "Colissimo")
    assert [(d.kind, d.number) for d in status.documents] == [("delivery_note", picking["name"])]
    rest = [p for p in await pickings_of(erp, sale.key) if p["id"] != picking["id"]]
    assert [p["backorder_id"][0] for p in rest] == [picking["id"]] and rest[0]["state"] == "assigned"
    await ship(erp, rest[0]["id"], "TRACK-B")
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED
    assert [(s.number, s.tracking_number) for s in status.shipments] == [(picking["name"], "TRACK-A"),
                                                                         (rest[0]["name"], "TRACK-B")]


async def test_a_short_shipment_without_backorder_is_shipped(erp, sandbox):
    _, sale = await imported(erp, "NOBACK", skus=(goods()[0].code, goods()[1].code))
    [picking] = await pickings_of(erp, sale.key)
    await ship(erp, picking["id"], "TRACK-C", only=1, backorder=False)
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED and len(status.shipments) == 1
    assert len(await pickings_of(erp, sale.key)) == 1


async def test_invoices_and_delivery_notes_are_the_sale_s_documents_with_the_invoice_pdf(erp, sandbox):
    _, sale = await imported(erp, "DOCS")
    [picking] = await pickings_of(erp, sale.key)
    await ship(erp, picking["id"], "TRACK-D")
    invoice = await invoice_sale(erp, sale.key)
    [status] = await erp.read_sale_statuses([sale.key])
    year = dt.date.today().year
    note, bill = status.documents
    assert (note.kind, note.number, note.key) == ("delivery_note", picking["name"], None)
    assert note.issued_at is not None and note.issued_at.tzinfo is not None
    assert (bill.kind, bill.number, bill.total_tax_incl, bill.key) == ("invoice", f"INV/{year}/00001", "131.88", None)
    assert bill.issued_at == dt.datetime.combine(dt.date.today(), dt.time(), tzinfo=dt.UTC)
    assert status.invoice_number == bill.number
    attachment = print_invoice(sandbox.server.env(2), invoice)          # printed or sent from Odoo
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.documents[1].key == f"ir.attachment/{attachment}/datas"
    content = await erp.read_file(status.documents[1].key)
    assert content.startswith(b"%PDF") and base64.b64encode(content).decode() == \
        table(sandbox, "ir.attachment")[attachment]["datas"]


async def test_statuses_of_many_sales_are_read_in_a_few_calls(erp, sandbox):
    keys = []
    for index in range(6):
        _, sale = await imported(erp, f"MANY{index}")
        keys.append(sale.key)
        if index % 2:
            [picking] = await pickings_of(erp, sale.key)
            await ship(erp, picking["id"], f"T{index}")
            await invoice_sale(erp, sale.key)
    erp.stats.reset()
    statuses = await erp.read_sale_statuses(keys)
    assert [s.state for s in statuses] == [SaleState.ACCEPTED, SaleState.SHIPPED] * 3
    assert erp.stats.calls == (4 if sandbox.version == "16.0" else 3)
