"""What the Odoo connector tests share: the configuration they start from, sandboxes to talk to."""

from __future__ import annotations

from typing import Any

from courroie.connectors.odoo import OdooConfig
from courroie.sandbox.odoo import OdooSandbox, seed

VERSIONS = ("16.0", "18.0")
URL = "http://odoo.test"
MODULES = ("sale_management", "stock", "delivery", "mrp")


def make_config(**overrides: Any) -> OdooConfig:
    settings: dict[str, Any] = {"url": URL, "database": "odoo", "user": "admin", "password": seed.ADMIN_PASSWORD,
                                "languages": ["en_US", "fr_FR"], "warehouses": ["TLS", "BDX"],
                                "sale_warehouse": "TLS", "carriers": {"My carrier": "Colissimo"}}
    return OdooConfig(**(settings | overrides))


def new_sandbox(version: str, *, products: int = 60, modules: tuple[str, ...] = MODULES,
                latency: float = 0.0) -> OdooSandbox:
    """The door & gate retailer's Odoo (``products`` SKUs), answering at once unless ``latency`` is 1.0."""
    sandbox = OdooSandbox(version, modules=modules, latency=latency)
    seed.door_and_gate(sandbox.server, products)
    return sandbox
