"""Stock records."""

from __future__ import annotations

from decimal import Decimal

from courroie.model.base import Record


class StockLevel(Record):
    """What the ERP can still sell of ``sku`` at ``location`` (forecast, net of reservations)."""

    sku: str
    location: str
    quantity: Decimal
