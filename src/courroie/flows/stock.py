"""Stock, ERP → every shop, within seconds, each shop from its own locations. What a shop may sell:

    published = max(0, ⌊ available over the shop's locations
                         − quantities of the orders not yet in the ERP (of this shop, and of every shop
                           drawing on one of its locations)
                         − safety buffer (the SKU's, else the largest of its categories', else the shop's) ⌋)

"available" is the ERP's available-to-sell quantity (forecast, net of reservations), so an order
already in the ERP is counted once, by the ERP; an order still in the inbox (ERP down, blocked, on
hold) is counted by the hub. Out of stock, back-orders are allowed or not per article: the SKU's rule,
else what the ERP says, else its categories' (refusal wins), else the shop's (None: as the shop has it).

Two passes, on their own rhythms (``flows.stock``: every 10 s, reconcile hourly):

- ``sync_stock``, changes: the ERP's stock changes since its cursor go into the hub's cache of ERP
  stock (``store.stock``); then each shop works out again only the articles whose figure may have
  moved since its previous pass (changed in the cache, named by an order received or settled in the
  inbox, newly published, blocked) and writes those whose figure differs from the one last sent
  (fingerprints). The first pass, and the first after the shop's stock settings changed, works out
  every article.
- ``reconcile_stock``: every article read from the ERP, and what the shop really shows read back in
  bulk: any difference (a merchant's edit, a lost write, the shop's own sales not yet seen) is
  written again.

Both: when the ERP cannot be read nothing is pushed (shops keep selling on the last figures). Before
a shop's stock is pushed its new orders are read and imported (``stock.orders_first``): a unit the
shop sold while the ERP was down, or since the last orders run, is counted before any figure is
written, so it never reappears for sale. The window left is the time between reading the shop's
orders and writing its stock (a request or two); sales in another shop sharing a location count once
that shop's orders have been read (by its orders or stock run).

read   the ERP's changes (or everything) into the cache; per shop its orders, then cache and inbox
map    the formula above, for the articles published in the shop (variant bindings)
diff   against the fingerprint of what was last sent, or against what the shop shows (reconcile)
write  batches (the connector packs several rows per request where the shop takes them)
record bindings, journal; the shop's pass of changes resumes where this one started
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from courroie.config import HubConfig, StockSettings
from courroie.connectors.protocols import StockUpdate
from courroie.engine.runs import FlowRun, flow_run
from courroie.errors import DataError
from courroie.flows.orders import orders_of_shop
from courroie.model import StockLevel
from courroie.store.db import utcnow
from courroie.store.stock import Available, StockCache
from courroie.sync.assortment import CategoryTree
from courroie.sync.fingerprints import fingerprint

CHUNK = 500                          # rows handed to the connector at once; fingerprints recorded after each
OVERLAP = timedelta(seconds=60)      # look-back of the ERP change cursor (transactions committing late)
SETTLE = timedelta(seconds=30)       # look-back of a shop's pass over the hub's own cache and inbox
TREE_TTL = 600.0                     # seconds the ERP's category tree is kept (category rules only)
ERP_SIDE = ("imported", "revised", "cancelled")    # what an orders run did that may move the ERP's stock


async def sync_stock(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    """The pass of changes (the first one, or one after a change of settings, is full)."""
    await stock_pass(hub, hub.selected_shops(shop), reconcile=False, dry_run=dry_run)


async def reconcile_stock(hub, shop: str | None = None, *, dry_run: bool = False) -> None:
    """Everything read from the ERP and read back from each shop; every difference written again."""
    await stock_pass(hub, hub.selected_shops(shop), reconcile=True, dry_run=dry_run)


async def stock_pass(hub, shops: Sequence[str], *, reconcile: bool, dry_run: bool = False) -> None:
    if not await refresh(hub, shops, full=reconcile, dry_run=dry_run):
        return                                  # ERP unreadable: pause rather than push stale figures
    first = [name for name in shops if hub.config.shop(name).hub.stock.orders_first and not dry_run]
    outcomes = dict(zip(first, await asyncio.gather(*(orders_first(hub, name) for name in first))))
    ready = [name for name in shops if outcomes.get(name, (True, 0))[0]]
    if any(changed for _, changed in outcomes.values()):
        # The ERP now holds back what was just imported or confirmed (and releases what was cancelled),
        # which the inbox no longer counts: read it again.
        if not await refresh(hub, ready, full=False, dry_run=dry_run, fresh=True):
            return
    await asyncio.gather(*(push_shop(hub, name, reconcile=reconcile, dry_run=dry_run) for name in ready))


# --- the formula -----------------------------------------------------------------------------------

def published_quantity(available: Decimal, pending: Decimal, safety: int) -> int:
    return max(0, math.floor(available - pending - safety))


@dataclass(frozen=True)
class Target:
    """What a shop should show of one article."""

    quantity: int
    backorders: bool | None

    @property
    def fingerprint(self) -> str:
        if self.backorders is None:
            return str(self.quantity)
        return f"{self.quantity}, {'back-orders' if self.backorders else 'no back-orders'}"


@dataclass
class StockRules:
    """A shop's safety buffers and back-order rules, its category names resolved to ERP keys."""

    settings: StockSettings
    safety_by_category: list[tuple[frozenset[str], int]] = field(default_factory=list)
    backorders_by_category: list[tuple[frozenset[str], bool]] = field(default_factory=list)

    @classmethod
    def of(cls, settings: StockSettings, tree: CategoryTree | None = None) -> StockRules:
        def resolved(rules: Mapping[str, object]) -> list:
            if not rules:
                return []
            if tree is None:
                return [(frozenset({name}), value) for name, value in rules.items()]
            return [(frozenset(tree.with_descendants(tree.resolve([name]))), value) for name, value in rules.items()]
        return cls(settings, resolved(settings.safety_by_category), resolved(settings.backorders_by_category))

    def safety(self, sku: str, categories: Iterable[str]) -> int:
        return self.safety_rule(sku, categories)[0]

    def safety_rule(self, sku: str, categories: Iterable[str]) -> tuple[int, str]:
        """The units held back, and which rule says so: "sku", "category" or "shop"."""
        if sku in self.settings.safety_by_sku:
            return self.settings.safety_by_sku[sku], "sku"
        mine = set(categories)
        found = [value for keys, value in self.safety_by_category if keys & mine]
        return (max(found), "category") if found else (self.settings.safety, "shop")

    def backorders(self, sku: str, erp: bool | None, categories: Iterable[str]) -> bool | None:
        return self.backorders_rule(sku, erp, categories)[0]

    def backorders_rule(self, sku: str, erp: bool | None, categories: Iterable[str]) -> tuple[bool | None, str]:
        """Back-orders allowed or not (None: as the shop has it), and which rule says so: "sku",
        "erp", "category" or "shop"."""
        if sku in self.settings.backorders_by_sku:
            return self.settings.backorders_by_sku[sku], "sku"
        if erp is not None:
            return erp, "erp"
        mine = set(categories)
        found = [value for keys, value in self.backorders_by_category if keys & mine]
        if found:
            return all(found), "category"
        return self.settings.backorders, "shop"

    def target(self, sku: str, available: Available | None, pending: Decimal) -> Target:
        if available is None:                   # no stock anywhere the shop draws from
            return Target(published_quantity(Decimal(0), pending, self.safety(sku, ())), self.backorders(sku, None, ()))
        return Target(published_quantity(available.quantity, pending, self.safety(sku, available.categories)),
                      self.backorders(sku, available.backorders, available.categories))


