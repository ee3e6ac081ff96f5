"""The store on SQLite and on a real PostgreSQL: bindings, inbox, blocked list, journal, runs."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from courroie import secrets
from courroie.model import Address, Customer, IncomingOrder, Order, OrderLine
from courroie.store.blocked import BlockedList
from courroie.store.inbox import BLOCKED, IMPORTED, NEW, ON_HOLD, Inbox, content_digest
from courroie.store.journal import Journal
from courroie.store.runs import ConnectionHealth, RunLog
from courroie.sync.bindings import Bindings


def test_migrations_are_idempotent(store_url):
    from courroie.store import Store
    Store(store_url).dispose()
    Store(store_url).dispose()          # a second open finds the schema at head and changes nothing


def test_binding_is_unique_both_ways(store):
    products = Bindings(store, "shop-a", "product")
    products.save("SKU-1", "10", "fp1")
    products.save("SKU-1", "10", "fp2")                     # same pair again: an update
    assert products.get("SKU-1").fingerprint == "fp2"
    with pytest.raises(IntegrityError):
        products.save("SKU-2", "10", "fp")                   # another ERP key onto the same shop id
    assert Bindings(store, "shop-b", "product").get("SKU-1") is None   # per connection


def test_intent_then_binding(store):
    products = Bindings(store, "shop-a", "product")
    products.intend("SKU-1")
    assert products.get("SKU-1").is_intent
    products.save("SKU-1", "11", "fp", {"variants": {"SKU-1": "0"}})
    bound = products.all()["SKU-1"]
    assert (bound.external_id, bound.sent) == ("11", {"variants": {"SKU-1": "0"}})
    assert products.by_external_id("11").erp_key == "SKU-1"


def test_save_many_and_touch(store):
    stock = Bindings(store, "shop-a", "stock")
    stock.save_many([(f"SKU-{i}", f"{i}/0", str(i), None) for i in range(50)])
    stock.touch_fingerprint("SKU-3", "99")
    rows = stock.all()
    assert len(rows) == 50 and rows["SKU-3"].fingerprint == "99" and rows["SKU-4"].fingerprint == "4"


def _order(reference: str = "ABC", quantity: str = "2") -> Order:
    address = Address(first_name="Ana", last_name="Lopez", street="1 rue Haute", postcode="31000",
                      city="Toulouse", country_code="FR")
    line = OrderLine(sku="MOT-1", name="Moteur", quantity=Decimal(quantity), unit_price_tax_excl=Decimal("10"),
                     unit_price_tax_incl=Decimal("12"), total_tax_excl=Decimal("20"), total_tax_incl=Decimal("24"))
    return Order(shop="shop-a", external_id="7", reference=reference, placed_at=datetime(2026, 1, 2, tzinfo=UTC),
                 currency="EUR", customer=Customer(email="ana@example.com", first_name="Ana", last_name="Lopez"),
                 invoice_address=address, delivery_address=address, lines=(line,),
                 total_tax_excl=Decimal("20"), total_tax_incl=Decimal("24"))


def test_inbox_keeps_each_order_once(store):
    inbox = Inbox(store)
    incoming = IncomingOrder(external_id="7", raw="<order/>", order=_order())
    entry, new = inbox.receive("shop-a", incoming)
    again, new_again = inbox.receive("shop-a", incoming)
    assert (new, new_again) == (True, False) and entry.id == again.id
    assert entry.state == NEW and entry.order() == _order() and entry.raw == "<order/>"
    assert inbox.by_reference("shop-a", "ABC").id == entry.id


def test_inbox_sees_a_revision_but_not_a_new_state_label(store):
    inbox = Inbox(store)
    entry, _ = inbox.receive("shop-a", IncomingOrder(external_id="7", raw="v1", order=_order()))
    relabelled = IncomingOrder(external_id="7", raw="v1b", order=_order().model_copy(update={"state": "Shipped"}))
    assert content_digest(relabelled) == entry.digest             # the hub's own status updates are no edit
    paid_later = IncomingOrder(external_id="7", raw="v2", order=_order().model_copy(update={"cancelled": True}))
    assert content_digest(paid_later) != entry.digest
    revised = inbox.revise(entry.id, paid_later)
    assert (revised.id, revised.raw, revised.order().cancelled) == (entry.id, "v2", True)
    assert revised.digest == content_digest(paid_later) and revised.state == NEW


def test_an_approved_order_goes_back_to_new_with_who_approved_it(store):
    inbox = Inbox(store)
    entry, _ = inbox.receive("shop-a", IncomingOrder(external_id="8", raw="x", order=_order("HELD")))
    inbox.set_state(entry.id, ON_HOLD, reason="approval: total above 1000")
    inbox.approve(entry.id, "marie")
    approved = inbox.by_id(entry.id)
    assert (approved.state, approved.reason, approved.approved_by) == (NEW, None, "marie")


def test_inbox_pending_quantities_count_orders_not_in_erp(store):
    inbox = Inbox(store)
    first, _ = inbox.receive("shop-a", IncomingOrder(external_id="1", raw="x", order=_order("A", "2")))
    second, _ = inbox.receive("shop-a", IncomingOrder(external_id="2", raw="x", order=_order("B", "3")))
    inbox.receive("shop-a", IncomingOrder(external_id="3", raw="broken", error="malformed"))
    assert inbox.pending_quantities("shop-a") == {"MOT-1": Decimal(5)}
    inbox.set_state(first.id, IMPORTED, erp_key="sale,1")
    inbox.set_state(second.id, BLOCKED, reason="unknown SKU")
    assert inbox.pending_quantities("shop-a") == {"MOT-1": Decimal(3)}
    assert inbox.pending_quantities("shop-b") == {}


def test_blocked_list_counts_attempts_and_resolves(store):
    blocked = BlockedList(store)
    first = blocked.add(connection="shop-a", flow="orders", record="shop-a/ABC", reason="unknown SKU X",
                        payload="<order/>", details={"unknown_skus": ["X"]})
    second = blocked.add(connection="shop-a", flow="orders", record="shop-a/ABC", reason="unknown SKU X")
    assert first == second and blocked.get(first)["attempts"] == 2
    assert blocked.get(first)["payload"] == "<order/>"          # the payload is not lost by a re-block
    assert blocked.open_records("shop-a", "orders") == {"shop-a/ABC"}
    assert blocked.resolve(connection="shop-a", flow="orders", record="shop-a/ABC")
    assert blocked.count_open() == 0
    other = blocked.add(connection="shop-a", flow="catalog", record="SKU", reason="bad EAN13")
    assert blocked.skip(other, "discontinued") and blocked.get(other)["state"] == "skipped"


def test_secrets_never_reach_journal_or_blocked_list(store):
    secrets.register("S3CR3T-KEY-VALUE")
    Journal(store).write(connection="shop", flow="stock", action="failed", message="401 with S3CR3T-KEY-VALUE",
                         details={"url": "http://x/?ws_key=S3CR3T-KEY-VALUE"})
    entry_id = BlockedList(store).add(connection="shop", flow="stock", record="R", reason="key S3CR3T-KEY-VALUE",
                                      details={"key": "S3CR3T-KEY-VALUE"})
    row = Journal(store).history()[0]
    blocked = BlockedList(store).get(entry_id)
    assert "S3CR3T" not in str(row) and "S3CR3T" not in str(blocked)
    assert secrets.MASK in row["message"]


def test_journal_history_by_record(store):
    journal = Journal(store)
    for action in ("created", "updated"):
        journal.write(connection="shop-a", flow="catalog", action=action, record="SKU-1")
    journal.write(connection="shop-a", flow="catalog", action="created", record="SKU-2")
    assert [r["action"] for r in journal.history(record="SKU-1")] == ["updated", "created"]


def test_runs_and_health(store):
    runs, health = RunLog(store), ConnectionHealth(store)
    first = runs.start("stock", "shop-a")
    runs.finish(first, "ok", {"updated": 3})
    second = runs.start("stock", "shop-a")
    runs.finish(second, "failed", {}, "unreachable")
    dry = runs.start("stock", "shop-a", dry_run=True)
    runs.finish(dry, "ok", {})
    latest = runs.latest()
    assert [(r["id"], r["status"]) for r in latest] == [(second, "failed")]
    assert runs.last_success("shop-a", "stock") is not None
    assert [r["id"] for r in runs.since(first)] == [second, dry]
    health.mark("shop-a", ok=False, message="401")
    assert health.all()["shop-a"]["status"] == "failing"
