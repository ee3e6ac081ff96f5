"""Orders in a real trytond 8.2 (fixtures ``tryton_db`` and ``tryton_catalog``; one database for the
module): customers found again, addresses with regions, sales with vouchers, shipping and gift
wrapping to the cent, payments recorded once, cancellations, and what the shop learns back.

What the connector wrote is read back with the sandbox's own JSON-RPC client (``Rpc``), acting as a
Tryton user would: a warehouse worker ships, an accountant posts the invoice.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from courroie.connectors.protocols import SaleTerms
from courroie.connectors.tryton import TrytonConfig, TrytonErp
from courroie.errors import DataError
from courroie.model import Address, Customer, Order, OrderLine, Payment, SaleState, Voucher
from courroie.sandbox.tryton import contract
from courroie.sandbox.tryton.catalog import Catalog
from courroie.sandbox.tryton.rpc import Rpc

pytestmark = [pytest.mark.slow, pytest.mark.tryton, pytest.mark.anyio]

VAT = Decimal("1.2")
HOME = Address(first_name="Jeanne", last_name="Martin", street="12 rue des Lilas", postcode="31000",
               city="Toulouse", country_code="FR")
ROME = Address(first_name="Giulia", last_name="Rossi", street="Via Labicana 92", postcode="00184", city="Roma",
               country_code="IT", state_code="RM")
GARONNE = "Automatismes Garonne SARL"          # a seeded B2B customer: VAT FR75512345679
GARONNE_VAT = "FR75512345679"


@pytest.fixture
def config(tryton_db) -> TrytonConfig:
    return TrytonConfig(url=tryton_db.url, database=tryton_db.name, user=tryton_db.user,
                        password=tryton_db.password, languages=list(contract.LANGUAGES),
                        warehouses=list(contract.WAREHOUSES), sale_warehouse="TLS",
                        discount_product="MAINT-AN", gift_wrapping_product="MAINT-AN")


@pytest.fixture
async def erp(config) -> AsyncIterator[TrytonErp]:
    erp = TrytonErp(config)
    yield erp
    await erp.aclose()


@pytest.fixture
def rpc(tryton_db) -> Rpc:
    client = Rpc(tryton_db.url, tryton_db.name)
    client.login(tryton_db.user, tryton_db.password)
    return client


@pytest.fixture
def skus(tryton_catalog: Catalog):
    """``skus(n, quantity)``: ``n`` goods SKUs (VAT 20 %) the seed put in Toulouse in at least
    ``quantity`` units, from the end of the catalog (away from the other modules' picks)."""
    def pick(n: int, quantity: int) -> list[str]:
        found = [v.code for p in tryton_catalog.products if p.type == "goods" and p.tax == "vat20"
                 for v in p.variants if v.stock.get("TLS", 0) >= quantity]
        return found[-n:]
    return pick


def email() -> str:
    return f"c.{uuid.uuid4().hex[:8]}@example.org"


def shop_order(lines: list[tuple[str, int, str]], *, customer: Customer | None = None, shipping: str = "9.90",
               wrapping: str = "0", vouchers: tuple[Voucher, ...] = (), address: Address = HOME) -> Order:
    """An order priced like a shop would, everything at 20 % VAT (tax included = excluded × 1.2)."""
    order_lines = tuple(OrderLine(sku=sku, name=sku, quantity=Decimal(quantity), unit_price_tax_excl=Decimal(price),
                                  unit_price_tax_incl=Decimal(price) * VAT,
                                  total_tax_excl=Decimal(price) * quantity,
                                  total_tax_incl=Decimal(price) * quantity * VAT)
                        for sku, quantity, price in lines)
    discounts = sum((v.amount_tax_excl for v in vouchers), Decimal(0))
    excl = sum((line.total_tax_excl for line in order_lines), Decimal(0)) + Decimal(shipping) + Decimal(wrapping) \
        - discounts
    return Order(shop="ps1", external_id=uuid.uuid4().hex[:8], reference=uuid.uuid4().hex[:9].upper(),
                 placed_at=dt.datetime.now(dt.UTC), currency="EUR",
                 customer=customer or Customer(email=email(), first_name="Jeanne", last_name="Martin"),
                 invoice_address=address, delivery_address=address, lines=order_lines,
                 shipping_tax_excl=Decimal(shipping), shipping_tax_incl=Decimal(shipping) * VAT,
                 gift_wrapping_tax_excl=Decimal(wrapping), gift_wrapping_tax_incl=Decimal(wrapping) * VAT,
                 gift_message="Joyeux anniversaire !" if Decimal(wrapping) else None,
                 vouchers=vouchers, discounts_tax_excl=discounts, discounts_tax_incl=discounts * VAT,
                 total_tax_excl=excl, total_tax_incl=excl * VAT, carrier="Colissimo")


async def import_order(erp: TrytonErp, order: Order, terms: SaleTerms = SaleTerms(), *, confirm: bool = True):
    """What the orders flow asks of the ERP for one new order; the sale."""
    customer = await erp.save_customer(order.customer, await erp.find_customer(order.customer), terms)
    invoice = await erp.ensure_address(customer, order.invoice_address)
    delivery = await erp.ensure_address(customer, order.delivery_address)
    sale = await erp.create_sale(order, customer, invoice, delivery, terms)
    if confirm:
        await erp.confirm_sale(sale.key)
    return sale


def party(rpc: Rpc, key: str) -> dict:
    [row] = rpc.model("party.party", "read", [int(key)], [
        "name", "identifiers.type", "identifiers.code", "contact_mechanisms.type", "contact_mechanisms.value",
        "categories.name", "customer_payment_term.name"])
    return {"name": row["name"], "vat": sorted(i["code"] for i in row["identifiers."] if i["type"] == "eu_vat"),
            "emails": sorted(m["value"] for m in row["contact_mechanisms."] if m["type"] == "email"),
            "categories": sorted(c["name"] for c in row["categories."]),
            "payment_term": (row["customer_payment_term."] or {}).get("name")}


async def available(erp: TrytonErp, sku: str) -> Decimal:
    return next(level.quantity for level in await erp.read_stock(["TLS"]) if level.sku == sku)


# --- customers and addresses ------------------------------------------------------------------------------

async def test_a_customer_is_found_by_email_whatever_its_case_and_spaces(erp):
    order = shop_order([], shipping="0")
    key = await erp.save_customer(order.customer, None)
    retyped = order.customer.model_copy(update={"email": f"  {order.customer.email.upper()} "})
    assert await erp.find_customer(retyped) == key


async def test_a_business_is_found_by_its_vat_number_then_by_its_name_and_learns_the_new_email(erp, rpc):
    [seeded] = rpc.search_read("party.party", [("name", "=", GARONNE)], ["id"])
    buyer = Customer(email=email(), first_name="Paul", last_name="Roux", company="Garonne Automatismes",
                     vat_number="fr 75 512 345 679")
    assert await erp.find_customer(buyer) == str(seeded["id"])                    # by VAT, another name
    by_name = buyer.model_copy(update={"vat_number": None, "company": f" {GARONNE.upper()} "})
    assert await erp.find_customer(by_name) == str(seeded["id"])
    stranger = by_name.model_copy(update={"vat_number": "FR83404833048"})        # same name, another VAT
    assert await erp.find_customer(stranger) is None

    terms = SaleTerms(customer_category="Professionnels", payment_term="Net 30 days")
    assert await erp.save_customer(by_name, str(seeded["id"]), terms) == str(seeded["id"])
    saved = party(rpc, str(seeded["id"]))
    assert buyer.email in saved["emails"] and len(saved["emails"]) == 2
    assert saved["vat"] == [GARONNE_VAT] and saved["categories"] == ["Professionnels"]
    assert saved["payment_term"] == "Net 30 days"
    assert await erp.find_customer(by_name.model_copy(update={"company": None})) == str(seeded["id"])


async def test_a_new_business_gets_its_vat_number_category_and_payment_term_and_a_bad_vat_is_left_out(erp, rpc):
    terms = SaleTerms(customer_category="Professionnels", payment_term="Net 30 days")
    business = Customer(email=email(), first_name="Ana", last_name="Lopez", company=f"Puertas {uuid.uuid4().hex[:6]}",
                        vat_number="ESA58818501")
    key = await erp.save_customer(business, None, terms)
    assert party(rpc, key) == {"name": business.company, "vat": ["ESA58818501"], "emails": [business.email],
                               "categories": ["Professionnels"], "payment_term": "Net 30 days"}

    typo = business.model_copy(update={"email": email(), "company": f"Portes {uuid.uuid4().hex[:6]}",
                                       "vat_number": "FR00000000000"})
    other = await erp.save_customer(typo, None, terms)
    assert party(rpc, other)["vat"] == [] and party(rpc, other)["categories"] == ["Professionnels"]
    with pytest.raises(DataError, match="'Gold'"):
        await erp.save_customer(typo, other, SaleTerms(customer_category="Gold"))


async def test_an_address_with_a_region_is_created_once_and_an_unknown_region_is_left_out(erp, rpc):
    customer = await erp.save_customer(Customer(email=email(), first_name="Giulia", last_name="Rossi"), None)
    first = await erp.ensure_address(customer, ROME)
    again = ROME.model_copy(update={"state_code": "it-rm", "street": "via labicana, 92"})
    assert await erp.ensure_address(customer, again) == first
    [row] = rpc.model("party.address", "read", [int(first)], ["subdivision.code"])
    assert row["subdivision."]["code"] == "IT-RM"
    assert await erp.ensure_address(customer, ROME.model_copy(update={"state_code": "MI"})) != first

    nowhere = ROME.model_copy(update={"state_code": "ZZ", "city": "Ostia"})
    created = await erp.ensure_address(customer, nowhere)
    assert await erp.ensure_address(customer, nowhere) == created                 # not one more each time
    [row] = rpc.model("party.address", "read", [int(created)], ["subdivision"])
    assert row["subdivision"] is None


# --- sales --------------------------------------------------------------------------------------------------

WELCOME = Voucher(name="Welcome", code="BIENVENUE10", amount_tax_excl=Decimal("10.00"),
                  amount_tax_incl=Decimal("12.00"))
LOYALTY = Voucher(name="Loyalty", amount_tax_excl=Decimal("5.00"), amount_tax_incl=Decimal("6.00"))


def sale_lines(rpc: Rpc, key: str) -> list[tuple[str | None, str, Decimal]]:
    [sale] = rpc.model("sale.sale", "read", [int(key)], ["lines"])
    rows = rpc.model("sale.line", "read", sale["lines"], ["product.code", "description", "quantity", "unit_price"])
    return [((row["product."] or {}).get("code"), (row["description"] or "").split("\n")[0], row["unit_price"])
            for row in sorted(rows, key=lambda r: r["id"])]


@pytest.mark.parametrize("vouchers_as", ["lines", "global"])
async def test_vouchers_wrapping_and_shipping_make_the_shops_totals_to_the_cent(erp, rpc, skus, vouchers_as):
    motor, remote = skus(2, 2)
    order = shop_order([(motor, 1, "100.00"), (remote, 2, "22.75")], wrapping="2.50", vouchers=(WELCOME, LOYALTY))
    terms = SaleTerms(price_list="Tarif pro", payment_term="Net 30 days", vouchers_as=vouchers_as)

    sale = await import_order(erp, order, terms, confirm=False)

    assert (sale.total_tax_excl, sale.total_tax_incl) == (order.total_tax_excl, order.total_tax_incl)
    assert (sale.total_tax_excl, sale.total_tax_incl) == (Decimal("142.90"), Decimal("171.48"))
    lines = sale_lines(rpc, sale.key)
    assert lines[:4] == [(motor, "", Decimal("100.0000")), (remote, "", Decimal("22.7500")),
                         ("PORT-COLISSIMO", "Shipping (Colissimo)", Decimal("9.9000")),
                         ("MAINT-AN", "Gift wrapping", Decimal("2.5000"))]    # the shop's prices, not Tarif pro's
    if vouchers_as == "lines":
        assert lines[4:] == [("MAINT-AN", "Welcome (BIENVENUE10)", Decimal("-10.0000")),
                             ("MAINT-AN", "Loyalty", Decimal("-5.0000"))]
    else:
        assert lines[4:] == [("MAINT-AN", "Discount: Welcome (BIENVENUE10), Loyalty", Decimal("-15.0000"))]
    [row] = rpc.model("sale.sale", "read", [int(sale.key)], ["reference", "price_list.name", "payment_term.name",
                                                              "comment", "state"])
    assert (row["reference"], row["price_list."]["name"], row["payment_term."]["name"], row["state"]) == (
        order.erp_reference, "Tarif pro", "Net 30 days", "quotation")
    assert row["comment"] == "Gift message: Joyeux anniversaire !"


async def test_gift_wrapping_without_its_product_is_a_data_error(config, skus):
    erp = TrytonErp(config.model_copy(update={"gift_wrapping_product": None}))
    try:
        order = shop_order([(skus(1, 1)[0], 1, "10.00")], wrapping="2.00")
        with pytest.raises(DataError, match="gift_wrapping_product"):
            await erp.create_sale(order, "1", "1", "1")
        assert await erp.find_sale(order.erp_reference) is None
    finally:
        await erp.aclose()


async def test_an_unknown_price_list_is_a_data_error_and_leaves_no_sale(erp, skus):
    order = shop_order([(skus(1, 1)[0], 1, "10.00")])
    with pytest.raises(DataError, match="'Tarif VIP'"):
        await import_order(erp, order, SaleTerms(price_list="Tarif VIP"), confirm=False)
    assert await erp.find_sale(order.erp_reference) is None


# --- payments -----------------------------------------------------------------------------------------------

JOURNALS = SaleTerms(payment_journals={"stripe": "Stripe", "ps_checkpayment": "Chèques"})
PAID_AT = dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC)                       # the 3rd in Toulouse


