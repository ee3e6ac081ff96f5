"""The store: durable state of the hub (bindings, cursors, order inbox, journal, blocked list, runs)."""

from courroie.store.db import Store

__all__ = ["Store"]
