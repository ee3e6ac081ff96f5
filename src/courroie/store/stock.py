"""The hub's cache of the ERP's stock, per article and location, and the store stock lookup.

The stock flow keeps it: every change it reads from the ERP, and everything at each full read. Shops
are pushed from it, and ``store_stock`` (``GET /api/v1/stock/{sku}?store=CODE``) answers from it
without asking the ERP. A row's ``changed_at`` is when the hub saw its figure change: a shop's pass of
changes works out again only the articles changed since its previous pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update

from courroie.model import StockLevel
from courroie.store.db import Store, utcnow
from courroie.store.inbox import IMPORTED, NOT_YET_IN_ERP
from courroie.store.tables import bindings, inbox, stock_levels, stock_reads, stock_shops
from courroie.store.upsert import upsert

SLICE = 500          # keys per IN (…) query
BATCH = 2000         # rows per executemany


@dataclass(frozen=True, slots=True)
class CachedLevel:
    quantity: Decimal
    backorders: bool | None
    categories: tuple[str, ...]


@dataclass(slots=True)
class Available:
    """An article over several locations: its quantities summed, what the ERP says of back-orders
    (a refusal at one location wins), its categories."""

    quantity: Decimal
    backorders: bool | None
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ShopStockState:
    changes_from: datetime | None      # the next pass of changes looks at what changed since then
    settings: str | None               # digest of the stock settings of the last pass


class StockCache:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- levels

    def read(self, locations: Sequence[str], skus: Iterable[str] | None = None) -> dict[str, dict[str, CachedLevel]]:
        """SKU → location → level, for ``locations``; every article, or those of ``skus``."""
        found: dict[str, dict[str, CachedLevel]] = {}
        if not locations:
            return found
        columns = (stock_levels.c.sku, stock_levels.c.location, stock_levels.c.quantity,
                   stock_levels.c.backorders, stock_levels.c.categories)
        where = stock_levels.c.location.in_(list(locations))
        with self.store.engine.connect() as db:
            for query in _sliced(select(*columns).where(where), stock_levels.c.sku, skus):
                for sku, location, quantity, backorders, categories in db.execute(query):
                    found.setdefault(sku, {})[location] = CachedLevel(
                        Decimal(quantity), backorders, tuple(categories.split("\n")) if categories else ())
        return found

    def totals(self, locations: Sequence[str], skus: Iterable[str] | None = None) -> dict[str, Available]:
        """Per SKU, summed over ``locations``: what a shop fed by them can draw on (every article, or
        those of ``skus``). Compact: one small record per article, whatever the number of locations."""
        found: dict[str, Available] = {}
        if not locations:
            return found
        columns = (stock_levels.c.sku, stock_levels.c.quantity, stock_levels.c.backorders, stock_levels.c.categories)
        where = stock_levels.c.location.in_(list(locations))
        with self.store.engine.connect() as db:
            for query in _sliced(select(*columns).where(where), stock_levels.c.sku, skus):
                for sku, quantity, backorders, categories in db.execute(query):
                    mine = tuple(categories.split("\n")) if categories else ()
                    known = found.get(sku)
                    if known is None:
                        found[sku] = Available(Decimal(quantity), backorders, mine)
                        continue
                    known.quantity += Decimal(quantity)
                    if backorders is not None and known.backorders is not False:
                        known.backorders = backorders          # a refusal wins
                    if mine and mine != known.categories:
                        known.categories = tuple(sorted(set(known.categories) | set(mine)))
        return found

    def apply(self, levels: Iterable[StockLevel], locations: Sequence[str], *, complete: bool) -> set[str]:
        """Keep what the ERP said of ``locations``; returns the SKUs whose figure (or back-order rule,
        or categories) changed. ``complete``: the levels are every article of these locations, so the
        rows of articles left out (no longer stocked, sold or coded) are removed. One location at a
        time, written in batches: a read of 100,000 articles holds little besides the levels given."""
        by_location: dict[str, dict[str, StockLevel]] = {location: {} for location in locations}
        for level in levels:
            place = by_location.get(level.location)
            if place is not None:
                place[level.sku] = level
        changed: set[str] = set()
        now = utcnow()
        key = and_(stock_levels.c.sku == bindparam("b_sku"), stock_levels.c.location == bindparam("b_location"))
        change = update(stock_levels).where(key).values(
            quantity=bindparam("quantity"), backorders=bindparam("backorders"),
            categories=bindparam("categories"), changed_at=bindparam("changed_at"))
        with self.store.engine.begin() as db:
            for location, wanted in by_location.items():
                existing = self._existing(db, location, None if complete else wanted)
                inserts: list[dict] = []
                updates: list[dict] = []
                for sku, level in wanted.items():
                    categories = "\n".join(level.categories) or None
                    old = existing.pop(sku, None)
                    values = dict(quantity=str(level.quantity), backorders=level.backorders, categories=categories,
                                  changed_at=now)
                    if old is None:
                        inserts.append(dict(sku=sku, location=location, **values))
                    elif Decimal(old[0]) != level.quantity or old[1] != level.backorders or old[2] != categories:
                        updates.append(dict(b_sku=sku, b_location=location, **values))
                    else:
                        continue
                    changed.add(sku)
                    if len(inserts) >= BATCH:
                        db.execute(stock_levels.insert(), inserts)
                        inserts = []
                    if len(updates) >= BATCH:
                        db.execute(change, updates)
                        updates = []
                if inserts:
                    db.execute(stock_levels.insert(), inserts)
                if updates:
                    db.execute(change, updates)
                gone = list(existing)                  # what the ERP no longer lists at this location
                for start in range(0, len(gone), BATCH):
                    db.execute(delete(stock_levels).where(key),
                               [dict(b_sku=sku, b_location=location) for sku in gone[start:start + BATCH]])
                changed.update(gone)
        return changed

    @staticmethod
    def _existing(db, location: str, skus: Iterable[str] | None) -> dict[str, tuple]:
        columns = (stock_levels.c.sku, stock_levels.c.quantity, stock_levels.c.backorders, stock_levels.c.categories)
        found = {}
        for query in _sliced(select(*columns).where(stock_levels.c.location == location), stock_levels.c.sku, skus):
            for sku, *rest in db.execute(query):
                found[sku] = tuple(rest)
        return found

    def changed_since(self, locations: Sequence[str], since: datetime) -> set[str]:
        query = select(stock_levels.c.sku).distinct().where(
            stock_levels.c.location.in_(list(locations)) & (stock_levels.c.changed_at >= since))
        with self.store.engine.connect() as db:
            return set(db.execute(query).scalars())

    # --- the console's questions

    def levels_of(self, sku: str) -> list[dict[str, Any]]:
        """Every location's figure of one article, as last read from the ERP, with when it changed."""
        query = select(stock_levels).where(stock_levels.c.sku == sku).order_by(stock_levels.c.location)
        with self.store.engine.connect() as db:
            return [{**row._mapping, "quantity": Decimal(row.quantity)} for row in db.execute(query)]

    def skus_starting(self, prefix: str, limit: int = 50) -> list[str]:
        """Articles of the cache whose SKU starts with ``prefix``, in its exact case."""
        query = (select(stock_levels.c.sku).distinct().where(stock_levels.c.sku.startswith(prefix, autoescape=True))
                 .order_by(stock_levels.c.sku).limit(limit))
        if self.store.is_sqlite:        # SQLite's LIKE ignores case and the key: a range on the key obeys both
            query = query.where(stock_levels.c.sku.between(prefix, prefix + "\U0010ffff"))
        with self.store.engine.connect() as db:
            return list(db.execute(query).scalars())

    def recently_changed(self, limit: int = 50, before: tuple[datetime, str, str] | None = None
                         ) -> list[dict[str, Any]]:
        """The figures that changed last (newest first), ``limit`` at most, after ``before`` (the
        (changed_at, sku, location) of the previous page's last row): one query per location on
        ix_stock_levels_changed, merged, rather than a sort of the whole table."""
        # A whole read changes many rows at one instant: ties go by SKU and location in code point order,
        # the order Python merges in (PostgreSQL's own collation may differ: "C" is code points).
        sku, location_column = (stock_levels.c.sku, stock_levels.c.location) if self.store.is_sqlite \
            else (stock_levels.c.sku.collate("C"), stock_levels.c.location.collate("C"))
        rows: list[dict[str, Any]] = []
        with self.store.engine.connect() as db:
            locations = list(db.execute(select(stock_reads.c.location)).scalars())   # each read once at least
            for location in locations:
                query = (select(stock_levels).where(stock_levels.c.location == location)
                         .order_by(stock_levels.c.changed_at.desc(), sku.desc()).limit(limit))
                if before is not None:
                    changed_at, after_sku, after_location = before
                    query = query.where((stock_levels.c.changed_at < changed_at) | (
                        (stock_levels.c.changed_at == changed_at)
                        & ((sku < after_sku) | ((sku == after_sku) & (location_column < after_location)))))
                rows += [{**row._mapping, "quantity": Decimal(row.quantity)} for row in db.execute(query)]
        rows.sort(key=lambda row: (row["changed_at"], row["sku"], row["location"]), reverse=True)
        return rows[:limit]

    # --- when each location was read

    def mark_read(self, locations: Sequence[str], at: datetime, *, full: bool) -> None:
        with self.store.engine.begin() as db:
            for location in locations:
                values: dict[str, Any] = dict(location=location, read_at=at)
                if full:
                    values["full_read_at"] = at
                upsert(db, stock_reads, values, keys=("location",))

    def reads(self) -> dict[str, tuple[datetime, datetime | None]]:
        """Location → (last read, last full read)."""
        with self.store.engine.connect() as db:
            return {row.location: (row.read_at, row.full_read_at) for row in db.execute(select(stock_reads))}

    # --- shops' passes

    def shop_state(self, shop: str) -> ShopStockState | None:
        with self.store.engine.connect() as db:
            row = db.execute(select(stock_shops).where(stock_shops.c.shop == shop)).first()
        return ShopStockState(row.changes_from, row.settings) if row else None

    def save_shop_state(self, shop: str, changes_from: datetime, settings: str) -> None:
        with self.store.engine.begin() as db:
            upsert(db, stock_shops, dict(shop=shop, changes_from=changes_from, settings=settings,
                                         updated_at=utcnow()), keys=("shop",))

    def inbox_skus(self, shops: Sequence[str], since: datetime) -> set[str]:
        """SKUs of the orders of ``shops`` received or changed (imported, cancelled…) since ``since``."""
        query = select(inbox.c.parsed).where(inbox.c.shop.in_(list(shops)) & (inbox.c.updated_at >= since))
        with self.store.engine.connect() as db:
            return {str(line.get("sku")) for parsed in db.execute(query).scalars()
                    for line in (parsed or {}).get("lines", ()) if line.get("sku")}

    def pending(self, shops: Sequence[str], imported_since: datetime | None = None,
                quotations: Sequence[str] = ()) -> dict[str, Decimal]:
        """Quantities per SKU of the orders of ``shops`` not yet in the ERP (new, on hold, blocked), of
        those imported at or after ``imported_since``, and of those of ``quotations`` (shops importing
        unpaid orders as quotations) imported unpaid: the ERP holds nothing back for a quotation.
        One query."""
        waiting = inbox.c.state.in_(NOT_YET_IN_ERP)
        if imported_since is not None:
            waiting = waiting | ((inbox.c.state == IMPORTED) & (inbox.c.updated_at >= imported_since))
        if quotations:
            waiting = waiting | ((inbox.c.state == IMPORTED) & inbox.c.shop.in_(list(quotations))
                                 & (inbox.c.parsed["paid"].as_boolean() == False))  # noqa: E712
        query = select(inbox.c.parsed).where(inbox.c.shop.in_(list(shops)) & waiting)
        totals: dict[str, Decimal] = {}
        with self.store.engine.connect() as db:
            for parsed in db.execute(query).scalars():
                for line in (parsed or {}).get("lines", ()):
                    try:
                        quantity = Decimal(str(line["quantity"]))
                    except (KeyError, ArithmeticError, ValueError):
                        continue
                    if quantity > 0:
                        sku = str(line.get("sku"))
                        totals[sku] = totals.get(sku, Decimal(0)) + quantity
        return totals

    def placed(self, shop: str, skus: Iterable[str] | None = None) -> dict[str, str]:
        """Where each article sits in the shop (the catalog's variant bindings): SKU → "product/variant"."""
        query = select(bindings.c.erp_key, bindings.c.external_id).where(
            (bindings.c.connection == shop) & (bindings.c.kind == "variant") & bindings.c.external_id.is_not(None))
        with self.store.engine.connect() as db:
            return {sku: ref for q in _sliced(query, bindings.c.erp_key, skus) for sku, ref in db.execute(q)}

    def sent(self, shop: str, skus: Iterable[str] | None = None) -> dict[str, str | None]:
        """The fingerprint of the figure each article was last written with: SKU → fingerprint."""
        query = select(bindings.c.erp_key, bindings.c.fingerprint).where(
            (bindings.c.connection == shop) & (bindings.c.kind == "stock"))
        with self.store.engine.connect() as db:
            return {sku: mark for q in _sliced(query, bindings.c.erp_key, skus) for sku, mark in db.execute(q)}

    def placed_since(self, shop: str, since: datetime) -> set[str]:
        """SKUs whose place in the shop was recorded since ``since`` (published or re-created by the catalog)."""
        query = select(bindings.c.erp_key).where(
            (bindings.c.connection == shop) & (bindings.c.kind == "variant") & (bindings.c.updated_at >= since))
        with self.store.engine.connect() as db:
            return set(db.execute(query).scalars())


