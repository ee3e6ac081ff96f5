"""Tryton rows ↔ canonical records, without a server. Row shapes are those trytond 8.2 returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from courroie.connectors.tryton import mapping
from courroie.errors import DataError
from courroie.model import Address, Customer, Money, Order, OrderLine, Payment, SaleState, Voucher

pytestmark = pytest.mark.tryton

VOLTAGE = {"id": 1, "name": "voltage", "string": "Voltage", "type_": "selection",
           "selection_json": '[["24v","24 V"],["230v","230 V"]]'}
SCHEMAS = mapping.attribute_schemas([
    {"id": 2, "name": "max_weight", "string": "Max. gate weight", "type_": "selection",
     "selection_json": '[["400kg","400 kg"]]'},
    VOLTAGE,
])
TEMPLATE = {"id": 7, "code": "MOT", "name": "Swing gate motor", "list_price": Decimal("249.9000"),
            "categories": [3, 4], "weight": 8.5, "weight_uom.": {"id": 2, "factor": 1.0},
            "account_category.": {"id": 1, "name": "VAT 20%"}, "active": 1}


def variant(id_: int, code: str | None, **extra) -> dict:
    return {"id": id_, "code": code, "template": 7, "attributes": None, "list_price": None,
            "identifiers.": [], "position": None, "description": None, "active": 1, **extra}


# --- catalog

def test_categories_come_parents_first_with_their_translations():
    rows = {"en": {3: {"id": 3, "name": "Swing", "parent": 2}, 2: {"id": 2, "name": "Operators", "parent": None},
                   9: {"id": 9, "name": "Orphan", "parent": 99}},
            "fr": {3: {"id": 3, "name": "Battants", "parent": 2}, 2: {"id": 2, "name": "Motorisation", "parent": None},
                   9: {"id": 9, "name": "", "parent": 99}}}
    categories = mapping.categories_from_rows(rows)
    assert [(c.key, c.parent_key) for c in categories] == [("2", None), ("9", None), ("3", "2")]
    assert categories[2].name == {"en": "Swing", "fr": "Battants"}
    assert categories[1].name == {"en": "Orphan"}       # empty texts are left out


def test_attributes_show_labels_in_definition_order():
    values = {"voltage": "24v", "max_weight": "400kg", "legacy": "x", "unset": None}
    assert list(mapping.variant_attributes(values, SCHEMAS).items()) == [
        ("Voltage", "24 V"), ("Max. gate weight", "400 kg"), ("legacy", "x")]


@pytest.mark.parametrize("type_, value, text", [
    ("boolean", True, "yes"), ("integer", 4, "4"), ("char", "red", "red"),
    ("multiselection", ["a", "b"], "A, b"), ("selection", "zz", "zz"),
])
def test_attribute_values_of_every_type(type_, value, text):
    schema = mapping.AttributeSchema("x", "X", type_, {"a": "A"})
    assert mapping.attribute_text(schema, value) == text


def test_ean13_takes_the_first_ean_identifier_of_13_digits():
    identifiers = [{"type": "ean", "code": "96385074"}, {"type": "mpn", "code": "4006381333931"},
                   {"type": "ean", "code": " 4006381333931 "}, {"type": "ean", "code": "5901234123457"}]
    assert mapping.ean13(identifiers) == "4006381333931"
    assert mapping.ean13([]) is None


@pytest.mark.parametrize("weight, factor, kg", [(120.0, 0.001, Decimal("0.12")), (8.5, 1.0, Decimal("8.5")),
                                                (10.0, 1.0, Decimal("10")), (None, 1.0, None), (2.0, None, None)])
def test_weights_are_converted_to_kilograms(weight, factor, kg):
    result = mapping.weight_in_kg(weight, factor)
    assert result == kg and str(result) == str(kg)


def test_plain_text_descriptions_become_safe_html():
    assert mapping.as_html("Opens <fast>.\nQuiet.\n\nTwo years & more") == \
        "<p>Opens &lt;fast&gt;.<br>Quiet.</p><p>Two years &amp; more</p>"


def test_descriptions_already_in_html_pass_through():
    kept = "<p>Soft start</p><ul><li>3-year warranty</li></ul>"
    assert mapping.as_html(f"  {kept}\n") == kept


def test_a_template_with_attribute_variants_is_a_product_with_combinations():
    variants = [variant(12, "MOT-230", attributes={"voltage": "230v"}, position=2, list_price=Decimal("279.9000")),
                variant(11, "MOT-24", attributes={"voltage": "24v"}, position=1,
                        **{"identifiers.": [{"type": "ean", "code": "4006381333931"}]}),
                variant(13, None)]
    product = mapping.product_from_rows(TEMPLATE, variants, names={"en": "Swing gate motor", "fr": "Moteur"},
                                        descriptions={"en": "Quiet."}, schemas=SCHEMAS, currency="EUR")
    assert product.sku == "MOT" and product.has_combinations
    assert product.price == Money(amount=Decimal("249.9000"), currency="EUR")
    assert product.category_keys == ("3", "4") and product.tax_group == "VAT 20%"
    assert product.weight == Decimal("8.5") and product.description == {"en": "<p>Quiet.</p>"}
    assert [(v.sku, v.attributes, v.ean13) for v in product.variants] == [
        ("MOT-24", {"Voltage": "24 V"}, "4006381333931"), ("MOT-230", {"Voltage": "230 V"}, None)]
    assert product.variants[0].price is None                                   # the product's price
    assert product.variants[1].price == Money(amount=Decimal("279.9000"), currency="EUR")
    assert product.ean13 is None                                              # only single-variant products


def test_a_single_variant_template_carries_the_variants_sku_and_ean():
    template = {**TEMPLATE, "code": None}
    only = variant(11, "REM", list_price=Decimal("249.9000"),
                   **{"identifiers.": [{"type": "ean", "code": "4006381333931"}]})
    product = mapping.product_from_rows(template, [only], names={"en": "Remote"}, descriptions={},
                                        schemas=SCHEMAS, currency="EUR")
    assert product.sku == "REM" and product.skus() == ["REM"] and not product.has_combinations
    assert product.ean13 == "4006381333931"
    assert product.variants[0].price is None           # same as the template's: not an override


def test_a_template_without_sku_or_price_is_not_published():
    assert mapping.product_from_rows(TEMPLATE, [variant(1, None)], names={}, descriptions={}, schemas={},
                                     currency="EUR") is None
    assert mapping.product_from_rows({**TEMPLATE, "list_price": None}, [variant(1, "A")], names={},
                                     descriptions={}, schemas={}, currency="EUR") is None


# --- stock

@pytest.mark.parametrize("quantity, forecast, available", [
    (10.0, 8.0, Decimal("8")),      # a confirmed sale not yet reserved is held back
    (7.0, 27.0, Decimal("7")),      # goods not received yet are not sold
    (2.5, 2.5, Decimal("2.5")),
    (0.0, -3.0, Decimal("-3")),     # over-committed: the flow decides what to publish
    (-0.0, 0.0, Decimal("0")),
    (None, None, Decimal("0")),
])
def test_available_to_sell_is_the_smaller_of_quantity_and_forecast(quantity, forecast, available):
    result = mapping.available_to_sell({"quantity": quantity, "forecast_quantity": forecast})
    assert result == available and str(result) == str(available)


def test_stock_levels_name_the_warehouse_code():
    levels = mapping.stock_levels([{"id": 1, "code": "A", "quantity": 3.0, "forecast_quantity": 3.0},
                                   {"id": 2, "code": None, "quantity": 1.0, "forecast_quantity": 1.0}], "TLS")
    assert [(lv.sku, lv.location, lv.quantity) for lv in levels] == [("A", "TLS", Decimal("3"))]


# --- customers and addresses

CUSTOMER = Customer(email=" Jeanne.Martin@Example.org ", first_name="Jeanne", last_name="Martin")
HOME = Address(first_name="Jeanne", last_name="Martin", street="12, rue des Lilas", street2="Bât. B",
               postcode="31000", city="Toulouse", country_code="fr", phone="+33 5 61 00 00 00")


def test_party_name_is_the_company_or_the_person():
    assert mapping.party_name(CUSTOMER) == "Jeanne Martin"
    assert mapping.party_name(CUSTOMER.model_copy(update={"company": " Portails SA "})) == "Portails SA"
    assert mapping.new_party_values(CUSTOMER) == {
        "name": "Jeanne Martin",
        "contact_mechanisms": [("create", [{"type": "email", "value": "Jeanne.Martin@Example.org"}])]}


def test_a_party_is_renamed_when_the_shop_says_so_but_a_business_keeps_its_name():
    assert mapping.renamed_party({"name": "Jeanne Dupont", "identifiers": []}, CUSTOMER) == "Jeanne Martin"
    assert mapping.renamed_party({"name": "Jeanne Martin", "identifiers": []}, CUSTOMER) is None
    business = {"name": "Portails SA", "identifiers": [4]}
    assert mapping.renamed_party(business, CUSTOMER) is None
    assert mapping.renamed_party(business, CUSTOMER.model_copy(update={"company": "Portails & Co"})) == "Portails & Co"


def test_the_email_owner_is_found_trimmed_and_case_insensitively():
    rows = [{"id": 1, "value": "jeanne.martinez@example.org", "party": 2},
            {"id": 2, "value": "JEANNE.MARTIN@EXAMPLE.ORG", "party": 9},
            {"id": 3, "value": "jeanne.martin@example.org", "party": 5}]
    assert mapping.email_owner(rows, CUSTOMER) == 5
    assert mapping.email_owner(rows[:1], CUSTOMER) is None


def test_vat_numbers_are_compared_compacted_with_or_without_their_country():
    assert mapping.compact_vat(" fr 75-512.345.679 ") == "FR75512345679"
    assert mapping.vat_type("FR75512345679") == "eu_vat" and mapping.vat_type("CHE123456789") is None
    assert mapping.same_vat("FR75512345679", "75512345679") and not mapping.same_vat("FR75512345679", "")
    assert mapping.loose_pattern("FR7_") == "%F%R%7%\\_%"
    rows = [{"id": 1, "type": "fr_siren", "code": "512 345 679", "party": 2},
            {"id": 2, "type": "eu_vat", "code": "fr 75 512345679", "party": 9}]
    assert mapping.vat_owner(rows, "FR75512345679") == 9
    assert mapping.vat_owner(rows[:1], "512345679") is None               # a SIREN is no VAT number


def test_a_company_is_matched_by_name_unless_its_vat_number_says_otherwise():
    rows = [{"id": 4, "name": "Portails  SA", "identifiers.": [{"type": "eu_vat", "code": "FR28498765437"}]},
            {"id": 7, "name": "Portails SA", "identifiers.": []},
            {"id": 2, "name": "Portails SARL", "identifiers.": []}]
    business = CUSTOMER.model_copy(update={"company": " portails sa "})
    assert mapping.company_owner(rows, business) == 4
    assert mapping.company_owner(rows, business.model_copy(update={"vat_number": "FR75512345679"})) == 7
    assert mapping.company_owner(rows, CUSTOMER) is None


def test_a_new_party_carries_its_vat_number_category_and_payment_term():
    business = CUSTOMER.model_copy(update={"company": "Portails SA", "vat_number": "FR 75 512345679"})
    assert mapping.new_party_values(business, category=2, payment_term=4) == {
        "name": "Portails SA",
        "contact_mechanisms": [("create", [{"type": "email", "value": "Jeanne.Martin@Example.org"}])],
        "identifiers": [("create", [{"type": "eu_vat", "code": "FR75512345679"}])],
        "categories": [("add", [2])], "customer_payment_term": 4}
    assert "identifiers" not in mapping.new_party_values(business, with_vat=False)


def test_party_changes_are_only_what_differs():
    row = {"id": 5, "name": "Portails SA", "identifiers": [3],
           "identifiers.": [{"id": 3, "type": "eu_vat", "code": "FR75 512345679"}],
           "contact_mechanisms.": [{"type": "email", "value": "JEANNE.MARTIN@example.org"}],
           "categories": [2], "customer_payment_term": 4}
    business = CUSTOMER.model_copy(update={"company": "Portails SA", "vat_number": "FR75512345679"})
    assert mapping.party_changes(row, business, category=2, payment_term=4) == {}
    person = CUSTOMER.model_copy(update={"email": "other@example.org"})
    assert mapping.party_changes(row, person, category=1) == {
        "contact_mechanisms": [("create", [{"type": "email", "value": "other@example.org"}])],
        "categories": [("add", [1])]}


def test_an_address_with_a_region_is_stored_with_its_subdivision_and_recognised():
    rome = HOME.model_copy(update={"country_code": "IT", "state_code": "rm", "postcode": "00184", "city": "Roma"})
    assert mapping.subdivision_code(rome) == "IT-RM"
    assert mapping.subdivision_code(rome.model_copy(update={"state_code": "IT-RM"})) == "IT-RM"
    assert mapping.address_values(rome, party=5, country=80, subdivision=12)["subdivision"] == 12
    row = {"id": 4, "party_name": "Jeanne Martin", "attn": None, "street": "12, rue des Lilas\nBât. B",
           "postal_code": "00184", "city": "Roma", "country.": {"code": "IT"}, "subdivision.": {"code": "IT-RM"}}
    assert mapping.same_address(mapping.address_from_row(row), rome)
    assert not mapping.same_address(mapping.address_from_row(row | {"subdivision.": None}), rome)
    assert not mapping.same_address(mapping.address_from_row(row | {"subdivision.": {"code": "IT-MI"}}), rome)


def test_like_patterns_are_escaped():
    assert mapping.escape_like("jean_dupont%1\\x@example.org") == "jean\\_dupont\\%1\\\\x@example.org"


def test_an_address_written_to_tryton_is_recognised_when_read_back():
    values = mapping.address_values(HOME, party=5, country=75)
    assert values == {"party": 5, "party_name": "Jeanne Martin", "attn": None,
                      "street_unstructured": "12, rue des Lilas\nBât. B", "postal_code": "31000",
                      "city": "Toulouse", "country": 75,
                      "contact_mechanisms": [("create", [{"type": "phone", "value": "+33 5 61 00 00 00", "party": 5}])]}
    row = {"id": 4, "party_name": "Jeanne Martin", "attn": None, "street": "12, rue des Lilas\nBât. B",
           "postal_code": "31000", "city": "Toulouse", "country.": {"id": 75, "code": "FR"}}
    assert mapping.same_address(mapping.address_from_row(row), HOME)


def test_addresses_differing_only_in_case_spaces_or_punctuation_are_the_same():
    typed_again = HOME.model_copy(update={"street": "12 RUE des  lilas", "city": " toulouse", "phone": None})
    moved = HOME.model_copy(update={"postcode": "31100"})
    assert mapping.same_address(typed_again, HOME)
    assert not mapping.same_address(moved, HOME)


def test_a_business_address_heads_with_the_company():
    office = HOME.model_copy(update={"company": "Portails SA", "phone": None})
    values = mapping.address_values(office, party=5, country=75)
    assert (values["party_name"], values["attn"]) == ("Portails SA", "Jeanne Martin")
    row = {"party_name": "Portails SA", "attn": "Jeanne Martin", "street": values["street_unstructured"],
           "postal_code": "31000", "city": "Toulouse", "country.": {"code": "FR"}}
    assert mapping.same_address(mapping.address_from_row(row), office)
    assert not mapping.same_address(mapping.address_from_row(row), HOME)


# --- sales

def order(**changes) -> Order:
    line = OrderLine(sku="MOT-24", name="Motor", quantity=Decimal(2), unit_price_tax_excl=Decimal("208.2500001"),
                     unit_price_tax_incl=Decimal("249.90"), total_tax_excl=Decimal("416.50"),
                     total_tax_incl=Decimal("499.80"))
    values = dict(shop="ps1", external_id="41", reference="XKBKNABJK",
                  placed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                  currency="EUR", customer=CUSTOMER, invoice_address=HOME, delivery_address=HOME, lines=(line,),
                  shipping_tax_excl=Decimal("9.90"), shipping_tax_incl=Decimal("11.88"),
                  total_tax_excl=Decimal("426.40"), total_tax_incl=Decimal("511.68"), carrier="Colissimo")
    return Order(**(values | changes))


def test_planned_lines_are_articles_then_shipping():
    lines = mapping.planned_lines(order(discounts_tax_excl=Decimal("10")), {"MOT-24": 11}, shipping_product=4)
    assert lines == [
        mapping.PlannedLine(11, 2.0, Decimal("208.2500")),
        mapping.PlannedLine(4, 1.0, Decimal("9.9000"), "Shipping (Colissimo)"),
    ]


def test_free_shipping_adds_no_line_and_charged_shipping_needs_a_product():
    assert len(mapping.planned_lines(order(shipping_tax_excl=Decimal(0)), {"MOT-24": 11}, shipping_product=None)) == 1
    with pytest.raises(ValueError, match="shipping"):
        mapping.planned_lines(order(), {"MOT-24": 11}, shipping_product=None)


def test_a_discount_is_taxed_like_the_goods_it_reduces():
    motor = mapping.PlannedLine(11, 2.0, Decimal("100.0000"))     # 200 at 20 %
    service = mapping.PlannedLine(12, 1.0, Decimal("100.0000"))   # 100 at 10 %
    lines = mapping.discount_lines(Decimal("10"), [(motor, [1]), (service, [2])], product=None)
    assert lines == [mapping.PlannedLine(None, 1.0, Decimal("-6.6700"), "Discount", taxes=(1,)),
                     mapping.PlannedLine(None, 1.0, Decimal("-3.3300"), "Discount", taxes=(2,))]
    [single] = mapping.discount_lines(Decimal("-5"), [(motor, [1]), (motor, [1])], product=30)
    assert (single.product, single.unit_price, single.taxes) == (30, Decimal("-5.0000"), (1,))
    assert mapping.discount_lines(Decimal(0), [(motor, [1])], product=None) == []


def test_line_values_carry_explicit_price_unit_and_taxes():
    line = mapping.PlannedLine(11, 2.0, Decimal("208.2500"))
    assert mapping.line_values(line, unit=1, taxes=[3]) == {
        "type": "line", "product": 11, "quantity": 2.0, "unit_price": Decimal("208.2500"), "unit": 1,
        "taxes": [("add", [3])]}
    assert "unit" not in mapping.line_values(line, unit=None, taxes=[])
    discount = mapping.PlannedLine(None, 1.0, Decimal("-5"), "Discount", taxes=(1,))
    assert mapping.line_values(discount, unit=None, taxes=[9])["taxes"] == [("add", [1])]


def test_taxes_are_read_from_an_on_change_answer():
    assert mapping.taxes_from_change({"taxes": {"add": [[0, {"id": 1}], [1, {"id": 4}]]}}) == [1, 4]
    assert mapping.taxes_from_change({"taxes": [2]}) == [2]
    assert mapping.taxes_from_change({}) == []


def test_the_sale_carries_the_hub_reference_and_keeps_the_shop_shipping_price():
    values = mapping.sale_values(order(), party=5, invoice_address=6, shipment_address=7, currency=1,
                                 warehouse=4, carrier=2, lines=[{"type": "line"}])
    assert values == {"party": 5, "invoice_address": 6, "shipment_address": 7, "reference": "ps1/XKBKNABJK",
                      "currency": 1, "carrier": 2, "shipment_cost_method": None, "warehouse": 4,
                      "lines": [("create", [{"type": "line"}])]}


def test_erp_sale_and_the_choice_among_sales_of_one_reference():
    rows = [{"id": 3, "number": "S3", "state": "cancelled", "untaxed_amount": Decimal(1), "total_amount": Decimal(1)},
            {"id": 2, "number": "S2", "state": "processing", "untaxed_amount": Decimal("426.40"),
             "total_amount": Decimal("511.68")}]
    picked = mapping.pick_sale(rows)
    sale = mapping.erp_sale(picked)
    assert (sale.key, sale.number, sale.total_tax_excl, sale.total_tax_incl, sale.confirmed) == (
        "2", "S2", Decimal("426.40"), Decimal("511.68"), True)
    assert mapping.pick_sale(rows[:1])["id"] == 3 and mapping.pick_sale([]) is None
    assert not mapping.erp_sale({"id": 1, "number": None, "state": "quotation"}).confirmed


# --- fulfilment

def shipment(id_: int, state: str, **extra) -> dict:
    return {"id": id_, "state": state, "effective_date": None, "shipping_reference": None, "carrier.": None,
            "packages.": [], **extra}


def sale_row(state: str, shipments: list[dict], invoices: list[dict] | None = None) -> dict:
    return {"id": 8, "state": state, "shipments.": shipments, "invoices.": invoices or []}


def test_drafts_say_nothing_and_cancelled_sales_say_cancelled():
    assert mapping.sale_status(sale_row("quotation", [])) is None
    assert mapping.sale_status(sale_row("cancelled", [])).state is SaleState.CANCELLED


def test_a_sale_whose_shipments_are_all_gone_is_shipped_with_tracking():
    done = shipment(1, "done", effective_date=dt.date(2026, 11, 3), shipping_reference="6A123",
                    **{"carrier.": {"id": 1, "party.": {"id": 2, "name": "Colissimo"}}})
    status = mapping.sale_status(sale_row("processing", [done, shipment(2, "cancelled")],
                                          [{"number": None, "state": "draft"}, {"number": "INV7", "state": "posted"}]))
    assert status.state is SaleState.SHIPPED and status.erp_key == "8" and status.invoice_number == "INV7"
    [sent] = status.shipments
    assert (sent.carrier, sent.tracking_number, sent.shipped_at) == (
        "Colissimo", "6A123", dt.datetime(2026, 11, 3, tzinfo=dt.UTC))


def test_packages_give_the_tracking_numbers_when_the_shipment_has_none():
    packed = shipment(1, "shipped", **{"packages.": [{"shipping_reference": "P1"}, {"shipping_reference": None},
                                                     {"shipping_reference": "P2"}]})
    status = mapping.sale_status(sale_row("processing", [packed]))
    assert [s.tracking_number for s in status.shipments] == ["P1", "P2"]


def test_a_partly_shipped_sale_says_so_and_lists_what_left():
    status = mapping.sale_status(sale_row("processing", [shipment(1, "done", shipping_reference="A", number="S1"),
                                                          shipment(2, "waiting", number="S2")]))
    assert status.state is SaleState.PARTIALLY_SHIPPED
    assert [(s.number, s.tracking_number) for s in status.shipments] == [("S1", "A")]
    assert [(d.kind, d.number) for d in status.documents] == [("delivery_note", "S1")]
    assert mapping.sale_status(sale_row("confirmed", [])).state is SaleState.ACCEPTED
    assert mapping.sale_status(sale_row("processing", [shipment(2, "waiting")])).state is SaleState.ACCEPTED


def test_invoices_are_documents_with_their_number_and_a_file_only_as_pdf():
    invoices = [{"id": 4, "number": "FA2026-00002", "state": "paid", "invoice_date": dt.date(2026, 11, 4),
                 "total_amount": Decimal("131.88"), "invoice_report_format": "pdf"},
                {"id": 3, "number": "FA2026-00001", "state": "posted", "invoice_date": dt.date(2026, 11, 3),
                 "total_amount": Decimal("60.00"), "invoice_report_format": "odt"},
                {"id": 5, "number": "AV2026-00001", "state": "posted", "invoice_date": dt.date(2026, 11, 5),
                 "total_amount": Decimal("-60.00"), "invoice_report_format": None},
                {"id": 6, "number": None, "state": "draft", "invoice_date": None, "total_amount": Decimal(1)}]
    status = mapping.sale_status(sale_row("processing", [shipment(1, "done", number="S1")], invoices))
    assert status.invoice_number == "FA2026-00001"
    assert [(d.kind, d.number, d.total_tax_incl, d.key) for d in status.documents] == [
        ("invoice", "FA2026-00001", "60.00", None), ("invoice", "FA2026-00002", "131.88", "invoice/4"),
        ("credit_note", "AV2026-00001", "-60.00", None), ("delivery_note", "S1", None, None)]
    assert status.documents[0].issued_at == dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    assert mapping.parse_file_key("invoice/4") == ("account.invoice", "invoice_report_cache", 4)


def test_a_sale_closed_with_everything_cancelled_is_cancelled_but_not_while_in_exception():
    cancelled = [shipment(1, "cancelled")]
    invoice = [{"id": 3, "number": None, "state": "cancelled"}]
    assert mapping.sale_status(sale_row("done", cancelled, invoice)).state is SaleState.CANCELLED
    assert mapping.erp_sale({"id": 8, "state": "done", "shipments.": cancelled, "invoices.": invoice}).cancelled
    assert mapping.sale_status(sale_row("processing", cancelled, invoice)).state is SaleState.ACCEPTED
    assert mapping.sale_status(sale_row("done", [shipment(1, "done")], invoice)).state is SaleState.SHIPPED
    assert not mapping.erp_sale({"id": 8, "state": "done"}).cancelled      # nothing to ship nor invoice


def test_a_sale_can_be_cancelled_until_goods_leave_or_an_invoice_is_posted():
    mapping.check_cancellable(sale_row("processing", [shipment(1, "assigned")], [{"id": 2, "state": "draft"}]))
    with pytest.raises(DataError, match="shipment S1 has left"):
        mapping.check_cancellable(sale_row("processing", [shipment(1, "shipped", number="S1"), shipment(2, "waiting")]))
    with pytest.raises(DataError, match="invoice FA1 is posted"):
        mapping.check_cancellable(sale_row("processing", [], [{"id": 2, "state": "posted", "number": "FA1"}]))


# --- vouchers, gift wrapping, payments

def vouchers_order(*vouchers: Voucher, discount: str) -> Order:
    return order(vouchers=vouchers, discounts_tax_excl=Decimal(discount), discounts_tax_incl=Decimal(discount) * 12 / 10)


WELCOME = Voucher(name="Welcome", code="BIENVENUE10", amount_tax_excl=Decimal("10"), amount_tax_incl=Decimal("12"))
LOYALTY = Voucher(name="Loyalty", amount_tax_excl=Decimal("5"), amount_tax_incl=Decimal("6"))
MOTOR = (mapping.PlannedLine(11, 2.0, Decimal("100.0000")), [1])


def test_each_voucher_is_its_own_discount_line_or_all_are_one():
    both = vouchers_order(WELCOME, LOYALTY, discount="15")
    lines = mapping.voucher_lines(both, [MOTOR], product=30)
    assert [(l.description, l.unit_price, l.taxes) for l in lines] == [
        ("Welcome (BIENVENUE10)", Decimal("-10.0000"), (1,)), ("Loyalty", Decimal("-5.0000"), (1,))]
    [single] = mapping.voucher_lines(both, [MOTOR], product=30, vouchers_as="global")
    assert (single.description, single.unit_price) == ("Discount: Welcome (BIENVENUE10), Loyalty", Decimal("-15.0000"))


def test_what_the_vouchers_do_not_explain_is_one_more_line_so_the_total_is_the_shops():
    more = mapping.voucher_lines(vouchers_order(WELCOME, discount="10.01"), [MOTOR], product=None)
    assert [(l.description, l.unit_price) for l in more] == [("Welcome (BIENVENUE10)", Decimal("-10.0000")),
                                                             ("Discount", Decimal("-0.0100"))]
    less = mapping.voucher_lines(vouchers_order(WELCOME, LOYALTY, discount="14.99"), [MOTOR], product=None)
    assert sum(l.unit_price for l in less) == Decimal("-14.99")
    assert mapping.voucher_lines(vouchers_order(discount="0"), [MOTOR], product=None) == []
    [plain] = mapping.voucher_lines(vouchers_order(discount="3"), [MOTOR], product=None)
    assert (plain.description, plain.unit_price) == ("Discount", Decimal("-3.0000"))


def test_gift_wrapping_is_a_line_after_shipping_and_needs_a_product():
    wrapped = order(gift_wrapping_tax_excl=Decimal("2.50"), gift_wrapping_tax_incl=Decimal("3.00"),
                    gift_message="Joyeux anniversaire !")
    lines = mapping.planned_lines(wrapped, {"MOT-24": 11}, shipping_product=4, gift_wrapping_product=9)
    assert lines[-1] == mapping.PlannedLine(9, 1.0, Decimal("2.5000"), "Gift wrapping")
    with pytest.raises(ValueError, match="gift wrapping"):
        mapping.planned_lines(wrapped, {"MOT-24": 11}, shipping_product=4)
    values = mapping.sale_values(wrapped, party=5, invoice_address=6, shipment_address=6, currency=1, warehouse=None,
                                 carrier=None, lines=[], price_list=3, payment_term=2)
    assert (values["comment"], values["price_list"], values["payment_term"]) == (
        "Gift message: Joyeux anniversaire !", 3, 2)


def test_a_payment_is_recognised_by_its_transaction_id_or_else_journal_amount_and_day():
    day = dt.date(2026, 11, 2)
    rows = [{"id": 1, "reference": "ch_1", "amount": Decimal("50"), "kind": "receivable", "journal": 1, "date": day},
            {"id": 2, "reference": None, "amount": Decimal("20"), "kind": "receivable", "journal": 3, "date": day}]
    card = Payment(method="stripe", amount=Decimal("50"), transaction_id=" ch_1 ")
    assert mapping.recorded_payment(rows, card, journal=1, day=day)["id"] == 1
    assert mapping.recorded_payment(rows, card.model_copy(update={"transaction_id": "ch_2"}), journal=1, day=day) is None
    cheque = Payment(method="cheque", amount=Decimal("20"))
    assert mapping.recorded_payment(rows, cheque, journal=3, day=None)["id"] == 2
    assert mapping.recorded_payment(rows, cheque, journal=3, day=day + dt.timedelta(days=1)) is None
    assert mapping.recorded_payment(rows, cheque, journal=1, day=day) is None
    paid_at = Payment(method="x", amount=Decimal(1), paid_at=dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC))
    assert mapping.payment_day(paid_at, mapping.ZoneInfo("Europe/Paris")) == dt.date(2026, 11, 3)
    values = mapping.payment_values(card, sale={"id": 8, "company": 1, "party": 5, "invoice_party": None},
                                    journal=1, day=day)
    assert values == {"company": 1, "journal": 1, "kind": "receivable", "party": 5, "amount": Decimal("50"),
                      "origin": "sale.sale,8", "reference": "ch_1", "date": day}
