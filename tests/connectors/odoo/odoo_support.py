"""What the Odoo connector tests share: the configuration they start from, sandboxes to talk to."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from courroie.connectors.odoo import OdooConfig
from courroie.sandbox.odoo import OdooSandbox, seed
from courroie.sandbox.odoo.errors import ValidationError

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


@contextmanager
def odoo_refuses(sandbox: OdooSandbox, model: str, method: str, refused: Callable[[list[Any]], bool],
                 message: str = "Refused by a constraint of this database") -> Iterator[None]:
    """Odoo refuses ``model.method`` when ``refused(positional arguments)`` says so, as a constraint
    of a merchant's own module would: a ValidationError, and nothing of the call kept (Odoo rolls the
    transaction back). Only for the calls made over ``execute_kw`` (XML-RPC and JSON-RPC)."""
    original, patched = sandbox._object, "_object" in vars(sandbox)     # another refusal may be on already

    def guarded(service_method: str, args: Sequence[Any]) -> Any:
        if list(args[3:5]) == [model, method] and refused(list(args[5]) if len(args) > 5 else []):
            sandbox.counters.calls[f"{model}.{method}"] += 1
            raise ValidationError(message)
        return original(service_method, args)

    sandbox._object = guarded  # type: ignore[method-assign]
    try:
        yield
    finally:
        if patched:
            sandbox._object = original  # type: ignore[method-assign]
        else:
            del sandbox._object
