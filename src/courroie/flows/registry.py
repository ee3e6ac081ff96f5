"""The flows the CLI, the scheduler and the console can run, by name."""

from courroie.flows.catalog import sync_catalog
from courroie.flows.fulfilment import sync_status
from courroie.flows.orders import sync_orders
from courroie.flows.prices import sync_prices
from courroie.flows.stock import sync_stock

FLOWS = {
    "catalog": sync_catalog,
    "prices": sync_prices,
    "stock": sync_stock,
    "orders": sync_orders,
    "status": sync_status,
}