# --- which locations, which shops ------------------------------------------------------------------

def shop_locations(config: HubConfig, shops: Iterable[str]) -> list[str]:
    """The locations whose stock these shops need: those feeding them, and their stores'."""
    stock = [config.shop(name).hub.stock for name in shops]
    return sorted({location for s in stock for location in (*s.locations, *s.stores)})


def followed_locations(config: HubConfig) -> list[str]:
    return shop_locations(config, [entry.name for entry in config.shops])


def sharing_shops(config: HubConfig, shop: str) -> list[str]:
    """This shop and every shop drawing on one of its locations: their pending orders take from its stock."""
    mine = set(config.shop(shop).hub.stock.locations)
    return [entry.name for entry in config.shops
            if entry.name == shop or mine & set(entry.hub.stock.locations)]


def settings_digest(config: HubConfig, shop: str) -> str:
    return fingerprint({"stock": config.shop(shop).hub.stock.model_dump(mode="json"),
                        "sharing": sharing_shops(config, shop)})


# --- ERP → cache -----------------------------------------------------------------------------------

@dataclass
class _Read:
    started: float                       # time.monotonic()
    finished: float
    locations: frozenset[str]
    full: bool
    ok: bool


@dataclass
class _Shared:
    """What the stock passes of one hub share: one ERP read at a time, and its outcome for a moment."""

    loop: asyncio.AbstractEventLoop
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: _Read | None = None
    tree: CategoryTree | None = None
    tree_read: float = 0.0


def _shared(hub) -> _Shared:
    loop = asyncio.get_running_loop()
    state = getattr(hub, "_stock_shared", None)
    if state is None or state.loop is not loop:
        state = _Shared(loop)
        hub._stock_shared = state
    return state


