"""Bindings: which shop record stands for which ERP record, unique both ways, per connection and kind.

A create is recorded as an *intent* (no external id yet) before it is sent, and bound right after it
returns: if the process dies in between, the next run finds the intent and looks the record up in the
shop instead of creating it twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update

from courroie.store.db import Store, utcnow
from courroie.store.tables import bindings
from courroie.store.upsert import upsert


@dataclass(frozen=True)
class Binding:
    erp_key: str
    external_id: str | None
    fingerprint: str | None
    sent: Any
    updated_at: datetime

    @property
    def is_intent(self) -> bool:
        return self.external_id is None


class Bindings:
    def __init__(self, store: Store, connection: str, kind: str) -> None:
        self.store, self.connection, self.kind = store, connection, kind

    def _where(self):
        return (bindings.c.connection == self.connection) & (bindings.c.kind == self.kind)

    def all(self) -> dict[str, Binding]:
        """Every binding of this connection and kind, by ERP key: one query per run, not per record."""
        query = select(bindings).where(self._where())
        with self.store.engine.connect() as connection:
            return {row.erp_key: _binding(row) for row in connection.execute(query)}

    def get(self, erp_key: str) -> Binding | None:
        query = select(bindings).where(self._where() & (bindings.c.erp_key == erp_key))
        with self.store.engine.connect() as connection:
            row = connection.execute(query).first()
        return _binding(row) if row else None

    def by_external_id(self, external_id: str) -> Binding | None:
        query = select(bindings).where(self._where() & (bindings.c.external_id == external_id))
        with self.store.engine.connect() as connection:
            row = connection.execute(query).first()
        return _binding(row) if row else None

    def intend(self, erp_key: str) -> None:
        """Record that a create is about to be sent (a binding without external id)."""
        self._upsert(erp_key, None, None, None)

    def save(self, erp_key: str, external_id: str, fingerprint: str | None, sent: Any = None) -> None:
        self._upsert(erp_key, external_id, fingerprint, sent)

    def save_many(self, rows: list[tuple[str, str, str | None, Any]]) -> None:
        """(erp_key, external_id, fingerprint, sent) rows in one transaction."""
        with self.store.engine.begin() as connection:
            for erp_key, external_id, fingerprint, sent in rows:
                self._upsert_in(connection, erp_key, external_id, fingerprint, sent)

    def touch_fingerprint(self, erp_key: str, fingerprint: str | None) -> None:
        query = update(bindings).where(self._where() & (bindings.c.erp_key == erp_key))
        with self.store.engine.begin() as connection:
            connection.execute(query.values(fingerprint=fingerprint, updated_at=utcnow()))

    def forget(self, erp_key: str) -> None:
        with self.store.engine.begin() as connection:
            connection.execute(delete(bindings).where(self._where() & (bindings.c.erp_key == erp_key)))

    def _upsert(self, erp_key: str, external_id: str | None, fingerprint: str | None, sent: Any) -> None:
        with self.store.engine.begin() as connection:
            self._upsert_in(connection, erp_key, external_id, fingerprint, sent)

    def _upsert_in(self, connection, erp_key, external_id, fingerprint, sent) -> None:
        values = dict(connection=self.connection, kind=self.kind, erp_key=erp_key, external_id=external_id,
                      fingerprint=fingerprint, sent=sent, updated_at=utcnow())
        upsert(connection, bindings, values, keys=("connection", "kind", "erp_key"))


def _binding(row) -> Binding:
    return Binding(row.erp_key, row.external_id, row.fingerprint, row.sent, row.updated_at)


# --- finding published products (the console's catalog search) -------------------------------------

@dataclass(frozen=True)
class ProductHit:
    """A product bound in one shop, found by ``find_products``; ``matched`` says by what."""

    connection: str
    sku: str
    external_id: str | None
    name: dict[str, str]
    ean13: str | None
    fingerprint: str | None
    updated_at: datetime
    matched: str                 # sku, name, ean13, variant sku, variant ean13


def find_products(store: Store, text: str, *, limit: int = 50) -> list[ProductHit]:
    """Products bound in any shop whose SKU (or a variant's) or EAN (or a variant's) starts with
    ``text``, or whose name contains it, ignoring case; what the catalog flow last sent tells names
    and EANs. At most ``limit`` products (a product bound in several shops counts once)."""
    wanted = text.strip().lower()
    if not wanted:
        return []
    sent = bindings.c.sent
    name, ean13, variants = sent[("sent", "name")], sent[("sent", "ean13")], sent[("sent", "variants")]
    # The store keeps JSON with non-ASCII letters as \uXXXX escapes, which SQL's lower() leaves as they
    # are: the text is looked for in its lower and upper case forms (exact case is checked below).
    spelled = {json.dumps(form)[1:-1].lower() for form in (wanted, text.strip().upper())}
    in_json = [func.lower(cast(value, Text)).contains(form, autoescape=True)
               for value in (name, variants) for form in spelled]
    query = (select(bindings.c.connection, bindings.c.erp_key, bindings.c.external_id, bindings.c.fingerprint,
                    bindings.c.updated_at, name.label("name"), ean13.as_string().label("ean13"),
                    variants.label("variants"))
             .where((bindings.c.kind == "product")
                    & or_(func.lower(bindings.c.erp_key).startswith(wanted, autoescape=True),
                          ean13.as_string().startswith(wanted, autoescape=True), *in_json))
             .order_by(bindings.c.erp_key, bindings.c.connection))
    hits: list[ProductHit] = []
    skus: set[str] = set()
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            matched = _matched(wanted, row.erp_key, row.name, row.ean13, row.variants)
            if matched is None:                 # the text was only in a variant's other fields
                continue
            if row.erp_key not in skus and len(skus) == limit:
                break
            skus.add(row.erp_key)
            hits.append(ProductHit(row.connection, row.erp_key, row.external_id, row.name or {}, row.ean13,
                                   row.fingerprint, row.updated_at, matched))
    return hits


def _matched(wanted: str, sku: str, name: Any, ean13: str | None, variants: Any) -> str | None:
    if sku.lower().startswith(wanted):
        return "sku"
    if isinstance(name, dict) and any(wanted in str(text).lower() for text in name.values()):
        return "name"
    if (ean13 or "").startswith(wanted):
        return "ean13"
    for variant in variants if isinstance(variants, list) else ():
        if str(variant.get("sku", "")).lower().startswith(wanted):
            return "variant sku"
        if str(variant.get("ean13") or "").startswith(wanted):
            return "variant ean13"
    return None
