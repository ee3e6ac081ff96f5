"""Pure mapping: documents written equal the ones PrestaShop accepted; documents read as it sends them."""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prestashop_captures import body_records, json_body, load, tag_order
from prestashop_samples import TEE, make_config

from courroie.connectors.prestashop import mapping
from courroie.connectors.prestashop.client import xml_document
from courroie.connectors.prestashop.mapping import Lookups, OrderDocuments, StockRow
from courroie.model import Category, Money, Variant

pytestmark = pytest.mark.prestashop

PARIS = ZoneInfo("Europe/Paris")
CONFIG = make_config()


def written(*elements) -> list[dict]:
    return body_records(xml_document(elements))


def captured(name: str) -> list[dict]:
    return body_records(load(name).request.body)


# --- loose values -----------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("22.500000", Decimal("22.5")), (21, Decimal(21)), ("", Decimal(0)), (None, Decimal(0)), ("-1.5", Decimal("-1.5")),
])
def test_numbers_in_any_shape(value: object, expected: Decimal) -> None:
    assert mapping.as_decimal(value) == expected


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
def test_bad_numbers_are_named(value: str) -> None:
    with pytest.raises(ValueError, match="bad number in total_paid"):
        mapping.as_decimal(value, "total_paid")


def test_flags_and_ids_as_numbers_or_strings() -> None:
    shops = json_body("07-multistore/012-shops-after")["shops"]      # active 1 in one row, "1" in the next
    assert [mapping.as_int(shop["active"]) for shop in shops] == [1, 1]
    assert mapping.as_int("") == 0 and mapping.as_int(None, default=7) == 7


def test_multilingual_fields_in_every_shape() -> None:
    two_languages = json_body("03-query-features/019-display-fields-json")["products"][0]["name"]
    one_language = json_body("03-query-features/028-language-1-list")["products"][0]["name"]
    string_ids = json_body("03-query-features/029-language-1-or-2-list")["products"][0]["name"]   # "id": "1"
    assert mapping.all_texts(two_languages) == ["Hummingbird printed t-shirt"] * 2
    assert mapping.all_texts(one_language) == ["Hummingbird printed t-shirt"]
    assert mapping.all_texts(string_ids) == ["Hummingbird printed t-shirt"] * 2


@pytest.mark.parametrize("value, expected", [
    ("demo_1", "[demo_1]"), ("50%-OFF", "[50%-OFF]"), ("A|B", "[A]%"), ("KIT,2", "[KIT]%"), ("[X]", "[]%"),
])
def test_exact_filters_avoid_the_separators(value: str, expected: str) -> None:
    assert mapping.exact_filter(value) == expected


@pytest.mark.parametrize("name, slug", [
    ("Sync Test Tee", "sync-test-tee"), ("T-shirt test sync", "t-shirt-test-sync"),
    ("Catégorie test sync", "categorie-test-sync"), ("Moteur 24 V — « Pro »", "moteur-24-v-pro"),
])
def test_slugs_like_the_captured_link_rewrites(name: str, slug: str) -> None:
    assert mapping.slugify(name) == slug


