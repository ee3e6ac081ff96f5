"""What changes between Odoo 14 and 19 for the hub, in one place (``reference/odoo-fields-diff-16-vs-18.json``).

Each property names the version where the behaviour changed and how the captures showed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OLDEST, NEWEST = 14, 19


@dataclass(frozen=True)
class Dialect:
    major: int

    @property
    def supported(self) -> bool:
        return OLDEST <= self.major <= NEWEST + 1   # 20 is tried: JSON-2 is the stable interface from 19 on

    @property
    def storable_domain(self) -> list[Any]:
        """Storable articles: ``type='product'`` up to 17 (``detailed_type`` is related to it in 15-17);
        18 made ``type`` consu/service/combo and added the boolean ``is_storable``."""
        return [("is_storable", "=", True)] if self.major >= 18 else [("type", "=", "product")]

    def storable_values(self) -> dict[str, Any]:
        """Values creating a storable product (18 refuses ``detailed_type``, 16 refuses ``is_storable``)."""
        if self.major >= 18:
            return {"type": "consu", "is_storable": True}
        return {"detailed_type": "product"} if self.major >= 15 else {"type": "product"}

    @property
    def warehouse_context_key(self) -> str:
        """16 reads ``warehouse`` and ignores ``warehouse_id``; 18 the reverse (both silently). The
        connector sends ``location`` (the warehouse's view location) instead, which both honour."""
        return "warehouse" if self.major <= 16 else "warehouse_id"

    def move_done_values(self, quantity: float) -> dict[str, Any]:
        """Mark a stock move done: ``quantity_done`` up to 16; ``quantity`` + ``picked`` from 17."""
        return {"quantity_done": quantity} if self.major <= 16 else {"quantity": quantity, "picked": True}

    @property
    def has_last_update(self) -> bool:
        """``__last_update`` exists up to 16 and is gone in 18 (``Invalid field``): use ``write_date``."""
        return self.major <= 16

    @property
    def prices_by_field(self) -> bool:
        """Up to 15, ``product.product.price`` computes a price list's price for the context's
        ``pricelist`` and ``quantity``. From 16 there is no such field and every price list method is
        private (16: AccessError, 18: AttributeError), so prices are computed on a throwaway quotation."""
        return self.major <= 15

    @property
    def json2(self) -> bool:
        """JSON-2 (``/json/2/<model>/<method>``, bearer API key) exists from 19."""
        return self.major >= 19

    @property
    def payment_reference_field(self) -> str:
        """A payment's reference: ``ref`` up to 17 (``account.payment`` inherits its journal entry's),
        ``memo`` from 18 (``account.payment`` stands alone; ``ref`` is an ``Invalid field``)."""
        return "memo" if self.major >= 18 else "ref"

    @property
    def payment_void_states(self) -> tuple[str, ...]:
        """Payment states that count for nothing: ``cancel`` up to 17; ``canceled`` and ``rejected`` from 18
        (whose states are draft / in_process / paid / canceled / rejected)."""
        return ("canceled", "rejected") if self.major >= 18 else ("cancel",)

    @property
    def lock_flag(self) -> bool:
        """17 made locking a confirmed order a boolean ``locked`` (``action_lock``), and ``action_cancel``
        refuses a locked order; up to 16 a locked order is in state ``done`` (``action_done``)."""
        return self.major >= 17

    @property
    def invoice_pdf_field(self) -> str | None:
        """17 keeps an invoice's PDF in ``invoice_pdf_report_file`` (``invoice_pdf_report_id``: its
        attachment, hidden from attachment searches); up to 16 printing leaves a plain attachment."""
        return "invoice_pdf_report_id" if self.major >= 17 else None

    @property
    def confirmed_states(self) -> tuple[str, ...]:
        """Confirmed sale orders: ``sale`` and, up to 16, ``done`` (locked); 17 made locking a boolean."""
        return ("sale", "done")