async def test_payments_are_recorded_once_and_a_covered_quotation_is_confirmed_by_tryton(erp, rpc, skus):
    order = shop_order([(skus(1, 1)[0], 1, "50.00")])                             # 71.88 tax included
    sale = await import_order(erp, order, confirm=False)
    card = Payment(method="stripe", amount=Decimal("60.00"), transaction_id="ch_3PqX", paid_at=PAID_AT)
    cheque = Payment(method="ps_checkpayment", amount=Decimal("11.88"))

    await erp.record_payments(sale.key, [card], JOURNALS)
    assert not (await erp.find_sale(order.erp_reference)).confirmed                # 60 of 71.88
    await erp.record_payments(sale.key, [card, cheque], JOURNALS)
    await erp.record_payments(sale.key, [card, cheque], JOURNALS)                  # a second run

    recorded = rpc.payments(order.erp_reference)
    assert [(p["journal"], p["amount"], p["reference"], p["state"]) for p in recorded] == [
        ("Stripe", Decimal("60.00"), "ch_3PqX", "succeeded"), ("Chèques", Decimal("11.88"), None, "succeeded")]
    assert recorded[0]["date"] == dt.date(2026, 11, 3)
    assert (await erp.find_sale(order.erp_reference)).confirmed                    # covered: confirmed by Tryton
    await erp.confirm_sale(sale.key)                                               # the flow's next step: harmless


