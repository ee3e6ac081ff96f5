"""OdooErp against the Odoo sandbox, as 16.0 and as 18.0: what it reads, what it writes, in how many
calls, and what it does when Odoo refuses. The sandbox is held to the real servers' captures by
``tests/sandbox/odoo``; what a real Odoo does with these calls is ``test_odoo_live.py``."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from courroie.connectors.odoo import OdooErp
from courroie.connectors.protocols import SaleDraft
from courroie.connectors.odoo.prices import Probe
from courroie.errors import AuthenticationFailure, ConnectionFailure, DataError
from courroie.model import Address, Customer, Order, OrderLine, Reduction, SaleState
from courroie.sandbox.odoo import OdooSandbox, seed
from courroie.sandbox.tryton.catalog import build_catalog
from tests.connectors.odoo.odoo_support import make_config, new_sandbox

pytestmark = [pytest.mark.odoo, pytest.mark.anyio]

CATALOG = build_catalog(60)
HOME = Address(first_name="Jeanne", last_name="Martin", street="12 rue des Lilas", postcode="31000",
               city="Toulouse", country_code="FR")
WORK = HOME.model_copy(update={"street": "3 allée Jean Jaurès", "company": "Atelier Martin"})
CUSTOMER = Customer(email="Jeanne.Martin@example.org", first_name="Jeanne", last_name="Martin")


def goods(stocked: str = "TLS") -> list[Any]:
    return [v for p in CATALOG.products if p.type == "goods" for v in p.variants if v.stock.get(stocked, 0) >= 3]


def order(reference: str = "XKBKNABJK", *, skus: tuple[str, ...] | None = None, shipping: str = "9.90",
          carrier: str | None = "My carrier", discounts: str = "0", customer: Customer = CUSTOMER) -> Order:
    skus = skus or (goods()[0].code,)
    lines = tuple(OrderLine(sku=sku, name=sku, quantity=Decimal(1), unit_price_tax_excl=Decimal("100.00"),
                            unit_price_tax_incl=Decimal("120.00"), total_tax_excl=Decimal("100.00"),
                            total_tax_incl=Decimal("120.00")) for sku in skus)
    excl = Decimal(100) * len(lines) + Decimal(shipping) - Decimal(discounts)
    return Order(shop="ps1", external_id=reference, reference=reference,
                 placed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC), currency="EUR", customer=customer,
                 invoice_address=HOME, delivery_address=HOME, lines=lines,
                 shipping_tax_excl=Decimal(shipping), shipping_tax_incl=Decimal(shipping) * Decimal("1.2"),
                 discounts_tax_excl=Decimal(discounts), discounts_tax_incl=Decimal(discounts) * Decimal("1.2"),
                 total_tax_excl=excl, total_tax_incl=excl * Decimal("1.2"), carrier=carrier)


async def import_order(erp: OdooErp, sale_order: Order, *, confirm: bool = True):
    """What the orders flow asks, in its order."""
    assert await erp.find_sale(sale_order.erp_reference) is None
    assert await erp.known_skus([line.sku for line in sale_order.lines]) == {line.sku for line in sale_order.lines}
    customer = await erp.save_customer(sale_order.customer, await erp.find_customer(sale_order.customer))
    invoice = await erp.ensure_address(customer, sale_order.invoice_address)
    delivery = await erp.ensure_address(customer, sale_order.delivery_address)
    sale = await erp.create_sale(sale_order, customer, invoice, delivery)
    if confirm:
        await erp.confirm_sale(sale.key)
    return customer, invoice, delivery, sale


def env(sandbox: OdooSandbox, **context: Any):
    return sandbox.server.env(2, context)


# --- catalog -------------------------------------------------------------------------------------------

async def test_categories_are_odoo_s_tree(erp, sandbox):
    categories = await erp.read_categories()
    by_name = {c.name["en"]: c for c in categories}
    assert len(categories) == len(CATALOG.categories) + 1          # and Odoo's root "All"
    assert by_name["Articulated arm operators"].parent_key == by_name["Swing gates"].key
    assert by_name["All"].parent_key is None


async def test_products_carry_variants_attributes_translations_kits_and_pictures(erp):
    products = {p.sku: p for p in await erp.read_products()}
    assert sum(len(p.variants) for p in products.values()) == len(list(CATALOG.variants))
    source = next(p for p in CATALOG.products if len(p.variants) > 1 and p.attribute_set == "remote")
    remote = next(p for p in products.values() if {v.sku for v in p.variants} == {v.code for v in source.variants})
    assert remote.sku == source.code and remote.name == {"en": source.name_en, "fr": source.name_fr}
    variant = next(v for v in remote.variants if v.sku == source.variants[0].code)
    assert variant.attributes["Frequency"] == "433.92 MHz" and variant.ean13 == source.variants[0].ean
    assert remote.description["en"].startswith("<p>") and remote.tax_group == "TVA 20 %"
    assert remote.price.amount == source.list_price and remote.price.currency == "EUR"
    kit = next(p for p in CATALOG.products if p.type == "kit")
    assert [(i.sku, i.quantity) for i in products[kit.code].kit] == [(code, q) for code, q in kit.components]
    book = products["LIV-GUIDE"]
    assert book.weight == Decimal("0.45") and book.ean13 is not None and not book.has_combinations
    assert sum(1 for p in products.values() if p.images) == 12


async def test_a_picture_is_read_on_demand_and_matches_its_hash(erp):
    picture = next(p for p in await erp.read_products() if p.images).images[0]
    content = await erp.read_file(picture.key)
    assert content.startswith(b"\x89PNG") and hashlib.sha256(content).hexdigest() == picture.content_hash
    with pytest.raises(DataError, match="no longer holds"):
        await erp.read_file("product.template/9999/image_1920")


async def test_without_mrp_products_have_no_kits(erp_for):
    erp = erp_for(new_sandbox("18.0", modules=("sale_management", "stock", "delivery")))
    assert all(not p.kit for p in await erp.read_products())


async def test_reading_the_catalog_takes_a_few_calls_whatever_its_size(erp):
    await erp.read_products()
    assert erp.stats.calls <= 18


# --- stock -----------------------------------------------------------------------------------------------

async def test_stock_is_read_per_warehouse(erp):
    levels = {(s.sku, s.location): s.quantity for s in await erp.read_stock(["TLS", "BDX"])}
    for variant in [v for p in CATALOG.products if p.type == "goods" for v in p.variants]:
        assert levels[(variant.code, "TLS")] == variant.stock["TLS"]
        assert levels[(variant.code, "BDX")] == variant.stock["BDX"]
    services = {v.code for p in CATALOG.products if p.type == "service" for v in p.variants}
    assert not services & {sku for sku, _ in levels}
    kit = next(p for p in CATALOG.products if p.type == "kit")          # what its components allow (mrp)
    for warehouse in ("TLS", "BDX"):
        assert levels[(kit.code, warehouse)] == min(CATALOG.variant(code).stock.get(warehouse, 0) // quantity
                                                    for code, quantity in kit.components)


async def test_a_confirmed_sale_is_held_back_from_what_may_be_sold(erp):
    article = goods()[0]
    await import_order(erp, order(skus=(article.code,)))
    levels = {(s.sku, s.location): s.quantity for s in await erp.read_stock(["TLS", "BDX"])}
    assert levels[(article.code, "TLS")] == article.stock["TLS"] - 1
    assert levels[(article.code, "BDX")] == article.stock["BDX"]


async def test_an_unknown_warehouse_is_a_configuration_error(erp):
    with pytest.raises(ConnectionFailure, match="'NOPE'"):
        await erp.read_stock(["TLS", "NOPE"])


async def test_stock_changes_since_a_cursor_name_only_the_articles_that_moved(erp, sandbox):
    everything, cursor = await erp.read_stock_changes(["TLS"], None)
    assert cursor is not None and len(everything) == len([v for p in CATALOG.products if p.type != "service"
                                                          for v in p.variants])
    sandbox.server.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    article = goods()[1]
    await import_order(erp, order(skus=(article.code,)))
    changed, later = await erp.read_stock_changes(["TLS"], cursor + dt.timedelta(seconds=1))
    assert [(s.sku, s.quantity) for s in changed] == [(article.code, article.stock["TLS"] - 1)]
    assert later is not None and later > cursor
    again, same = await erp.read_stock_changes(["TLS"], later + dt.timedelta(seconds=1))
    assert again == [] and same == later + dt.timedelta(seconds=1)
    kit = next(p for p in CATALOG.products if p.type == "kit")
    component = kit.components[0][0]
    sandbox.server.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    await import_order(erp, order("COMPONENT", skus=(component,)))
    changed, _ = await erp.read_stock_changes(["TLS"], same)
    assert {s.sku for s in changed} == {component, kit.code}            # a kit moves with its components


# --- prices ----------------------------------------------------------------------------------------------

async def test_price_lists_give_group_tier_dated_and_currency_prices(erp, sandbox):
    rules = await erp.read_price_rules(["Tarif pro", "Export USD"])
    motors = {v.code for p in CATALOG.products if p.categories[0].startswith("motorisation") for v in p.variants}
    percent = [r for r in rules if r.reduction_type is Reduction.PERCENTAGE]
    assert {r.sku for r in percent} == motors and {r.reduction for r in percent} == {Decimal("0.1")}
    remote = next(p for p in CATALOG.products if p.family == "remote")
    [tier] = [r for r in rules if r.sku == remote.variants[0].code and r.price_list == "Tarif pro"]
    assert (tier.price, tier.from_quantity) == ((remote.list_price * Decimal("0.8")).quantize(Decimal("0.01")), 5)
    photocell = next(p for p in CATALOG.products if p.family == "photocell")
    dated = [r for r in rules if r.sku in {v.code for v in photocell.variants}]
    expected = (photocell.list_price * Decimal("0.85")).quantize(Decimal(1)) - Decimal("0.10")
    assert {r.price for r in dated} == {expected} and all(r.starts and r.ends for r in dated)
    export = [r for r in rules if r.price_list == "Export USD"]
    assert {(r.currency, r.country) for r in export} == {("USD", "CH"), ("USD", "GB"), ("USD", "US")}


async def test_formula_prices_leave_no_quotation_and_take_no_number(erp, sandbox):
    before = set(sandbox.server.db.tables["sale.order"])
    await erp.read_price_rules(["Tarif pro"])
    assert set(sandbox.server.db.tables["sale.order"]) == before
    assert erp.stats.methods["sale.order.create"] == erp.stats.methods["sale.order.unlink"] == 1
    sale = await erp.create_sale(order(), *(await _customer(erp)))
    assert sale.number == "S00002"   # the probe used id 1 but not a number from the sequence


async def test_an_unknown_price_list_is_a_configuration_error(erp):
    with pytest.raises(ConnectionFailure, match="'Tarif inconnu'"):
        await erp.read_price_rules(["Tarif inconnu"])


async def _customer(erp: OdooErp) -> tuple[str, str, str]:
    key = await erp.save_customer(CUSTOMER, await erp.find_customer(CUSTOMER))
    return key, await erp.ensure_address(key, HOME), await erp.ensure_address(key, HOME)


# --- customers -------------------------------------------------------------------------------------------

async def test_a_customer_is_found_by_email_trimmed_and_case_insensitive(erp):
    key = await erp.save_customer(CUSTOMER, None)
    shouting = CUSTOMER.model_copy(update={"email": "  JEANNE.MARTIN@EXAMPLE.ORG "})
    assert await erp.find_customer(shouting) == key
    wildcard = CUSTOMER.model_copy(update={"email": "jeanne_martin@example.org"})
    assert await erp.find_customer(wildcard) is None        # "_" is no LIKE wildcard here


async def test_a_renamed_customer_is_updated_not_duplicated(erp, sandbox):
    key = await erp.save_customer(CUSTOMER, None)
    renamed = CUSTOMER.model_copy(update={"last_name": "Martin-Durand", "vat_number": "FR40303265045"})
    assert await erp.save_customer(renamed, await erp.find_customer(renamed)) == key
    row = sandbox.server.db.tables["res.partner"][int(key)]
    assert (row["name"], row["vat"]) == ("Jeanne Martin-Durand", "FR40303265045")


async def test_addresses_go_on_the_contact_first_then_as_shipping_children(erp, sandbox):
    key = await erp.save_customer(CUSTOMER, None)
    home = await erp.ensure_address(key, HOME)
    assert home == key                                          # a new contact takes its first address
    assert await erp.ensure_address(key, HOME.model_copy(update={"street": "12 RUE DES LILAS"})) == home
    work = await erp.ensure_address(key, WORK)
    child = sandbox.server.db.tables["res.partner"][int(work)]
    assert (child["parent_id"], child["type"], child["street"]) == (int(key), "delivery", WORK.street)
    other = await OdooErp(erp.config, transport=erp.client._http._transport).ensure_address(key, WORK)
    assert other == work                                        # found again by a connector with no memory


async def test_existing_child_addresses_are_reused(erp, sandbox):
    customer = Customer(email="achats@garonne-installations.example", first_name="Paul", last_name="Garonne")
    key = await erp.find_customer(customer)
    assert key is not None
    dock = Address(first_name="Dépôt", last_name="Blagnac", street="12 avenue de l'Aéroport", postcode="31700",
                   city="Blagnac", country_code="FR")
    found = await erp.ensure_address(key, dock)
    assert sandbox.server.db.tables["res.partner"][int(found)]["type"] == "delivery"


# --- orders ----------------------------------------------------------------------------------------------

async def test_a_quotation_carries_the_reference_lines_shipping_and_warehouse(erp, sandbox):
    customer, invoice, delivery, sale = await import_order(erp, order(), confirm=False)
    assert (sale.total_tax_excl, sale.total_tax_incl, sale.confirmed) == (Decimal("109.90"), Decimal("131.88"), False)
    row = sandbox.server.db.tables["sale.order"][int(sale.key)]
    assert (row["client_order_ref"], row["partner_id"], row["warehouse_id"]) == ("ps1/XKBKNABJK", int(customer), 1)
    lines = [r for r in sandbox.server.db.tables["sale.order.line"].values() if r["order_id"] == int(sale.key)]
    [shipping] = [r for r in lines if r["is_delivery"]]
    carrier = sandbox.server.db.tables["delivery.carrier"][row["carrier_id"]]
    assert len(lines) == 2 and shipping["price_unit"] == 9.9 and carrier["name"] == {"en_US": "Colissimo"}
    assert shipping["product_id"] == carrier["product_id"]
    assert await erp.find_sale("ps1/XKBKNABJK") == sale


async def test_confirming_creates_the_picking_and_is_idempotent(erp, sandbox):
    *_, sale = await import_order(erp, order())
    await erp.confirm_sale(sale.key)                              # again, as a retry after a timeout would
    found = await erp.find_sale("ps1/XKBKNABJK")
    assert found is not None and found.confirmed
    assert len(sandbox.server.db.tables["stock.picking"]) == 1


async def test_an_order_costs_five_calls_once_warm_and_three_for_the_sale(erp):
    await import_order(erp, order("FIRST"))
    erp.stats.reset()
    await import_order(erp, order("SECOND"))
    assert erp.stats.calls == 5
    assert erp.stats.methods["sale.order.create"] == erp.stats.methods["sale.order.action_confirm"] == 1


async def test_discounts_need_a_discount_product(erp_for, sandbox):
    with pytest.raises(DataError, match="discount_product"):
        await import_order(erp_for(sandbox), order(discounts="10.00"))
    erp = erp_for(sandbox, discount_product="POSE-BAT")
    *_, sale = await import_order(erp, order("DISCOUNTED", discounts="10.00"), confirm=False)
    assert sale.total_tax_excl == Decimal("99.90")


async def test_shipping_without_a_known_carrier_needs_a_shipping_product(erp_for, sandbox):
    with pytest.raises(DataError, match="shipping_product"):
        await import_order(erp_for(sandbox), order(carrier="Pigeon voyageur"))
    erp = erp_for(sandbox, shipping_product="SHIP-DPD")
    *_, sale = await import_order(erp, order("PIGEON", carrier="Pigeon voyageur"), confirm=False)
    assert sale.total_tax_excl == Decimal("109.90")


async def test_an_unknown_sku_is_a_data_error(erp):
    customer, invoice, delivery = await _customer(erp)
    with pytest.raises(DataError, match="NOT-A-SKU"):
        await erp.create_sale(order(skus=("NOT-A-SKU",)), customer, invoice, delivery)


async def test_an_order_in_another_currency_uses_a_price_list_in_it(erp, sandbox):
    customer, invoice, delivery = await _customer(erp)
    sale = await erp.create_sale(order().model_copy(update={"currency": "USD"}), customer, invoice, delivery)
    row = sandbox.server.db.tables["sale.order"][int(sale.key)]
    assert sandbox.server.db.tables["res.currency"][row["currency_id"]]["name"] == "USD"
    with pytest.raises(DataError, match="no Odoo price list in GBP"):
        await erp.create_sale(order("GBP").model_copy(update={"currency": "GBP"}), customer, invoice, delivery)


async def test_a_quotation_is_discarded_and_a_confirmed_order_is_not(erp, sandbox):
    *_, sale = await import_order(erp, order(), confirm=False)
    await erp.discard_sale(sale.key)
    assert await erp.find_sale("ps1/XKBKNABJK") is None
    *_, confirmed = await import_order(erp, order("KEPT"))
    with pytest.raises(DataError, match="confirmed"):
        await erp.discard_sale(confirmed.key)


async def test_a_user_without_sales_rights_gets_an_authentication_failure(erp_for, sandbox):
    erp = erp_for(sandbox, user="demo", password=seed.DEMO_PASSWORD)
    customer, invoice, delivery = await _customer(erp_for(sandbox))
    with pytest.raises(AuthenticationFailure, match="not allowed") as caught:
        await erp.create_sale(order(), customer, invoice, delivery)
    assert "groups" in caught.value.hint


async def test_a_wrong_password_is_an_authentication_failure(erp_for, sandbox):
    with pytest.raises(AuthenticationFailure):
        await erp_for(sandbox, password="wrong").read_categories()


# --- orders in batches ------------------------------------------------------------------------------------

async def drafts(erp: OdooErp, references: list[str], **changes: Any) -> list[SaleDraft]:
    customer, invoice, delivery = await _customer(erp)
    return [SaleDraft(order(reference, **changes.get(reference, {})), customer, invoice, delivery)
            for reference in references]


async def test_a_batch_is_one_create_one_read_and_one_confirm(erp, sandbox):
    batch = await drafts(erp, [f"B{i}" for i in range(9)])
    await erp.create_sales(batch[:1], confirm=True)          # warms the reference lookups
    erp.stats.reset()
    outcomes = await erp.create_sales(batch[1:], confirm=True)
    assert all(o.sale and o.sale.confirmed and not o.error for o in outcomes)
    assert erp.stats.methods == {"sale.order.search_read": 2, "sale.order.create": 1, "sale.order.action_confirm": 1}
    assert len({o.sale.number for o in outcomes if o.sale}) == 8
    assert erp.stats.calls == 4          # 0.5 call per order


async def test_one_bad_order_neither_blocks_nor_duplicates_the_others(erp, sandbox):
    batch = await drafts(erp, ["G1", "BAD", "G2"])
    batch[1] = SaleDraft(batch[1].order, "999999", batch[1].invoice_address, batch[1].delivery_address)
    outcomes = await erp.create_sales(batch, confirm=True)
    assert [o.reference for o in outcomes] == ["ps1/G1", "ps1/BAD", "ps1/G2"]
    assert outcomes[0].sale and outcomes[2].sale and outcomes[1].error is not None and outcomes[1].sale is None
    again = await erp.create_sales(batch, confirm=True)               # the retry creates nothing twice
    assert again[0].sale == outcomes[0].sale
    refs = [r["client_order_ref"] for r in sandbox.server.db.tables["sale.order"].values()]
    assert sorted(refs) == ["ps1/G1", "ps1/G2"]


async def test_a_batch_answers_known_orders_and_data_errors_per_order(erp):
    batch = await drafts(erp, ["K1", "UNKNOWN-SKU"], **{"UNKNOWN-SKU": {"skus": ("NOPE",)}})
    first = await erp.create_sales(batch[:1])
    outcomes = await erp.create_sales(batch)
    assert outcomes[0].sale == first[0].sale
    assert isinstance(outcomes[1].error, DataError) and "NOPE" in str(outcomes[1].error)


# --- fulfilment ------------------------------------------------------------------------------------------

async def ship(erp: OdooErp, sale_key: str, tracking: str) -> None:
    """What a warehouse clerk does in Odoo: quantities done (per version), tracking number, validate."""
    session = await erp.session()
    [row] = await erp.client.call("sale.order", "read", [int(sale_key)], {"fields": ["picking_ids"]})
    for picking in row["picking_ids"]:
        moves = await erp.client.search_read("stock.move", [("picking_id", "=", picking)], ["product_uom_qty"])
        for move in moves:
            done = session.dialect.move_done_values(move["product_uom_qty"])
            await erp.client.write("stock.move", [move["id"]], done)
        await erp.client.write("stock.picking", [picking], {"carrier_tracking_ref": tracking})
        assert await erp.client.button("stock.picking", "button_validate", [picking]) is True


async def invoice(erp: OdooErp, sale_key: str) -> None:
    lines = await erp.client.search_read("sale.order.line", [("order_id", "=", int(sale_key))],
                                         ["product_id", "product_uom_qty", "price_unit"])
    [move] = await erp.client.create("account.move", [{"move_type": "out_invoice", "invoice_line_ids": [
        (0, 0, {"product_id": line["product_id"][0], "quantity": line["product_uom_qty"],
                "price_unit": line["price_unit"], "sale_line_ids": [(6, 0, [line["id"]])]}) for line in lines]}])
    await erp.client.button("account.move", "action_post", [move])


async def test_a_shipped_order_tells_its_tracking_and_invoice_number(erp, sandbox):
    *_, sale = await import_order(erp, order())
    [status] = await erp.read_sale_statuses([sale.key])
    assert (status.state, status.shipments, status.invoice_number) == (SaleState.ACCEPTED, (), None)
    await ship(erp, sale.key, "6A12345678901")
    await invoice(erp, sale.key)
    erp.stats.reset()
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED and status.invoice_number == f"INV/{dt.date.today().year}/00001"
    assert [(s.carrier, s.tracking_number) for s in status.shipments] == [("Colissimo", "6A12345678901")]
    assert erp.stats.calls == (4 if sandbox.version == "16.0" else 3)   # 16: the invoices' PDFs are searched


async def test_quotations_have_no_status_and_cancelled_orders_say_so(erp, sandbox):
    *_, quotation = await import_order(erp, order("Q"), confirm=False)
    *_, cancelled = await import_order(erp, order("C"))
    await erp.cancel_sale(cancelled.key)
    statuses = await erp.read_sale_statuses([quotation.key, cancelled.key])
    assert [(s.erp_key, s.state) for s in statuses] == [(cancelled.key, SaleState.CANCELLED)]


# --- check ---------------------------------------------------------------------------------------------

async def test_check_says_what_is_there_and_how_to_fix_what_is_not(erp_for, sandbox):
    erp = erp_for(sandbox, warehouses=["TLS", "LYO"], languages=["en_US", "de_DE"], shipping_product="NOPE",
                  gift_wrapping_product="MAINT-AN", payment_journal="CCP")
    results = {r.what: r for r in await erp.check()}
    assert results["gift_wrapping_product 'MAINT-AN'"].ok and not results["payment_journal 'CCP'"].ok
    assert results["Odoo server reachable"].ok and results["login as 'admin'"].ok
    assert not results["warehouse 'LYO'"].ok and "code in Odoo" in results["warehouse 'LYO'"].fix
    assert not results["language de_DE"].ok and results["language en_US"].ok
    assert not results["shipping_product 'NOPE'"].ok and results["kits (module mrp)"].ok
    assert all(r.ok for name, r in results.items() if name.startswith("model "))


async def test_check_reports_a_wrong_password_with_a_fix(erp_for, sandbox):
    results = await erp_for(sandbox, password="wrong").check()
    assert results[0].ok and not results[1].ok and "api_key" in results[1].fix


# --- protocols and versions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_both_rpc_protocols_import_the_same_order(erp_for, sandbox, protocol):
    erp = erp_for(sandbox, protocol=protocol)
    *_, sale = await import_order(erp, order())
    assert (await erp.session()).wire == protocol
    assert (await erp.find_sale("ps1/XKBKNABJK")).confirmed and sale.total_tax_incl == Decimal("131.88")


async def test_odoo_19_is_spoken_to_over_json2_with_the_api_key(erp_for):
    sandbox = new_sandbox("19.0")
    erp = erp_for(sandbox, api_key=seed.API_KEY, password=None)
    assert (await erp.session()).wire == "json2"
    *_, sale = await import_order(erp, order())
    assert (await erp.find_sale("ps1/XKBKNABJK")).confirmed
    await ship(erp, sale.key, "19-TRACK")
    [status] = await erp.read_sale_statuses([sale.key])
    assert status.state is SaleState.SHIPPED and status.shipments[0].tracking_number == "19-TRACK"
    assert len(await erp.read_stock(["TLS"])) > 0 and await erp.read_price_rules(["Tarif pro"])
    with pytest.raises(AuthenticationFailure):
        await erp_for(sandbox, api_key="not-the-key", password=None).read_categories()


async def test_images_and_binary_fields_travel_as_base64(sandbox, erp):
    template = next(i for i, row in sandbox.server.db.tables["product.template"].items() if row.get("image_1920"))
    content = await erp.read_file(f"product.template/{template}/image_1920")
    assert base64.b64encode(content).decode() == sandbox.server.db.tables["product.template"][template]["image_1920"]


async def test_odoo_15_prices_formulas_with_the_price_field_not_a_quotation():
    """Up to 15.0, ``product.product.price`` computes a price list's price for the context's price list,
    quantity and date; the connector reads it (no quotation) — answers scripted as 15.0 gives them."""
    sent: list[dict[str, Any]] = []

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        method = body["params"]["method"]
        result: Any = {"server_version": "15.0", "server_version_info": [15, 0, 0, "final", 0, ""]} \
            if method == "version" else 2 if method == "authenticate" else [{"id": 3, "price": 28.9}]
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    erp = OdooErp(make_config(), transport=httpx.MockTransport(reply))
    probe = Probe(7, 3, 5, "2026-06-01 00:00:00")
    assert await erp._compute_prices({probe}) == {probe: Decimal("28.9")}
    _, _, _, model, method, args, kwargs = sent[-1]["params"]["args"]
    assert (model, method, kwargs["fields"]) == ("product.product", "search_read", ["price"])
    assert kwargs["context"] == {"lang": "en_US", "pricelist": 7, "quantity": 5, "date": "2026-06-01"}
    await erp.aclose()
