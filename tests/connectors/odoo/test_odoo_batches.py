"""OdooErp, several orders at once (issue 6), against the Odoo sandbox as 16.0 and as 18.0: the
customers of a batch looked up in one search, the payments of a batch recorded in a few calls, and
exactly-once kept when Odoo refuses one sale's part of a batch write."""

from __future__ import annotations

from typing import Any

import pytest

from courroie.connectors.odoo import OdooErp
from courroie.connectors.protocols import SalePayments
from courroie.errors import DataError
from courroie.model import Customer
from tests.connectors.odoo.odoo_support import odoo_refuses
from tests.connectors.odoo.test_odoo_connector import HOME, drafts
from tests.connectors.odoo.test_odoo_orders import PRO, paid, posted_state, reference_field, table

pytestmark = [pytest.mark.odoo, pytest.mark.anyio]


def client(n: int, **changes: Any) -> Customer:
    return Customer(email=f"client{n}@example.org", first_name="Client", last_name=f"Number {n}", **changes)


def partner_calls(erp: OdooErp) -> int:
    return sum(count for method, count in erp.stats.methods.items() if method.startswith("res.partner."))


# --- customers -------------------------------------------------------------------------------------------

async def test_a_batch_s_customers_are_one_search_and_their_orders_ask_odoo_nothing_more(erp_for, sandbox):
    before = erp_for(sandbox)                      # customers who ordered before, each with an address
    known, addresses = {}, {}
    for n in range(5):
        known[n] = await before.save_customer(client(n), None)
        addresses[n] = await before.ensure_address(known[n], HOME)
    company = sandbox.server.env(2).create("res.partner", {"name": "Portails Occitans", "is_company": True,
                                                          "vat": "FR 40 303 265 045"})
    business = client(7, company="Portails Occitans", vat_number="fr40303265045")
    shouting = client(2).model_copy(update={"email": " CLIENT2@example.org"})
    batch = [*(client(n) for n in range(5)), client(5), business, shouting]

    erp = erp_for(sandbox)
    await erp.refs.country_id("FR")               # references are looked up once per connector, not measured
    assert await erp.find_customers(batch) == [*known.values(), None, str(company), known[2]]
    assert erp.stats.methods["res.partner.search_read"] == 2       # the e-mails, then the VAT numbers
    erp.stats.reset()
    for n, key in known.items():                  # what the flow asks for each order of the batch
        assert await erp.find_customer(client(n)) == key
        assert await erp.save_customer(client(n), key) == key
        assert await erp.ensure_address(key, HOME) == addresses[n]
    assert await erp.find_customer(business) == str(company) and await erp.find_customer(client(5)) is None
    assert partner_calls(erp) == 0, erp.stats.methods


async def test_a_customer_new_to_odoo_ordering_twice_in_a_batch_is_created_once(erp, sandbox):
    first, again = client(8), client(8).model_copy(update={"email": " Client8@Example.org"})
    assert await erp.find_customers([first, again]) == [None, None]
    key = await erp.save_customer(first, await erp.find_customer(first))
    assert await erp.find_customer(again) == key
    assert await erp.save_customer(again, await erp.find_customer(again)) == key
    emails = [(r.get("email") or "").strip().lower() for r in table(sandbox, "res.partner").values()]
    assert emails.count("client8@example.org") == 1


# --- payments --------------------------------------------------------------------------------------------

async def confirmed_sales(erp: OdooErp, count: int) -> list[str]:
    outcomes = await erp.create_sales(await drafts(erp, [f"P{n}" for n in range(count)]), confirm=True)
    assert all(o.sale and o.sale.confirmed for o in outcomes)
    return [o.sale.key for o in outcomes if o.sale]


def payments(keys: list[str], *, transactions: str = "pi") -> list[SalePayments]:
    return [SalePayments(key, [paid("131.88", "stripe_official", f"{transactions}_{n}")], PRO)
            for n, key in enumerate(keys)]