async def test_a_payment_left_half_way_is_carried_on_and_methods_without_journal(config, rpc, skus):
    erp = TrytonErp(config.model_copy(update={"payment_journal": "PayPal"}))
    try:
        order = shop_order([(skus(1, 1)[0], 1, "50.00")])
        sale = await import_order(erp, order, confirm=False)
        [row] = rpc.model("sale.sale", "read", [int(sale.key)], ["party", "company"])
        [journal] = rpc.search_read("account.payment.journal", [("name", "=", "PayPal")], ["id"])
        rpc.model("account.payment", "create", [{     # as if the hub had stopped right after creating it
            "company": row["company"], "journal": journal["id"], "kind": "receivable", "party": row["party"],
            "amount": Decimal("71.88"), "reference": "PAYID-1", "origin": f"sale.sale,{sale.key}"}])

        await erp.record_payments(sale.key, [Payment(method="paypal", amount=Decimal("71.88"),
                                                     transaction_id="PAYID-1")])     # unmapped: the default journal
        assert [(p["journal"], p["state"]) for p in rpc.payments(order.erp_reference)] == [("PayPal", "succeeded")]
        assert (await erp.find_sale(order.erp_reference)).confirmed

        bare = TrytonErp(config)                        # no default journal
        try:
            with pytest.raises(DataError, match="'bankwire'"):       # journals mapped, but not this method
                await bare.record_payments(sale.key, [Payment(method="bankwire", amount=Decimal(5))], JOURNALS)
            # no journal configured at all: not recorded, unless a journal is named after the method
            await bare.record_payments(sale.key, [Payment(method="bankwire", amount=Decimal(5))])
            await bare.record_payments(sale.key, [Payment(method="Stripe", amount=Decimal(5), transaction_id="t1")])
        finally:
            await bare.aclose()
        assert [(p["journal"], p["reference"]) for p in rpc.payments(order.erp_reference)] == [
            ("PayPal", "PAYID-1"), ("Stripe", "t1")]                # a journal named like the method is taken
    finally:
        await erp.aclose()


