"""A local server speaking the PrestaShop 8.1.2 webservice (`/api/...`), for demos, tests, benchmarks.

Held against the captured exchanges in `reference/prestashop-8.1.2/` (never against the hub's
PrestaShop connector, which must work unchanged against this sandbox and a real shop): the tests
replay the captures and compare status, headers and documents value by value.

    app = create_app(data_dir, key)                 # ASGI app; app.control: faults, outages, shops, keys
    with run_in_thread(data_dir, key) as url: ...   # url == "http://127.0.0.1:PORT"; url.control
    serve(8080, data_dir, key)                      # foreground, for `courroie sandbox prestashop`

Besides `/api`: `POST /storefront/orders` (a customer's order through cart + validation: vouchers,
gift wrapping, paid or waiting payment methods, guests, customer groups, regions; see `storefront`)
and `/_sandbox/...` (faults, outages, latency, shops, keys, counters, and the merchant's back-office
actions on orders: `orders/state`, `orders/cancel`, `orders/refund`, `orders/line`; local use, no
authentication).

Layout: `webservice` (routing, auth, shop context) → `backend` (generic read/write pipeline) with
per-resource hooks in `catalog`, `orders`, `followup` (customer threads, credit slips, back office)
and `attachments`; `images` (`/api/images/…`),
`render` / `xmlinput` (documents), `query` (filters, sort, limit), `resources` + `_schema_data`
(field definitions distilled from the captures), `pricing` (specific prices, taxes), `storage`
(memory + SQLite), `latency`, `faults`, `seed`.

Behaviour that no capture shows is taken from PrestaShop 8.1's source and says so where it is
implemented: unknown associations refused after the record is saved (code 86), packs
(`type`, `product_bundle` and its `product_attribute_id` quirk), `id_default_image` as cover setter,
attachments and their file endpoint, batch `DELETE ?id=[…]`, catalog price rules applied only to
products saved later, image rows left by refused uploads, PHP's 2 MiB upload limit; the resources
`customer_threads`, `customer_messages`, `order_slip` (lists `order_slips`) and `states`, payments
registered only for logable states and added when a paid state leaves invoices unpaid, gift
wrapping, code cart rules entered in the shop front (`orders`, `followup`).
"""

from .app import PrestaShopSandbox, SandboxControl, create_app
from .server import SandboxURL, run_in_thread, serve

__all__ = ["PrestaShopSandbox", "SandboxControl", "SandboxURL", "create_app", "run_in_thread", "serve"]