async def refresh(hub, shops: Sequence[str], *, full: bool, dry_run: bool = False, fresh: bool = False) -> bool:
    """Bring the cache up to date for these shops: the ERP's changes since the cursor, or all of their
    locations' stock (``full``; also the first time, or for a location never read whole). The passes
    of several shops starting together share one read: a read still in progress when this call came
    (``fresh``: started after it) is used as it is. A dry run refreshes the cache too: it is a mirror
    of the ERP, nothing is sent anywhere. False when the ERP could not be read."""
    shared = _shared(hub)
    asked = time.monotonic()
    needed = frozenset(shop_locations(hub.config, shops))
    async with shared.lock:
        last = shared.last
        if last and (last.started if fresh else last.finished) >= asked and needed <= last.locations \
                and (last.full or not full):
            return last.ok
        everything = followed_locations(hub.config)
        cache = StockCache(hub.store)
        reads = cache.reads()
        cursor = hub.cursors.get(hub.erp_name, "stock")
        if cursor is None or any(reads.get(location, (None, None))[1] is None for location in everything):
            locations, since, moves_cursor = everything, None, True
        elif full:
            locations, since, moves_cursor = sorted(needed), None, False
        else:
            locations, since, moves_cursor = everything, cursor - OVERLAP, True
        started = time.monotonic()
        ok = await read_erp(hub, locations, since, moves_cursor=moves_cursor, dry_run=dry_run)
        shared.last = _Read(started, time.monotonic(), frozenset(locations), since is None, ok)
        return ok


async def read_erp(hub, locations: Sequence[str], since: datetime | None, *, moves_cursor: bool,
                   dry_run: bool = False) -> bool:
    cache = StockCache(hub.store)
    async with flow_run(hub, "stock", hub.erp_name, dry_run=dry_run) as run:
        started = utcnow()
        if not locations:
            return True
        levels, newest = await run.call(lambda: read_levels(hub.erp, locations, since))
        run.count("levels_read", len(levels))
        run.count("changed", len(cache.apply(levels, locations, complete=since is None)))
        cache.mark_read(locations, started, full=since is None)
        if moves_cursor:
            hub.cursors.advance(hub.erp_name, "stock", newest, started)
        return True
    return False


async def read_levels(erp, locations: Sequence[str], since: datetime | None) -> tuple[list[StockLevel], datetime | None]:
    """``read_stock_changes`` where the ERP connector has it, else everything every time."""
    if hasattr(erp, "read_stock_changes"):
        return await erp.read_stock_changes(list(locations), since)
    return await erp.read_stock(list(locations)), None


def known_category_tree(hub) -> CategoryTree | None:
    """The ERP's category tree as this process's stock passes last read it, without asking the ERP
    (None: not read yet), for the console to resolve category rules as the flow does."""
    shared = getattr(hub, "_stock_shared", None)
    return shared.tree if shared else None


async def category_tree(run: FlowRun) -> CategoryTree:
    shared = _shared(run.hub)
    if shared.tree is None or time.monotonic() - shared.tree_read > TREE_TTL:
        shared.tree = CategoryTree(await run.call(run.hub.erp.read_categories, peer=run.hub.erp_name))
        shared.tree_read = time.monotonic()
    return shared.tree


# --- cache → each shop -----------------------------------------------------------------------------

async def orders_first(hub, shop: str) -> tuple[bool, int]:
    """Read (and import) the shop's new orders: whether they could be read (else its stock waits too),
    and how many orders went to the ERP (imported, or changed after import: paid, cancelled). The ERP
    failing during the import is no reason to wait: the orders are in the inbox and the formula
    counts them."""
    runs: list[FlowRun] = []

    def seen(run: FlowRun) -> None:
        if run.flow == "orders" and run.connection == shop:
            runs.append(run)
    hub.observers.append(seen)
    try:
        await orders_of_shop(hub, shop)
    finally:
        hub.observers.remove(seen)
    read = not any(run.status == "failed" and not run.counts.get("peer_failed") for run in runs)
    return read, sum(run.counts.get(action, 0) for run in runs for action in ERP_SIDE)


def pending_for(hub, cache: StockCache, shop: str, sharing: Sequence[str]) -> dict[str, Decimal]:
    """Orders not yet in the ERP (of the shops sharing a location with this one); those imported after
    the ERP's stock used here was read (by another job meanwhile): the cache does not hold them back
    yet; and those imported unpaid as quotations, which the ERP holds back only once confirmed."""
    reads = cache.reads()
    when = [reads[location][0] for location in hub.config.shop(shop).hub.stock.locations if location in reads]
    quotations = [name for name in sharing if hub.config.shop(name).hub.orders.unpaid == "quotation"]
    return cache.pending(sharing, min(when) if when else None, quotations)


