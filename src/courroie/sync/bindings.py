"""Bindings: which shop record stands for which ERP record, unique both ways, per connection and kind.

A create is recorded as an *intent* (no external id yet) before it is sent, and bound right after it
returns: if the process dies in between, the next run finds the intent and looks the record up in the
shop instead of creating it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

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
