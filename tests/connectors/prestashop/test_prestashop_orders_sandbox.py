"""The connector's orders against the sandbox, as customers and merchants use a shop: vouchers, gift
wrapping, bank wire and paid orders, guests, B2B groups, regions; then what happens after import
(payment arrives, cancellation, refund, a line edited) and what the hub writes back (states, partial
shipments, private notes, ERP documents).

The storefront and the back-office controls exist in the sandbox only; what the connector reads and
writes goes through the webservice, as against a real shop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prestashop_samples import KEY

from courroie.connectors.prestashop import PrestaShopConfig, PrestaShopShop
from courroie.connectors.prestashop.client import PrestaShopClient, filter_values
from courroie.connectors.prestashop.mapping import as_int, as_text
from courroie.connectors.protocols import StatusUpdate, StockUpdate
from courroie.model import ErpDocument, IncomingOrder, Money, Order, Product, SaleState
from courroie.sandbox.config import add_customer_group
from courroie.sandbox.prestashop import SandboxURL, run_in_thread

pytestmark = [pytest.mark.prestashop, pytest.mark.anyio]

SKUS = {"CRT-MOTOR": "150", "CRT-REMOTE": "20"}


@dataclass
class Shop:
    url: SandboxURL
    connector: PrestaShopShop
    api: PrestaShopClient
    ids: dict[str, str]

    def place(self, lines: dict[str, int], **payload: object) -> dict:
        body = {"customer": {"email": "ana.lopez@example.com", "firstname": "Ana", "lastname": "López"},
                "address": {"address1": "12 rue des Lilas", "postcode": "31000", "city": "Toulouse", "country": "FR"},
                "lines": [{"reference": sku, "quantity": quantity} for sku, quantity in lines.items()], **payload}
        answer = httpx.post(f"{self.url}/storefront/orders", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def read(self, order_id: int) -> IncomingOrder:
        found = [o async for o in self.connector.read_orders(None) if o.external_id == str(order_id)]
        assert len(found) == 1
        return found[0]

    async def order(self, order_id: int) -> Order:
        incoming = await self.read(order_id)
        assert incoming.order is not None, incoming.error
        return incoming.order

    async def rows(self, resource: str, **filters: object) -> list[dict]:
        return await self.api.read(resource, filters={k: filter_values([v]) for k, v in filters.items()})

    def writes(self) -> int:
        return sum(n for name, n in self.url.control.stats().items()
                   if name.split(" ")[0] in ("POST", "PUT", "PATCH", "DELETE"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SandboxURL]:
    with run_in_thread(tmp_path / "shop", KEY) as url:
        yield url


@pytest.fixture
async def shop(served: SandboxURL) -> AsyncIterator[Shop]:
    config = PrestaShopConfig(name="sandbox", url=served, key=KEY, languages={"en": 1, "fr": 2},
                              carriers={"DPD": 4})
    connector = PrestaShopShop(config)
    api = PrestaShopClient(config.url, config.key)
    ids = {}
    for sku, price in SKUS.items():
        product = Product(sku=sku, name={"en": sku}, price=Money(amount=Decimal(price)), tax_group=None)
        made = await connector.create_product(product, [])
        await connector.write_stock([StockUpdate(made.product_id, "0", 50)])
        ids[sku] = made.product_id
    yield Shop(served, connector, api, ids)
    await api.aclose()
    await connector.aclose()


def add_voucher(shop: Shop, code: str, *, percent: str = "10", amount: str = "0") -> None:
    body = ("<prestashop><cart_rule><date_from>2020-01-01 00:00:00</date_from><date_to>2099-12-31 23:59:59</date_to>"
            f"<quantity>100</quantity><quantity_per_user>100</quantity_per_user><priority>1</priority>"
            f"<code>{code}</code><reduction_percent>{percent}</reduction_percent><reduction_amount>{amount}"
            "</reduction_amount><reduction_tax>0</reduction_tax><reduction_currency>1</reduction_currency>"
            f"<active>1</active><name><language id=\"1\">Welcome {code}</language><language id=\"2\">Bienvenue"
            "</language></name></cart_rule></prestashop>")
    answer = httpx.post(f"{shop.url.api}/cart_rules", content=body, auth=(KEY, ""), timeout=30)
    assert answer.status_code == 201, answer.text


def balanced(order: Order) -> bool:
    lines = sum((line.total_tax_incl for line in order.lines), Decimal(0))
    extras = order.shipping_tax_incl + order.gift_wrapping_tax_incl - order.discounts_tax_incl
    return lines + extras == order.total_tax_incl


# --- reading ------------------------------------------------------------------------------------


async def test_voucher_gift_wrapping_and_a_bank_wire_waiting_for_the_money(shop: Shop) -> None:
    add_voucher(shop, "WELCOME10")
    placed = shop.place({"CRT-MOTOR": 1, "CRT-REMOTE": 2}, vouchers=["welcome10"], gift=True,
                        gift_message="Bon anniversaire !", payment_module="ps_wirepayment")
    assert placed["current_state"] == 10 and not placed["valid"]

    order = await shop.order(placed["order_id"])
    [voucher] = order.vouchers
    assert (voucher.name, voucher.code) == ("Welcome WELCOME10", "WELCOME10")
    assert (voucher.amount_tax_excl, voucher.amount_tax_incl) == (Decimal("19.00"), Decimal("19.00"))
    assert order.discounts_tax_incl == voucher.amount_tax_incl
    assert (order.gift_message, order.gift_wrapping_tax_excl) == ("Bon anniversaire !", Decimal("2.5"))
    assert balanced(order)
    assert not order.paid and order.payments == () and order.state == "10" and not order.cancelled

    shop.url.control.set_order_state(placed["order_id"], 2)        # the transfer arrived
    order = await shop.order(placed["order_id"])
    assert order.paid and order.state == "2"
    assert [(p.method, p.amount) for p in order.payments] == [("ps_wirepayment", order.total_tax_incl)]
    assert order.payments[0].paid_at is not None


async def test_a_paid_card_order_carries_its_transaction(shop: Shop) -> None:
    placed = shop.place({"CRT-REMOTE": 1}, payment_module="stripe_official", payment="Card",
                        transaction_id="pi_3Q8", paid=True)
    order = await shop.order(placed["order_id"])
    assert order.paid and [(p.method, p.transaction_id) for p in order.payments] == [("stripe_official", "pi_3Q8")]
    assert balanced(order)


async def test_guest_b2b_group_and_region(shop: Shop) -> None:
    guest = await shop.order(shop.place(
        {"CRT-REMOTE": 1},
        customer={"email": "guest@example.com", "firstname": "Gus", "lastname": "Guest", "guest": True},
        address={"address1": "767 Fifth Ave.", "postcode": "10153", "city": "New York", "country": "US",
                 "state": "NY"})["order_id"])
    assert guest.customer.is_guest and guest.customer.group == "Guest"
    assert (guest.delivery_address.country_code, guest.delivery_address.state_code) == ("US", "NY")

    add_customer_group(shop.url, KEY, "Professionnels")
    pro = await shop.order(shop.place(
        {"CRT-MOTOR": 2},
        customer={"email": "achats@portails-sud.example", "firstname": "Paul", "lastname": "Pro",
                  "group": "Professionnels"},
        address={"address1": "3 ZA du Sud", "postcode": "13000", "city": "Marseille", "country": "FR",
                 "company": "Portails du Sud", "vat_number": "FR12345678901"})["order_id"])
    assert not pro.customer.is_guest and pro.customer.group == "Professionnels"
    assert (pro.customer.company, pro.customer.vat_number) == ("Portails du Sud", "FR12345678901")
    assert pro.delivery_address.state_code is None


async def test_changes_after_import_show_on_the_next_read(shop: Shop) -> None:
    """Cancelled, refunded, edited by the merchant: each bumps the order's date_upd, so a read since
    the import sees it."""
    cancelled = shop.place({"CRT-MOTOR": 1})["order_id"]
    refunded = shop.place({"CRT-MOTOR": 1, "CRT-REMOTE": 3})["order_id"]
    edited = shop.place({"CRT-REMOTE": 4})["order_id"]
    since = datetime.now(UTC) - timedelta(seconds=1)

    shop.url.control.cancel_order(cancelled)
    shop.url.control.refund(refunded, [{"reference": "CRT-REMOTE", "quantity": 2}], shipping=True)
    shop.url.control.edit_order_line(edited, {"reference": "CRT-REMOTE"}, 1)

    changed = {o.external_id: o.order async for o in shop.connector.read_orders(since)}
    assert {str(cancelled), str(refunded), str(edited)} <= changed.keys()
    assert changed[str(cancelled)].cancelled and changed[str(cancelled)].paid      # it had been paid
    refund = changed[str(refunded)]
    assert refund.refunded_tax_incl == Decimal("40") + refund.shipping_tax_incl and not refund.cancelled
    edit = changed[str(edited)]
    assert [line.quantity for line in edit.lines] == [1] and balanced(edit)


async def test_unknown_state_and_deleted_customer_are_errors_not_drops(shop: Shop) -> None:
    placed = shop.place({"CRT-REMOTE": 1}, address={"address1": "1 Main St", "postcode": "94105",
                                                    "city": "San Francisco", "country": "US", "state": "CA"})
    shop.url.control.backend.store.delete("states", 8)      # California, gone from the shop
    shop.connector._orders._states.clear()                  # as a fresh connector would find it
    incoming = await shop.read(placed["order_id"])
    assert incoming.order is None and incoming.error == "unknown state in invoice address"

    other = shop.place({"CRT-REMOTE": 1}, customer={"email": "gone@example.com"})
    await shop.api.delete("customers", str(other["customer_id"]))
    incoming = await shop.read(other["order_id"])
    assert incoming.order is None and incoming.error == "customer not found" and incoming.raw


# --- writing back -------------------------------------------------------------------------------


async def test_partial_then_full_shipment(shop: Shop) -> None:
    order_id = str(shop.place({"CRT-MOTOR": 1, "CRT-REMOTE": 1})["order_id"])
    connector = shop.connector
    await connector.set_order_status(StatusUpdate(order_id, SaleState.ACCEPTED))
    writes = shop.writes()
    await connector.set_order_status(StatusUpdate(order_id, SaleState.ON_HOLD))        # no state mapped
    await connector.set_order_status(StatusUpdate(order_id, SaleState.BLOCKED))
    assert shop.writes() == writes

    await connector.set_order_status(StatusUpdate(order_id, SaleState.PARTIALLY_SHIPPED, "TRK1"))
    await connector.set_order_status(StatusUpdate(order_id, SaleState.PARTIALLY_SHIPPED, "TRK2", carrier="DPD"))
    await connector.set_order_status(StatusUpdate(order_id, SaleState.SHIPPED, "TRK1, TRK2", carrier="DPD",
                                                  notify_customer=True))
    writes = shop.writes()
    await connector.set_order_status(StatusUpdate(order_id, SaleState.SHIPPED, "TRK1, TRK2", carrier="DPD"))
    assert shop.writes() == writes                                                      # nothing again

    history = [as_int(row["id_order_state"]) for row in await shop.rows("order_histories", id_order=order_id)]
    assert history == [2, 3, 4]                              # partial shipments keep "Processing in progress"
    rows = sorted(await shop.rows("order_carriers", id_order=order_id), key=lambda r: as_int(r["id"]))
    assert [(as_text(r["tracking_number"]), as_int(r["id_carrier"])) for r in rows] == [("TRK1", 4), ("TRK2", 4)]
    [order] = await shop.rows("orders", id=order_id)
    assert as_text(order["shipping_number"]) == "TRK1" and as_int(order["id_carrier"]) == 2   # the customer's choice


async def test_private_notes_once_per_text(shop: Shop) -> None:
    order_id = str(shop.place({"CRT-MOTOR": 1})["order_id"])
    for _ in range(2):
        await shop.connector.add_order_note(order_id, "Held for approval: amount above 100 EUR")
    await shop.connector.add_order_note(order_id, "Held  for approval:\namount above 100 EUR ")    # spacing aside
    await shop.connector.add_order_note(order_id, "Blocked: SKU CRT-MOTOR unknown to the ERP")

    [thread] = await shop.rows("customer_threads", id_order=order_id)
    assert (as_text(thread["email"]), as_text(thread["status"]), as_int(thread["id_contact"])) == (
        "ana.lopez@example.com", "open", 0)
    messages = await shop.rows("customer_messages", id_customer_thread=as_text(thread["id"]))
    assert [(as_text(m["message"]), as_int(m["private"])) for m in messages] == [
        ("Held for approval: amount above 100 EUR", 1), ("Blocked: SKU CRT-MOTOR unknown to the ERP", 1)]


async def test_erp_documents_in_the_invoice_note_and_a_private_note(shop: Shop) -> None:
    order_id = str(shop.place({"CRT-MOTOR": 1})["order_id"])            # paid: PrestaShop made its invoice
    [invoice] = await shop.rows("order_invoices", id_order=order_id)
    httpx.patch(f"{shop.url.api}/order_invoices/{invoice['id']}", auth=(KEY, ""), timeout=30,
                content=f"<prestashop><order_invoice><id>{invoice['id']}</id><note>Merci !</note></order_invoice>"
                        "</prestashop>").raise_for_status()                  # the merchant's own note
    issued = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    documents = [ErpDocument(kind="invoice", number="FAC-2026-0012", issued_at=issued, total_tax_incl="187.00"),
                 ErpDocument(kind="delivery_note", number="BL-0007", issued_at=issued)]
    await shop.connector.publish_documents(order_id, documents, {"FAC-2026-0012.pdf": b"%PDF-1.4"})
    writes = shop.writes()
    await shop.connector.publish_documents(order_id, documents, {})
    assert shop.writes() == writes

    [invoice] = await shop.rows("order_invoices", id_order=order_id)
    assert as_text(invoice["note"]) == "Merci !\nERP invoice FAC-2026-0012"
    assert as_int(invoice["number"]) == 1                                    # PrestaShop's numbering stays
    [thread] = await shop.rows("customer_threads", id_order=order_id)
    [message] = await shop.rows("customer_messages", id_customer_thread=as_text(thread["id"]))
    assert as_text(message["message"]) == ("Documents issued by the ERP:\nERP invoice FAC-2026-0012 of 2026-11-23, "
                                           "187.00 tax incl.\nERP delivery note BL-0007 of 2026-11-23")
    assert as_int(message["private"]) == 1

    await shop.connector.publish_documents(order_id, [*documents, ErpDocument(kind="delivery_note", number="BL-0008")],
                                           {})
    messages = await shop.rows("customer_messages", id_customer_thread=as_text(thread["id"]))
    assert as_text(messages[-1]["message"]) == "Documents issued by the ERP:\nERP delivery note BL-0008"


async def test_documents_of_an_order_without_a_shop_invoice(shop: Shop) -> None:
    order_id = str(shop.place({"CRT-REMOTE": 1}, payment_module="ps_wirepayment")["order_id"])
    assert await shop.rows("order_invoices", id_order=order_id) == []
    await shop.connector.publish_documents(order_id, [ErpDocument(kind="invoice", number="FAC-9")], {})
    [thread] = await shop.rows("customer_threads", id_order=order_id)
    [message] = await shop.rows("customer_messages", id_customer_thread=as_text(thread["id"]))
    assert as_text(message["message"]) == "Documents issued by the ERP:\nERP invoice FAC-9"
