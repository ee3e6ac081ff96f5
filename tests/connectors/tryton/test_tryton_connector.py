"""TrytonErp's own decisions (which calls, in which order, what when Tryton refuses), against the
JSON-RPC double. What Tryton does with those calls is tested against a real server in
``test_tryton_live.py``."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from courroie.connectors.protocols import SaleTerms
from courroie.errors import ConnectionFailure, DataError
from courroie.model import Address, Customer, Order, OrderLine
from tryton_captures import Call, captured, fault

pytestmark = [pytest.mark.tryton, pytest.mark.anyio]

HOME = Address(first_name="Jeanne", last_name="Martin", street="12 rue des Lilas", postcode="31000",
               city="Toulouse", country_code="FR")
CUSTOMER = Customer(email="jean_martin@example.org", first_name="Jean", last_name="Martin")


def order() -> Order:
    line = OrderLine(sku="MOT-24", name="Motor", quantity=Decimal(1), unit_price_tax_excl=Decimal("249.90"),
                     unit_price_tax_incl=Decimal("299.88"), total_tax_excl=Decimal("249.90"),
                     total_tax_incl=Decimal("299.88"))
    return Order(shop="ps1", external_id="41", reference="XKBKNABJK", placed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                 currency="EUR", customer=CUSTOMER, invoice_address=HOME, delivery_address=HOME, lines=(line,),
                 total_tax_excl=Decimal("249.90"), total_tax_incl=Decimal("299.88"))


def sale_read(state: str):
    return [{"id": 30, "number": "S30", "state": state, "untaxed_amount": Decimal("249.90"),
             "tax_amount": Decimal("49.98"), "total_amount": Decimal("299.88")}]


def answer_order_lookups(fake_tryton) -> None:
    fake_tryton.on("model.ir.model.field.search_read", [])            # no optional module (promotions)
    fake_tryton.on("model.product.product.search_read", [{"id": 11, "code": "MOT-24"}])
    fake_tryton.on("model.currency.currency.search_read", [{"id": 1, "code": "EUR"}])
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}])
    fake_tryton.on("model.sale.line.on_change", captured("on_change_sale_line"))
    fake_tryton.on("model.sale.sale.create", [30])


async def test_create_sale_sends_explicit_prices_taxes_and_units_then_quotes(erp_for, fake_tryton):
    answer_order_lookups(fake_tryton)
    fake_tryton.on("model.sale.sale.quote", None)
    fake_tryton.on("model.sale.sale.read", sale_read("quotation"))

    sale = await erp_for().create_sale(order(), "5", "6", "6")

    assert (sale.key, sale.number, sale.total_tax_incl, sale.confirmed) == ("30", "S30", Decimal("299.88"), False)
    [create] = [c for c in fake_tryton.calls if c.method == "model.sale.sale.create"]
    [values] = create.params[0]
    assert values["reference"] == "ps1/XKBKNABJK" and values["warehouse"] == 4 and values["party"] == 5
    assert values["lines"] == [["create", [{"type": "line", "product": 11, "quantity": 1.0,
                                            "unit_price": Decimal("249.9000"), "unit": 1, "taxes": [["add", [1]]]}]]]
    [change] = [c for c in fake_tryton.calls if c.method == "model.sale.line.on_change"]
    assert change.params[0]["_parent_sale.party"] == 5 and change.params[1] == ["product"]
    assert fake_tryton.methods()[-2:] == ["model.sale.sale.quote", "model.sale.sale.read"]


async def test_a_sale_tryton_refuses_to_quote_is_removed_again(erp_for, fake_tryton):
    answer_order_lookups(fake_tryton)
    refusal = fault("UserError", ["To quote sale 30 you must set a warehouse.", "", None])
    fake_tryton.on("model.sale.sale.quote", refusal)
    fake_tryton.on("model.sale.sale.delete", None)

    with pytest.raises(DataError, match="warehouse"):
        await erp_for().create_sale(order(), "5", "6", "6")
    assert fake_tryton.calls[-1].method == "model.sale.sale.delete" and fake_tryton.calls[-1].params[0] == [30]


async def test_unknown_skus_block_the_order_before_anything_is_written(erp_for, fake_tryton):
    fake_tryton.on("model.product.product.search_read", [])
    with pytest.raises(DataError, match="MOT-24"):
        await erp_for().create_sale(order(), "5", "6", "6")
    assert not [m for m in fake_tryton.methods() if m.endswith((".create", ".write"))]


async def test_charged_shipping_without_carrier_nor_shipping_product_is_a_data_error(erp_for, fake_tryton):
    answer_order_lookups(fake_tryton)
    fake_tryton.on("model.carrier.search_read", [])
    charged = order().model_copy(update={"shipping_tax_excl": Decimal("9.90"), "carrier": "Pigeon"})
    with pytest.raises(DataError, match="Pigeon"):
        await erp_for().create_sale(charged, "5", "6", "6")


async def test_the_shop_carrier_is_mapped_to_a_tryton_carrier_whose_product_carries_shipping(erp_for, fake_tryton):
    answer_order_lookups(fake_tryton)
    fake_tryton.on("model.carrier.search_read", [{"id": 2, "carrier_product": 40}])
    fake_tryton.on("model.sale.sale.quote", None)
    fake_tryton.on("model.sale.sale.read", sale_read("quotation"))
    shipped = order().model_copy(update={"shipping_tax_excl": Decimal("9.90"), "carrier": "DPD Predict"})

    await erp_for(carriers={"DPD Predict": "DPD France"}).create_sale(shipped, "5", "6", "6")

    [search] = [c for c in fake_tryton.calls if c.method == "model.carrier.search_read"]
    assert search.params[0] == ["OR", ["party.name", "ilike", "DPD France"],
                                ["carrier_product.code", "=", "DPD France"]]
    [create] = [c for c in fake_tryton.calls if c.method == "model.sale.sale.create"]
    [values] = create.params[0]
    assert values["carrier"] == 2 and values["shipment_cost_method"] is None
    shipping = values["lines"][0][1][-1]
    assert (shipping["product"], shipping["unit_price"], shipping["description"]) == (
        40, Decimal("9.9000"), "Shipping (DPD Predict)")


@pytest.mark.parametrize("state_after_confirm, processed", [("confirmed", True), ("processing", False)])
async def test_confirm_processes_only_when_tryton_has_not(erp_for, fake_tryton, state_after_confirm, processed):
    fake_tryton.on("model.sale.sale.confirm", None)
    fake_tryton.on("model.sale.sale.read", sale_read("quotation"), sale_read(state_after_confirm))
    fake_tryton.on("model.sale.sale.process", None)
    await erp_for().confirm_sale("30")
    assert ("model.sale.sale.process" in fake_tryton.methods()) is processed


async def test_confirming_a_confirmed_sale_clicks_nothing_tryton_would_refuse(erp_for, fake_tryton):
    fake_tryton.on("model.sale.sale.read", sale_read("processing"))
    await erp_for().confirm_sale("30")
    assert fake_tryton.methods()[2:] == ["model.sale.sale.read"]


async def test_a_draft_left_by_an_interrupted_quote_is_quoted_then_confirmed(erp_for, fake_tryton):
    for button in ("confirm", "quote", "process"):
        fake_tryton.on(f"model.sale.sale.{button}", None)
    fake_tryton.on("model.sale.sale.read", sale_read("draft"), sale_read("processing"))
    await erp_for().confirm_sale("30")
    assert [m.rsplit(".", 1)[1] for m in fake_tryton.methods()[2:]] == ["read", "quote", "confirm", "read"]


async def test_a_sale_tryton_will_not_confirm_is_a_data_error(erp_for, fake_tryton):
    fake_tryton.on("model.sale.sale.read", sale_read("cancelled"))
    with pytest.raises(DataError, match="cancelled"):
        await erp_for().confirm_sale("30")


async def test_find_customer_escapes_the_email_and_compares_exactly(erp_for, fake_tryton):
    fake_tryton.on("model.party.contact_mechanism.search_read",
                   [{"id": 1, "value": "JEAN_MARTIN@example.org", "party": 5}])
    assert await erp_for().find_customer(CUSTOMER) == "5"
    domain = fake_tryton.calls[-1].params[0]
    assert domain == [["type", "=", "email"], ["value", "ilike", "jean\\_martin@example.org"]]


def party_row(name: str, email: str = "jean_martin@example.org", **extra) -> dict:
    return {"id": 5, "name": name, "identifiers": [], "identifiers.": [], "categories": [],
            "customer_payment_term": None, "contact_mechanisms.": [{"id": 1, "type": "email", "value": email}],
            **extra}


async def test_save_customer_writes_only_a_changed_name(erp_for, fake_tryton):
    fake_tryton.on("model.party.party.read", [party_row("Jean Martin")], [party_row("J. Martin")])
    fake_tryton.on("model.party.party.write", None)
    erp = erp_for()
    assert await erp.save_customer(CUSTOMER, "5") == "5"
    assert "model.party.party.write" not in fake_tryton.methods()
    await erp.save_customer(CUSTOMER, "5")
    assert fake_tryton.calls[-1].params[:2] == [[5], {"name": "Jean Martin"}]


async def test_save_customer_adds_the_email_a_vat_number_and_the_terms_in_one_write(erp_for, fake_tryton):
    fake_tryton.on("model.party.party.read", [party_row("Portails SA", email="office@portails.example",
                                                        identifiers=[3], **{"identifiers.": [
                                                            {"id": 3, "type": "eu_vat", "code": "FR75512345679"}]})])
    fake_tryton.on("model.party.category.search_read", [{"id": 2, "name": "Professionnels"}])
    fake_tryton.on("model.account.invoice.payment_term.search_read", [{"id": 4, "name": "Net 30 days"}])
    fake_tryton.on("model.party.party.write", None)
    business = CUSTOMER.model_copy(update={"company": "Portails SA", "vat_number": "fr 28 498765437"})
    terms = SaleTerms(customer_category="Professionnels", payment_term="Net 30 days")

    await erp_for().save_customer(business, "5", terms)

    [write] = [c for c in fake_tryton.calls if c.method == "model.party.party.write"]
    assert write.params[:2] == [[5], {
        "contact_mechanisms": [["create", [{"type": "email", "value": "jean_martin@example.org"}]]],
        "identifiers": [["write", [3], {"code": "FR28498765437"}]],
        "categories": [["add", [2]]], "customer_payment_term": 4}]


async def test_an_unknown_category_name_is_a_data_error_before_anything_is_written(erp_for, fake_tryton):
    fake_tryton.on("model.party.category.search_read", [])
    with pytest.raises(DataError, match="'VIP'"):
        await erp_for().save_customer(CUSTOMER, None, SaleTerms(customer_category="VIP"))
    assert not [m for m in fake_tryton.methods() if m.endswith((".create", ".write"))]


async def test_ensure_address_reuses_an_equal_address(erp_for, fake_tryton):
    fake_tryton.on("model.party.address.search_read", [
        {"id": 6, "party_name": "JEANNE MARTIN", "attn": None, "street": "12, rue des lilas", "postal_code": "31000",
         "city": "Toulouse", "country.": {"id": 75, "code": "FR"}}])
    assert await erp_for().ensure_address("5", HOME) == "6"
    assert "model.party.address.create" not in fake_tryton.methods()


async def test_stock_is_read_per_warehouse_with_tryton_forecast_context(erp_for, fake_tryton):
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}, {"id": 9, "code": "BDX"}])

    def stock(call: Call):
        [warehouse] = call.context["locations"]
        return [{"id": 11, "code": "MOT-24", "quantity": 10.0, "forecast_quantity": 8.0 if warehouse == 4 else 12.0}]

    fake_tryton.on("model.product.product.search", [11])
    fake_tryton.on("model.product.product.search_read", stock)
    fake_tryton.on("model.ir.model.field.search_read", [])
    levels = await erp_for().read_stock(["TLS", "BDX"])
    assert [(lv.location, lv.quantity) for lv in levels] == [("TLS", Decimal(8)), ("BDX", Decimal(10))]
    reads = [c for c in fake_tryton.calls if c.method == "model.product.product.search_read"]
    assert all(c.context["stock_assign"] is True and "stock_date_end" not in c.context for c in reads)


def _stamp(moment: dt.datetime) -> dict:
    """A datetime as trytond sends it (naive UTC)."""
    return {"__class__": "datetime", "year": moment.year, "month": moment.month, "day": moment.day,
            "hour": moment.hour, "minute": moment.minute, "second": moment.second, "microsecond": 0}


async def test_stock_levels_say_back_orders_and_categories(erp_for, fake_tryton):
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}])
    fake_tryton.on("model.ir.model.field.search_read", [{"id": 1, "model": "product.template", "name": "supply_on_sale"}])
    fake_tryton.on("model.product.product.search", [11, 12, 13])
    fake_tryton.on("model.product.product.search_read", [
        {"id": 11, "code": "MOT-24", "quantity": 3.0, "forecast_quantity": 3.0,
         "template.": {"id": 1, "consumable": False, "categories": [7, 5], "supply_on_sale": None}},
        {"id": 12, "code": "BATT", "quantity": 0.0, "forecast_quantity": 0.0,
         "template.": {"id": 2, "consumable": True, "categories": [], "supply_on_sale": None}},
        {"id": 13, "code": "GATE", "quantity": 0.0, "forecast_quantity": -2.0,
         "template.": {"id": 3, "consumable": False, "categories": [5], "supply_on_sale": "stock_first"}}])
    levels = {level.sku: level for level in await erp_for().read_stock(["TLS"])}
    assert (levels["MOT-24"].backorders, levels["MOT-24"].categories) == (None, ("5", "7"))
    assert levels["BATT"].backorders is True and levels["GATE"].backorders is True
    assert levels["GATE"].quantity == Decimal(-2)
    [read] = [c for c in fake_tryton.calls if c.method == "model.product.product.search_read"]
    assert "template.supply_on_sale" in read.params[4]


async def test_stock_changes_read_the_moves_since_the_cursor_then_just_those_products_and_their_kits(
        erp_for, fake_tryton):
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}])
    fake_tryton.on("model.ir.model.field.search_read", [{"id": 1, "model": "product.component", "name": "parent_template"}])
    since = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    later = dt.datetime(2026, 3, 1, 10, 5, 7)
    fake_tryton.on("model.stock.move.search_read", [
        {"id": 1, "product": 11, "create_date": _stamp(since.replace(tzinfo=None)), "write_date": _stamp(later)},
        {"id": 2, "product": 11, "create_date": _stamp(since.replace(tzinfo=None)), "write_date": None}])
    fake_tryton.on("model.product.component.search_read", [{"id": 9, "parent_product": None, "parent_template": 40}])
    fake_tryton.on("model.product.product.search", [41])
    fake_tryton.on("model.product.product.search_read", lambda call: [
        {"id": i, "code": f"SKU-{i}", "quantity": 5.0, "forecast_quantity": 4.0, "template.": {"categories": []}}
        for i in call.params[0][-1][2]])

    levels, cursor = await erp_for().read_stock_changes(["TLS"], since)

    assert sorted(level.sku for level in levels) == ["SKU-11", "SKU-41"]        # the moved product, its kit
    assert cursor == later.replace(tzinfo=dt.UTC)
    [moves] = [c for c in fake_tryton.calls if c.method == "model.stock.move.search_read"]
    where = moves.params[0]
    assert where[0][0] == "OR" and where[0][1][2]["hour"] == 10 and where[0][1][2]["minute"] == 0
    assert where[1] == ["OR", ["from_location", "child_of", [4], "parent"], ["to_location", "child_of", [4], "parent"]]
    [components] = [c for c in fake_tryton.calls if c.method == "model.product.component.search_read"]
    assert components.params[0] == [["product", "in", [11]]]


async def test_no_stock_move_since_the_cursor_reads_no_product_and_keeps_the_cursor(erp_for, fake_tryton):
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}])
    fake_tryton.on("model.stock.move.search_read", [])
    since = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    assert await erp_for().read_stock_changes(["TLS"], since) == ([], since)
    assert "model.product.product.search_read" not in fake_tryton.methods()


async def test_an_unknown_warehouse_code_is_a_configuration_error(erp_for, fake_tryton):
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}])
    with pytest.raises(ConnectionFailure, match="'NYC'"):
        await erp_for().read_stock(["TLS", "NYC"])


async def test_check_reports_missing_modules_rights_and_warehouses(erp_for, fake_tryton):
    fake_tryton.on("model.ir.model.search_read", lambda call: [{"id": n, "name": name} for n, name in
                                                                enumerate(call.params[0][0][2]) if name != "carrier"])
    fake_tryton.on("model.ir.model.access.get_access", lambda call: {
        model: {"read": 1, "write": 0, "create": 0, "delete": 0} for model in call.params[0]})
    fake_tryton.on("model.ir.model.field.search_read", [{"id": 1, "model": "product.template", "name": "weight"}])
    fake_tryton.on("model.stock.location.search_read", [{"id": 4, "code": "TLS"}])
    fake_tryton.on("model.country.country.search_read", [{"id": 75, "code": "FR"}])
    fake_tryton.on("model.account.configuration.search_read", [{"id": 1, "tax_rounding": "document"}])

    results = {r.what: r for r in await erp_for().check()}
    assert results["tax rounding"].warning and results["tax rounding"].ok

    assert results["Tryton server reachable"].ok and "8.2" in results["Tryton server reachable"].detail
    assert results["login as 'admin'"].ok
    assert not results["model carrier"].ok and "'carrier'" in results["model carrier"].fix
    assert results["read product.product"].ok
    sales = results["read/create/write sale.sale"]
    assert not sales.ok and "create, write" in sales.detail
    assert results["field product.template.weight"].ok
    assert not results["field stock.shipment.out.shipping_reference"].ok
    assert results["warehouse 'TLS'"].ok and not results["warehouse 'BDX'"].ok
    assert results["countries"].ok


async def test_check_stops_at_a_refused_login_with_the_fix(erp_for):
    results = await erp_for(password="wrong").check()
    assert [r.ok for r in results] == [True, False]
    assert "password" in results[1].fix


# --- catalog details, prices, campaigns -----------------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0" + b"x" * 60


def answer_catalog(fake_tryton, *, optional: list[tuple[str, str]]) -> None:
    """A one-template catalog; ``optional``: the (model, field) of the optional modules present."""
    fake_tryton.on("model.ir.model.field.search_read", [{"id": i, "model": m, "name": n}
                                                        for i, (m, n) in enumerate(optional)])
    fake_tryton.on("model.company.company.read", [{"id": 1, "currency.": {"code": "EUR"}, "timezone": "Europe/Paris"}])
    fake_tryton.on("model.carrier.search_read", [])
    fake_tryton.on("model.product.attribute.search_read", [])
    fake_tryton.on("model.product.template.search_read", [{"id": 7, "code": "MOT", "name": "Motor",
                                                          "list_price": Decimal("100"), "categories": []}])
    fake_tryton.on("model.product.product.search_read", [{"id": 11, "code": "MOT", "template": 7, "description": None}])
    fake_tryton.on("model.ir.attachment.search_read", [])


async def test_pictures_are_hashed_from_bytes_read_apart_and_absent_modules_are_not_asked(erp_for, fake_tryton):
    answer_catalog(fake_tryton, optional=[("product.image", "image")])

    def images(call: Call):
        if call.context.get("product.image.image") == "size":
            return [{"id": 3, "template": 7, "product": None, "sequence": 1, "description": "Motor",
                     "image": len(JPEG)}]
        if call.params[4] == ["description"]:
            return [{"id": 3, "description": "Moteur"}]
        assert call.params[0] == [["id", "in", [3]]]
        return [{"id": 3, "image": {"__class__": "bytes", "base64": base64.b64encode(JPEG).decode()}}]

    fake_tryton.on("model.product.image.search_read", images)
    erp = erp_for()
    [product] = await erp.read_products()
    [image] = product.images
    assert (image.key, image.content_hash, image.name) == (
        "image/3", hashlib.sha256(JPEG).hexdigest(), {"en": "Motor", "fr": "Moteur"})
    assert not [m for m in fake_tryton.methods() if "product.component" in m]       # product_kit not activated

    [again] = await erp.read_products()                      # nobody rewrote the picture: its bytes are not read
    assert again.images == product.images
    byte_reads = [c for c in fake_tryton.calls if c.method == "model.product.image.search_read"
                  and c.params[0] == [["id", "in", [3]]]]
    assert len(byte_reads) == 1


async def test_without_sale_price_list_prices_cannot_be_read(erp_for, fake_tryton):
    fake_tryton.on("model.ir.model.field.search_read", [])
    with pytest.raises(ConnectionFailure, match="sale_price_list"):
        await erp_for().read_price_rules(["Tarif pro"])
    assert await erp_for().read_price_rules([]) == []
    assert await erp_for().read_promotions() == []                                   # sale_promotion absent


async def test_price_lists_are_asked_by_name_in_the_main_language(erp_for, fake_tryton):
    fake_tryton.on("model.ir.model.field.search_read", [{"id": 1, "model": "party.party", "name": "sale_price_list"}])
    fake_tryton.on("model.product.price_list.search_read", [{"id": 2, "name": "Tarif pro"}])
    with pytest.raises(ConnectionFailure, match="'Soldes'"):
        await erp_for().read_price_rules(["Tarif pro", "Soldes"])
    [lists] = [c for c in fake_tryton.calls if c.method == "model.product.price_list.search_read"]
    assert lists.params[0] == [["name", "in", ["Tarif pro", "Soldes"]]] and lists.context["language"] == "en"


async def test_a_file_key_names_a_picture_or_an_attachment(erp_for, fake_tryton):
    fake_tryton.on("model.ir.attachment.search_read", [{"id": 5, "data": {"__class__": "bytes", "base64": "JVBERi0="}}])
    assert await erp_for().read_file("attachment/5") == b"%PDF-"
    with pytest.raises(DataError, match="file key"):
        await erp_for().read_file("party/5")
