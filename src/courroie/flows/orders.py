"""Orders, every shop → ERP, each exactly once.

read   new and changed orders since the cursor (minus an overlap window), every page
store  each into the inbox, raw, before anything else (unique per shop order: read twice, kept once);
       an order read again with other content is a revision (paid since, cancelled, edited)
map    check the order: e-mail, lines, quantities, totals; hold it if an approval rule or the payment
       policy says so; the customer group gives the ERP terms (price list, category, payment term)
write  ask the ERP for the shop reference first (a crash after "created" and before "recorded" is
       found here, never created twice); else match or create the customer, its addresses, the sale;
       compare the ERP's totals with the shop's to the cent; confirm; record the payments
record inbox state, binding shop order ⇄ ERP sale, journal; a bad order waits in the blocked list and
       the shop is told (a private note, and the state mapped to "blocked" or "on hold" if any)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from courroie.config import OrderSettings
from courroie.connectors.protocols import (
    BatchCustomers, BatchPayments, BatchSales, ErpSale, SaleDraft, SaleOutcome, SalePayments, SaleTerms, StatusUpdate,
)
from courroie.engine.failpoints import failpoint
from courroie.engine.runs import FlowRun, flow_run
from courroie.errors import DataError
from courroie.model import Customer, IncomingOrder, Order, SaleState
from courroie.model.base import to_cents
from courroie.store.db import utcnow
from courroie.store.inbox import BLOCKED, CANCELLED, IMPORTED, NEW, ON_HOLD, InboxEntry, content_digest

log = logging.getLogger(__name__)

WAITING_FOR_PAYMENT = "waiting for payment"
# What an edit after import is compared on: the rest (state label, payments) is not an edit.
EDITABLE = ("lines", "vouchers", "total_tax_excl", "total_tax_incl", "shipping_tax_incl", "gift_wrapping_tax_incl",
            "invoice_address", "delivery_address", "carrier")


async def sync_orders(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    await asyncio.gather(*(orders_of_shop(hub, name, dry_run=dry_run) for name in hub.selected_shops(shop)))


async def orders_of_shop(hub, shop: str, *, dry_run: bool = False) -> None:
    async with flow_run(hub, "orders", shop, dry_run=dry_run) as run:
        revisions, move_cursor = await collect(run, shop)
        if not dry_run:
            for before, incoming in revisions:
                await apply_revision(run, before, incoming)
            move_cursor()        # past the changes only once applied: after an ERP outage they are read again
            await import_pending(run, shop)


# --- read and store ----------------------------------------------------------------------------------

async def collect(run: FlowRun, shop: str) -> tuple[list[tuple[InboxEntry, IncomingOrder]], Callable[[], None]]:
    """Shop → inbox. Returns the orders the shop changed since they were stored (as stored, as read now:
    stored by ``apply_revision`` once applied), and what moves the cursor past everything read (to be
    called once those changes are applied)."""
    hub = run.hub
    started = utcnow()
    since = hub.cursors.read_from(shop, "orders", overlap=_overlap(hub, shop))
    newest = None
    revisions: list[tuple[InboxEntry, IncomingOrder]] = []
    unreadable: list[tuple[InboxEntry, str]] = []      # blocked as read: the shop is told once all is read

    async def read_all() -> None:
        nonlocal newest
        async for incoming in hub.shops[shop].read_orders(since):
            if incoming.updated_at and (newest is None or incoming.updated_at > newest):
                newest = incoming.updated_at
            if run.dry_run:
                run.count("seen")
                continue
            entry, is_new = hub.inbox.receive(shop, incoming)
            if is_new:
                run.record("received", _record(entry), f"order {entry.reference or entry.external_id} received")
                failpoint("orders.after_receive")
                if incoming.error:
                    block(run, entry, incoming.error, incoming.details)
                    unreadable.append((entry, incoming.error))
            elif entry.digest != content_digest(incoming):
                revisions.append((entry, incoming))
            else:
                run.count("already_in_inbox")

    await run.call(read_all)
    for entry, reason in unreadable:
        await tell_shop(run, entry, SaleState.BLOCKED, reason)
    return revisions, lambda: None if run.dry_run else hub.cursors.advance(shop, "orders", newest, started)


def _revise(run: FlowRun, entry: InboxEntry, incoming: IncomingOrder) -> None:
    run.hub.inbox.revise(entry.id, incoming)
    run.record("revised", _record(entry), "the shop changed the order", details={"state_in_inbox": entry.state})


# --- revisions: paid since, cancelled, edited --------------------------------------------------------

async def apply_revision(run: FlowRun, before: InboxEntry, incoming: IncomingOrder) -> None:
    """What the shop changed, applied; then the inbox keeps the new document. An ERP outage on the way
    stops the run before that: the next run finds the change again and applies it (each step is
    idempotent: a payment recorded is recognised, a confirmed sale not confirmed twice)."""
    after = replace(before, raw=incoming.raw, parsed=incoming.order.model_dump(mode="json") if incoming.order else None,
                    digest=content_digest(incoming), reason=incoming.error or before.reason)
    old, new = before.order(), after.order()
    if new is None:
        if before.state != IMPORTED:
            block(run, after, after.reason or "the changed order could not be read")
    elif before.state == IMPORTED:
        await _after_import(run, after, old, new)
    elif before.state in (NEW, ON_HOLD, BLOCKED):
        _before_import(run, before, after, new)
    _revise(run, before, incoming)


def cancelled_before_import(run: FlowRun, entry: InboxEntry) -> bool:
    """An order already cancelled when the hub first reads it (placed and cancelled between two runs)
    is not imported, like one cancelled later but before import."""
    order = entry.order()
    if order is None or not order.cancelled:
        return False
    run.hub.inbox.set_state(entry.id, CANCELLED, reason="cancelled in the shop before import")
    run.unblock(_record(entry))
    run.record("cancelled", _record(entry), "cancelled in the shop before import: not imported")
    return True


def _before_import(run: FlowRun, before: InboxEntry, after: InboxEntry, new: Order) -> None:
    """Not yet in the ERP: the latest document is the one imported. A cancelled order is not imported,
    a paid one no longer waits, a blocked one is tried again (the shop may have fixed it)."""
    inbox = run.hub.inbox
    if new.cancelled:
        inbox.set_state(after.id, CANCELLED, reason="cancelled in the shop before import")
        run.unblock(_record(after))
        run.record("cancelled", _record(after), "cancelled in the shop before import: not imported")
    elif before.state == BLOCKED or (before.state == ON_HOLD and before.reason == WAITING_FOR_PAYMENT and new.paid):
        inbox.set_state(after.id, NEW)


async def _after_import(run: FlowRun, entry: InboxEntry, old: Order | None, new: Order) -> None:
    """Changes made in the shop after the ERP got the order are applied where that is safe
    (payments; cancellations by configuration) and otherwise blocked for a person to review."""
    settings = _settings(run.hub, entry.shop)
    record, erp = _record(entry), run.hub.erp
    if new.cancelled and not (old and old.cancelled):
        if settings.after_import_cancel == "review":
            _review(run, entry, f"cancelled in the shop after import as ERP sale {entry.erp_key}: cancel it in "
                                f"the ERP (or set orders.after_import_cancel: apply), then skip this entry")
        elif await run.succeeded(record, lambda: erp.cancel_sale(entry.erp_key), payload=entry.raw,
                                 peer=run.hub.erp_name):
            run.hub.inbox.set_state(entry.id, CANCELLED, erp_key=entry.erp_key, reason="cancelled in the shop")
            run.record("cancelled", record, f"cancelled in the shop after import: ERP sale {entry.erp_key} cancelled")
        return
    if new.paid and (old is None or not old.paid or old.payments != new.payments):
        await run.succeeded(record, lambda: _paid(run.hub, entry.erp_key, new), payload=entry.raw,
                            peer=run.hub.erp_name)
    if old and new.refunded_tax_incl > old.refunded_tax_incl:
        _review(run, entry, f"refunded {new.refunded_tax_incl} {new.currency} in the shop after import: "
                            f"issue the credit note in the ERP, then skip this entry",
                {"refunded_tax_incl": str(new.refunded_tax_incl)})
    edited = _edits(old, new)
    if edited:
        _review(run, entry, f"edited in the shop after import ({', '.join(edited)}): ERP sale {entry.erp_key} "
                            f"was not changed; apply the change there, then skip this entry", edited)


async def _paid(hub, sale_key: str, order: Order) -> None:
    """The shop was paid after import: confirm a sale imported as a quotation, record the payments."""
    sale = await hub.erp.find_sale(order.erp_reference)
    if sale is not None and not sale.confirmed:
        await hub.erp.confirm_sale(sale_key)
    if order.payments:
        await hub.erp.record_payments(sale_key, order.payments, terms_for(_settings(hub, order.shop), order))


def _edits(old: Order | None, new: Order) -> dict[str, dict]:
    if old is None:
        return {}
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    return {field: {"before": before[field], "after": after[field]}
            for field in EDITABLE if before[field] != after[field]}


def _review(run: FlowRun, entry: InboxEntry, reason: str, details: dict | None = None) -> None:
    run.block(_record(entry), f"review: {reason}", details=details, payload=entry.raw)


# --- import ------------------------------------------------------------------------------------------

BATCH = 40      # orders per ERP call when the ERP creates several at once (BatchSales)


async def import_pending(run: FlowRun, shop: str) -> None:
    """Inbox → ERP, oldest first: in batches when the ERP takes several sales per call and several
    orders wait, else one at a time."""
    pending = [entry for entry in run.hub.inbox.in_state(shop, NEW) if not cancelled_before_import(run, entry)]
    run.expect(len(pending))
    if isinstance(run.hub.erp, BatchSales) and len(pending) > 1:
        for start in range(0, len(pending), BATCH):
            await import_batch(run, pending[start:start + BATCH])
        return
    for entry in pending:
        await import_entry(run, entry)


async def import_entry(run: FlowRun, entry: InboxEntry) -> bool:
    order = entry.order()
    if order is None:
        block(run, entry, entry.reason or "the order document could not be read")
        return False
    if cancelled_before_import(run, entry):
        return False
    settings = _settings(run.hub, entry.shop)
    async with run.hub.erp_orders:
        sale = await run.attempt(_record(entry), lambda: admit(run.hub, settings, entry, order),
                                 payload=entry.raw, peer=run.hub.erp_name)
    return await settled(run, entry, sale)


async def settled(run: FlowRun, entry: InboxEntry, sale: ErpSale | Held | None) -> bool:
    """Record what became of one order: held, blocked (``None``: ``run.attempt`` blocked it) or imported."""
    if isinstance(sale, Held):
        await hold(run, entry, sale)
        return False
    if sale is None:
        reason = run.blocked_reasons.get(_record(entry), "blocked")
        run.hub.inbox.set_state(entry.id, BLOCKED, reason=reason)
        await tell_shop(run, entry, SaleState.BLOCKED, reason)
        return False
    run.hub.bindings(run.connection, "order").save(entry.external_id, sale.key, None, {"number": sale.number})
    failpoint("orders.after_binding")
    run.hub.inbox.set_state(entry.id, IMPORTED, erp_key=sale.key)
    run.unblock(_record(entry))
    run.record("imported", _record(entry), f"imported as ERP sale {sale.number}"
               + ("" if sale.confirmed else " (a quotation until the shop is paid)"),
               details={"erp_key": sale.key, "erp_number": sale.number, "confirmed": sale.confirmed})
    return True


async def import_batch(run: FlowRun, entries: list[InboxEntry]) -> None:
    """Several orders in a few ERP calls: their SKUs and customers looked up together, each order
    prepared on its own (holds, checks, customer), the sales created in one call and confirmed in one,
    their payments recorded together (where the ERP can); every order keeps its own outcome. Orders
    sharing a reference with one of the batch go alone afterwards."""
    hub = run.hub
    settings = _settings(hub, run.connection)
    async with hub.erp_orders:
        orders = [(entry, entry.order()) for entry in entries]
        await _look_up(run, settings, [order for _, order in orders if order is not None])
        drafts: list[tuple[InboxEntry, SaleDraft]] = []
        for entry, order in orders:
            if order is None:
                block(run, entry, entry.reason or "the order document could not be read")
                continue
            prepared = await run.attempt(_record(entry), lambda: prepare(hub, settings, entry, order),
                                         payload=entry.raw, peer=hub.erp_name)
            if isinstance(prepared, SaleDraft):
                drafts.append((entry, prepared))
            else:
                await settled(run, entry, prepared)
        drafts, twins = _one_per_reference(drafts)
        if drafts:
            await _create_batch(run, settings, drafts)
    for entry in twins:              # alone, after the batch: each finds its twin's sale and waits
        await import_entry(run, entry)


def _one_per_reference(drafts: list[tuple[InboxEntry, SaleDraft]]) -> tuple[list[tuple[InboxEntry, SaleDraft]],
                                                                            list[InboxEntry]]:
    """PrestaShop gives the orders of a basket split between carriers one reference: only the first of
    them goes into the batch (else both would be created, neither seeing the other's sale)."""
    seen: set[str] = set()
    first, twins = [], []
    for entry, draft in drafts:
        if draft.order.erp_reference in seen:
            twins.append(entry)
        else:
            seen.add(draft.order.erp_reference)
            first.append((entry, draft))
    return first, twins


async def _create_batch(run: FlowRun, settings: OrderSettings, drafts: list[tuple[InboxEntry, SaleDraft]]) -> None:
    """The drafts' sales created in one call and confirmed in one, their payments recorded together."""
    hub = run.hub
    failpoint("orders.before_create_sale")
    outcomes = await run.call(lambda: hub.erp.create_sales([draft for _, draft in drafts]), peer=hub.erp_name)
    failpoint("orders.after_create_sale")
    checked = [(entry, draft, await run.attempt(_record(entry), lambda: _checked(hub, draft, outcome),
                                                payload=entry.raw, peer=hub.erp_name))
               for (entry, draft), outcome in zip(drafts, outcomes)]
    to_confirm = [sale.key for _, draft, sale in checked
                  if sale and not sale.confirmed and _confirms(settings, draft.order)]
    refused = await run.call(lambda: hub.erp.confirm_sales(to_confirm), peer=hub.erp_name) if to_confirm else {}
    failpoint("orders.after_confirm_sale")
    paid = await _record_payments(run, [(draft, sale) for _, draft, sale in checked
                                        if sale is not None and refused.get(sale.key) is None])
    for entry, draft, sale in checked:
        if sale is not None:
            sale = await run.attempt(_record(entry), lambda: _confirmed(hub, draft, sale, refused, paid),
                                     payload=entry.raw, peer=hub.erp_name)
        await settled(run, entry, sale)


async def _look_up(run: FlowRun, settings: OrderSettings, orders: list[Order]) -> None:
    """The batch's SKUs, and its customers where the ERP can, in one lookup each instead of one per
    order: the ERP keeps the answers for the orders' own questions. Only a saving: when a lookup is
    refused, each order asks for itself."""
    erp, peer = run.hub.erp, run.hub.erp_name
    skus = sorted({line.sku for order in orders for line in order.lines})
    customers = [looked_up_as(settings, order.customer) for order in orders]
    try:
        if skus:
            await run.call(lambda: erp.known_skus(skus), peer=peer)
        if customers and isinstance(erp, BatchCustomers):
            await run.call(lambda: erp.find_customers(customers), peer=peer)
    except DataError as error:
        log.warning("a lookup for a batch of %s orders was refused, each order asks for itself: %s", len(orders),
                    error)


async def _record_payments(run: FlowRun, sales: list[tuple[SaleDraft, ErpSale]]) -> dict[str, DataError | None]:
    """The payments of the batch's sales in a few calls, where the ERP can: sale key → why not
    (None: recorded). A sale missing from the answer records its own (``_confirmed``)."""
    erp = run.hub.erp
    wanted = [SalePayments(sale.key, draft.order.payments, draft.terms)
              for draft, sale in sales if draft.order.payments]
    if not isinstance(erp, BatchPayments) or not wanted:
        return {}
    try:
        return await run.call(lambda: erp.record_payments_of(wanted), peer=run.hub.erp_name)
    except DataError as error:
        log.warning("batch of %s sales' payments refused, each sale records its own: %s", len(wanted), error)
        return {}


async def prepare(hub, settings: OrderSettings, entry: InboxEntry, order: Order) -> SaleDraft | Held:
    """Everything one order needs before its sale is created: why it would wait, its checks, its customer."""
    reason = await hold_reason(hub, settings, entry, order)
    if reason:
        return Held(reason)
    check_order(order)
    return await draft_of(hub.erp, settings, order)


async def draft_of(erp, settings: OrderSettings, order: Order) -> SaleDraft:
    """The order with its SKUs checked and its customer and addresses found or made in the ERP."""
    await _known(erp, order)
    terms = terms_for(settings, order)
    customer = await customer_key(erp, settings, order.customer, terms)
    invoice = await erp.ensure_address(customer, order.invoice_address)
    delivery = await erp.ensure_address(customer, order.delivery_address)
    return SaleDraft(order, customer, invoice, delivery, terms)


async def _checked(hub, draft: SaleDraft, outcome: SaleOutcome) -> ErpSale:
    if outcome.error is not None or outcome.sale is None:
        raise outcome.error or DataError("the ERP answered no sale for this order")
    _held_by_this_order(hub, draft.order, outcome.sale)        # found by reference: maybe another order's
    await _check_totals_or_discard(hub.erp, draft.order, outcome.sale)
    return outcome.sale


async def _confirmed(hub, draft: SaleDraft, sale: ErpSale, refused: dict, paid: dict) -> ErpSale:
    if refused.get(sale.key) is not None:
        raise refused[sale.key]
    if sale.key in refused:
        sale = ErpSale(sale.key, sale.number, sale.total_tax_excl, sale.total_tax_incl, confirmed=True)
    if sale.key in paid:                  # recorded with the batch's
        if paid[sale.key] is not None:
            raise paid[sale.key]
    elif draft.order.payments:
        await hub.erp.record_payments(sale.key, draft.order.payments, draft.terms)
    return sale


class Held(str):
    """Why an order waits instead of going to the ERP."""


async def admit(hub, settings: OrderSettings, entry: InboxEntry, order: Order) -> ErpSale | Held:
    reason = await hold_reason(hub, settings, entry, order)
    return Held(reason) if reason else await import_order(hub, order, settings)


async def hold_reason(hub, settings: OrderSettings, entry: InboxEntry, order: Order) -> str | None:
    """Why this order waits instead of going to the ERP: an approval rule, or the payment policy."""
    if not order.paid and settings.unpaid == "wait":
        return WAITING_FOR_PAYMENT
    if entry.approved_by:
        return None
    rules = settings.approval
    if order.customer.group and order.customer.group in rules.customer_groups:
        return f"approval: customer group {order.customer.group}"
    if rules.amount_above is not None and order.total_tax_incl > rules.amount_above:
        return f"approval: total {order.total_tax_incl} {order.currency} above {rules.amount_above}"
    if rules.new_customers and await hub.erp.find_customer(order.customer) is None:
        return "approval: new customer"
    return None


async def hold(run: FlowRun, entry: InboxEntry, reason: str) -> None:
    run.hub.inbox.set_state(entry.id, ON_HOLD, reason=reason)
    run.record("held", _record(entry), f"on hold: {reason}"
               + ("" if reason == WAITING_FOR_PAYMENT else f"; `courroie orders approve {entry.reference}`"))
    await tell_shop(run, entry, SaleState.ON_HOLD, reason)


async def import_order(hub, order: Order, settings: OrderSettings) -> ErpSale:
    check_order(order)
    erp = hub.erp
    terms = terms_for(settings, order)
    sale = await erp.find_sale(order.erp_reference)
    if sale is not None:
        _held_by_this_order(hub, order, sale)
    if sale is None:
        draft = await draft_of(erp, settings, order)
        failpoint("orders.before_create_sale")
        sale = await erp.create_sale(order, draft.customer_key, draft.invoice_address, draft.delivery_address,
                                     terms)
        failpoint("orders.after_create_sale")
    await _check_totals_or_discard(erp, order, sale)
    if not sale.confirmed and _confirms(settings, order):
        await erp.confirm_sale(sale.key)
        failpoint("orders.after_confirm_sale")
        sale = ErpSale(sale.key, sale.number, sale.total_tax_excl, sale.total_tax_incl, confirmed=True)
    if order.payments:
        await erp.record_payments(sale.key, order.payments, terms)
    return sale


def _held_by_this_order(hub, order: Order, sale: ErpSale) -> None:
    """A sale found by the order's reference is this order's (made before a crash) unless another order
    of the shop is bound to it: PrestaShop gives the orders of a basket split between carriers one
    reference. Taking that sale for this order would lose the order — or, its totals differing,
    discard the other order's quotation."""
    holder = hub.bindings(order.shop, "order").by_external_id(sale.key)
    if holder is not None and holder.erp_key != order.external_id:
        raise DataError(f"ERP sale {sale.number} already holds shop order #{holder.erp_key}, which has the same "
                        f"reference {order.reference}: the shop gave two orders one reference (a basket split "
                        "between carriers?); enter this one in the ERP by hand, then skip this entry",
                        details={"erp_sale": sale.key, "order_with_the_same_reference": holder.erp_key})


async def _known(erp, order: Order) -> None:
    skus = sorted({line.sku for line in order.lines})
    unknown = sorted(set(skus) - await erp.known_skus(skus))
    if unknown:
        raise DataError(f"unknown SKU {', '.join(unknown)}: map it or create it in the ERP, then retry",
                        details={"unknown_skus": unknown})


async def _check_totals_or_discard(erp, order: Order, sale: ErpSale) -> None:
    try:
        check_totals(order, sale)
    except DataError:
        if not sale.confirmed:
            await erp.discard_sale(sale.key)   # a retry after the fix creates it afresh
        raise


def _confirms(settings: OrderSettings, order: Order) -> bool:
    """Confirmed at import unless the shop waits for the money and the policy keeps it a quotation."""
    return order.paid or settings.unpaid == "import"


async def customer_key(erp, settings: OrderSettings, customer: Customer, terms: SaleTerms) -> str:
    """The ERP customer of an order: the generic one for guests if so configured, else the customer
    matched by e-mail (or VAT number), created or updated."""
    if customer.is_guest and settings.guests == "generic":
        key = await erp.find_customer(looked_up_as(settings, customer))
        if key is None:
            raise DataError(f"the generic customer {settings.generic_customer} for guest orders is not in the ERP")
        return key
    return await erp.save_customer(customer, await erp.find_customer(customer), terms)


def looked_up_as(settings: OrderSettings, customer: Customer) -> Customer:
    """The customer the ERP is asked for: the generic one for guests if so configured, else itself."""
    if customer.is_guest and settings.guests == "generic":
        return customer.model_copy(update={"email": settings.generic_customer})
    return customer


def terms_for(settings: OrderSettings, order: Order) -> SaleTerms:
    group = settings.customer_groups.get(order.customer.group or "")
    return SaleTerms(price_list=group.price_list if group else None,
                     payment_term=group.payment_term if group else None,
                     customer_category=group.customer_category if group else None,
                     payment_journals=settings.payment_journals, vouchers_as=settings.vouchers_as)


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
    for what, excl, incl in (("shipping", order.shipping_tax_excl, order.shipping_tax_incl),
                             ("gift wrapping", order.gift_wrapping_tax_excl, order.gift_wrapping_tax_incl),
                             ("discounts", order.discounts_tax_excl, order.discounts_tax_incl)):
        if excl < 0 or incl < 0:
            raise DataError(f"negative {what} ({incl} tax incl., {excl} tax excl.): a charge or discount with its "
                            "sign reversed", details={what: {"tax_excl": str(excl), "tax_incl": str(incl)}})
    _no_control_characters(order)
    lines = sum((line.total_tax_incl for line in order.lines), Decimal(0))
    expected = to_cents(lines + order.shipping_tax_incl + order.gift_wrapping_tax_incl - order.discounts_tax_incl)
    if expected != to_cents(order.total_tax_incl):
        raise DataError(f"the order's lines, shipping, wrapping and discounts do not add up to its total: they make "
                        f"{expected}, the order says {to_cents(order.total_tax_incl)}",
                        details={"lines_shipping_discounts": str(expected), "order_total": str(order.total_tax_incl)})


# Control characters (C0, DEL, C1) have no place in what a person typed; tabs and line ends do.
_CONTROL = {c for c in range(0x20) if chr(c) not in "\t\n\r"} | {0x7F} | set(range(0x80, 0xA0))


def _no_control_characters(order: Order) -> None:
    """Names, addresses and the gift message go into the ERP's records, documents and labels: a NUL or
    an escape sequence there comes from a broken import, and some databases refuse it outright."""
    texts = {f"customer {name}": getattr(order.customer, name) for name in ("email", "first_name", "last_name",
                                                                            "company", "vat_number")}
    for role, address in (("invoice address", order.invoice_address), ("delivery address", order.delivery_address)):
        texts |= {f"{role} {name}": value for name, value in address.model_dump().items() if isinstance(value, str)}
    texts["gift message"] = order.gift_message
    for where, text in texts.items():
        found = sorted({f"U+{ord(c):04X}" for c in text or "" if ord(c) in _CONTROL})
        if found:
            raise DataError(f"control character {', '.join(found)} in the {where} {text!r}: correct it in the shop",
                            details={"field": where, "text": text})


def check_totals(order: Order, sale) -> None:
    """The ERP's totals must equal the shop's to the cent; otherwise a person decides."""
    shop = (to_cents(order.total_tax_excl), to_cents(order.total_tax_incl))
    erp = (to_cents(sale.total_tax_excl), to_cents(sale.total_tax_incl))
    if shop != erp:
        raise DataError(
            f"totals differ: shop {shop[1]} (tax excl. {shop[0]}), ERP sale {sale.number} {erp[1]} (tax excl. {erp[0]})",
            details={"shop": {"tax_excl": str(shop[0]), "tax_incl": str(shop[1])},
                     "erp": {"tax_excl": str(erp[0]), "tax_incl": str(erp[1]), "sale": sale.number}})


# --- record ------------------------------------------------------------------------------------------

def block(run: FlowRun, entry: InboxEntry, reason: str, details: dict | None = None) -> None:
    run.block(_record(entry), reason, details=details, payload=entry.raw)
    run.hub.inbox.set_state(entry.id, BLOCKED, reason=reason)


async def tell_shop(run: FlowRun, entry: InboxEntry, state: SaleState, reason: str) -> None:
    """The shop's staff see why the order waits: a private note, and the state mapped to ``state``.
    Best effort: the order is safe in the inbox whatever the shop answers."""
    if not _settings(run.hub, entry.shop).tell_shop:
        return
    shop = run.hub.shops[entry.shop]
    try:
        await shop.add_order_note(entry.external_id, f"courroie: not in the ERP yet: {reason}")
        await shop.set_order_status(StatusUpdate(entry.external_id, state))
    except Exception as error:      # noqa: BLE001 — telling is a courtesy, the order is kept either way
        log.warning("could not tell %s about order %s: %s", entry.shop, entry.external_id, error)
        run.record("shop_not_told", _record(entry), f"the shop could not be told: {type(error).__name__}: {error}")
    else:
        run.record("shop_told", _record(entry), f"{state.value}: {reason}")


def _record(entry: InboxEntry) -> str:
    return f"{entry.shop}/{entry.reference or entry.external_id}"


def _settings(hub, shop: str) -> OrderSettings:
    return hub.config.shop(shop).hub.orders


def _overlap(hub, shop: str) -> timedelta:
    return timedelta(seconds=_settings(hub, shop).overlap)
