"""Odoo rows ⇄ canonical records, and price list items → price rules: pure functions, no server."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from courroie.connectors.odoo import mapping, prices
from courroie.connectors.odoo.versions import Dialect
from courroie.model import Address, Customer, Order, OrderLine, Payment, Reduction, SaleState, Voucher

pytestmark = pytest.mark.odoo
CONFIRMED = ("sale", "done")


def test_odoo_values_read_as_python_values():
    assert mapping.many2one_id([8, "WH/Stock"]) == 8 and mapping.many2one_id(False) is None
    assert mapping.many2one_id(8) == 8 and mapping.many2one_name([8, "WH/Stock"]) == "WH/Stock"
    assert mapping.text(False) is None and mapping.text("  x ") == "x" and mapping.text("  ") is None
    assert mapping.decimal(2.8500000000000014) == Decimal("2.8500000000000014")
    assert mapping.money_amount(1.1300000000000001) == Decimal("1.13")
    assert mapping.parse_datetime("2026-11-22 18:12:43") == dt.datetime(2026, 11, 22, 18, 12, 43, tzinfo=dt.UTC)
    paris = dt.datetime(2026, 11, 22, 19, 12, 43, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert mapping.odoo_datetime(paris) == "2026-11-22 18:12:43"


@pytest.mark.parametrize(("barcode", "expected"), [
    ("3760999000013", None), ("3760999000012", "3760999000012"), ("978200000000", None), (False, None),
    ("4006381333931", "4006381333931"), ("400638133393X", None)])
def test_only_valid_ean13_barcodes_are_published(barcode, expected):
    assert mapping.ean13(barcode) == expected


def test_like_wildcards_in_emails_are_escaped():
    assert mapping.escape_like("jean_martin%1@ex.org") == "jean\\_martin\\%1@ex.org"


@pytest.mark.parametrize(("codes", "expected"), [
    (["MOT-BAT-400-24V", "MOT-BAT-400-230V"], "MOT-BAT-400"),
    (["MOT-COU-500-24V-400KG", "MOT-COU-500-24V-600KG"], "MOT-COU-500-24V"),
    (["POSE-BAT"], "POSE-BAT"), (["AB-1", "XY-2"], "odoo-template-7"),
])
def test_a_multi_variant_template_gets_its_variants_common_reference(codes, expected):
    variants = [{"default_code": code} for code in codes]
    assert mapping.template_sku({"id": 7}, variants, None) == expected
    assert mapping.template_sku({"id": 7, "x_sku": "MOT-400"}, variants, "x_sku") == "MOT-400"


def test_categories_come_parents_first_with_one_name_in_every_language():
    rows = [{"id": 5, "name": "Services", "parent_id": [2, "All / Saleable"]},
            {"id": 1, "name": "All", "parent_id": False}, {"id": 2, "name": "Saleable", "parent_id": [1, "All"]}]
    categories = mapping.categories_from_rows(rows, ["en_US", "fr_FR"])
    assert [(c.key, c.parent_key) for c in categories] == [("1", None), ("2", "1"), ("5", "2")]
    assert categories[2].name == {"en": "Services", "fr": "Services"}


def test_a_picture_is_named_by_its_place_and_hashed():
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    ref = mapping.image_ref("product.template", 4, "image_1920", base64.b64encode(png).decode(), "MOT-400")
    assert ref is not None and ref.key == "product.template/4/image_1920"
    assert (ref.content_hash, ref.filename, ref.content_type) == (hashlib.sha256(png).hexdigest(), "MOT-400.png",
                                                                  "image/png")
    assert mapping.file_location(ref.key) == ("product.template", 4, "image_1920")
    assert mapping.image_ref("product.template", 4, "image_1920", False, "x") is None


def test_a_product_maps_variants_attributes_prices_and_translations():
    template = {"id": 3, "name": "Motor", "list_price": 290.0, "categ_id": [4, "All / Motors"], "taxes_id": [1],
                "active": True}
    variants = [{"id": 10, "default_code": "M-24V", "barcode": "3760999000012", "lst_price": 290.0, "weight": 11.5,
                 "product_template_attribute_value_ids": [7], "active": True},
                {"id": 11, "default_code": "M-230V", "barcode": False, "lst_price": 310.0, "weight": 0.0,
                 "product_template_attribute_value_ids": [8], "active": True}]
    product = mapping.product_from_rows(
        template, variants, sku="M", names={"en": "Motor", "fr": "Moteur"}, descriptions={}, currency="EUR",
        values={7: ("Voltage", "24 V"), 8: ("Voltage", "230 V")}, tax_names={1: "TVA 20 %"}, images={})
    assert (product.sku, product.tax_group, product.category_keys, product.price.amount) == \
        ("M", "TVA 20 %", ("4",), Decimal("290.00"))
    first, second = product.variants
    assert (first.attributes, first.ean13, first.weight, first.price) == ({"Voltage": "24 V"}, "3760999000012",
                                                                          Decimal("11.5"), None)
    assert (second.price.amount, second.weight, second.ean13) == (Decimal("310.00"), None, None)
    assert product.ean13 is None and product.has_combinations


def test_translations_turn_sales_descriptions_into_paragraphs():
    texts = {"en_US": {3: {"description_sale": "Soft start.\nIP44 <rated>"}}, "fr_FR": {3: {"description_sale": False}}}
    assert mapping.translations(texts, 3, "description_sale", as_html=True) == \
        {"en": "<p>Soft start.</p><p>IP44 &lt;rated&gt;</p>"}


def test_kit_quantities_are_per_kit():
    lines = [{"product_id": [5, "x"], "product_qty": 4.0}, {"product_id": [6, "y"], "product_qty": 2.0},
             {"product_id": [9, "z"], "product_qty": 1.0}]
    items = mapping.kit_items(lines, {5: "TEL", 6: "PHO"}, 2.0)
    assert [(i.sku, i.quantity) for i in items] == [("TEL", Decimal(2)), ("PHO", Decimal(1))]


@pytest.mark.parametrize(("free", "forecast", "expected"), [(12.0, 12.0, 12), (1.0, 3.0, 1), (5.0, 2.0, 2),
                                                              (2.0, -1.0, 0)])
def test_what_may_be_sold_is_the_smaller_of_free_and_forecast(free, forecast, expected):
    assert mapping.available({"free_qty": free, "virtual_available": forecast}) == expected


def test_the_cursor_is_the_latest_write_date():
    rows = [{"write_date": "2026-11-22 18:12:43"}, {"write_date": "2026-11-22 18:02:47"}]
    assert mapping.newest(rows, "2026-11-22 18:05:00") == "2026-11-22 18:12:43"
    assert mapping.newest([], "2026-11-22 18:05:00") == "2026-11-22 18:05:00"


def line(quantity: str, unit: str, total: str) -> OrderLine:
    return OrderLine(sku="S", name="s", quantity=Decimal(quantity), unit_price_tax_excl=Decimal(unit),
                     unit_price_tax_incl=Decimal(unit), total_tax_excl=Decimal(total), total_tax_incl=Decimal(total))


def test_a_shop_line_reduction_becomes_odoo_s_discount():
    assert mapping.discount_percent(line("2", "20.00", "36.00")) == Decimal("10.0000")
    assert mapping.discount_percent(line("3", "19.99", "59.97")) == 0
    assert mapping.line_values(line("2", "20.00", "36.00"), 48) == {"product_id": 48, "product_uom_qty": 2.0,
                                                                     "price_unit": 20.0, "discount": 10.0}


def test_addresses_compare_without_case_spaces_or_punctuation():
    address = Address(first_name="Jean", last_name="Martin", street="12, rue des Lilas", postcode="31000",
                      city="Toulouse", country_code="FR")
    row = {"name": "jean  MARTIN", "street": "12 rue des lilas", "street2": False, "zip": "31000",
           "city": "TOULOUSE", "company_name": False}
    assert mapping.row_address_key(row, "FR") == mapping.address_key(address)
    assert mapping.row_address_key(row | {"city": "Blagnac"}, "FR") != mapping.address_key(address)


def test_the_customer_is_the_oldest_top_level_owner_of_the_email():
    customer = Customer(email=" Jean.Martin@Example.org ", first_name="Jean", last_name="Martin")
    rows = [{"id": 9, "email": "jean.martin@example.org", "parent_id": False},
            {"id": 4, "email": "JEAN.MARTIN@example.org", "parent_id": False},
            {"id": 2, "email": "jean.martin@example.org", "parent_id": [1, "Company"]}]
    assert mapping.pick_customer(rows, customer)["id"] == 4
    assert mapping.customer_changes({"name": "Jean Martin", "vat": False}, customer) == {}
    assert mapping.customer_changes({"name": "J. Martin"}, customer.model_copy(update={"vat_number": "FR1"})) == \
        {"name": "Jean Martin", "vat": "FR1"}


def test_statuses_follow_pickings_and_posted_invoices():
    order = {"id": 26, "state": "sale"}
    out = {"id": 33, "state": "done", "carrier_tracking_ref": "TRACK-123456", "date_done": "2026-11-22 18:12:43",
           "carrier_id": [1, "Colissimo"], "picking_type_code": "outgoing"}
    status = mapping.sale_status(order, [out], [{"id": 1, "name": "INV/2026/00001", "state": "posted",
                                                 "move_type": "out_invoice"}], CONFIRMED)
    assert status is not None and status.state is SaleState.SHIPPED and status.invoice_number == "INV/2026/00001"
    assert status.shipments[0].tracking_number == "TRACK-123456" and status.shipments[0].carrier == "Colissimo"
    waiting = mapping.sale_status(order, [out, out | {"id": 34, "state": "assigned"}], [], CONFIRMED)
    assert waiting is not None and waiting.state is SaleState.PARTIALLY_SHIPPED and len(waiting.shipments) == 1
    pending = mapping.sale_status(order, [out | {"state": "assigned"}], [], CONFIRMED)
    assert pending is not None and pending.state is SaleState.ACCEPTED and pending.shipments == ()
    draft_invoice = [{"id": 2, "name": "/", "state": "draft", "move_type": "out_invoice"}]
    assert mapping.sale_status(order, [], draft_invoice, CONFIRMED).invoice_number is None
    assert mapping.sale_status({"id": 1, "state": "draft"}, [], [], CONFIRMED) is None
    assert mapping.sale_status({"id": 1, "state": "cancel"}, [], [], CONFIRMED).state is SaleState.CANCELLED


def test_partial_shipments_and_documents():
    order = {"id": 26, "state": "sale"}
    first = {"id": 33, "name": "TLS/OUT/00001", "state": "done", "carrier_tracking_ref": "T-1",
             "date_done": "2026-11-22 18:12:43", "carrier_id": [1, "Colissimo"], "picking_type_code": "outgoing"}
    backorder = {"id": 35, "name": "TLS/OUT/00002", "state": "assigned", "picking_type_code": "outgoing",
                 "backorder_id": [33, "TLS/OUT/00001"]}
    returned = {"id": 36, "name": "TLS/IN/00001", "state": "done", "picking_type_code": "incoming"}
    invoice = {"id": 4, "name": "INV/2026/00003", "state": "posted", "move_type": "out_invoice",
               "invoice_date": "2026-11-23", "amount_total": 131.88}
    credit = {"id": 5, "name": "RINV/2026/00001", "state": "posted", "move_type": "out_refund"}
    status = mapping.sale_status(order, [first, backorder, returned], [invoice, credit], CONFIRMED, {4: 77})
    assert status is not None and status.state is SaleState.PARTIALLY_SHIPPED
    assert [(s.number, s.tracking_number) for s in status.shipments] == [("TLS/OUT/00001", "T-1")]
    assert [(d.kind, d.number, d.total_tax_incl, d.key) for d in status.documents] == [
        ("delivery_note", "TLS/OUT/00001", None, None),
        ("invoice", "INV/2026/00003", "131.88", "ir.attachment/77/datas")]
    assert status.documents[1].issued_at == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    done = mapping.sale_status(order, [first, backorder | {"state": "done", "date_done": "2026-11-24 08:00:00"}],
                               [], CONFIRMED)
    assert done.state is SaleState.SHIPPED and [s.number for s in done.shipments] == ["TLS/OUT/00001",
                                                                                        "TLS/OUT/00002"]


def test_an_invoice_pdf_is_the_attachment_named_after_it():
    invoice = {"id": 4, "name": "INV/2026/00003"}
    attachments = [{"id": 9, "res_id": 4, "name": "scan.pdf"}, {"id": 8, "res_id": 4, "name": "INV_2026_00003.pdf"},
                   {"id": 10, "res_id": 5, "name": "INV_2026_00004.pdf"}]
    assert mapping.invoice_attachment(attachments, invoice) == 8
    assert mapping.invoice_attachment(attachments[:1], invoice) == 9
    assert mapping.invoice_attachment([], invoice) is None


def test_vat_numbers_compare_compact_and_the_business_is_the_top_contact():
    assert mapping.compact_vat(" fr 40-303.265 045 ") == "FR40303265045" and mapping.compact_vat("  ") is None
    assert mapping.loose_pattern("FR4_") == "%F%R%4%\\_%"
    rows = [{"id": 12, "vat": "FR40303265045", "parent_id": [9, "Company"], "is_company": False},
            {"id": 11, "vat": "FR 40303265045", "parent_id": False, "is_company": False},
            {"id": 9, "vat": "fr40303265045", "parent_id": False, "is_company": True},
            {"id": 3, "vat": "FR40303265046", "parent_id": False, "is_company": True}]
    assert mapping.pick_vat_owner(rows, "FR40303265045") == 9
    assert mapping.pick_vat_owner(rows[:1], "FR40303265045") == 9
    assert mapping.pick_vat_owner(rows, "BE0123456789") is None


def test_terms_are_written_once_and_tags_only_added():
    customer = Customer(email="a@b.example", first_name="Ana", last_name="B")
    row = {"name": "Ana B", "vat": False, "property_product_pricelist": [1, "Public"],
           "property_payment_term_id": False, "category_id": [3]}
    changes = mapping.customer_changes(row, customer, pricelist=2, payment_term=4, category=5)
    assert changes == {"property_product_pricelist": 2, "property_payment_term_id": 4, "category_id": [(4, 5)]}
    after = mapping.remember_changes(row, changes)
    assert after["category_id"] == [3, 5] and mapping.customer_changes(after, customer, pricelist=2, payment_term=4,
                                                                       category=5) == {}
    assert mapping.customer_changes(row, customer, category=3) == {}


def _order(**changes: object) -> Order:
    base = dict(shop="ps1", external_id="7", reference="REF", placed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                currency="EUR", customer=Customer(email="a@b.example", first_name="A", last_name="B"),
                invoice_address=Address(first_name="A", last_name="B", street="1 rue", postcode="31000",
                                        city="Toulouse", country_code="FR"),
                delivery_address=Address(first_name="A", last_name="B", street="1 rue", postcode="31000",
                                         city="Toulouse", country_code="FR"),
                lines=(line("1", "100.00", "100.00"),), total_tax_excl=Decimal("85.00"),
                total_tax_incl=Decimal("102.00"), discounts_tax_excl=Decimal("15.00"),
                discounts_tax_incl=Decimal("18.00"))
    return Order(**(base | changes))


def test_vouchers_become_lines_or_one_global_line():
    vouchers = (Voucher(name="Welcome", code="HELLO", amount_tax_excl=Decimal("10"), amount_tax_incl=Decimal("12")),
                Voucher(name="Free gift (GIFT)", code="GIFT", amount_tax_excl=Decimal("3"),
                        amount_tax_incl=Decimal("3.6")))
    lines = mapping.discount_lines(_order(vouchers=vouchers), 9, "lines")
    assert [(v["name"], v["price_unit"]) for v in lines] == [("Welcome (HELLO)", -10.0), ("Free gift (GIFT)", -3.0),
                                                             ("Discount (REF)", -2.0)]
    assert [v["price_unit"] for v in mapping.discount_lines(_order(vouchers=vouchers), 9, "global")] == [-15.0]
    assert [v["price_unit"] for v in mapping.discount_lines(_order(), 9, "lines")] == [-15.0]
    assert mapping.discount_lines(_order(discounts_tax_excl=Decimal(0)), 9, "lines") == []


def test_a_payment_is_known_by_its_transaction_or_the_order_and_method():
    sale = {"name": "S00026", "client_order_ref": "ps1/REF"}
    card = Payment(method="stripe_official", amount=Decimal("10.50"), transaction_id=" pi_1 ")
    cheque = Payment(method="ps_checkpayment", amount=Decimal("10.50"))
    assert mapping.payment_reference(card, sale) == "pi_1"
    assert mapping.payment_reference(cheque, sale) == "ps1/REF ps_checkpayment"
    recorded = [{"id": 1, "memo": "pi_1", "amount": 10.5}, {"id": 2, "memo": "pi_1", "amount": 99.0}]
    assert mapping.recorded_payment(recorded, "pi_1", Decimal("10.50"), "memo")["id"] == 1
    assert mapping.recorded_payment(recorded, "pi_2", Decimal("10.50"), "memo") is None
    assert mapping.payment_values(card, reference="pi_1", reference_field="ref", partner=8, journal=6, currency=1,
                                  day="2026-11-02") == {
        "payment_type": "inbound", "partner_type": "customer", "partner_id": 8, "amount": 10.5, "journal_id": 6,
        "date": "2026-11-02", "ref": "pi_1", "currency_id": 1}


def test_a_reference_found_twice_gives_the_latest_living_order():
    rows = [{"id": 5, "state": "cancel"}, {"id": 4, "state": "sale"}, {"id": 3, "state": "draft"}]
    assert mapping.pick_sale(rows)["id"] == 4


# --- versions ------------------------------------------------------------------------------------------------

def test_the_dialect_names_each_version_s_fields():
    old, new = Dialect(16), Dialect(18)
    assert old.storable_domain == [("type", "=", "product")] and new.storable_domain == [("is_storable", "=", True)]
    assert old.storable_values() == {"detailed_type": "product"}
    assert Dialect(14).storable_values() == {"type": "product"}
    assert new.storable_values() == {"type": "consu", "is_storable": True}
    assert (old.warehouse_context_key, new.warehouse_context_key) == ("warehouse", "warehouse_id")
    assert old.move_done_values(2.0) == {"quantity_done": 2.0}
    assert new.move_done_values(2.0) == {"quantity": 2.0, "picked": True}
    assert old.has_last_update and not new.has_last_update
    assert Dialect(15).prices_by_field and not old.prices_by_field
    assert Dialect(19).json2 and not new.json2 and not Dialect(13).supported
    assert (old.payment_reference_field, new.payment_reference_field) == ("ref", "memo")
    assert (old.payment_void_states, new.payment_void_states) == (("cancel",), ("canceled", "rejected"))
    assert not old.lock_flag and Dialect(17).lock_flag
    assert (old.invoice_pdf_field, new.invoice_pdf_field) == (None, "invoice_pdf_report_id")


# --- price lists ----------------------------------------------------------------------------------------------

ARTICLES = [prices.Article(1, "M-24V", 10, 4, Decimal("290.00")), prices.Article(2, "M-230V", 10, 4, Decimal("310.00")),
            prices.Article(3, "TEL", 11, 6, Decimal("34.90"))]
CATEGORIES = {1: {1, 4, 6}, 4: {4}, 6: {6}}
PRO = prices.PriceList(7, "Tarif pro", "EUR")


def item(**values: object) -> dict[str, object]:
    return {"id": values.pop("id", 1), "pricelist_id": [7, "Tarif pro"], "applied_on": "3_global", "base": "list_price",
            "min_quantity": 0.0, "date_start": False, "date_end": False, **values}


def rules(*items: dict[str, object], computed: dict[prices.Probe, Decimal] | None = None):
    return prices.price_rules(prices.candidates([PRO], list(items), ARTICLES, CATEGORIES), computed or {})


def test_a_percentage_on_a_category_is_a_reduction_of_each_article():
    found = rules(item(applied_on="2_product_category", categ_id=[4, "Motors"], compute_price="percentage",
                       percent_price=10.0))
    assert [(r.sku, r.reduction, r.reduction_type, r.price_list, r.currency) for r in found] == \
        [("M-24V", Decimal("0.1"), Reduction.PERCENTAGE, "Tarif pro", "EUR"),
         ("M-230V", Decimal("0.1"), Reduction.PERCENTAGE, "Tarif pro", "EUR")]


def test_a_fixed_price_from_a_quantity_is_a_tier():
    [rule] = rules(item(applied_on="0_product_variant", product_id=[3, "TEL"], compute_price="fixed",
                        fixed_price=27.92, min_quantity=5.0))
    assert (rule.sku, rule.price, rule.from_quantity) == ("TEL", Decimal("27.92"), 5)


def test_the_base_price_again_is_no_rule():
    assert rules(item(applied_on="0_product_variant", product_id=[3, "TEL"], compute_price="fixed",
                      fixed_price=34.90)) == []


def test_dates_end_after_odoo_s_inclusive_end():
    [rule] = rules(item(applied_on="0_product_variant", product_id=[3, "TEL"], compute_price="fixed", fixed_price=30.0,
                        date_start="2026-06-01 00:00:00", date_end="2026-12-31 23:59:59"))
    assert rule.starts == dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert rule.ends == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    [by_day] = rules(item(applied_on="0_product_variant", product_id=[3, "TEL"], compute_price="fixed",
                          fixed_price=30.0, date_end="2026-12-31"))
    assert by_day.ends == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def test_formulas_are_priced_by_odoo_and_a_missing_answer_gives_no_rule():
    formula = item(applied_on="1_product", product_tmpl_id=[11, "TEL"], compute_price="formula", price_discount=15.0,
                   price_round=1.0, price_surcharge=-0.1, date_start="2026-06-01 00:00:00")
    [candidate] = prices.candidates([PRO], [formula], ARTICLES, CATEGORIES)
    assert candidate.probe == prices.Probe(7, 3, 1, "2026-06-01 00:00:00")
    [rule] = rules(formula, computed={candidate.probe: Decimal("28.9")})
    assert (rule.price, rule.reduction) == (Decimal("28.90"), 0)
    assert rules(formula) == []


@pytest.mark.parametrize(("values", "needs"), [
    ({"compute_price": "fixed"}, False), ({"compute_price": "percentage"}, False),
    ({"compute_price": "percentage", "base": "pricelist"}, True),
    ({"compute_price": "formula", "price_discount": 5}, False),
    ({"compute_price": "formula", "price_discount": -5}, True),
    ({"compute_price": "formula", "price_round": 0.1}, True),
    ({"compute_price": "formula", "base": "standard_price"}, True)])
def test_only_odoo_can_price_formulas_beyond_a_plain_discount(values, needs):
    assert prices.needs_odoo(item(**values)) is needs


def test_the_more_specific_item_shadows_the_wider_one():
    variant = item(id=2, applied_on="0_product_variant", product_id=[1, "M-24V"], compute_price="fixed",
                   fixed_price=250.0)
    everything = item(id=3, compute_price="percentage", percent_price=5.0)
    found = {r.sku: r for r in rules(everything, variant)}
    assert found["M-24V"].price == Decimal("250.00") and found["M-230V"].reduction == Decimal("0.05")


def test_a_price_list_restricted_to_countries_gives_one_rule_per_country():
    export = prices.PriceList(8, "Export USD", "USD", ("GB", "US"))
    fixed = item(pricelist_id=[8, "Export USD"], applied_on="0_product_variant", product_id=[3, "TEL"],
                 compute_price="fixed", fixed_price=39.9)
    found = prices.price_rules(prices.candidates([export], [fixed], ARTICLES, CATEGORIES), {})
    assert [(r.country, r.currency, r.price) for r in found] == [("GB", "USD", Decimal("39.90")),
                                                                 ("US", "USD", Decimal("39.90"))]
