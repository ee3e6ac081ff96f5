from datetime import UTC, datetime, timedelta
from decimal import Decimal

from courroie.flows.prices import base_prices, shop_rules
from courroie.model import Money, PriceRule, Product

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
PRODUCTS = [Product(sku="A", name={"fr": "A"}, price=Money(amount=Decimal("100"))),
            Product(sku="B", name={"fr": "B"}, price=Money(amount=Decimal("50")))]
RULES = [
    PriceRule(sku="A", price=Decimal("90"), price_list="Public"),                       # base price of the list
    PriceRule(sku="A", price=Decimal("85"), price_list="Public", from_quantity=5),      # a tier, for everyone
    PriceRule(sku="A", price=Decimal("80"), price_list="Tarif pro"),                    # a group price
    PriceRule(sku="B", price=Decimal("40"), price_list="Soldes", starts=NOW - timedelta(days=1),
              ends=NOW + timedelta(days=1)),
    PriceRule(sku="B", price=Decimal("30"), price_list="Tarif pro", ends=NOW - timedelta(days=1)),  # over
    PriceRule(sku="C", price=Decimal("1"), price_list="Tarif pro"),                     # not in this shop
]
PLACED = {"A": "1/0", "B": "2/0"}


def test_base_price_is_the_list_price_or_the_shops_base_list():
    assert base_prices(PRODUCTS, RULES, None) == {"A": "100", "B": "50"}
    assert base_prices(PRODUCTS, RULES, "Public") == {"A": "90", "B": "50"}


def test_shop_rules_keep_group_lists_and_the_base_lists_tiers_for_everyone():
    wanted = shop_rules(RULES, ["Tarif pro"], "Public", PLACED, NOW)
    kept = sorted((r.sku, str(r.price), r.price_list, r.from_quantity) for r in wanted.values())
    assert kept == [("A", "80", "Tarif pro", 1), ("A", "85", None, 5)]


def test_dated_prices_of_the_base_list_are_for_everyone_while_they_last():
    wanted = shop_rules(RULES, [], "Soldes", PLACED, NOW)
    assert [(r.sku, str(r.price), r.price_list) for r in wanted.values()] == [("B", "40", None)]
    assert shop_rules(RULES, [], "Soldes", PLACED, NOW + timedelta(days=2)) == {}