# --- cancellations ------------------------------------------------------------------------------------------

async def test_a_quotation_is_cancelled_and_cancelling_again_does_nothing(erp, skus):
    order = shop_order([(skus(1, 1)[0], 1, "10.00")])
    sale = await import_order(erp, order, confirm=False)
    await erp.cancel_sale(sale.key)
    await erp.cancel_sale(sale.key)
    found = await erp.find_sale(order.erp_reference)
    assert (found.key, found.cancelled) == (sale.key, True)
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.CANCELLED


async def test_a_confirmed_sale_not_shipped_is_cancelled_and_its_stock_released(erp, rpc, skus):
    [sku] = skus(1, 3)
    before = await available(erp, sku)
    order = shop_order([(sku, 2, "40.00")])
    sale = await import_order(erp, order)
    await erp.record_payments(sale.key, [Payment(method="stripe", amount=order.total_tax_incl,
                                                 transaction_id=f"ch_{uuid.uuid4().hex[:6]}")], JOURNALS)
    assert await available(erp, sku) == before - 2

    await erp.cancel_sale(sale.key)

    assert await available(erp, sku) == before
    [row] = rpc.model("sale.sale", "read", [int(sale.key)], ["state", "shipments.state", "invoices.state"])
    assert row["state"] == "done"                                  # Tryton's end of a sale with nothing left to do
    assert {s["state"] for s in row["shipments."] + row["invoices."]} == {"cancelled"}
    assert (await erp.find_sale(order.erp_reference)).cancelled
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.CANCELLED