def recorded(sandbox, reference: str) -> list[dict[str, Any]]:
    field = reference_field(sandbox)
    return [r for r in table(sandbox, "account.payment").values() if r.get(field) == reference]


async def test_a_batch_s_payments_are_one_create_and_one_post_and_recorded_once(erp, sandbox):
    keys = await confirmed_sales(erp, 6)
    await erp.payments.journal("stripe_official", PRO)          # a reference, looked up once
    erp.stats.reset()
    assert await erp.record_payments_of(payments(keys)) == dict.fromkeys(keys)
    assert erp.stats.methods["account.payment.create"] == erp.stats.methods["account.payment.action_post"] == 1
    assert erp.stats.calls <= 5, erp.stats.methods      # sales, partners, payments there, create, post
    assert all([r["state"] for r in recorded(sandbox, f"pi_{n}")] == [posted_state(sandbox)] for n in range(6))
    erp.stats.reset()
    assert await erp.record_payments_of(payments(keys)) == dict.fromkeys(keys)     # again: all recognised
    assert erp.stats.methods["account.payment.create"] == 0
    assert all(len(recorded(sandbox, f"pi_{n}")) == 1 for n in range(6))


async def test_a_payment_odoo_refuses_fails_alone_and_its_retry_adds_none_twice(erp, sandbox):
    keys = await confirmed_sales(erp, 4)
    field = reference_field(sandbox)
    refused = lambda args: any(values.get(field) == "pi_2" for values in args[0])        # noqa: E731
    with odoo_refuses(sandbox, "account.payment", "create", refused):
        errors = await erp.record_payments_of(payments(keys))
    assert isinstance(errors[keys[2]], DataError) and [errors[k] for k in keys if k != keys[2]] == [None] * 3
    assert [len(recorded(sandbox, f"pi_{n}")) for n in range(4)] == [1, 1, 0, 1]
    assert await erp.record_payments_of(payments(keys)) == dict.fromkeys(keys)      # the retry, once fixed
    assert all([r["state"] for r in recorded(sandbox, f"pi_{n}")] == [posted_state(sandbox)] for n in range(4))


async def test_a_payment_odoo_will_not_post_stays_a_draft_alone_and_is_posted_on_the_retry(erp, sandbox):
    keys = await confirmed_sales(erp, 3)
    field = reference_field(sandbox)
    rows = table(sandbox, "account.payment")
    refused = lambda args: any(rows[i].get(field) == "pi_0" for i in args[0])          # noqa: E731
    with odoo_refuses(sandbox, "account.payment", "action_post", refused):
        errors = await erp.record_payments_of(payments(keys))
    assert isinstance(errors[keys[0]], DataError) and errors[keys[1]] is errors[keys[2]] is None
    assert [r["state"] for r in recorded(sandbox, "pi_0")] == ["draft"]
    assert [r["state"] for r in recorded(sandbox, "pi_1")] == [posted_state(sandbox)]
    assert await erp.record_payments_of(payments(keys)) == dict.fromkeys(keys)
    assert all([r["state"] for r in recorded(sandbox, f"pi_{n}")] == [posted_state(sandbox)] for n in range(3))


async def test_payments_that_cannot_be_recorded_are_data_errors_of_their_sale_only(erp, sandbox):
    keys = await confirmed_sales(erp, 4)
    await erp.cancel_sale(keys[1])
    batch = [SalePayments(keys[0], [paid("-10.00")], PRO), SalePayments(keys[1], [paid("10.00")], PRO),
             SalePayments(keys[2], [paid("10.00", "ps_wirepayment")]), SalePayments(keys[3], [paid("10.00")], PRO),
             SalePayments("999999", [paid("10.00")], PRO)]
    errors = await erp.record_payments_of(batch)
    assert "refunds" in str(errors[keys[0]]) and "cancelled" in str(errors[keys[1]])
    assert "payment_journals" in str(errors[keys[2]]) and "no longer exists" in str(errors["999999"])
    assert errors[keys[3]] is None
    assert len([r for r in table(sandbox, "account.payment").values() if r["amount"] == 10.0]) == 1
