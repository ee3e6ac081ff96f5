"""The canonical model: what the hub means by a product, a stock level, an order.

It knows no ERP and no shop, and does no I/O. Connectors translate to and from it.
"""

from courroie.model.base import Money, Translations
from courroie.model.catalog import Category, Feature, FileRef, KitItem, Product, Variant
from courroie.model.fulfilment import ErpDocument, SaleState, SaleStatus, Shipment
from courroie.model.orders import Address, Customer, IncomingOrder, Order, OrderLine, Payment, Voucher
from courroie.model.prices import PriceRule, Promotion, Reduction
from courroie.model.stock import StockLevel

__all__ = [
    "Address", "Category", "Customer", "ErpDocument", "Feature", "FileRef", "IncomingOrder", "KitItem", "Money", "Order",
    "OrderLine", "Payment", "PriceRule", "Product", "Promotion", "Reduction", "SaleState", "SaleStatus", "Shipment",
    "StockLevel", "Translations", "Variant", "Voucher",
]
