"""A local server speaking the PrestaShop 8.1.2 webservice (`/api/...`), for demos, tests, benchmarks.

Held against the captured exchanges in `reference/prestashop-8.1.2/` (never against the hub's
PrestaShop connector, which must work unchanged against this sandbox and a real shop).

    app = create_app(data_dir, key)                 # ASGI app; app.control for faults/outages
    with run_in_thread(data_dir, key) as url: ...   # url == "http://127.0.0.1:PORT"
    serve(8080, data_dir, key)                      # foreground, for `courroie sandbox prestashop`
"""

from .app import PrestaShopSandbox, SandboxControl, create_app
from .server import SandboxURL, run_in_thread, serve

__all__ = ["PrestaShopSandbox", "SandboxControl", "SandboxURL", "create_app", "run_in_thread", "serve"]