def _sliced(query, column, keys: Iterable[str] | None) -> Iterator:
    if keys is None:
        yield query
        return
    keys = sorted(set(keys))
    for start in range(0, len(keys), SLICE):
        yield query.where(column.in_(keys[start:start + SLICE]))


# --- the store stock lookup -----------------------------------------------------------------------------

@dataclass(frozen=True)
class StoreStock:
    """What the ERP holds of an article at one location (a physical store), as last read."""

    sku: str
    store: str
    quantity: Decimal
    as_of: datetime            # when the hub last read this location's stock from the ERP

    def as_json(self) -> dict[str, Any]:
        shown = max(0, int(self.quantity))
        return {"sku": self.sku, "store": self.store, "quantity": shown, "available": shown > 0,
                "as_of": self.as_of.isoformat()}


def store_stock(hub: Any, sku: str, store_code: str) -> StoreStock | None:
    """The stock of ``sku`` at location ``store_code`` from the hub's cache (no call to the ERP): None
    when the hub follows no such location or knows no such article; 0 when the article is known but
    this location holds none. ``hub`` is a ``Hub`` or a ``Store``. Two primary-key lookups."""
    store = getattr(hub, "store", hub)
    with store.engine.connect() as db:
        read = db.execute(select(stock_reads.c.read_at).where(stock_reads.c.location == store_code)).first()
        if read is None:
            return None
        quantity = db.execute(select(stock_levels.c.quantity).where(
            (stock_levels.c.sku == sku) & (stock_levels.c.location == store_code))).scalar()
        if quantity is None and db.execute(select(stock_levels.c.location).where(
                stock_levels.c.sku == sku).limit(1)).first() is None:
            return None
    return StoreStock(sku, store_code, Decimal(quantity) if quantity is not None else Decimal(0), read.read_at)


def stores(hub: Any) -> list[str]:
    """The locations whose stock the hub keeps (what ``store=`` may name)."""
    store = getattr(hub, "store", hub)
    with store.engine.connect() as db:
        return sorted(db.execute(select(stock_reads.c.location)).scalars())
