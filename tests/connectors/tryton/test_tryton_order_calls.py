"""How few calls one order's import makes: what the import just read or wrote serves its next steps
(``_OrderMemo``), and nothing of it serves the next order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from courroie.model import Payment
from test_tryton_connector import CUSTOMER, HOME, order
from tryton_captures import captured

pytestmark = [pytest.mark.tryton, pytest.mark.anyio]

ADDRESS = {"id": 6, "party_name": "Jeanne Martin", "attn": None, "street": "12 rue des Lilas", "postal_code": "31000",
           "city": "Toulouse", "country.": {"id": 75, "code": "FR"}}
PARTY = {"id": 5, "name": "Jean Martin", "identifiers": [], "identifiers.": [], "categories": [],
         "customer_payment_term": None, "contact_mechanisms.": [{"id": 1, "type": "email",
                                                                 "value": "jean_martin@example.org"}]}


def sale_row(state: str) -> dict:
    return {"id": 30, "number": "S30", "state": state, "untaxed_amount": Decimal("249.90"),
            "tax_amount": Decimal("49.98"), "total_amount": Decimal("299.88"), "shipments.": [], "invoices.": [],
            "company": 1, "party": 5, "invoice_party": None, "currency.": {"id": 1, "code": "EUR"}}


@pytest.fixture
def tryton(fake_tryton):
    fake_tryton.on("model.ir.model.field.search_read", [{"model": "sale.sale", "name": "payments"}])
    fake_tryton.on("model.sale.sale.search_read", [])
    fake_tryton.on("model.product.product.search_read", [{"id": 11, "code": "MOT-24"}])
    fake_tryton.on("model.party.contact_mechanism.search_read",
                   [{"id": 1, "value": "jean_martin@example.org", "party": 5, "party.": PARTY}])
    fake_tryton.on("model.party.address.search_read", [ADDRESS])
    fake_tryton.on("model.currency.currency.search_read", [{"id": 1, "code": "EUR"}])
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}])
    fake_tryton.on("model.sale.line.on_change", captured("on_change_sale_line"))
    fake_tryton.on("model.sale.sale.create", [30])
    fake_tryton.on("model.sale.sale.quote", None)
    fake_tryton.on("model.sale.sale.confirm", None)
    fake_tryton.on("model.sale.sale.read", [sale_row("quotation")], [sale_row("processing")])
    fake_tryton.on("model.account.payment.journal.search_read", [])
    return fake_tryton


async def import_order(erp) -> None:
    """The steps of the orders flow for a new order of a returning customer, paid."""
    assert await erp.find_sale(order().erp_reference) is None
    assert await erp.known_skus(["MOT-24"]) == {"MOT-24"}
    customer = await erp.save_customer(CUSTOMER, await erp.find_customer(CUSTOMER))
    invoice = await erp.ensure_address(customer, HOME)
    delivery = await erp.ensure_address(customer, HOME)
    sale = await erp.create_sale(order(), customer, invoice, delivery)
    await erp.confirm_sale(sale.key)
    await erp.record_payments(sale.key, [Payment(method="card", amount=Decimal("299.88"))])


async def test_one_order_reads_nothing_twice(erp_for, tryton):
    await import_order(erp_for())
    methods = [m for m in tryton.methods() if m.startswith("model.")]
    assert methods.count("model.product.product.search_read") == 1         # known_skus serves the sale
    assert methods.count("model.party.address.search_read") == 1           # invoice and delivery address
    assert "model.party.party.read" not in methods                         # read with its e-mail
    assert methods.count("model.sale.sale.read") == 2                      # once quoted, once confirmed
    assert "model.account.payment.search_read" not in methods              # no journal: nothing to look up
    [create] = [c for c in tryton.calls if c.method == "model.sale.sale.create"]
    assert create.params[0][0]["invoice_address"] == create.params[0][0]["shipment_address"] == 6


async def test_the_next_order_reads_afresh(erp_for, tryton):
    erp = erp_for()
    await import_order(erp)
    tryton.calls.clear()
    tryton.on("model.sale.sale.read", [sale_row("quotation")], [sale_row("processing")])
    await import_order(erp)
    methods = [m for m in tryton.methods() if m.startswith("model.")]
    assert methods.count("model.sale.sale.search_read") == 1               # exactly-once: always asked
    assert methods.count("model.product.product.search_read") == 1
    assert methods.count("model.party.address.search_read") == 1
    assert methods.count("model.party.contact_mechanism.search_read") == 1


async def test_a_sale_found_by_reference_is_confirmed_as_read(erp_for, tryton):
    tryton.on("model.sale.sale.search_read", [sale_row("quotation")])
    tryton.on("model.sale.sale.read", [sale_row("processing")])
    erp = erp_for()
    sale = await erp.find_sale(order().erp_reference)
    await erp.confirm_sale(sale.key)
    assert [m for m in tryton.methods() if m.startswith("model.sale.sale.")] == [
        "model.sale.sale.search_read", "model.sale.sale.confirm", "model.sale.sale.read"]


async def test_a_sale_changed_by_the_hub_is_read_again(erp_for, tryton):
    tryton.on("model.sale.sale.search_read", [sale_row("quotation")])
    tryton.on("model.sale.sale.read", [sale_row("quotation")])
    tryton.on("model.sale.sale.cancel", None)
    erp = erp_for()
    sale = await erp.find_sale(order().erp_reference)
    await erp.cancel_sale(sale.key)
    tryton.calls.clear()
    tryton.on("model.sale.sale.read", [sale_row("cancelled")])
    with pytest.raises(Exception, match="cancelled"):
        await erp.confirm_sale(sale.key)
    assert tryton.methods()[-1] == "model.sale.sale.read"


async def test_a_new_partys_first_address_is_not_looked_for(erp_for, tryton):
    tryton.on("model.party.party.create", [5])
    tryton.on("model.country.country.search_read", [{"id": 75, "code": "FR"}])
    tryton.on("model.party.address.create", [7])
    erp = erp_for()
    customer = await erp.save_customer(CUSTOMER, None)
    assert await erp.ensure_address(customer, HOME) == "7"
    assert await erp.ensure_address(customer, HOME) == "7"
    assert "model.party.address.search_read" not in tryton.methods()
    assert tryton.methods().count("model.party.address.create") == 1