async def push_shop(hub, shop: str, *, reconcile: bool = False, dry_run: bool = False) -> None:
    settings = hub.config.shop(shop).hub.stock
    cache = StockCache(hub.store)
    async with flow_run(hub, "stock", shop, dry_run=dry_run) as run:
        started = utcnow()
        digest = settings_digest(hub.config, shop)
        sharing = sharing_shops(hub.config, shop)
        state = cache.shop_state(shop)
        full = reconcile or state is None or state.changes_from is None or state.settings != digest
        since = state.changes_from - SETTLE if state and state.changes_from else None
        # The shop sold these itself since its last pass: it no longer shows what was sent.
        sold = cache.inbox_skus([shop], since) if since else set()
        if full:
            refs = cache.placed(shop)
        else:
            touched = (cache.changed_since(settings.locations, since) | cache.inbox_skus(sharing, since) | sold
                       | cache.placed_since(shop, since) | hub.blocked.open_records(shop, "stock"))
            refs = cache.placed(shop, touched) if touched else {}
        run.count("full" if full else "changes")
        run.expect(len(refs))
        rules = StockRules.of(settings, await category_tree(run)
                              if settings.safety_by_category or settings.backorders_by_category else None)
        shown = await run.call(hub.shops[shop].read_stock) if reconcile else None
        pending = pending_for(hub, cache, shop, sharing)
        available = cache.totals(settings.locations, None if full else refs)
        sent = cache.sent(shop, None if full else refs)
        changes, settled = plan(run, refs, rules, available, pending, sent, shown, sold)
        if dry_run:
            run.count("updated", len(changes))
            return
        if settled:
            hub.bindings(shop, "stock").save_many([(sku, refs[sku], target.fingerprint, None)
                                                   for sku, target in settled])
        for start in range(0, len(changes), CHUNK):
            await write_chunk(run, shop, changes[start:start + CHUNK])
        cache.save_shop_state(shop, started, digest)


def plan(run: FlowRun, refs: Mapping[str, str], rules: StockRules, available: Mapping[str, Available],
         pending: Mapping[str, Decimal], sent: Mapping[str, str | None], shown: Mapping[tuple[str, str], int] | None,
         sold: set[str] = frozenset()) -> tuple[list[tuple[str, StockUpdate]], list[tuple[str, Target]]]:
    """What to write, and (reconcile) what the shop already shows right without the hub having sent
    it (the shop's own sales of orders counted as pending): recorded, not written. An article the shop
    sold since the last pass is written whatever its fingerprint: the sale moved the shop's figure
    (a connector leaves a row already right alone)."""
    changes: list[tuple[str, StockUpdate]] = []
    settled: list[tuple[str, Target]] = []
    drifted: list[dict] = []
    for sku, ref in refs.items():
        target = rules.target(sku, available.get(sku), pending.get(sku, Decimal(0)))
        previous = sent.get(sku)
        believed = previous == target.fingerprint and sku not in sold
        if shown is not None:
            now = shown.get(_key(ref))
            if now == target.quantity and (believed or target.backorders is None):
                if not believed:
                    settled.append((sku, target))
                run.count("unchanged")
                continue
            if believed:
                drifted.append(dict(connection=run.connection, flow="stock", action="drift", record=sku,
                                    message=f"the shop showed {now}, {target.quantity} written again",
                                    details={"shown": now, "published": target.quantity}, run_id=run.run_id))
        elif believed:
            run.count("unchanged")
            continue
        product_id, variant_id = ref.split("/")
        changes.append((sku, StockUpdate(product_id, variant_id, target.quantity, target.backorders)))
        if run.dry_run:
            run.planned.append({"record": sku, "action": "updated", "changes": {"quantity": {
                "before": previous, "after": target.fingerprint}}})
    run.count("drifted", len(drifted))
    if drifted and not run.dry_run:
        run.hub.journal.write_many(drifted)
    return changes, settled


def _key(ref: str) -> tuple[str, str]:
    product_id, _, variant_id = ref.partition("/")
    return product_id, variant_id or "0"


async def write_chunk(run: FlowRun, shop: str, chunk: list[tuple[str, StockUpdate]]) -> None:
    connector = run.hub.shops[shop]
    try:
        await run.call(lambda: connector.write_stock([update for _, update in chunk]))
    except DataError as error:
        for sku, update in chunk:
            run.block(sku, f"stock not accepted: {error.reason}", details={"quantity": update.quantity})
        return
    run.hub.bindings(shop, "stock").save_many(
        [(sku, f"{u.product_id}/{u.variant_id}", Target(u.quantity, u.backorders).fingerprint, None)
         for sku, u in chunk])
    run.hub.journal.write_many([dict(connection=shop, flow="stock", action="updated", record=sku,
                                     message=f"quantity {u.quantity}", details={"quantity": u.quantity},
                                     run_id=run.run_id) for sku, u in chunk])
    for sku, _ in chunk:
        run.unblock(sku)
    run.count("updated", len(chunk))
