"""The order inbox: every order seen on a shop, stored raw before anything else happens to it.

States: ``new`` → ``imported`` | ``on_hold`` | ``blocked`` | ``cancelled``. Unique per (shop, order id),
so an order read twice (cursor overlap, restart) is recognised, never imported twice. An order read
again with other content (paid since, cancelled, edited) is a *revision*: the entry keeps the latest
document, and the digest of its content tells the flow what changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError

from courroie.model import IncomingOrder, Order
from courroie.store.db import Store, utcnow
from courroie.store.paging import newest_first
from courroie.sync.fingerprints import fingerprint
from courroie.store.tables import inbox

NEW, IMPORTED, ON_HOLD, BLOCKED, CANCELLED, SKIPPED = "new", "imported", "on_hold", "blocked", "cancelled", "skipped"
NOT_YET_IN_ERP = (NEW, ON_HOLD, BLOCKED)
STATES = (NEW, IMPORTED, ON_HOLD, BLOCKED, CANCELLED, SKIPPED)


@dataclass(frozen=True)
class InboxEntry:
    id: int
    shop: str
    external_id: str
    reference: str | None
    state: str
    raw: str
    parsed: dict[str, Any] | None
    erp_key: str | None
    reason: str | None
    digest: str | None = None
    approved_by: str | None = None

    def order(self) -> Order | None:
        return Order.model_validate(self.parsed) if self.parsed else None


@dataclass(frozen=True)
class InboxFilter:
    """What the console's list of orders is narrowed to (each one optional)."""

    shop: str | None = None
    state: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None
    customer: str | None = None        # part of the e-mail, a name or the company
    reference: str | None = None       # the shop's reference (or id) exactly


@dataclass(frozen=True)
class InboxLine:
    """One order in the console's list: what it shows, without the raw document."""

    id: int
    shop: str
    external_id: str
    reference: str | None
    state: str
    parsed: dict[str, Any] | None
    erp_key: str | None
    reason: str | None
    received_at: datetime
    updated_at: datetime
    approved_by: str | None


def customer_text_of(parsed: dict[str, Any] | None) -> str | None:
    """What the customer search matches: e-mail, names and company, casefolded."""
    customer = (parsed or {}).get("customer") or {}
    words = [customer.get(name) or "" for name in ("email", "first_name", "last_name", "company")]
    return " ".join(" ".join(words).split()).casefold()[:500] or None


def content_digest(incoming: IncomingOrder) -> str:
    """What the order says, leaving out the shop's state label (the hub's own status updates change it)."""
    if incoming.order is None:
        return fingerprint({"raw": incoming.raw})
    return fingerprint(incoming.order.model_dump(mode="json", exclude={"state"}))


class Inbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def receive(self, shop: str, incoming: IncomingOrder) -> tuple[InboxEntry, bool]:
        """Store the order if it is new; returns the entry and whether it was new."""
        existing = self.get(shop, incoming.external_id)
        if existing:
            return existing, False
        now = utcnow()
        order = incoming.order
        parsed = order.model_dump(mode="json") if order else None
        values = dict(shop=shop, external_id=incoming.external_id, reference=order.reference if order else None,
                      state=NEW, raw=incoming.raw, parsed=parsed, customer=customer_text_of(parsed),
                      reason=incoming.error, shop_updated_at=incoming.updated_at, received_at=now, updated_at=now,
                      digest=content_digest(incoming))
        try:
            with self.store.engine.begin() as db:
                db.execute(inbox.insert().values(**values))
        except IntegrityError:            # another worker stored it first: theirs is the one
            return self.get(shop, incoming.external_id), False
        return self.get(shop, incoming.external_id), True

    def revise(self, entry_id: int, incoming: IncomingOrder) -> InboxEntry:
        """Keep the latest document of an order the shop changed."""
        order = incoming.order
        parsed = order.model_dump(mode="json") if order else None
        values = dict(raw=incoming.raw, parsed=parsed, customer=customer_text_of(parsed),
                      digest=content_digest(incoming), shop_updated_at=incoming.updated_at, updated_at=utcnow())
        with self.store.engine.begin() as db:
            db.execute(update(inbox).where(inbox.c.id == entry_id).values(**values))
        return self.by_id(entry_id)

    def approve(self, entry_id: int, by: str) -> None:
        with self.store.engine.begin() as db:
            db.execute(update(inbox).where(inbox.c.id == entry_id).values(
                approved_by=by, approved_at=utcnow(), state=NEW, reason=None, updated_at=utcnow()))

    def get(self, shop: str, external_id: str) -> InboxEntry | None:
        query = select(inbox).where((inbox.c.shop == shop) & (inbox.c.external_id == external_id))
        with self.store.engine.connect() as db:
            row = db.execute(query).first()
        return _entry(row) if row else None

    def by_reference(self, shop: str, reference: str) -> InboxEntry | None:
        """The order whose shop reference (or, lacking one, id) is ``reference``."""
        query = select(inbox).where((inbox.c.shop == shop) & ((inbox.c.reference == reference)
                                    | (inbox.c.reference.is_(None) & (inbox.c.external_id == reference))))
        with self.store.engine.connect() as db:
            row = db.execute(query.order_by(inbox.c.id)).first()
        return _entry(row) if row else None

    def by_id(self, entry_id: int) -> InboxEntry | None:
        row = self._row(entry_id)
        return _entry(row) if row else None

    def as_stored(self, entry_id: int) -> dict[str, Any] | None:
        """Every column of one entry (dates, approval, raw document), for the console's order page."""
        row = self._row(entry_id)
        return dict(row._mapping) if row else None

    def _row(self, entry_id: int):
        with self.store.engine.connect() as db:
            return db.execute(select(inbox).where(inbox.c.id == entry_id)).first()

    def in_state(self, shop: str | None, *states: str, limit: int | None = None) -> list[InboxEntry]:
        query = select(inbox).where(inbox.c.state.in_(states)).order_by(inbox.c.id)
        if shop:
            query = query.where(inbox.c.shop == shop)
        if limit:
            query = query.limit(limit)
        with self.store.engine.connect() as db:
            return [_entry(row) for row in db.execute(query)]

    def set_state(self, entry_id: int, state: str, *, erp_key: str | None = None, reason: str | None = None) -> None:
        values: dict[str, Any] = dict(state=state, reason=reason, updated_at=utcnow())
        if erp_key is not None:
            values["erp_key"] = erp_key
        with self.store.engine.begin() as db:
            db.execute(update(inbox).where(inbox.c.id == entry_id).values(**values))

    def pending_quantities(self, shop: str) -> dict[str, Decimal]:
        """Quantities per SKU of this shop's orders not yet in the ERP: sold, but not yet reserved there."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for entry in self.in_state(shop, *NOT_YET_IN_ERP):
            for line in (entry.parsed or {}).get("lines", []):
                try:
                    quantity = Decimal(str(line["quantity"]))
                except (KeyError, ArithmeticError, ValueError):
                    continue
                if quantity > 0:
                    totals[str(line.get("sku"))] += quantity
        return dict(totals)

    def counts(self) -> dict[tuple[str, str], int]:
        query = select(inbox.c.shop, inbox.c.state, func.count()).group_by(inbox.c.shop, inbox.c.state)
        with self.store.engine.connect() as db:
            return {(shop, state): count for shop, state, count in db.execute(query)}

    def page(self, wanted: InboxFilter, *, before: int | None = None, after: int | None = None,
             size: int = 50) -> tuple[list[InboxLine], bool]:
        """One page of orders, newest first, paged on the id (keyset: as fast deep down as on top):
        ``before`` an id gives the older ones, ``after`` the newer ones. Also tells whether more lie
        beyond, in the direction paged. The ids are found first, from indexes alone; only the page's
        rows are read (they are wide: raw and parsed documents)."""
        conditions = _conditions(wanted)
        # Filtered, the id goes through "+ 0": SQLite then scans a narrow index that answers the filter
        # instead of walking the table in id order, reading each wide row (customer and dates come last).
        key = inbox.c.id + 0 if conditions else inbox.c.id
        ids = newest_first(select(inbox.c.id).where(*conditions), key, before=before, after=after, size=size)
        columns = [inbox.c[name] for name in InboxLine.__dataclass_fields__]
        with self.store.engine.connect() as db:
            found = list(db.execute(ids).scalars())
            rows = db.execute(select(*columns).where(inbox.c.id.in_(found[:size])).order_by(inbox.c.id.desc()))
            return [InboxLine(**row._mapping) for row in rows], len(found) > size

    def count(self, wanted: InboxFilter) -> int:
        query = select(func.count()).select_from(inbox).where(*_conditions(wanted))
        with self.store.engine.connect() as db:
            return db.execute(query).scalar_one()

    def newest_shop_update(self, shop: str) -> datetime | None:
        query = select(func.max(inbox.c.shop_updated_at)).where(inbox.c.shop == shop)
        with self.store.engine.connect() as db:
            return db.execute(query).scalar()


def _conditions(wanted: InboxFilter) -> list[ColumnElement[bool]]:
    conditions = []
    if wanted.shop:
        conditions.append(inbox.c.shop == wanted.shop)
    if wanted.state:
        conditions.append(inbox.c.state == wanted.state)
    if wanted.received_from:
        conditions.append(inbox.c.received_at >= wanted.received_from)
    if wanted.received_before:
        conditions.append(inbox.c.received_at < wanted.received_before)
    if wanted.customer and (words := wanted.customer.casefold().split()):
        conditions += [inbox.c.customer.contains(word, autoescape=True) for word in words]
    if wanted.reference and (reference := wanted.reference.strip()):
        conditions.append(inbox.c.reference.in_(list(dict.fromkeys((reference, reference.upper())))))
    return conditions


def _entry(row) -> InboxEntry:
    return InboxEntry(row.id, row.shop, row.external_id, row.reference, row.state, row.raw, row.parsed,
                      row.erp_key, row.reason, row.digest, row.approved_by)