@given(st.text())
def test_slugs_are_always_acceptable(name: str) -> None:
    slug = mapping.slugify(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*|", slug) and len(slug) <= 128


# --- catalog documents ------------------------------------------------------------------------


def test_category_document_is_the_captured_one() -> None:
    category = Category(key="C1", name={"en": "Sync Test Category", "fr": "Catégorie test sync"})
    expected = captured("04-writes/001-post-category-xml")[0]
    del expected["description"]                   # the capture sets one; the canonical category has none
    assert written(mapping.category_element(category, "2", CONFIG)) == [expected]


def test_category_update_leaves_active_to_the_merchant() -> None:
    category = Category(key="C1", name={"en": "Renamed"})
    fields = written(mapping.category_element(category, "2", CONFIG, category_id="10"))[0]
    assert fields["id"] == 10 and "active" not in fields
    assert fields["name"] == {"1": "Renamed", "2": "Renamed"}           # fr falls back to en


def test_product_document_is_the_captured_one() -> None:
    ours = written(mapping.product_element(TEE, ["10", "2"], CONFIG))[0]
    theirs = captured("04-writes/002-post-product-2-languages")[0]
    del theirs["wholesale_price"]                                        # not a canonical field
    assert ours == theirs | {"visibility": "both", "description": {"1": "", "2": ""}}


def test_product_update_sends_only_what_the_erp_owns() -> None:
    ours = written(mapping.product_element(TEE, [], CONFIG, product_id="21"))[0]
    assert ours["id"] == 21 and ours["price"] == Decimal("20")
    assert {"id_category_default", "description", "state", "visibility", "reference"}.isdisjoint(ours)
    assert ours["description_short"] == {"1": "<p>Short EN</p>", "2": "<p>Court FR</p>"}
    # What the ERP owns and has not is cleared: no manufacturer, no features, not a pack.
    assert ours["id_manufacturer"] == 0 and ours["type"] == "simple"
    assert ours["associations"] == {"product_features": [], "product_bundle": []}


def test_control_characters_are_dropped_from_documents() -> None:
    pasted = TEE.model_copy(update={"short_description": {"en": "<p>Line\x0bbreak\x00</p>"}})
    fields = written(mapping.product_element(pasted, [], CONFIG))[0]
    assert fields["description_short"] == {"1": "<p>Linebreak</p>", "2": "<p>Linebreak</p>"}


def test_product_with_unmapped_tax_group_is_refused() -> None:
    with pytest.raises(ValueError, match="tax group 'reduced'"):
        mapping.product_element(TEE.model_copy(update={"tax_group": "reduced"}), [], CONFIG)


def test_product_without_any_name_is_refused() -> None:
    with pytest.raises(ValueError, match="has no name"):
        mapping.product_element(TEE.model_copy(update={"name": {"de": "Nur Deutsch"}}), [], CONFIG)


def test_combination_documents_are_the_captured_ones() -> None:
    first, second = (mapping.combination_spec(TEE, variant, [value])
                     for variant, value in zip(TEE.variants, ["26", "27"], strict=True))
    assert written(first.element("21", default=True)) == captured("04-writes/007-post-combination-1")
    assert written(second.element("21")) == captured("04-writes/008-post-combination-2")
    assert tag_order(xml_document([first.element("21", default=True)])) == tag_order(
        load("04-writes/007-post-combination-1").request.body)


def test_combination_impacts_are_relative_to_the_product() -> None:
    heavy = Variant(sku="X", attributes={"Size": "XL"}, price=Money(amount=Decimal("18.5")), weight=Decimal("0.8"))
    spec = mapping.combination_spec(TEE, heavy, ["9"])
    assert spec.price_impact == Decimal("-1.5") and spec.weight_impact == Decimal("0.3")


def test_a_combination_already_right_is_recognised() -> None:
    row = json_body("02-resource-combinations/006-get-40-json")["combination"]     # single record: zeros dropped
    spec = mapping.combination_spec(TEE, TEE.variants[0], ["26"])
    assert spec.matches(row)
    assert not mapping.combination_spec(TEE, TEE.variants[0], ["27"]).matches(row)


def test_attribute_documents_have_the_captured_shape() -> None:
    group = written(mapping.option_group_element("SyncSize", CONFIG))[0]
    value = written(mapping.option_value_element("5", "S", CONFIG))[0]
    assert group.keys() == captured("04-writes/004-post-product-option")[0].keys()
    assert group["name"] == {"1": "SyncSize", "2": "SyncSize"} and group["group_type"] == "select"
    assert value == captured("04-writes/005-post-product-option-value-S")[0] | {"name": {"1": "S", "2": "S"}}


# --- stock ------------------------------------------------------------------------------------


def test_stock_rows_are_written_complete_even_from_a_sparse_record() -> None:
    sparse = json_body("04-writes/020-get-stock-available-after-minimal-put")["stock_available"]
    assert "id_shop_group" not in sparse and "location" not in sparse      # dropped because 0 / empty
    row = StockRow.from_record(sparse)
    assert written(row.element(71)) == captured("06-batch-write/002-put-collection-url-two-children")[:1]


def test_stock_rows_of_the_configured_shop() -> None:
    row = StockRow.from_record(json_body("07-multistore/024-stock-id_shop-2-key-associated")["stock_availables"][0])
    assert mapping.belongs_to_shop(row, None, None)
    assert mapping.belongs_to_shop(row, 1, None)
    assert not mapping.belongs_to_shop(row, 2, None)        # id_shop=2 in the query still lists shop 1's rows
    shared = StockRow("9", "1", "0", "0", "1", 5)
    assert mapping.belongs_to_shop(shared, 2, 1) and not mapping.belongs_to_shop(shared, 2, None)


# --- fulfilment documents ---------------------------------------------------------------------


def test_order_history_document_is_the_captured_one() -> None:
    assert written(mapping.order_history_element("9", 2)) == captured("04-writes/058-post-order-history-state2")


def test_order_carrier_document_is_the_captured_one() -> None:
    sparse = json_body("02-resource-order_carriers/006-get-12-json")["order_carrier"]    # no tracking_number key
    ours = mapping.order_carrier_element(sparse, "1Z999AA10123456784")
    theirs = load("04-writes/064-put-order-carrier-tracking").request.body
    assert tag_order(xml_document([ours])) == tag_order(theirs)
    assert written(ours)[0]["tracking_number"] == "1Z999AA10123456784" and written(ours)[0]["id"] == 12


# --- time -------------------------------------------------------------------------------------


def test_date_filter_in_shop_time_like_the_capture() -> None:
    since = datetime(2025, 12, 31, 23, 0, 1, tzinfo=UTC)      # 2026-01-01 00:00:01 in Paris
    assert mapping.shop_time_filter(since, PARIS) == ">[2026-01-01 00:00:00]"
    assert load("03-query-features/040-orders-since").request.query["filter[date_upd]"] == ">[2026-01-01 00:00:00]"


def test_date_filter_covers_the_hour_repeated_when_clocks_fall_back() -> None:
    since = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)          # 02:30 CEST; at 01:00 UTC clocks go back to 02:00
    assert mapping.shop_time_filter(since, PARIS) == ">[2026-10-25 01:29:59]"


