"""Orders, every shop → ERP, each exactly once.

read   new and changed orders since the cursor (minus an overlap window), every page
store  each into the inbox, raw, before anything else (unique per shop order: read twice, kept once)
map    check the order: e-mail, lines, quantities, totals
write  ask the ERP for the shop reference first (a crash after "created" and before "recorded" is
       found here, never created twice); else match or create the customer, its addresses, the sale;
       compare the ERP's totals with the shop's to the cent; confirm
record inbox state, binding shop order ⇄ ERP sale, journal; a bad order waits in the blocked list
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from courroie.engine.failpoints import failpoint
from courroie.engine.runs import FlowRun, flow_run
from courroie.errors import DataError
from courroie.model import Order
from courroie.model.base import to_cents
from courroie.store.db import utcnow
from courroie.store.inbox import BLOCKED, IMPORTED, NEW, InboxEntry


async def sync_orders(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    await asyncio.gather(*(orders_of_shop(hub, name, dry_run=dry_run) for name in hub.selected_shops(shop)))


async def orders_of_shop(hub, shop: str, *, dry_run: bool = False) -> None:
    async with flow_run(hub, "orders", shop, dry_run=dry_run) as run:
        await collect(run, shop)
        if not dry_run:
            await import_pending(run, shop)


async def collect(run: FlowRun, shop: str) -> None:
    """Shop → inbox. The cursor moves only once every page was read."""
    hub = run.hub
    started = utcnow()
    since = hub.cursors.read_from(shop, "orders", overlap=_overlap(hub, shop))
    newest = None

    async def read_all() -> None:
        nonlocal newest
        async for incoming in hub.shops[shop].read_orders(since):
            if incoming.updated_at and (newest is None or incoming.updated_at > newest):
                newest = incoming.updated_at
            if run.dry_run:
                run.count("seen")
                continue
            entry, is_new = hub.inbox.receive(shop, incoming)
            if not is_new:
                run.count("already_in_inbox")
                continue
            run.record("received", _record(entry), f"order {entry.reference or entry.external_id} received")
            failpoint("orders.after_receive")
            if incoming.error:
                block(run, entry, incoming.error, incoming.details)

    await run.call(read_all)
    if not run.dry_run:
        hub.cursors.advance(shop, "orders", newest, started)


async def import_pending(run: FlowRun, shop: str) -> None:
    """Inbox → ERP, one order at a time, oldest first."""
    pending = run.hub.inbox.in_state(shop, NEW)
    run.expect(len(pending))
    for entry in pending:
        await import_entry(run, entry)


async def import_entry(run: FlowRun, entry: InboxEntry) -> bool:
    order = entry.order()
    if order is None:
        block(run, entry, entry.reason or "the order document could not be read")
        return False
    async with run.hub.erp_orders:
        sale = await run.attempt(_record(entry), lambda: import_order(run.hub, order),
                                 payload=entry.raw, peer=run.hub.erp_name)
    if sale is None:
        run.hub.inbox.set_state(entry.id, BLOCKED, reason=run.blocked_reasons.get(_record(entry), "blocked"))
        return False
    run.hub.bindings(run.connection, "order").save(entry.external_id, sale.key, None, {"number": sale.number})
    failpoint("orders.after_binding")
    run.hub.inbox.set_state(entry.id, IMPORTED, erp_key=sale.key)
    run.unblock(_record(entry))
    run.record("imported", _record(entry), f"imported as ERP sale {sale.number}",
               details={"erp_key": sale.key, "erp_number": sale.number})
    return True


async def import_order(hub, order: Order):
    check_order(order)
    erp = hub.erp
    sale = await erp.find_sale(order.erp_reference)
    if sale is None:
        skus = sorted({line.sku for line in order.lines})
        unknown = sorted(set(skus) - await erp.known_skus(skus))
        if unknown:
            raise DataError(f"unknown SKU {', '.join(unknown)}: map it or create it in the ERP, then retry",
                            details={"unknown_skus": unknown})
        customer = await erp.save_customer(order.customer, await erp.find_customer(order.customer))
        invoice = await erp.ensure_address(customer, order.invoice_address)
        delivery = await erp.ensure_address(customer, order.delivery_address)
        failpoint("orders.before_create_sale")
        sale = await erp.create_sale(order, customer, invoice, delivery)
        failpoint("orders.after_create_sale")
    try:
        check_totals(order, sale)
    except DataError:
        if not sale.confirmed:
            await erp.discard_sale(sale.key)   # a retry after the fix creates it afresh
        raise
    if not sale.confirmed:
        await erp.confirm_sale(sale.key)
        failpoint("orders.after_confirm_sale")
    return sale


def check_order(order: Order) -> None:
    """What makes an order unacceptable whatever the ERP."""
    if not order.customer.email.strip() or "@" not in order.customer.email:
        raise DataError("the customer has no valid e-mail address", details={"email": order.customer.email})
    if not order.lines:
        raise DataError("the order has no lines")
    for line in order.lines:
        if line.quantity <= 0:
            raise DataError(f"line {line.sku}: quantity {line.quantity} is not positive")
        if line.unit_price_tax_excl < 0:
            raise DataError(f"line {line.sku}: negative unit price {line.unit_price_tax_excl}")
    lines = sum((line.total_tax_incl for line in order.lines), Decimal(0))
    expected = to_cents(lines + order.shipping_tax_incl - order.discounts_tax_incl)
    if expected != to_cents(order.total_tax_incl):
        raise DataError("the order's lines, shipping and discounts do not add up to its total",
                        details={"lines_shipping_discounts": str(expected), "order_total": str(order.total_tax_incl)})


def check_totals(order: Order, sale) -> None:
    """The ERP's totals must equal the shop's to the cent; otherwise a person decides."""
    shop = (to_cents(order.total_tax_excl), to_cents(order.total_tax_incl))
    erp = (to_cents(sale.total_tax_excl), to_cents(sale.total_tax_incl))
    if shop != erp:
        raise DataError(
            f"totals differ: shop {shop[1]} (tax excl. {shop[0]}), ERP sale {sale.number} {erp[1]} (tax excl. {erp[0]})",
            details={"shop": {"tax_excl": str(shop[0]), "tax_incl": str(shop[1])},
                     "erp": {"tax_excl": str(erp[0]), "tax_incl": str(erp[1]), "sale": sale.number}})


def block(run: FlowRun, entry: InboxEntry, reason: str, details: dict | None = None) -> None:
    run.block(_record(entry), reason, details=details, payload=entry.raw)
    run.hub.inbox.set_state(entry.id, BLOCKED, reason=reason)


def _record(entry: InboxEntry) -> str:
    return f"{entry.shop}/{entry.reference or entry.external_id}"


def _overlap(hub, shop: str) -> timedelta:
    return timedelta(seconds=hub.config.shop(shop).hub.orders.overlap)
