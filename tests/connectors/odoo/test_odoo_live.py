"""OdooErp against a real Odoo (14.0-19.0), when ``COURROIE_LIVE_ODOO_URL``, ``_DB``, ``_USER`` and
``_PASSWORD`` are set (``_API_KEY`` too for JSON-2 on 19.0+; ``_WAREHOUSE`` names a warehouse code,
else the first one). Run with ``pytest -k "live and odoo"``. Every record it makes carries a reference
unique to the run; orders are cancelled and products archived at the end.

It needs the modules sale_management, stock and delivery, and a user allowed to manage products,
inventory and sales (the demo database's admin is). The orders are in EUR: a demo database in USD gets
EUR activated and an EUR price list, as a merchant selling in euros would have (left in place).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from courroie.connectors.odoo import OdooConfig, OdooErp
from courroie.connectors.protocols import SaleDraft, SalePayments
from courroie.model import Address, Customer, Order, OrderLine, Payment, Reduction, SaleState

LIVE = {name: os.environ.get(f"COURROIE_LIVE_ODOO_{name}") for name in ("URL", "DB", "USER", "PASSWORD", "API_KEY",
                                                                        "WAREHOUSE")}
pytestmark = [pytest.mark.live, pytest.mark.odoo, pytest.mark.anyio,
              pytest.mark.skipif(not all(LIVE[n] for n in ("URL", "DB", "USER")) or not (LIVE["PASSWORD"] or
                                                                                        LIVE["API_KEY"]),
                                 reason="set COURROIE_LIVE_ODOO_URL, _DB, _USER and _PASSWORD (or _API_KEY)")]
RUN = uuid.uuid4().hex[:8].upper()
SKU = f"CRR-{RUN}"


def config(**overrides: object) -> OdooConfig:
    settings = {"url": LIVE["URL"], "database": LIVE["DB"], "user": LIVE["USER"], "password": LIVE["PASSWORD"],
                "api_key": LIVE["API_KEY"], "languages": ["en_US"]}
    return OdooConfig(**{k: v for k, v in (settings | overrides).items() if v is not None})


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[dict[str, object]]:
    """A storable product with stock in one warehouse, and the connector configured for it."""
    probe = OdooErp(config())
    session = await probe.session()
    code = LIVE["WAREHOUSE"] or (await probe.client.search_read("stock.warehouse", [], ["code"], limit=1))[0]["code"]
    erp = OdooErp(config(warehouses=[code], sale_warehouse=code))
    await _sells_in_euros(erp)
    [warehouse] = await erp.client.search_read("stock.warehouse", [("code", "=", code)], ["lot_stock_id"])
    [template] = await erp.client.create("product.template", [{
        "name": f"courroie live test {RUN}", "default_code": SKU, "list_price": 100.0, "sale_ok": True,
        **session.dialect.storable_values()}])
    [product] = await erp.client.search_read("product.product", [("product_tmpl_id", "=", template)], ["id"])
    [quant] = await erp.client.create("stock.quant", [{"product_id": product["id"], "inventory_quantity": 7,
                                                       "location_id": warehouse["lot_stock_id"][0]}],
                                      context={"inventory_mode": True})
    assert await erp.client.button("stock.quant", "action_apply_inventory", [quant]) in (None, False, True)
    sales: list[int] = []
    yield {"erp": erp, "warehouse": code, "template": template, "product": product["id"], "sales": sales}
    for sale in sales:
        await erp.client.button("sale.order", "action_cancel", [sale])
    await erp.client.write("product.template", [template], {"active": False})
    await erp.aclose()
    await probe.aclose()


async def _sells_in_euros(erp: OdooErp) -> None:
    [eur] = await erp.client.search_read("res.currency", [("name", "=", "EUR"), ("active", "in", [True, False])],
                                         ["active"])
    if not eur["active"]:
        await erp.client.write("res.currency", [eur["id"]], {"active": True})
    if not await erp.client.search_read("product.pricelist", [("currency_id", "=", eur["id"])], ["id"]):
        await erp.client.create("product.pricelist", [{"name": "EUR", "currency_id": eur["id"]}])


def order(reference: str) -> Order:
    home = Address(first_name="Live", last_name=f"Test {RUN}", street="1 rue du Test", postcode="31000",
                   city="Toulouse", country_code="FR")
    line = OrderLine(sku=SKU, name="live", quantity=Decimal(2), unit_price_tax_excl=Decimal("100.00"),
                     unit_price_tax_incl=Decimal("120.00"), total_tax_excl=Decimal("200.00"),
                     total_tax_incl=Decimal("240.00"))
    customer = Customer(email=f"live-{RUN.lower()}@example.org", first_name="Live", last_name=f"Test {RUN}")
    return Order(shop="live", external_id=reference, reference=f"{reference}-{RUN}", placed_at=dt.datetime.now(dt.UTC),
                 currency="EUR", customer=customer, invoice_address=home, delivery_address=home, lines=(line,),
                 total_tax_excl=Decimal("200.00"), total_tax_incl=Decimal("240.00"))


async def test_check_passes(world):
    erp = world["erp"]
    results = await erp.check()
    failing = [r for r in results if not r.ok and r.what.startswith(("Odoo", "login", "warehouse"))]
    assert not failing, failing


async def test_the_product_and_its_stock_are_read(world):
    erp = world["erp"]
    products = {p.sku: p for p in await erp.read_products()}
    assert products[SKU].price.amount == Decimal("100.00")
    levels = {s.sku: s.quantity for s in await erp.read_stock([world["warehouse"]])}
    assert levels[SKU] == 7
    assert await erp.known_skus([SKU, f"NOPE-{RUN}"]) == {SKU}


async def test_an_order_is_imported_once_confirmed_reserved_and_shipped(world):
    erp = world["erp"]
    sale_order = order("ORDER")
    customer = await erp.save_customer(sale_order.customer, await erp.find_customer(sale_order.customer))
    address = await erp.ensure_address(customer, sale_order.delivery_address)
    assert await erp.ensure_address(customer, sale_order.invoice_address) == address
    sale = await erp.create_sale(sale_order, customer, address, address)
    world["sales"].append(int(sale.key))
    assert sale.total_tax_excl == Decimal("200.00") and not sale.confirmed
    await erp.confirm_sale(sale.key)
    await erp.confirm_sale(sale.key)                                  # a retry is harmless
    assert (await erp.find_sale(sale_order.erp_reference)).confirmed
    levels = {s.sku: s.quantity for s in await erp.read_stock([world["warehouse"]])}
    assert levels[SKU] == 5
    dialect = (await erp.session()).dialect
    [row] = await erp.client.call("sale.order", "read", [int(sale.key)], {"fields": ["picking_ids"]})
    for picking in row["picking_ids"]:
        for move in await erp.client.search_read("stock.move", [("picking_id", "=", picking)], ["product_uom_qty"]):
            await erp.client.write("stock.move", [move["id"]], dialect.move_done_values(move["product_uom_qty"]))
        await erp.client.write("stock.picking", [picking], {"carrier_tracking_ref": f"TRACK-{RUN}"})
        await erp.client.button("stock.picking", "button_validate", [picking])
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED and status.shipments[0].tracking_number == f"TRACK-{RUN}"


async def test_a_quotation_is_discarded(world):
    erp = world["erp"]
    sale_order = order("DISCARD")
    customer = await erp.save_customer(sale_order.customer, await erp.find_customer(sale_order.customer))
    address = await erp.ensure_address(customer, sale_order.delivery_address)
    sale = await erp.create_sale(sale_order, customer, address, address)
    await erp.discard_sale(sale.key)
    assert await erp.find_sale(sale_order.erp_reference) is None


async def test_price_list_items_become_rules(world):
    erp = world["erp"]
    name = f"courroie {RUN}"
    [pricelist] = await erp.client.create("product.pricelist", [{"name": name, "item_ids": [
        (0, 0, {"applied_on": "0_product_variant", "product_id": world["product"], "compute_price": "fixed",
                "fixed_price": 80.0, "min_quantity": 3}),
        (0, 0, {"applied_on": "1_product", "product_tmpl_id": world["template"], "compute_price": "formula",
                "price_discount": 10.0, "price_round": 1.0, "price_surcharge": -0.1})]}])
    try:
        rules = {(r.from_quantity, r.reduction_type): r for r in await erp.read_price_rules([name]) if r.sku == SKU}
        assert rules[(3, Reduction.AMOUNT)].price == Decimal("80.00")
        assert rules[(1, Reduction.AMOUNT)].price == Decimal("89.90")     # 90 rounded to 1, minus 0.10
    finally:
        await erp.client.write("product.pricelist", [pricelist], {"active": False})


async def test_a_batch_is_found_created_confirmed_and_paid_once(world):
    """Issue 6: the customers of a batch in one search, its sales in one create and one confirmation,
    its payments in one create and one post; done again, nothing is added."""
    erp = OdooErp(config(warehouses=[world["warehouse"]], sale_warehouse=world["warehouse"], payment_journal="Bank"))
    try:
        buyers = [Customer(email=f"live-{RUN.lower()}-{n}@example.org", first_name="Live", last_name=f"Batch {n}")
                  for n in range(3)]
        orders = [order(f"BATCH{n}").model_copy(update={"customer": buyer}) for n, buyer in enumerate(buyers)]
        assert await erp.find_customers([o.customer for o in orders]) == [None, None, None]
        drafts = []
        for sale_order in orders:
            customer = await erp.save_customer(sale_order.customer, await erp.find_customer(sale_order.customer))
            address = await erp.ensure_address(customer, sale_order.delivery_address)
            drafts.append(SaleDraft(sale_order, customer, address, address))
        refused = SaleDraft(order("BATCHBAD"), "999999999", drafts[0].invoice_address, drafts[0].delivery_address)
        *outcomes, bad = await erp.create_sales([*drafts, refused], confirm=True)     # Odoo refuses the batch
        world["sales"].extend(int(o.sale.key) for o in outcomes if o.sale)
        assert all(o.sale and o.sale.confirmed and o.error is None for o in outcomes), outcomes
        assert bad.sale is None and bad.error is not None
        for sale_order in orders:                                      # each created once, none by the refusal
            assert len(await erp.client.search_read("sale.order", [("client_order_ref", "=", sale_order.erp_reference)],
                                                    ["id"])) == 1
        assert await erp.find_customers([o.customer for o in orders]) == [d.customer_key for d in drafts]
        payments = [SalePayments(o.sale.key, [Payment(method="live", amount=Decimal("240.00"),
                                                      transaction_id=f"live-{RUN}-{n}")])
                    for n, o in enumerate(outcomes) if o.sale]
        erp.stats.reset()
        assert await erp.record_payments_of(payments) == {p.key: None for p in payments}
        assert erp.stats.methods["account.payment.create"] == erp.stats.methods["account.payment.action_post"] == 1
        assert await erp.record_payments_of(payments) == {p.key: None for p in payments}
        field = (await erp.session()).dialect.payment_reference_field
        rows = await erp.client.search_read("account.payment", [(field, "=like", f"live-{RUN}-%")], ["state"])
        assert len(rows) == 3 and all(r["state"] != "draft" for r in rows), rows
    finally:
        await erp.aclose()
