"""Price rules and promotions as PrestaShop documents: the captured specific prices and cart rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prestashop_captures import body_records, json_body, load, tag_order
from prestashop_samples import make_config

from courroie.connectors.prestashop import price_documents
from courroie.connectors.prestashop.client import xml_document
from courroie.connectors.prestashop.price_documents import SpecificPrice, Targets
from courroie.model import PriceRule, Promotion, Reduction

pytestmark = pytest.mark.prestashop

PARIS = ZoneInfo("Europe/Paris")


def written(element) -> dict:
    [fields] = body_records(xml_document([element]))
    return fields


def captured(name: str) -> dict:
    [fields] = body_records(load(name).request.body)
    return fields


def test_a_dated_percentage_is_the_captured_promo_price() -> None:
    """04-writes/035: 15 % from 2024 to the end of 2030, every group, price -1 (keep the base)."""
    rule = PriceRule(sku="SYNC-SCRATCH", reduction=Decimal("0.15"), reduction_type=Reduction.PERCENTAGE,
                     starts=datetime(2024, 1, 1, tzinfo=PARIS), ends=datetime(2031, 1, 1, tzinfo=PARIS))
    ours = written(price_documents.specific_price(rule, Targets("21"), make_config()).element())
    theirs = captured("04-writes/035-post-specific-price-promo-dated")
    assert ours == theirs | {"reduction_tax": 0}          # the hub's reductions are tax excluded


def test_a_group_price_is_the_captured_fixed_price() -> None:
    """04-writes/036: 18.00 for group 3 in shop 1, no dates (0000-00-00 00:00:00)."""
    config = make_config(shop_id=1, customer_groups={"Clients": 3})
    rule = PriceRule(sku="SYNC-SCRATCH", price=Decimal(18), price_list="Clients")
    ours = written(price_documents.specific_price(rule, Targets("21", group_id=3), config).element())
    theirs = captured("04-writes/036-post-specific-price-group")
    assert ours == theirs | {"reduction_tax": 0, "id_specific_price_rule": 0}


def test_a_variant_rule_names_its_combination_currency_and_country() -> None:
    rule = PriceRule(sku="SYNC-REF-100-2", price=Decimal("19.90"), currency="EUR", country="FR", from_quantity=10)
    fields = written(price_documents.specific_price(rule, Targets("21", "41", 1, 8), make_config()).element())
    assert (fields["id_product_attribute"], fields["id_currency"], fields["id_country"], fields["from_quantity"]) \
        == (41, 1, 8, 10)
    assert fields["price"] == Decimal("19.9") and fields["reduction_type"] == "amount" and fields["reduction"] == 0


def test_a_rule_with_neither_price_nor_reduction_is_refused() -> None:
    with pytest.raises(ValueError, match="neither a price nor a reduction"):
        price_documents.specific_price(PriceRule(sku="X"), Targets("21"), make_config())


@pytest.mark.parametrize("moment, wall", [
    (datetime(2031, 1, 1, tzinfo=PARIS), "2030-12-31 23:59:59"),
    (datetime(2026, 7, 1, 22, 0, tzinfo=UTC), "2026-07-01 23:59:59"),           # summer: UTC+2
    (datetime(2026, 3, 29, 3, 0, tzinfo=PARIS), "2026-03-29 01:59:59"),          # the hour that does not exist
])
def test_an_exclusive_end_is_the_last_second_in_shop_time(moment: datetime, wall: str) -> None:
    assert price_documents.shop_until(moment, PARIS) == wall


def test_the_signature_recognises_a_written_row_read_back() -> None:
    """A row of 04-writes/038 (JSON, numbers as numbers or strings), had the hub written it."""
    row = json_body("04-writes/038-get-specific-prices-of-product")["specific_prices"][1] | {"reduction_tax": 0}
    config = make_config(shop_id=1)
    spec = price_documents.specific_price(PriceRule(sku="S", price=Decimal(18)), Targets("21", group_id=3), config)
    assert SpecificPrice.signature_of(row) == spec.signature
    assert SpecificPrice.signature_of(row | {"reduction_tax": 1}) is None    # the merchant's (tax included)
    assert SpecificPrice.signature_of(row | {"id_specific_price_rule": 2}) is None


def test_a_coupon_is_a_cart_rule_shaped_like_the_captured_one() -> None:
    """04b/001 is the captured cart rule (10 %, code-less); ours carries a code and no customer."""
    promotion = Promotion(key="SUMMER", name="Sync 10 percent", reduction=Decimal("0.10"), coupon="SUMMER10",
                          minimum_amount=Decimal(50), starts=datetime(2024, 1, 1, tzinfo=PARIS),
                          ends=datetime(2031, 1, 1, tzinfo=PARIS))
    element = price_documents.cart_rule_element(promotion, None, 1, make_config())
    body = xml_document([element])
    assert tag_order(body) == tag_order(load("04b-order-with-cart-rule/001-post-cart-rule-10pct-auto").request.body)
    ours, theirs = written(element), captured("04b-order-with-cart-rule/001-post-cart-rule-10pct-auto")
    differing = {key for key in theirs if ours[key] != theirs[key]}
    assert differing == {"id_customer", "description", "quantity", "quantity_per_user", "partial_use", "code",
                         "minimum_amount", "reduction_tax", "name"}
    assert ours["code"] == "SUMMER10" and ours["minimum_amount"] == 50 and ours["reduction_tax"] == 0
    assert ours["name"] == {"1": "Sync 10 percent", "2": "Sync 10 percent"}


def test_an_amount_coupon_on_one_product() -> None:
    promotion = Promotion(key="P", name="5 off", reduction=Decimal(5), reduction_type=Reduction.AMOUNT, coupon="FIVE")
    fields = written(price_documents.cart_rule_element(promotion, "21", 1, make_config()))
    assert (fields["reduction_percent"], fields["reduction_amount"], fields["reduction_product"]) == (0, 5, 21)
    assert (fields["date_from"], fields["date_to"]) == ("2000-01-01 00:00:00", "2099-12-31 23:59:59")


def test_promotion_prices_cover_each_product_and_group() -> None:
    promotion = Promotion(key="P", name="P", reduction=Decimal("0.2"))
    specs = price_documents.promotion_prices(promotion, ["12", "9"], [3, 4], make_config())
    assert [(s.product_id, s.group_id) for s in specs] == [("9", 3), ("9", 4), ("12", 3), ("12", 4)]
    assert {(s.price, s.reduction, s.reduction_type) for s in specs} == {(Decimal(-1), Decimal("0.2"), "percentage")}
    assert [s.group_id for s in price_documents.promotion_prices(promotion, ["0"], [], make_config())] == [0]


@given(st.sets(st.integers(min_value=1, max_value=10_000), max_size=200))
def test_promotion_ids_name_every_record_compactly(ids: set[int]) -> None:
    encoded = price_documents.promotion_id("specific_prices", map(str, ids))
    assert price_documents.parse_promotion_id(encoded) == ("specific_prices", [str(i) for i in sorted(ids)])


def test_consecutive_ids_are_ranges() -> None:
    assert price_documents.promotion_id("specific_prices", ["5", "3", "4", "9", "10", "12"]) \
        == "specific_prices:3-5,9-10,12"
    with pytest.raises(ValueError, match="not a PrestaShop promotion id"):
        price_documents.parse_promotion_id("catalog_rules:1")
