"""What happened to an order in the ERP, to be told to the shop."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from courroie.model.base import AwareDatetime, Record


class SaleState(StrEnum):
    """Order progress as shops understand it; each shop maps these to its own states."""

    ACCEPTED = "accepted"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Shipment(Record):
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: AwareDatetime | None = None


class SaleStatus(Record):
    erp_key: str
    state: SaleState
    shipments: tuple[Shipment, ...] = Field(default_factory=tuple)
    invoice_number: str | None = None
