"""Order status, ERP → shops: accepted, partly shipped, shipped (carrier and tracking number), delivered,
cancelled; and the ERP's invoice and delivery note numbers.

read   the ERP status of every imported order still open, in one batch per shop
map    into the update the shop should show, and the documents it should know of
diff   against the fingerprints of what was last sent: a state, tracking number or document is never
       sent twice
write  one status update per changed order, then its documents
record bindings and journal
"""

from __future__ import annotations

import asyncio

from courroie.connectors.protocols import StatusUpdate
from courroie.engine.runs import FlowRun, flow_run
from courroie.model import SaleState, SaleStatus
from courroie.store.inbox import IMPORTED
from courroie.sync.fingerprints import fingerprint

FINAL = {SaleState.DELIVERED.value, SaleState.CANCELLED.value}


async def sync_status(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    await asyncio.gather(*(status_of_shop(hub, name, dry_run=dry_run) for name in hub.selected_shops(shop)))


async def status_of_shop(hub, shop: str, *, dry_run: bool = False) -> None:
    async with flow_run(hub, "status", shop, dry_run=dry_run) as run:
        sent = hub.bindings(shop, "order_status").all()
        documents = hub.bindings(shop, "order_documents").all()
        open_orders = {entry.erp_key: entry for entry in hub.inbox.in_state(shop, IMPORTED)
                       if entry.erp_key and still_open(sent.get(entry.external_id), documents.get(entry.external_id))}
        if not open_orders:
            return
        run.expect(len(open_orders))
        statuses = await run.call(lambda: hub.erp.read_sale_statuses(list(open_orders)), peer=hub.erp_name)
        for status in statuses:
            entry = open_orders.get(status.erp_key)
            if entry:
                await send_status(run, shop, entry, status, sent.get(entry.external_id))
                await send_documents(run, shop, entry, status, documents.get(entry.external_id))


def still_open(status, documents) -> bool:
    """Worth asking the ERP again: not delivered or cancelled, or shipped but not yet invoiced."""
    state = (status.sent or {}).get("state") if status else None
    if state in FINAL:
        return False
    invoiced = any(d.get("kind") == "invoice" for d in ((documents.sent or {}).get("documents", []) if documents else []))
    return not (state == SaleState.SHIPPED.value and invoiced)


def update_for(order_id: str, status: SaleStatus) -> StatusUpdate:
    """The newest shipment's tracking number: the shop keeps one per order carrier."""
    shipment = next((s for s in reversed(status.shipments) if s.tracking_number), None)
    return StatusUpdate(order_id, status.state, shipment.tracking_number if shipment else None,
                        shipment.carrier if shipment else None)


async def send_status(run: FlowRun, shop: str, entry, status: SaleStatus, previous) -> None:
    update = update_for(entry.external_id, status)
    sent = {"state": update.state.value, "tracking_number": update.tracking_number}
    digest = fingerprint(sent)
    if previous and previous.fingerprint == digest:
        run.count("unchanged")
        return
    if run.dry_run:
        run.count("updated")
        return
    record = _record(shop, entry)
    if await run.succeeded(record, lambda: run.hub.shops[shop].set_order_status(update)):
        run.hub.bindings(shop, "order_status").save(entry.external_id, entry.external_id, digest, sent)
        run.record("status_sent", record, f"{update.state.value}"
                   + (f", tracking {update.tracking_number}" if update.tracking_number else ""), details=sent)


async def send_documents(run: FlowRun, shop: str, entry, status: SaleStatus, previous) -> None:
    """Invoice and delivery note numbers (and files, where the ERP renders them) to the shop order."""
    if not status.documents or run.dry_run:
        return
    documents = [d.model_dump(mode="json") for d in status.documents]
    digest = fingerprint(documents)
    if previous and previous.fingerprint == digest:
        return
    erp, record = run.hub.erp, _record(shop, entry)

    async def publish() -> None:
        files = {d.key: await erp.read_file(d.key) for d in status.documents if d.key}
        await run.hub.shops[shop].publish_documents(entry.external_id, status.documents, files)

    if await run.succeeded(record, publish):
        run.hub.bindings(shop, "order_documents").save(entry.external_id, entry.external_id, digest,
                                                       {"documents": documents})
        run.record("documents_sent", record, ", ".join(f"{d.kind} {d.number}" for d in status.documents))


def _record(shop: str, entry) -> str:
    return f"{shop}/{entry.reference or entry.external_id}"
