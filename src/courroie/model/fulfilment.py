"""What happened to an order in the ERP, to be told to the shop."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from courroie.model.base import AwareDatetime, Record


class SaleState(StrEnum):
    """Order progress as shops understand it; each shop maps these to its own states."""

    ACCEPTED = "accepted"
    PARTIALLY_SHIPPED = "partially_shipped"     # some shipments done, others still to go
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    # Before the ERP has the order: shops show these only where their configuration maps them to a state.
    ON_HOLD = "on_hold"           # waiting for approval or payment
    BLOCKED = "blocked"           # the ERP cannot take it yet; a person is on it


class Shipment(Record):
    number: str | None = None     # the ERP's delivery note number
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: AwareDatetime | None = None


class ErpDocument(Record):
    """An invoice or delivery note the ERP issued for a sale: its number, and its file where the ERP
    can render one (``key`` for ``ErpConnector.read_file``)."""

    kind: str                     # "invoice" | "delivery_note"
    number: str
    issued_at: AwareDatetime | None = None
    total_tax_incl: str | None = None
    key: str | None = None


class SaleStatus(Record):
    erp_key: str
    state: SaleState
    shipments: tuple[Shipment, ...] = Field(default_factory=tuple)   # done ones only, oldest first
    invoice_number: str | None = None
    documents: tuple[ErpDocument, ...] = Field(default_factory=tuple)
