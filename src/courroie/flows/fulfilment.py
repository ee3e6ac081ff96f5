"""Order status, ERP → shops: accepted, shipped (carrier and tracking number), delivered, cancelled.

read   the ERP status of every imported order not yet in a final state, in one batch per shop
map    into the update the shop should show
diff   against the fingerprint of the update last sent: a state or tracking number is never sent twice
write  one status update per changed order
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
        open_orders = {entry.erp_key: entry for entry in hub.inbox.in_state(shop, IMPORTED)
                       if entry.erp_key and (sent.get(entry.external_id) is None
                                             or (sent[entry.external_id].sent or {}).get("state") not in FINAL)}
        if not open_orders:
            return
        run.expect(len(open_orders))
        statuses = await run.call(lambda: hub.erp.read_sale_statuses(list(open_orders)), peer=hub.erp_name)
        for status in statuses:
            entry = open_orders.get(status.erp_key)
            if entry:
                await send_status(run, shop, entry, status, sent.get(entry.external_id))


def update_for(order_id: str, status: SaleStatus) -> StatusUpdate:
    tracking = next((s.tracking_number for s in status.shipments if s.tracking_number), None)
    return StatusUpdate(order_id, status.state, tracking)


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
    record = f"{shop}/{entry.reference or entry.external_id}"
    if await run.succeeded(record, lambda: run.hub.shops[shop].set_order_status(update)):
        run.hub.bindings(shop, "order_status").save(entry.external_id, entry.external_id, digest, sent)
        run.record("status_sent", record, f"{update.state.value}"
                   + (f", tracking {update.tracking_number}" if update.tracking_number else ""), details=sent)
