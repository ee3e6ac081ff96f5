"""The flows the CLI, the scheduler and the console can run, by name."""

from courroie.flows.catalog import sync_catalog
from courroie.flows.fulfilment import sync_status
from courroie.flows.orders import sync_orders
from courroie.flows.prices import sync_prices
from courroie.flows.stock import reconcile_stock, sync_stock

FLOWS = {
    "catalog": sync_catalog,
    "prices": sync_prices,
    "stock": sync_stock,
    "orders": sync_orders,
    "status": sync_status,
}

# Flows with a slower, deeper pass that reads back what the shops show (``reconcile:`` in the schedule).
RECONCILE = {
    "stock": reconcile_stock,
}

# Flows whose runs reach into another flow's records: the scheduler lets them take turns for a shop.
# A stock pass reads and imports the shop's new orders first (``StockSettings.orders_first``).
TURNS = {
    "stock": "orders",
}