def test_naive_dates_are_refused() -> None:
    with pytest.raises(ValueError):
        mapping.shop_time_filter(datetime(2026, 1, 1), PARIS)


@given(since=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
       later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
def test_date_filter_never_leaves_out_a_later_update(since: datetime, later: timedelta) -> None:
    """Whatever the DST transitions, a row updated at or after ``since`` passes ``date_upd > filter``."""
    bound = mapping.shop_time_filter(since, PARIS)[2:-1]
    updated = (since + later).astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")
    assert updated > bound


def test_shop_dates() -> None:
    assert mapping.parse_shop_datetime("0000-00-00 00:00:00", PARIS) is None
    assert mapping.parse_shop_datetime("", PARIS) is None
    placed = mapping.parse_shop_datetime("2026-11-22 18:09:41", PARIS)
    assert placed == datetime(2026, 11, 22, 17, 9, 41, tzinfo=UTC)
    repeated = mapping.parse_shop_datetime("2026-10-25 02:30:00", PARIS)     # twice that night: the earlier
    assert repeated == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


# --- orders -----------------------------------------------------------------------------------

LOOKUPS = Lookups(countries={"8": "FR"}, currencies={"1": "USD"})


def order_documents(order: str = "04-writes/055-get-order-json", details: str = "04-writes/070-get-order-details",
                    payments: tuple = ()) -> OrderDocuments:
    carrier = json_body("02-resource-carriers/004-list-display-full-limit-0-2-json")["carriers"][1]
    return OrderDocuments(
        order=json_body(order)["order"],
        customer=json_body("02-resource-customers/006-get-3-json")["customer"],
        invoice_address=json_body("02-resource-addresses/006-get-7-json")["address"],
        delivery_address=json_body("02-resource-addresses/006-get-7-json")["address"],
        details=tuple(json_body(details)["order_details"]), payments=payments, carrier=carrier)


def test_order_as_prestashop_gives_it() -> None:
    payments = tuple(json_body("04-writes/068-get-order-payments-json")["order_payments"])
    incoming = mapping.incoming_order(order_documents(payments=payments), LOOKUPS, "demo", PARIS)
    order = incoming.order
    assert incoming.error is None and order is not None
    assert (incoming.external_id, order.reference, order.currency, order.state) == ("9", "DJEMVYCDF", "USD", "11")
    assert order.placed_at == datetime(2026, 11, 22, 17, 9, 41, tzinfo=UTC)
    assert incoming.updated_at == order.placed_at
    assert order.customer.email == "sync.tester@example.com" and order.customer.last_name == "Tester"
    assert order.delivery_address.country_code == "FR" and order.delivery_address.postcode == "75002"
    assert order.delivery_address.phone == "0102030405" and order.delivery_address.company is None
    assert [(line.sku, line.quantity, line.unit_price_tax_incl, line.total_tax_incl) for line in order.lines] == [
        ("SYNC-REF-100-1", 2, Decimal("18"), Decimal("36")), ("SYNC-REF-100-2", 1, Decimal("20"), Decimal("20"))]
    assert (order.total_tax_incl, order.shipping_tax_incl, order.discounts_tax_incl) == (63, 7, 0)
    assert order.carrier == "My carrier"
    # The checkout's payment is named by the order's module, the stable key of payment_journals.
    assert [(p.method, p.amount, p.transaction_id, p.paid_at) for p in order.payments] == [
        ("ps_checkpayment", 63, None, datetime(2026, 11, 22, 17, 9, 41, tzinfo=UTC))]
    assert (order.vouchers, order.gift_message) == ((), None)
    assert (order.gift_wrapping_tax_incl, order.refunded_tax_incl) == (0, 0)
    assert order.paid and not order.cancelled and not order.customer.is_guest      # no table of states: `valid`
    assert '"reference": "DJEMVYCDF"' in incoming.raw and '"email": "sync.tester@example.com"' in incoming.raw


def test_order_with_a_cart_rule_keeps_discount_and_totals_consistent() -> None:
    documents = order_documents("04b-order-with-cart-rule/012-get-order-json",
                                "04b-order-with-cart-rule/015-get-order-details-json")
    order = mapping.incoming_order(documents, LOOKUPS, "demo", PARIS).order
    assert order is not None
    assert (order.discounts_tax_incl, order.discounts_tax_excl) == (Decimal("5.6"), Decimal("5.6"))
    assert order.total_tax_incl == Decimal("57.4")
    lines = sum(line.total_tax_incl for line in order.lines)
    assert lines + order.shipping_tax_incl - order.discounts_tax_incl == order.total_tax_incl


def test_line_totals_fall_back_to_unit_price_times_quantity() -> None:
    without_details = dataclasses.replace(order_documents(), details=())
    order = mapping.incoming_order(without_details, LOOKUPS, "demo", PARIS).order
    assert order is not None and [line.total_tax_excl for line in order.lines] == [36, 20]


def broken(change) -> mapping.IncomingOrder:
    documents = copy.deepcopy(dataclasses.asdict(order_documents()))
    change(documents)
    return mapping.incoming_order(OrderDocuments(**documents), LOOKUPS, "demo", PARIS)


@pytest.mark.parametrize("change, reason", [
    (lambda d: d["customer"].pop("email"), "customer has no e-mail address"),
    (lambda d: d.update(customer=None), "customer not found"),
    (lambda d: d.update(invoice_address=None), "invoice address not found"),
    (lambda d: d["delivery_address"].update(id_country=999), "unknown country in delivery address"),
    (lambda d: d["order"].update(total_paid_tax_incl="12,50"), "bad number in total_paid_tax_incl: '12,50'"),
    (lambda d: d["order"]["associations"]["order_rows"][0].update(product_quantity="two"),
     "bad number in product_quantity"),
    (lambda d: d["order"]["associations"].update(order_rows=[]), "order has no lines"),
    (lambda d: d["order"]["associations"]["order_rows"][1].update(product_reference=""),
     "order line without product reference"),
    (lambda d: d["order"].update(id_currency=42), "unknown currency"),
    (lambda d: d["order"].update(date_add="0000-00-00 00:00:00"), "order has no valid date_add"),
], ids=["no-email", "no-customer", "no-invoice-address", "unknown-country", "bad-total", "bad-quantity", "no-lines",
        "no-sku", "unknown-currency", "no-date"])
def test_a_broken_order_is_reported_not_raised(change, reason: str) -> None:
    incoming = broken(change)
    assert incoming.order is None and incoming.error.startswith(reason)
    assert incoming.external_id == "9" and incoming.raw            # the document is kept for the person who fixes it


def test_company_and_vat_number_come_from_the_invoice_address() -> None:
    documents = copy.deepcopy(dataclasses.asdict(order_documents()))
    documents["invoice_address"].update(company="Portails SARL", vat_number="FR12345678901")
    order = mapping.incoming_order(OrderDocuments(**documents), LOOKUPS, "demo", PARIS).order
    assert order is not None
    assert (order.customer.company, order.customer.vat_number) == ("Portails SARL", "FR12345678901")
    assert order.invoice_address.vat_number == "FR12345678901" and order.delivery_address.company is None


def test_problem_details_name_the_culprit() -> None:
    incoming = broken(lambda d: d["delivery_address"].update(id_country=999))
    assert incoming.details == {"id_address": "7", "id_country": "999"}


# --- orders: vouchers, gift wrapping, payment state, cancellation, refunds, guests, regions --------

ORDER_STATES = json_body("02-resource-order_states/004-list-display-full-limit-0-2-json")["order_states"]
# The captured list holds states 2 and 3 (both paid); the stock install's other paid states are
# 4, 5, 7, 9 and 11, and 6 is "Canceled".
STATE_LOOKUPS = dataclasses.replace(
    LOOKUPS, paid_states=frozenset({str(row["id"]) for row in ORDER_STATES if row["paid"] == "1"}
                                   | {"4", "5", "7", "9", "11"}),
    cancelled_states=frozenset({"6"}), groups={"3": "Customer", "2": "Guest", "4": "Professionnels"},
    states={"35": "NY", "60": "US-CA"})


def read(documents: OrderDocuments, lookups: Lookups = STATE_LOOKUPS) -> mapping.IncomingOrder:
    return mapping.incoming_order(documents, lookups, "demo", PARIS)


def test_vouchers_are_the_order_cart_rules_with_their_code() -> None:
    """04b: a 10 % cart rule on order 11; its code from cart_rules (the captured rule has none, the
    merchant's voucher here has one); a rule the merchant removed from the order (deleted) is not there."""
    rows = json_body("04b-order-with-cart-rule/014-get-order-cart-rules-json")["order_cart_rules"]
    removed = {**rows[0], "id": 3, "id_cart_rule": 2, "name": "Removed", "deleted": "1"}
    documents = dataclasses.replace(
        order_documents("04b-order-with-cart-rule/012-get-order-json",
                        "04b-order-with-cart-rule/015-get-order-details-json"),
        cart_rules=(*rows, removed), cart_rule_codes={"1": "SYNC10"})
    order = read(documents).order
    assert order is not None
    assert [(v.name, v.code, v.amount_tax_excl, v.amount_tax_incl) for v in order.vouchers] == [
        ("Sync 10 percent", "SYNC10", Decimal("5.6"), Decimal("5.6"))]
    assert sum(v.amount_tax_incl for v in order.vouchers) == order.discounts_tax_incl


def test_gift_wrapping_and_message() -> None:
    documents = copy.deepcopy(dataclasses.asdict(order_documents()))
    documents["order"].update(gift="1", gift_message="Joyeux anniversaire", total_wrapping_tax_excl="2.500000",
                              total_wrapping_tax_incl="3.000000")
    order = read(OrderDocuments(**documents)).order
    assert order is not None
    assert (order.gift_message, order.gift_wrapping_tax_excl, order.gift_wrapping_tax_incl) == (
        "Joyeux anniversaire", Decimal("2.5"), Decimal("3"))
    documents["order"].update(gift="0")          # a message left over without the gift box is not one
    assert read(OrderDocuments(**documents)).order.gift_message is None


@pytest.mark.parametrize("current, history, paid", [
    ("10", [], False),                           # awaiting bank wire payment
    ("1", [], False),                            # awaiting check payment
    ("2", ["10", "2"], True),                    # the transfer arrived
    ("6", ["10", "6"], False),                   # cancelled before being paid
    ("6", ["11", "2", "6"], True),               # paid, then cancelled: it has been paid
    ("8", ["8"], False),                         # payment error
])
def test_paid_means_the_order_is_or_was_in_a_paid_state(current: str, history: list[str], paid: bool) -> None:
    documents = copy.deepcopy(dataclasses.asdict(order_documents()))
    documents["order"].update(current_state=current, valid="1")
    documents["history"] = tuple({"id": n, "id_order": 9, "id_order_state": state}
                                 for n, state in enumerate(history, start=1))
    order = read(OrderDocuments(**documents)).order
    assert order is not None and order.paid is paid and order.state == current
    assert order.cancelled is (current == "6")


def test_refunds_are_the_credit_slips() -> None:
    slip = {"id": 1, "id_order": 9, "total_products_tax_excl": "15.000000", "total_products_tax_incl": "18.000000",
            "total_shipping_tax_excl": "0.000000", "total_shipping_tax_incl": "0.000000", "amount": "18.000000"}
    shipping = {**slip, "id": 2, "total_products_tax_incl": "0.000000", "total_shipping_tax_incl": "8.400000"}
    order = read(dataclasses.replace(order_documents(), slips=(slip, shipping))).order
    assert order is not None and order.refunded_tax_incl == Decimal("26.4")


def test_guest_and_customer_group() -> None:
    documents = copy.deepcopy(dataclasses.asdict(order_documents()))
    assert read(OrderDocuments(**documents)).order.customer.group == "Customer"
    documents["customer"].update(is_guest="1", id_default_group=2)
    customer = read(OrderDocuments(**documents)).order.customer
    assert customer.is_guest and customer.group == "Guest"
    documents["customer"].update(is_guest="0", id_default_group=4)
    assert read(OrderDocuments(**documents)).order.customer.group == "Professionnels"


def test_regions_are_iso_codes_without_the_country() -> None:
    """02-resource-addresses: a New York address points to state 35."""
    documents = copy.deepcopy(dataclasses.asdict(order_documents()))
    lookups = dataclasses.replace(STATE_LOOKUPS, countries={"8": "FR", "21": "US"})
    documents["delivery_address"].update(id_country=21, id_state=35)
    documents["invoice_address"].update(id_country=21, id_state=60)
    order = read(OrderDocuments(**documents), lookups).order
    assert order is not None
    assert (order.delivery_address.state_code, order.invoice_address.state_code) == ("NY", "CA")
    assert order.delivery_address.normalised()[-1] == "ny"          # the region tells addresses apart
    documents["delivery_address"].update(id_state=99)
    incoming = read(OrderDocuments(**documents), lookups)
    assert incoming.order is None and incoming.error == "unknown state in delivery address"
    assert incoming.details == {"id_address": "7", "id_state": "99"}


def test_a_payment_added_in_the_back_office_keeps_its_method() -> None:
    payments = json_body("04-writes/068-get-order-payments-json")["order_payments"]
    transfer = {**payments[0], "id": 5, "amount": "10.000000", "payment_method": "Bank transfer",
                "transaction_id": "VIR-0001"}
    order = read(dataclasses.replace(order_documents(), payments=(*payments, transfer))).order
    assert order is not None
    assert [(p.method, p.amount, p.transaction_id) for p in order.payments] == [
        ("ps_checkpayment", 63, None), ("Bank transfer", 10, "VIR-0001")]


def test_bad_voucher_amounts_are_reported() -> None:
    rows = json_body("04b-order-with-cart-rule/014-get-order-cart-rules-json")["order_cart_rules"]
    documents = dataclasses.replace(order_documents(), cart_rules=({**rows[0], "value": "5,60"},))
    incoming = read(documents)
    assert incoming.order is None and incoming.error == "bad number in value: '5,60'"


def test_new_documents_keep_their_shape() -> None:
    """Notes and the invoice note are plain records the webservice takes (fields of the 8.1 classes)."""
    order = {"id": 9, "id_customer": 3, "id_lang": 1, "id_shop": 1}
    [thread, message, note] = written(mapping.customer_thread_element(order, "sync.tester@example.com", "abc123"),
                                      mapping.customer_message_element("4", "Held: amount above 5000", 0),
                                      mapping.invoice_note_element("2", "ERP invoice FAC-1"))
    assert thread == {"id_lang": 1, "id_contact": 0, "id_shop": 1, "id_customer": 3, "id_order": 9, "id_product": 0,
                      "email": "sync.tester@example.com", "token": "abc123", "status": "open"}
    assert message == {"id_employee": 0, "id_customer_thread": 4, "message": "Held: amount above 5000",
                       "private": 1, "read": 0}
    assert note == {"id": 2, "note": "ERP invoice FAC-1"}
    [row] = written(mapping.new_order_carrier_element("9", "2", "TRK2"))
    assert list(row) == [tag for tag in tag_order(load("04-writes/064-put-order-carrier-tracking").request.body)[0]
                         if tag not in ("id", "date_add")]
