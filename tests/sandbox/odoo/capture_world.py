"""The state the captured servers were in, rebuilt in the sandbox so captured requests can be replayed.

The captures ran on Odoo's demo database after earlier smoke tests: ids were not fresh (the first
new template is 37 on 16.0), a few records came from calls the capture did not keep (quants 50 and
51, order 27…). Only what the replayed exchanges read is rebuilt, with the same ids; the other demo
records are left out, and the exchanges listing them are compared on their shape only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from courroie.sandbox.odoo import OdooSandbox, seed
from courroie.sandbox.odoo.orm import Env
from courroie.sandbox.odoo.stock import create_quant


@dataclass(frozen=True)
class Ids:
    """Where each version's captures found Odoo's counters."""

    database: str
    attribute: int
    value: int
    template: int
    product: int
    ptav: int
    partner: int
    quant: int
    move: int
    move_line: int
    picking: int
    picking_number: int
    shop_customer: int
    carriers: tuple[tuple[str, str, int], ...]       # (carrier name, product code, product id)
    old_tee: bool                                     # 16.0 also has template 36 from an earlier run


IDS = {
    "16.0": Ids("odoo16", 5, 10, 37, 48, 10, 44, 49, 57, 51, 33, 18, 43,
                (("Free delivery charges", "Delivery_007", 43), ("The Poste", "Delivery_009", 44),
                 ("Local Delivery", "Delivery_010", 45)), True),
    "18.0": Ids("odoo18", 7, 18, 41, 52, 19, 45, 41, 43, 41, 21, 16, 44,
                (("Standard delivery", "Delivery_007", 50), ("The Poste", "Delivery_009", 51),
                 ("Local Delivery", "Delivery_010", 37)), False),
}
DEMO_SERVICES = (  # product 1-3 of Odoo's demo data, as 013-016 read them
    ("Restaurant Expenses", 14.0, 8.0, 3, 1), ("Hotel Accommodation", 400.0, 400.0, 3, 3),
    ("Virtual Interior Design", 30.75, 20.5, 5, 4))


def world(version: str) -> OdooSandbox:
    ids = IDS[version]
    sandbox = OdooSandbox(version, database=ids.database)
    server = sandbox.server
    seed.base(server, company="YourCompany", currency="USD")
    db = server.db
    db.next_ids["uom.uom"] = 3
    for unit in ("Days", "Hours"):   # 3 and 4
        db.insert("uom.uom", {"name": {"en_US": unit}, "category_id": 1, "factor": 1.0, "active": True})
    env = server.env(2)
    db.next_ids["product.category"] = 2
    saleable = env.create("product.category", {"name": "Saleable", "parent_id": 1})
    env.create("product.category", {"name": "Expenses", "parent_id": 1})
    db.next_ids["product.category"] = 5
    env.create("product.category", {"name": "Services", "parent_id": saleable})
    tax = env.create("account.tax", {"name": "15%", "amount": 15.0, "amount_type": "percent", "type_tax_use": "sale"})
    server.sale_taxes = (tax,)
    env.create("product.pricelist", {"name": "Public Pricelist", "currency_id": 2, "sequence": 16})
    warehouse = env.create("stock.warehouse", {"name": "YourCompany", "code": "WH"})
    for name, price, cost, category, unit in DEMO_SERVICES:
        _service(env, name, price, cost, category, unit, code=None)
    for position, (name, code, product) in enumerate(ids.carriers):
        db.next_ids["product.template"] = 30 + position
        db.next_ids["product.product"] = product
        variant = _service(env, name, 0.0, 0.0, 1, 1, code=code)
        env.create("delivery.carrier", {"name": name, "product_id": variant,
                                        "delivery_type": "base_on_rule" if name == "The Poste" else "fixed",
                                        "fixed_price": {"The Poste": 20.0, "Local Delivery": 5.0}.get(name, 0.0)})
    db.next_ids["res.partner"] = ids.shop_customer
    env.create("res.partner", {"name": "Shop customer (sync test)", "email": "shop@example.com"})
    if ids.old_tee:   # 16.0: template 36 "Sync Tee 16" (products 46, 47) from an earlier run
        _tee(env, attribute=4, values=8, template=36, products=46, ptav=8)
    for model, next_id in (("product.attribute", ids.attribute), ("product.attribute.value", ids.value),
                           ("product.template", ids.template), ("product.product", ids.product),
                           ("product.template.attribute.value", ids.ptav), ("res.partner", ids.partner),
                           ("stock.warehouse", 3), ("stock.location", 34), ("stock.quant", ids.quant),
                           ("stock.move", ids.move), ("stock.move.line", ids.move_line),
                           ("stock.picking", ids.picking), ("sale.order", 26), ("sale.order.line", 52)):
        db.next_ids[model] = next_id
    db.next_ids["ir.sequence:WH/OUT/"] = ids.picking_number
    assert warehouse == 1
    return sandbox


def _service(env: Env, name: str, price: float, cost: float, category: int, unit: int, *, code: str | None) -> int:
    kind = {"type": "service"} if env.major >= 18 else {"detailed_type": "service"}
    template = env.create("product.template", {"name": name, "list_price": price, "categ_id": category,
                                               "uom_id": unit, **kind, **({"default_code": code} if code else {})})
    [product] = env.search("product.product", [("product_tmpl_id", "=", template)])
    env.write("product.product", [product], {"standard_price": cost})
    return product


def _tee(env: Env, *, attribute: int, values: int, template: int, products: int, ptav: int) -> None:
    db = env.db
    db.next_ids["product.attribute"], db.next_ids["product.attribute.value"] = attribute, values
    db.next_ids["product.template"], db.next_ids["product.product"] = template, products
    db.next_ids["product.template.attribute.value"] = ptav
    size = env.create("product.attribute", {"name": "SyncSize16", "value_ids": [(0, 0, {"name": "S"}),
                                                                                (0, 0, {"name": "M"})]})
    small, medium = env.search("product.attribute.value", [("attribute_id", "=", size)])
    env.create("product.template", {"name": "Sync Tee 16", "list_price": 20.0, "detailed_type": "product",
                                    "attribute_line_ids": [(0, 0, {"attribute_id": size,
                                                                   "value_ids": [(6, 0, [small, medium])]})]})


# Calls the capture made without keeping them, replayed before the exchange whose number is the key.
def _quants(version: str) -> Callable[[OdooSandbox], None]:
    small, medium = IDS[version].product, IDS[version].product + 1

    def run(sandbox: OdooSandbox) -> None:
        env = sandbox.server.env(2, {"inventory_mode": True})
        with env.db.transaction():
            create_quant(env, {"product_id": small, "location_id": 35, "inventory_quantity": 4})
            create_quant(env, {"product_id": medium, "location_id": 8, "inventory_quantity": 3})
    return run


def _second_order(version: str) -> Callable[[OdooSandbox], None]:
    ids = IDS[version]

    def run(sandbox: OdooSandbox) -> None:
        env = sandbox.server.env(2)
        env.create("sale.order", {"partner_id": ids.partner, "order_line": [
            (0, 0, {"product_id": ids.product + 1, "product_uom_qty": 1, "price_unit": 22.0})]})
    return run


def _shipping_ids(sandbox: OdooSandbox) -> None:
    sandbox.server.db.next_ids["sale.order"] = 30
    sandbox.server.db.next_ids["sale.order.line"] = 55


def setup_steps(version: str) -> dict[int, Callable[[OdooSandbox], None]]:
    """Exchange number → what to do just before replaying it."""
    inventory = {"16.0": 34, "18.0": 35}[version]
    second = {"16.0": 53, "18.0": 54}[version]
    shipping = {"16.0": 112, "18.0": 113}[version]
    return {inventory: _quants(version), second: _second_order(version), shipping: _shipping_ids}