async def test_a_sale_cannot_be_cancelled_once_shipped_nor_a_quotation_holding_payments(erp, rpc, skus):
    order = shop_order([(skus(1, 2)[0], 1, "40.00")])
    sale = await import_order(erp, order)
    number = rpc.ship(order.erp_reference, "6A000111")
    with pytest.raises(DataError, match=f"shipment {number} has left"):
        await erp.cancel_sale(sale.key)
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED

    held = shop_order([(skus(1, 2)[0], 1, "40.00")])
    quotation = await import_order(erp, held, confirm=False)
    await erp.record_payments(quotation.key, [Payment(method="stripe", amount=Decimal("10"), transaction_id="ch_p")],
                              JOURNALS)
    with pytest.raises(DataError, match="payments"):
        await erp.cancel_sale(quotation.key)


# --- what the shop learns -----------------------------------------------------------------------------------

async def test_statuses_follow_partial_shipping_then_shipping_and_carry_invoice_and_delivery_notes(erp, rpc, skus):
    first, second = skus(2, 3)
    order = shop_order([(first, 2, "30.00"), (second, 1, "20.00")])
    sale = await import_order(erp, order)
    idle = await import_order(erp, shop_order([(first, 1, "30.00")]))

    one = rpc.ship(order.erp_reference, "6A111", quantities={first: 1})            # one motor of two: a back order

    await erp.client.login()
    calls = erp.stats.calls
    statuses = {s.erp_key: s for s in await erp.read_sale_statuses([sale.key, idle.key])}
    assert erp.stats.calls - calls == 1                                            # one read for all the sales
    assert statuses[idle.key].state is SaleState.ACCEPTED and statuses[idle.key].documents == ()
    status = statuses[sale.key]
    assert status.state is SaleState.PARTIALLY_SHIPPED
    [shipment] = status.shipments
    assert (shipment.number, shipment.carrier, shipment.tracking_number) == (one, "Colissimo", "6A111")
    assert shipment.shipped_at.date() in company_today()
    assert [(d.kind, d.number) for d in status.documents] == [("delivery_note", one)]

    two = rpc.ship(order.erp_reference, "6A222")
    [invoice_number] = rpc.invoice(order.erp_reference)

    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED
    assert [(s.number, s.tracking_number) for s in status.shipments] == [(one, "6A111"), (two, "6A222")]
    assert status.invoice_number == invoice_number and invoice_number.startswith("FA")
    [invoice, *notes] = status.documents
    assert (invoice.kind, invoice.number, Decimal(invoice.total_tax_incl)) == ("invoice", invoice_number,
                                                                               order.total_tax_incl)
    assert invoice.key is None                      # Tryton renders OpenDocument here; no PDF to hand a shop
    assert invoice.issued_at.date() in company_today()
    assert [(d.kind, d.number) for d in notes] == [("delivery_note", one), ("delivery_note", two)]
    with pytest.raises(DataError, match=f"shipments {one}, {two} have left"):
        await erp.cancel_sale(sale.key)


async def test_an_invoiced_sale_cannot_be_cancelled_even_before_it_ships(erp, rpc, skus):
    order = shop_order([(skus(1, 1)[0], 1, "30.00")])
    sale = await import_order(erp, order)
    [number] = rpc.invoice(order.erp_reference)
    with pytest.raises(DataError, match=f"invoice {number} is posted"):
        await erp.cancel_sale(sale.key)
    [status] = await erp.read_sale_statuses([sale.key])
    assert (status.state, status.invoice_number) == (SaleState.ACCEPTED, number)


def company_today() -> set[dt.date]:
    """Today for Tryton is the company's day (Europe/Paris), which is not always the machine's (UTC)."""
    return {dt.date.today(), dt.datetime.now(ZoneInfo("Europe/Paris")).date()}
