"""``python -m courroie.sandbox.odoo [--version 18.0] [--port 8069] [--latency 1.0] [--products 380] [--mrp]``

Serves the door & gate retailer's Odoo (database ``odoo``, login ``admin`` / ``admin``, API key
``seed.API_KEY``) until interrupted.
"""

from __future__ import annotations

import argparse

from . import seed
from .app import OdooSandbox
from .fields import VERSIONS
from .server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m courroie.sandbox.odoo", description=__doc__)
    parser.add_argument("--version", choices=VERSIONS, default="18.0")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--latency", type=float, default=1.0, help="0 = none, 1.0 = the measured server")
    parser.add_argument("--products", type=int, default=380, help="SKUs of the seeded catalog (at least 40)")
    parser.add_argument("--mrp", action="store_true", help="install the mrp module (kits as bills of materials)")
    options = parser.parse_args()
    modules = ("sale_management", "stock", "delivery", *(("mrp",) if options.mrp else ()))
    sandbox = OdooSandbox(options.version, latency=options.latency, modules=modules)
    seed.door_and_gate(sandbox.server, options.products)
    print(f"Odoo {options.version} sandbox on http://127.0.0.1:{options.port} — database odoo, admin/admin, "
          f"API key {seed.API_KEY}", flush=True)
    serve(sandbox, options.port)


if __name__ == "__main__":
    main()
