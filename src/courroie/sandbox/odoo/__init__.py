"""A protocol-faithful Odoo 16.0 / 18.0 (and 19.0 JSON-2) test double, built from the captured exchanges.

    sandbox = OdooSandbox("18.0", latency=1.0)       # 0 = answer at once (tests), 1.0 = measured server
    seed.door_and_gate(sandbox.server)                # or seed.base() for an empty database
    with run_in_thread(sandbox) as url: ...           # or httpx.ASGITransport(app=sandbox)

It answers XML-RPC (``/xmlrpc/2/…``), JSON-RPC (``/jsonrpc``) and, as 19.0, JSON-2 (``/json/2/…``) with
Odoo's field names and shapes, faults and quirks. It never imports the Odoo connector: both are held
against the captures in ``reference/`` instead. What follows an order (cancellation and its wizard,
locks, backorders, invoices, payments, attachments) was not captured: those models carry the captured
fields and follow Odoo 16.0 / 18.0's source (see ``sales``, ``stock``, ``accounting``).
"""

from . import seed
from .app import OdooSandbox
from .server import SandboxURL, run_in_thread, serve

__all__ = ["OdooSandbox", "SandboxURL", "run_in_thread", "seed", "serve"]
