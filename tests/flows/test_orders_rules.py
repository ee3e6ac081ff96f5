"""The order flow's own rules, without any system: totals, holds, ERP terms, edits after import."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from courroie.config import ApprovalRules, CustomerGroupTerms, OrderSettings
from courroie.errors import DataError
from courroie.flows.orders import WAITING_FOR_PAYMENT, _edits, check_order, hold_reason, terms_for
from courroie.model import Address, Customer, Order, OrderLine, Voucher
from courroie.store.inbox import InboxEntry

ADDRESS = Address(first_name="Ana", last_name="López", street="12 rue des Lilas", postcode="31000",
                  city="Toulouse", country_code="FR")


def order(**changes) -> Order:
    line = OrderLine(sku="MOT-1", name="Moteur", quantity=Decimal(2), unit_price_tax_excl=Decimal("100"),
                     unit_price_tax_incl=Decimal("120"), total_tax_excl=Decimal("200"), total_tax_incl=Decimal("240"))
    values = dict(shop="shop-a", external_id="7", reference="XKBKNABJK", placed_at=datetime(2026, 11, 2, tzinfo=UTC),
                  currency="EUR", customer=Customer(email="ana@example.com", first_name="Ana", last_name="López"),
                  invoice_address=ADDRESS, delivery_address=ADDRESS, lines=(line,),
                  shipping_tax_excl=Decimal("10"), shipping_tax_incl=Decimal("12"),
                  discounts_tax_excl=Decimal("20"), discounts_tax_incl=Decimal("24"),
                  vouchers=(Voucher(name="10 %", code="TEN", amount_tax_excl=Decimal("20"),
                                    amount_tax_incl=Decimal("24")),),
                  gift_wrapping_tax_excl=Decimal("2.5"), gift_wrapping_tax_incl=Decimal("3"),
                  total_tax_excl=Decimal("192.50"), total_tax_incl=Decimal("231"))
    return Order(**(values | changes))


def entry(approved_by: str | None = None) -> InboxEntry:
    return InboxEntry(1, "shop-a", "7", "XKBKNABJK", "new", "<order/>", None, None, None, None, approved_by)


class Erp:
    def __init__(self, known: bool) -> None:
        self.known = known

    async def find_customer(self, customer: Customer) -> str | None:
        return "party,1" if self.known else None


def held(settings: OrderSettings, the_order: Order, *, known: bool = True, approved_by: str | None = None):
    hub = SimpleNamespace(erp=Erp(known))
    return asyncio.run(hold_reason(hub, settings, entry(approved_by), the_order))


def test_lines_shipping_wrapping_and_vouchers_add_up_to_the_total():
    check_order(order())
    with pytest.raises(DataError, match="do not add up"):
        check_order(order(total_tax_incl=Decimal("231.01")))          # one cent off
    with pytest.raises(DataError, match="do not add up"):
        check_order(order(gift_wrapping_tax_incl=Decimal(0)))


def test_unpaid_orders_wait_only_when_configured():
    unpaid = order(paid=False)
    assert held(OrderSettings(unpaid="wait"), unpaid) == WAITING_FOR_PAYMENT
    assert held(OrderSettings(unpaid="quotation"), unpaid) is None
    assert held(OrderSettings(unpaid="wait"), order()) is None


def test_approval_rules_hold_until_a_person_approves():
    rules = OrderSettings(approval=ApprovalRules(customer_groups=["Professionnels"], amount_above=Decimal(200),
                                                 new_customers=True))
    b2b = order(customer=order().customer.model_copy(update={"group": "Professionnels"}), total_tax_incl=Decimal(50))
    assert held(rules, b2b) == "approval: customer group Professionnels"
    assert held(rules, order()) == "approval: total 231 EUR above 200"
    small = order(total_tax_incl=Decimal(50))
    assert held(rules, small, known=False) == "approval: new customer"
    assert held(rules, small, known=True) is None
    assert held(rules, order(), approved_by="marie") is None
    assert held(OrderSettings(unpaid="wait"), order(paid=False), approved_by="marie") == WAITING_FOR_PAYMENT


def test_the_customer_group_decides_the_erp_terms():
    settings = OrderSettings(customer_groups={"Professionnels": CustomerGroupTerms(
        price_list="Tarif pro", payment_term="30 jours", customer_category="Professionnel")},
        payment_journals={"Bank transfer": "Virements"}, vouchers_as="global")
    pro = order(customer=order().customer.model_copy(update={"group": "Professionnels"}))
    terms = terms_for(settings, pro)
    assert (terms.price_list, terms.payment_term, terms.customer_category) == ("Tarif pro", "30 jours", "Professionnel")
    assert terms.payment_journals == {"Bank transfer": "Virements"} and terms.vouchers_as == "global"
    assert terms_for(settings, order()).price_list is None


def test_edits_after_import_name_the_fields_and_both_versions():
    before = order()
    after = order(delivery_address=ADDRESS.model_copy(update={"street": "3 place du Capitole"}), state="Shipped",
                  paid=False)
    edits = _edits(before, after)
    assert list(edits) == ["delivery_address"]                       # state and payment are not edits
    assert edits["delivery_address"]["before"]["street"] == "12 rue des Lilas"
    assert edits["delivery_address"]["after"]["street"] == "3 place du Capitole"
    assert _edits(before, before) == {}


def test_generic_guests_need_the_generic_customer():
    with pytest.raises(ValueError, match="generic_customer"):
        OrderSettings(guests="generic")
    assert OrderSettings(guests="generic", generic_customer="web@example.com").generic_customer == "web@example.com"
