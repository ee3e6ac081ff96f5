"""The connector against a real trytond 8.2 serving the sandbox's seeded door & gate catalog
(fixtures ``tryton_db`` and ``tryton_catalog`` of tests/fixtures/tryton.py; one database for the module).

Expected values come from the sandbox's data contract (``tryton_catalog``), never from the
connector. Shipping is done the way a warehouse worker would, over RPC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo
import time
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from courroie.connectors.tryton import TrytonConfig, TrytonErp
from courroie.errors import AuthenticationFailure, DataError
from courroie.model import Address, Customer, Order, OrderLine, SaleState
from courroie.sandbox.tryton import contract
from courroie.sandbox.tryton.catalog import FEATURE_ATTRIBUTES, Catalog

pytestmark = [pytest.mark.slow, pytest.mark.tryton, pytest.mark.anyio]

WAREHOUSES = list(contract.WAREHOUSES)                     # ["TLS", "BDX"]
CARRIER_PRODUCTS = {"PORT-COLISSIMO", "PORT-DPD"}
HOME = Address(first_name="Jeanne", last_name="Martin", street="12 rue des Lilas", postcode="31000",
               city="Toulouse", country_code="FR", phone="+33 5 61 00 00 00")


@pytest.fixture
def live_config(tryton_db) -> TrytonConfig:
    return TrytonConfig(url=tryton_db.url, database=tryton_db.name, user=tryton_db.user,
                        password=tryton_db.password, languages=list(contract.LANGUAGES),
                        warehouses=WAREHOUSES, sale_warehouse="TLS",
                        features=list(FEATURE_ATTRIBUTES), tag_categories=["Labels"])


@pytest.fixture
def sku_in_toulouse(tryton_catalog: Catalog):
    """``sku_in_toulouse(n)``: a goods SKU the seed put in Toulouse in at least ``n`` units."""
    def pick(quantity: int) -> str:
        return next(v.code for p in tryton_catalog.products if p.type == "goods" for v in p.variants
                    if v.stock.get("TLS", 0) >= quantity)
    return pick


@pytest.fixture
async def erp(live_config) -> AsyncIterator[TrytonErp]:
    erp = TrytonErp(live_config)
    yield erp
    await erp.aclose()


def reconfigured(config: TrytonConfig, **changes: object) -> TrytonConfig:
    return TrytonConfig.model_validate(config.model_dump() | changes)


def shop_order(sku: str, quantity: int, email: str, *, unit_price: Decimal = Decimal("50.00")) -> Order:
    """An order priced like a shop would: 20 % VAT, per line, Colissimo at 9.90 € tax excluded."""
    excl = unit_price * quantity
    line = OrderLine(sku=sku, name=sku, quantity=Decimal(quantity), unit_price_tax_excl=unit_price,
                     unit_price_tax_incl=unit_price * Decimal("1.2"), total_tax_excl=excl,
                     total_tax_incl=excl * Decimal("1.2"))
    return Order(shop="ps1", external_id=uuid.uuid4().hex[:8], reference=uuid.uuid4().hex[:9].upper(),
                 placed_at=dt.datetime.now(dt.UTC), currency="EUR",
                 customer=Customer(email=email, first_name="Jeanne", last_name="Martin"),
                 invoice_address=HOME, delivery_address=HOME, lines=(line,),
                 shipping_tax_excl=Decimal("9.90"), shipping_tax_incl=Decimal("11.88"),
                 total_tax_excl=excl + Decimal("9.90"), total_tax_incl=excl * Decimal("1.2") + Decimal("11.88"),
                 carrier="Colissimo")


async def import_order(erp: TrytonErp, order: Order):
    """What the orders flow asks of the ERP for one new order."""
    customer = await erp.save_customer(order.customer, await erp.find_customer(order.customer))
    invoice = await erp.ensure_address(customer, order.invoice_address)
    delivery = await erp.ensure_address(customer, order.delivery_address)
    sale = await erp.create_sale(order, customer, invoice, delivery)
    await erp.confirm_sale(sale.key)
    return customer, invoice, delivery, sale


async def ship_as_a_warehouse_worker(erp: TrytonErp, sale_key: str, tracking: str) -> None:
    client = erp.client
    [sale] = await client.execute("sale.sale", "read", [int(sale_key)], ["shipments"])
    shipments = sale["shipments"]
    assert shipments, "the confirmed sale has no shipment"
    await client.button("stock.shipment.out", "assign_try", shipments)
    await client.button("stock.shipment.out", "pick", shipments)        # Toulouse has an output zone
    await client.write("stock.shipment.out", shipments, {"shipping_reference": tracking})
    await client.button("stock.shipment.out", "pack", shipments)
    await client.button("stock.shipment.out", "do", shipments)


async def available(erp: TrytonErp, sku: str, warehouse: str = "TLS") -> Decimal:
    levels = await erp.read_stock([warehouse])
    return next(level.quantity for level in levels if level.sku == sku)


# --- check and catalog ---------------------------------------------------------------------------------

async def test_check_is_all_green_on_the_sandbox(erp):
    results = await erp.check()
    assert [r for r in results if not r.ok] == []
    assert any("8.2" in r.detail for r in results)


async def test_check_warns_when_taxes_are_rounded_per_document(erp):
    [config] = await erp.client.search_read("account.configuration", [], ["tax_rounding"], limit=1)
    try:
        await erp.client.execute("account.configuration", "write", [config["id"]], {"tax_rounding": "document"})
        [warned] = [r for r in await erp.check() if r.what == "tax rounding"]
        assert warned.ok and warned.warning and "per line" in warned.fix
        await erp.client.execute("account.configuration", "write", [config["id"]], {"tax_rounding": "line"})
        [fine] = [r for r in await erp.check() if r.what == "tax rounding"]
        assert fine.ok and not fine.warning
    finally:
        await erp.client.execute("account.configuration", "write", [config["id"]],
                                 {"tax_rounding": config["tax_rounding"]})


async def test_categories_are_the_seeded_tree_in_both_languages(erp, tryton_catalog):
    categories = await erp.read_categories()
    by_key = {c.key: c for c in categories}
    seeded = {c.key: c for c in tryton_catalog.categories}
    assert {(c.name["fr"], c.name["en"], by_key[c.parent_key].name["fr"] if c.parent_key else None)
            for c in categories} == {(c.fr, c.en, seeded[c.parent].fr if c.parent else None)
                                     for c in tryton_catalog.categories}
    assert len(categories) == len(tryton_catalog.categories)
    seen: set[str] = set()
    for category in categories:                                    # parents come first
        assert category.parent_key is None or category.parent_key in seen
        seen.add(category.key)


async def test_products_are_the_seeded_catalog_read_in_a_few_calls(erp, tryton_catalog):
    await erp.client.login()
    calls = erp.stats.calls
    products = await erp.read_products()
    assert erp.stats.calls - calls <= 20                          # not one call per product (files: see
                                                                  # test_tryton_catalog_on_trytond.py)

    skus = {v.sku for p in products for v in p.variants}
    assert skus == {v.code for v in tryton_catalog.variants} - CARRIER_PRODUCTS
    by_sku = {p.sku: p for p in products}
    for seeded in tryton_catalog.products:
        if seeded.code in CARRIER_PRODUCTS:
            continue
        product = by_sku[seeded.code]
        assert product.name == {"en": seeded.name_en, "fr": seeded.name_fr}
        assert product.price.amount == seeded.list_price and product.price.currency == "EUR"
        assert product.weight == (Decimal(str(seeded.weight)) if seeded.weight is not None else None)
        assert len(product.category_keys) == len(seeded.categories)
        assert [v.sku for v in product.variants] == [v.code for v in seeded.variants]
        assert [v.ean13 for v in product.variants] == [v.ean for v in seeded.variants]
        assert all(v.price is None for v in product.variants)       # no variant price in the seed


async def test_variant_attributes_are_shown_with_their_labels(erp, tryton_catalog):
    swing = next(p for p in tryton_catalog.products if p.attribute_set == "swing")
    product = next(p for p in await erp.read_products() if p.sku == swing.code)
    assert product.has_combinations
    labels = {v.sku: v.attributes for v in product.variants}
    assert labels[f"{swing.code}-24V"] == {"Voltage": "24 V"}
    assert product.description["fr"].startswith("<p>") and "&lt;" not in product.description["fr"]


async def test_stock_is_what_can_be_sold_per_warehouse(erp, tryton_catalog):
    await erp.client.login()
    calls = erp.stats.calls
    levels = {(level.sku, level.location): level.quantity for level in await erp.read_stock(WAREHOUSES)}
    assert erp.stats.calls - calls <= 5               # the SKUs, one read per warehouse, the warehouses' ids,
                                                      # which optional modules are there (once)

    for product in tryton_catalog.products:
        for variant in product.variants:
            for warehouse in WAREHOUSES:
                if product.type == "goods":
                    assert levels[(variant.code, warehouse)] == variant.stock.get(warehouse, 0), variant.code
                elif product.type == "kit":                        # as many kits as the scarcest component
                    assert levels[(variant.code, warehouse)] == min(
                        tryton_catalog.variant(code).stock.get(warehouse, 0) // quantity
                        for code, quantity in product.components)
                else:
                    assert (variant.code, warehouse) not in levels   # services have no stock


async def test_a_planned_delivery_holds_stock_back_and_a_planned_reception_adds_nothing(erp, tryton_catalog):
    delivered, received = [v.code for p in tryton_catalog.products if p.type == "goods" for v in p.variants
                           if v.stock.get("TLS", 0) >= 5][-2:]
    before = {sku: await available(erp, sku) for sku in (delivered, received)}
    await plan_move(erp, delivered, 3, "TLS-STO", "customer", days=5)       # a sale shipping next week
    await plan_move(erp, received, 50, "supplier", "TLS-STO", days=10)      # a purchase arriving later
    assert await available(erp, delivered) == before[delivered] - 3
    assert await available(erp, received) == before[received]


async def plan_move(erp: TrytonErp, sku: str, quantity: int, source: str, destination: str, *, days: int) -> None:
    """A draft stock move planned ``days`` ahead; locations by code, or by type for supplier/customer."""
    client = erp.client

    async def location(name: str) -> int:
        field = "type" if name in ("supplier", "customer") else "code"
        return (await client.search_read("stock.location", [(field, "=", name)], ["id"], limit=1))[0]["id"]

    [product] = await client.search_read("product.product", [("code", "=", sku)], ["default_uom"])
    [euro] = await client.search_read("currency.currency", [("code", "=", "EUR")], ["id"])
    await client.create("stock.move", [{
        "product": product["id"], "unit": product["default_uom"], "quantity": float(quantity),
        "from_location": await location(source), "to_location": await location(destination),
        "planned_date": dt.date.today() + dt.timedelta(days=days), "unit_price": Decimal("10"),
        "currency": euro["id"]}])


# --- orders ----------------------------------------------------------------------------------------------

async def test_an_order_is_imported_confirmed_found_again_and_reported_shipped(erp, sku_in_toulouse):
    sku = sku_in_toulouse(3)
    before = await available(erp, sku)
    order = shop_order(sku, 2, f"jeanne.{uuid.uuid4().hex[:6]}@example.org")
    assert await erp.find_sale(order.erp_reference) is None
    assert await erp.find_customer(order.customer) is None

    customer, invoice, delivery, sale = await import_order(erp, order)

    assert invoice == delivery                                  # one address, created once
    assert (sale.total_tax_excl, sale.total_tax_incl) == (order.total_tax_excl, order.total_tax_incl)
    found = await erp.find_sale(order.erp_reference)
    assert (found.key, found.confirmed, found.total_tax_incl) == (sale.key, True, order.total_tax_incl)
    shouting = order.customer.model_copy(update={"email": order.customer.email.upper()})
    assert await erp.find_customer(shouting) == customer
    assert await available(erp, sku) == before - 2             # held back until it ships
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.ACCEPTED and status.shipments == ()

    await ship_as_a_warehouse_worker(erp, sale.key, "6A0123456789")

    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED
    [shipment] = status.shipments
    assert (shipment.carrier, shipment.tracking_number) == ("Colissimo", "6A0123456789")
    assert shipment.shipped_at.date() in company_today()
    assert await available(erp, sku) == before - 2             # gone for good now


async def test_a_returning_customer_gets_no_second_party_nor_address(erp, sku_in_toulouse):
    order = shop_order(sku_in_toulouse(1), 1, f"Paul.{uuid.uuid4().hex[:6]}@Example.org")
    first = await import_order(erp, order)
    retyped = order.customer.model_copy(update={"email": f"  {order.customer.email.lower()} "})
    again = order.model_copy(update={"reference": uuid.uuid4().hex[:9].upper(), "customer": retyped,
                                     "delivery_address": HOME.model_copy(update={"street": "12, RUE DES LILAS"})})
    second = await import_order(erp, again)
    assert second[:3] == first[:3]
    assert second[3].key != first[3].key


async def test_a_discount_is_taxed_like_the_goods_it_reduces(live_config, sku_in_toulouse):
    # The discount product is an installation service (VAT 10 %): the discount still carries the 20 %
    # of the goods, so Tryton's total is the shop's.
    erp = TrytonErp(reconfigured(live_config, discount_product="POSE-BAT"))
    try:
        order = shop_order(sku_in_toulouse(1), 1, f"d.{uuid.uuid4().hex[:6]}@example.org")
        order = order.model_copy(update={"discounts_tax_excl": Decimal("10"), "discounts_tax_incl": Decimal("12"),
                                         "total_tax_excl": order.total_tax_excl - 10,
                                         "total_tax_incl": order.total_tax_incl - 12})
        *_, sale = await import_order(erp, order)
        assert (sale.total_tax_excl, sale.total_tax_incl) == (order.total_tax_excl, order.total_tax_incl)
    finally:
        await erp.aclose()


async def test_a_draft_found_by_reference_is_quoted_and_confirmed(erp, sku_in_toulouse):
    order = shop_order(sku_in_toulouse(1), 1, f"q.{uuid.uuid4().hex[:6]}@example.org")
    customer = await erp.save_customer(order.customer, None)
    address = await erp.ensure_address(customer, HOME)
    [product] = await erp.client.search_read("product.product", [("code", "=", order.lines[0].sku)], ["id"])
    [toulouse] = await erp.client.search_read("stock.location", [("code", "=", "TLS")], ["id"])
    [draft] = await erp.client.create("sale.sale", [{   # as if quoting had timed out after the create
        "party": int(customer), "invoice_address": int(address), "shipment_address": int(address),
        "reference": order.erp_reference, "warehouse": toulouse["id"],
        "shipment_cost_method": None,
        "lines": [("create", [{"type": "line", "product": product["id"], "quantity": 1.0,
                               "unit_price": Decimal("50"), "unit": 1}])]}])
    found = await erp.find_sale(order.erp_reference)
    assert (found.key, found.confirmed) == (str(draft), False)
    await erp.confirm_sale(found.key)
    assert (await erp.find_sale(order.erp_reference)).confirmed


async def test_an_unknown_sku_is_a_data_error_and_leaves_no_sale(erp):
    order = shop_order("NO-SUCH-SKU", 1, "nobody@example.org")
    assert await erp.known_skus(["NO-SUCH-SKU", order.lines[0].sku]) == set()
    with pytest.raises(DataError, match="NO-SUCH-SKU"):
        await erp.create_sale(order, "1", "1", "1")
    assert await erp.find_sale(order.erp_reference) is None


async def test_a_sale_tryton_cannot_quote_is_not_left_behind(fresh_tryton_db, sku_in_toulouse):
    config = TrytonConfig(url=fresh_tryton_db.url, database=fresh_tryton_db.name, user=fresh_tryton_db.user,
                          password=fresh_tryton_db.password, warehouses=WAREHOUSES, sale_warehouse=None)
    setup = TrytonErp(config)
    await setup.client.execute("res.user", "set_preferences", {"warehouse": None})
    await setup.aclose()
    # Two warehouses, none named by the hub nor by the user: Tryton refuses the quotation, and the
    # draft must not stay behind to be found by reference.
    erp = TrytonErp(config)
    try:
        order = shop_order(sku_in_toulouse(1), 1, f"w.{uuid.uuid4().hex[:6]}@example.org")
        customer = await erp.save_customer(order.customer, None)
        address = await erp.ensure_address(customer, HOME)
        with pytest.raises(DataError, match="(?i)warehouse"):
            await erp.create_sale(order, customer, address, address)
        assert await erp.find_sale(order.erp_reference) is None
        assert not [r for r in await erp.check() if not r.ok and r.what != "warehouse of shop orders"]
        assert not {r.what: r for r in await erp.check()}["warehouse of shop orders"].ok
    finally:
        await erp.aclose()


async def test_wrong_password_is_an_authentication_failure(live_config):
    erp = TrytonErp(reconfigured(live_config, password="not-the-password"))
    try:
        with pytest.raises(AuthenticationFailure):
            await erp.read_categories()
    finally:
        await erp.aclose()


async def test_an_expired_session_is_renewed_without_the_caller_noticing(erp):
    await erp.client.login()
    await erp.client.call("common.db.logout")                   # the server forgets the session
    started = time.monotonic()
    assert await erp.read_categories()
    assert time.monotonic() - started < 5


def company_today() -> set[dt.date]:
    """Today for Tryton is the company's day (Europe/Paris), which is not always the machine's (UTC)."""
    return {dt.date.today(), dt.datetime.now(ZoneInfo("Europe/Paris")).date()}
