"""Stock records."""

from __future__ import annotations

from decimal import Decimal

from courroie.model.base import Record


class StockLevel(Record):
    """What the ERP can still sell of ``sku`` at ``location`` (forecast, net of reservations).

    ``backorders``: whether the ERP says the article may be sold beyond its stock (None: the ERP has
    no opinion, the configuration decides); ``categories``: the ERP keys of the article's categories,
    for per-category safety buffers and back-order rules (empty when the connector does not read them).
    """

    sku: str
    location: str
    quantity: Decimal
    backorders: bool | None = None
    categories: tuple[str, ...] = ()
