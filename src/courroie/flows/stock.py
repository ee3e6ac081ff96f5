"""Stock, ERP → every shop. What a shop may sell of an article:

    published = max(0, floor(ERP available over the shop's locations
                             − quantities of this shop's orders not yet in the ERP
                             − safety buffer))

"available" is the ERP's available-to-sell quantity (forecast, net of reservations), so an order
already in the ERP is counted once, by the ERP; an order still in the inbox (ERP down, blocked, on
hold) is counted by the hub. When the ERP cannot be read, nothing is pushed: shops keep selling on
the last figures, and orders are imported before stock is pushed again.

read   available quantities per location (once per distinct set of locations), pending inbox quantities
map    the formula above, for every article published in the shop
diff   against the fingerprint of the quantity last sent
write  batches (the connector packs several rows per request where the shop takes them)
record bindings and journal
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from courroie.connectors.protocols import StockUpdate
from courroie.engine.runs import FlowRun, flow_run
from courroie.errors import DataError
from courroie.model import StockLevel

CHUNK = 500          # rows handed to the connector at once; its fingerprints are recorded after each chunk


async def sync_stock(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    shops = hub.selected_shops(shop)
    available = await read_available(hub, shops, dry_run=dry_run)
    if available is None:
        return                                  # ERP unreadable: pause rather than push stale figures
    await asyncio.gather(*(push_stock(hub, name, available[name], dry_run=dry_run) for name in shops))


async def read_available(hub, shops: Sequence[str], *, dry_run: bool = False) -> dict[str, dict[str, Decimal]] | None:
    """Available quantity per SKU for each shop, summed over that shop's locations."""
    wanted = {name: tuple(sorted(hub.config.shop(name).hub.stock.locations)) for name in shops}
    async with flow_run(hub, "stock", hub.erp_name, dry_run=dry_run) as run:
        by_locations: dict[tuple[str, ...], dict[str, Decimal]] = {}
        for locations in set(wanted.values()):
            levels = await run.call(lambda: hub.erp.read_stock(list(locations)))
            by_locations[locations] = sum_by_sku(levels)
            run.count("levels_read", len(levels))
        return {name: by_locations[locations] for name, locations in wanted.items()}
    return None


def sum_by_sku(levels: Sequence[StockLevel]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for level in levels:
        totals[level.sku] += level.quantity
    return dict(totals)


def published_quantity(available: Decimal, pending: Decimal, safety: int) -> int:
    return max(0, math.floor(available - pending - safety))


async def push_stock(hub, shop: str, available: dict[str, Decimal], *, dry_run: bool = False) -> None:
    async with flow_run(hub, "stock", shop, dry_run=dry_run) as run:
        pending = hub.inbox.pending_quantities(shop)
        safety = hub.config.shop(shop).hub.stock.safety
        placed = {sku: ref for sku, b in hub.bindings(shop, "variant").all().items()
                  if (ref := b.external_id)}
        stock = hub.bindings(shop, "stock")
        sent = stock.all()
        run.expect(len(placed))
        changes: list[tuple[str, StockUpdate]] = []
        for sku, ref in placed.items():
            quantity = published_quantity(available.get(sku, Decimal(0)), pending.get(sku, Decimal(0)), safety)
            previous = sent.get(sku)
            if previous and previous.fingerprint == str(quantity):
                run.count("unchanged")
                continue
            product_id, variant_id = ref.split("/")
            changes.append((sku, StockUpdate(product_id, variant_id, quantity)))
        if dry_run:
            run.count("updated", len(changes))
            return
        for start in range(0, len(changes), CHUNK):
            await write_chunk(run, shop, changes[start:start + CHUNK])


async def write_chunk(run: FlowRun, shop: str, chunk: list[tuple[str, StockUpdate]]) -> None:
    connector = run.hub.shops[shop]
    try:
        await run.call(lambda: connector.write_stock([update for _, update in chunk]))
    except DataError as error:
        for sku, update in chunk:
            run.block(sku, f"stock not accepted: {error.reason}", details={"quantity": update.quantity})
        return
    run.hub.bindings(shop, "stock").save_many(
        [(sku, f"{u.product_id}/{u.variant_id}", str(u.quantity), None) for sku, u in chunk])
    run.hub.journal.write_many([dict(connection=shop, flow="stock", action="updated", record=sku,
                                     message=f"quantity {u.quantity}", details={"quantity": u.quantity},
                                     run_id=run.run_id) for sku, u in chunk])
    run.count("updated", len(chunk))
