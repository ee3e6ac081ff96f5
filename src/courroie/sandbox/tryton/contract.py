"""Constants shared by the builder, the server and the tests (no trytond import here).

These values are part of the data contract documented in :mod:`courroie.sandbox.tryton.seed`.
"""

from __future__ import annotations

from typing import Final

ADMIN_LOGIN: Final = "admin"
# A sandbox password, the same in every copy of the template (trytond wants ≥ 8 characters and
# enough distinct ones).
ADMIN_PASSWORD: Final = "courroie-admin"
ADMIN_EMAIL: Final = "admin@portails-sud.example"

COMPANY_NAME: Final = "Portails & Automatismes du Sud"
CURRENCY: Final = "EUR"
LANGUAGES: Final = ("en", "fr")  # "en" is the database's main language, "fr" is translatable

# trytond configuration: attachments (product manuals) go into the database file, not the file store
# next to it: the template is copied under other names into other directories, and the store would
# stay behind.
ATTACHMENTS_IN_DATABASE: Final = "[attachment]\nfilestore = False\n"

# Warehouse code -> name; each warehouse has a storage location coded "<code>-STO".
WAREHOUSES: Final = {"TLS": "Toulouse", "BDX": "Bordeaux"}

PRICE_LIST_PUBLIC: Final = "Public"
PRICE_LIST_B2B: Final = "Tarif pro"
PRICE_LIST_SALES: Final = "Soldes"  # dated lines (product_price_list_dates)
PRICE_LISTS: Final = (PRICE_LIST_PUBLIC, PRICE_LIST_B2B, PRICE_LIST_SALES)

# Activated Tryton modules (their dependencies are activated too).
# product_classification is installed but left out: it only adds a classification reference that
# nothing here uses.
MODULES: Final = (
    "company",
    "currency",
    "country",
    "party",
    "product",
    "product_attribute",
    "product_price_list",
    "product_price_list_dates",
    "sale_price_list",
    "stock",
    "sale",
    "account",
    "account_product",
    "account_invoice",
    "account_invoice_stock",
    "account_payment",
    "sale_payment",
    "carrier",
    "sale_shipment_cost",
    "stock_package",
    "stock_package_shipping",
    "product_measurements",
    "product_image",
    "product_kit",
    "sale_promotion",
    "sale_promotion_coupon",
)

# Bump when the seeded data changes shape: it is part of the template cache key.
SEED_VERSION: Final = 3
DEFAULT_N_PRODUCTS: Final = 380  # SKUs: 207 products, 135 of them with variants
RANDOM_SEED: Final = 2026
