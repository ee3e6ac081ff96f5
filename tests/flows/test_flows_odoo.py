"""Issue 6: Odoo as the ERP behind the same flows, unchanged. Every flow runs through the Hub (and the
CLI, for the crashes) with the Odoo double as ERP — as 16.0 over XML-RPC and as 18.0 over JSON-RPC —
and two PrestaShop sandboxes over HTTP, in the order a merchant lives them: catalog, prices, stock,
orders (exactly once, also when the hub is killed half-way), then status with the tracking number.

Odoo is looked at as a person or a script would: over its own XML-RPC (``OdooDesk``); the shops
through their webservice. The tests of one version share one Odoo database and two shops and run
top to bottom.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import httpx
import pytest

from courroie.engine.failpoints import EXIT_CODE
from courroie.sandbox.config import add_customer_group
from courroie.sandbox.odoo import OdooSandbox, seed
from courroie.sandbox.odoo import run_in_thread as odoo_in_thread
from courroie.sandbox.prestashop import run_in_thread as shop_in_thread
from courroie.sandbox.tryton.catalog import Catalog, build_catalog
from tests.fixtures.hub import KEYS, Env, writes
from tests.flows.test_end_to_end import available, shop_combinations, shop_products, shop_stock

pytestmark = [pytest.mark.odoo, pytest.mark.slow]

N_PRODUCTS = 60
# Odoo version → the protocol the hub speaks to it (both are covered, one per version).
VERSIONS = {"16.0": "xmlrpc", "18.0": "jsonrpc"}
LOCATIONS = {"shop-a": ["TLS", "BDX"], "shop-b": ["BDX"]}
CONFIG = """\
# Written for the Odoo double and PrestaShop sandboxes.
store: sqlite:///{store}
concurrency: 4
erp:
  type: odoo
  url: {odoo}
  database: odoo
  user: admin
  password: ${{ODOO_PASSWORD}}
  protocol: {protocol}
  languages: [en_US, fr_FR]
  warehouses: [TLS, BDX]
  sale_warehouse: TLS
  carriers: {{"My carrier": Colissimo}}
  payment_journal: Bank               # shop payment methods no orders settings map
  timeout: 10
shops:
{shops}"""
SHOP = """\
  - name: {name}
    type: prestashop
    url: {url}
    key: ${{{variable}}}
    timeout: 5
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}
    customer_groups: {{"Tarif pro": {b2b}}}
    carriers: {{"Colissimo": 2}}          # Odoo carrier → PrestaShop id_carrier
    stock: {{locations: {locations}}}
    prices: {{lists: ["Tarif pro"]}}
    orders: {orders}
"""
ORDERS = {"shop-a": '{payment_journals: {"ps_checkpayment": "BNK1"}}',     # else the ERP's `payment_journal`
          "shop-b": "{after_import_cancel: apply}"}
POINTS = [
    "orders.after_receive",           # in the inbox, nothing in the ERP yet
    "orders.before_create_sale",      # customer and addresses written, no sale
    "orders.after_create_sale",       # a quotation exists, the hub does not know it
    "orders.after_confirm_sale",      # confirmed in the ERP, not recorded in the hub
    "orders.after_binding",           # recorded, but the inbox still says "new"
]


class OdooDesk:
    """Odoo as its users reach it: XML-RPC ``execute_kw`` as the admin."""

    def __init__(self, url: str, version: str) -> None:
        self.url, self.version = url, version
        self.proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.proxy.execute_kw("odoo", 2, seed.ADMIN_PASSWORD, model, method, list(args), kwargs)
        except xmlrpc.client.Fault as fault:
            if "cannot marshal None" in fault.faultString:
                return None                      # done; Odoo could only not say so over XML-RPC
            raise

    def search_read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return self.call(model, "search_read", domain, fields=fields)

    def sales(self, reference: str) -> list[dict[str, Any]]:
        return self.search_read("sale.order", [("client_order_ref", "=", reference)],
                                ["name", "state", "partner_id", "amount_total", "picking_ids"])

    def ship(self, reference: str, tracking: str, *, moves: int | None = None) -> str:
        """A clerk ships the sale's open delivery order (only its first ``moves`` moves, the rest in
        a backorder); returns the delivery's number."""
        [sale] = self.sales(reference)
        [picking] = self.search_read("stock.picking", [("id", "in", sale["picking_ids"]),
                                                       ("state", "not in", ["done", "cancel"])], ["name"])
        rows = self.search_read("stock.move", [("picking_id", "=", picking["id"])], ["product_uom_qty"])
        for move in rows[:moves] if moves is not None else rows:
            done = {"quantity_done": move["product_uom_qty"]} if self.version == "16.0" else \
                {"quantity": move["product_uom_qty"], "picked": True}
            self.call("stock.move", "write", [move["id"]], done)
        self.call("stock.picking", "write", [picking["id"]], {"carrier_tracking_ref": tracking})
        context = {"skip_backorder": True} if moves is not None else {}
        assert self.call("stock.picking", "button_validate", [picking["id"]], context=context) is True
        return str(picking["name"])

    def quantity(self, sku: str, warehouse: str) -> Decimal:
        [found] = self.search_read("stock.warehouse", [("code", "=", warehouse)], ["view_location_id"])
        [product] = self.call("product.product", "search_read", [("default_code", "=", sku)],
                              fields=["free_qty", "virtual_available"],
                              context={"location": found["view_location_id"][0]})
        return Decimal(str(min(product["free_qty"], product["virtual_available"])))


class OdooEnv(Env):
    """``tests.fixtures.hub.Env`` with the Odoo double as its ERP (``erp``: its URL)."""

    version: str = ""
    sandbox: Any = None               # the OdooSandbox, for its call counters

    def odoo(self) -> OdooDesk:
        return OdooDesk(str(self.erp), self.version)


@pytest.fixture(scope="module", params=list(VERSIONS))
def odoo_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OdooEnv]:
    version = request.param
    root = tmp_path_factory.mktemp(f"odoo{version[:2]}")
    sandbox = OdooSandbox(version, modules=("sale_management", "stock", "delivery", "mrp"))
    seed.door_and_gate(sandbox.server, N_PRODUCTS)
    with ExitStack() as stack:
        odoo = stack.enter_context(odoo_in_thread(sandbox))
        shops = {name: stack.enter_context(shop_in_thread(root / name, key, latency=0)) for name, key in KEYS.items()}
        text = CONFIG.format(store=root / "hub.db", odoo=odoo, protocol=VERSIONS[version], shops="".join(
            SHOP.format(name=name, url=url, variable=_variable(name), b2b=add_customer_group(url, KEYS[name]),
                        locations=LOCATIONS[name], orders=ORDERS[name]) for name, url in shops.items()))
        config = root / "courroie.yaml"
        config.write_text(text, encoding="utf-8")
        environ = {"ODOO_PASSWORD": seed.ADMIN_PASSWORD, **{_variable(name): key for name, key in KEYS.items()}}
        env = OdooEnv(config, environ, shops, odoo)  # type: ignore[arg-type]
        env.version, env.sandbox = version, sandbox
        yield env


def _variable(shop: str) -> str:
    return f"KEY_{shop.upper().replace('-', '_')}"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return build_catalog(N_PRODUCTS)


def in_stock_skus(catalog: Catalog, warehouse: str, count: int, *, skip: int = 0) -> list[str]:
    return [v.code for p in catalog.products if p.type == "goods" for v in p.variants
            if v.stock.get(warehouse, 0) >= 5][skip:skip + count]


# --- catalog, prices, stock ----------------------------------------------------------------------------------

def test_catalog_reaches_both_shops_then_a_second_pass_writes_nothing(odoo_env, catalog):
    env = odoo_env
    runs = env.run("catalog")
    assert {name: run["status"] for name, run in runs.items()} == {"odoo": "ok", "shop-a": "ok", "shop-b": "ok"}, runs
    published = runs["odoo"]["counts"]["products_read"]
    assert published == len(catalog.products)
    for shop in env.shops:
        products, combinations = shop_products(env, shop), shop_combinations(env, shop)
        assert len(products) == published
        with_variants = [p for p in catalog.products if len(p.variants) > 1]
        assert with_variants, "the seed has products with variants"
        for product in with_variants:      # one shop product each (named by the variants' common prefix)
            assert len({combinations[v.code]["id_product"] for v in product.variants}) == 1
        for product in catalog.products:
            if len(product.variants) == 1:
                assert product.variants[0].code in products
    assert runs["shop-a"]["counts"]["created"] == runs["shop-b"]["counts"]["created"] > published
    for url in env.shops.values():
        url.control.reset_stats()
    again = env.run("catalog")
    assert all(writes(url) == 0 for url in env.shops.values())
    assert again["shop-a"]["counts"].get("created", 0) == again["shop-a"]["counts"].get("updated", 0) == 0


def test_an_odoo_price_change_reaches_the_shops_once(odoo_env, catalog):
    env, odoo = odoo_env, odoo_env.odoo()
    product = next(p.variants[0] for p in catalog.products if p.type == "goods" and len(p.variants) == 1)
    [template] = odoo.search_read("product.template", [("default_code", "=", product.code)], ["list_price"])
    odoo.call("product.template", "write", [template["id"]], {"list_price": 123.45})
    runs = env.run("prices")
    for shop in env.shops:
        assert runs[shop]["status"] in ("ok", "partial"), runs[shop]
        assert runs[shop]["counts"]["created"] > 0                      # the group, tier and dated prices
        with env.ws(shop) as ws:
            shown = ws.get(f"/products/{shop_products(env, shop)[product.code]['id']}").json()["product"]
            specific = ws.get("/specific_prices", params={"display": "[id,id_group,from_quantity]"}).json()
        assert Decimal(shown["price"]) == Decimal("123.45")
        assert {int(row["id_group"]) for row in specific["specific_prices"]} - {0}, "B2B prices are published"
        assert any(int(row["from_quantity"]) > 1 for row in specific["specific_prices"]), "quantity tiers too"
    for url in env.shops.values():
        url.control.reset_stats()
    again = env.run("prices")
    assert again["shop-a"]["counts"].get("created", 0) == again["shop-a"]["counts"].get("updated", 0) == 0
    assert all(writes(url) == 0 for url in env.shops.values())


def test_stock_follows_each_shops_warehouses_then_a_second_pass_writes_nothing(odoo_env, catalog):
    env = odoo_env
    runs = env.run("stock")
    assert runs["shop-a"]["status"] == runs["shop-b"]["status"] == "ok", runs
    for shop, warehouses in LOCATIONS.items():
        stock = shop_stock(env, shop)
        products, combinations = shop_products(env, shop), shop_combinations(env, shop)
        checked = 0
        for product in catalog.products:
            if product.type == "service":
                continue
            for variant in product.variants:
                expected = available(catalog, product, variant, warehouses)
                if variant.code in combinations:
                    where = (int(combinations[variant.code]["id_product"]), int(combinations[variant.code]["id"]))
                else:
                    where = (int(products[variant.code]["id"]), 0)
                assert stock[where] == expected, (shop, variant.code)
                checked += 1
        assert checked > 30
    for url in env.shops.values():
        url.control.reset_stats()
    again = env.run("stock")
    assert all(writes(url) == 0 for url in env.shops.values())
    assert again["shop-a"]["counts"].get("updated", 0) == 0


# --- orders and status -------------------------------------------------------------------------------------

def test_orders_are_imported_once_with_their_payments(odoo_env, catalog):
    env, odoo = odoo_env, odoo_env.odoo()
    first, second, third = in_stock_skus(catalog, "BDX", 3)
    placed = [("shop-a", env.place_order("shop-a", [(first, 2), (second, 1)])),
              ("shop-a", env.place_order("shop-a", [(third, 1)], email="  Bob.Martin@Example.com ")),
              ("shop-b", env.place_order("shop-b", [(first, 1)]))]
    runs = env.run("orders")
    assert runs["shop-a"]["counts"]["imported"] == 2 and runs["shop-b"]["counts"]["imported"] == 1, runs
    field = "memo" if env.version == "18.0" else "ref"
    for shop, order in placed:
        [sale] = odoo.sales(f"{shop}/{order['reference']}")
        assert sale["state"] == "sale"
        payments = odoo.search_read("account.payment", [("partner_id", "=", sale["partner_id"][0])],
                                    ["amount", "state", field, "journal_id"])
        assert payments and {p["journal_id"][1] for p in payments} == {"Bank"}
        assert sum(p["amount"] for p in payments if p[field].startswith(f"{shop}/{order['reference']}")) == \
            pytest.approx(sale["amount_total"])
    bob = odoo.search_read("res.partner", [("email", "=ilike", "bob.martin@example.com")], ["name"])
    assert len(bob) == 1

    again = env.run("orders")
    assert again["shop-a"]["counts"].get("imported", 0) == again["shop-b"]["counts"].get("imported", 0) == 0
    for shop, order in placed:
        assert len(odoo.sales(f"{shop}/{order['reference']}")) == 1
    assert len(odoo.search_read("account.payment", [], ["id"])) == 3      # and each payment once


def test_status_goes_back_with_the_tracking_number_partial_shipments_too(odoo_env, catalog):
    env, odoo = odoo_env, odoo_env.odoo()
    first, second = in_stock_skus(catalog, "TLS", 2, skip=3)
    whole = env.place_order("shop-a", [(first, 1)], email="whole@example.com")
    split = env.place_order("shop-a", [(first, 1), (second, 1)], email="split@example.com")
    env.run("orders", "shop-a")
    env.run("status", "shop-a")
    with env.ws("shop-a") as ws:
        assert int(ws.get(f"/orders/{whole['order_id']}").json()["order"]["current_state"]) == 3

    odoo.ship(f"shop-a/{whole['reference']}", "6A0123456789")
    odoo.ship(f"shop-a/{split['reference']}", "6A0000000001", moves=1)     # one article now, the other later
    runs = env.run("status", "shop-a")
    assert runs["shop-a"]["counts"]["status_sent"] == 2, runs["shop-a"]
    with env.ws("shop-a") as ws:
        shipped = ws.get(f"/orders/{whole['order_id']}").json()["order"]
        partly = ws.get(f"/orders/{split['order_id']}").json()["order"]
        carriers = ws.get("/order_carriers", params={"filter[id_order]": whole["order_id"], "display": "full"}).json()
        partial = ws.get("/order_carriers", params={"filter[id_order]": split["order_id"], "display": "full"}).json()
    assert int(shipped["current_state"]) == 4
    assert carriers["order_carriers"][0]["tracking_number"] == "6A0123456789"
    assert int(partly["current_state"]) == 3
    assert partial["order_carriers"][0]["tracking_number"] == "6A0000000001"

    for url in env.shops.values():
        url.control.reset_stats()
    env.run("status", "shop-a")
    assert writes(env.shops["shop-a"]) == 0            # a state or tracking number is never sent twice

    odoo.ship(f"shop-a/{split['reference']}", "6A0000000002")              # the backorder leaves
    runs = env.run("status", "shop-a")
    assert runs["shop-a"]["counts"]["status_sent"] == 1
    with env.ws("shop-a") as ws:
        done = ws.get(f"/orders/{split['order_id']}").json()["order"]
        tracked = ws.get("/order_carriers", params={"filter[id_order]": split["order_id"], "display": "full"}).json()
    assert int(done["current_state"]) == 4
    assert {row["tracking_number"] for row in tracked["order_carriers"]} == {"6A0000000001", "6A0000000002"}


def test_stock_after_orders_counts_what_odoo_now_holds_back(odoo_env, catalog):
    # Shop A sells from Toulouse and Bordeaux, and Odoo ships shop orders from Toulouse (sale_warehouse):
    # the order is held back in Odoo from a warehouse shop A publishes. (Shop B publishes Bordeaux only:
    # an order of B shipped from Toulouse leaves Bordeaux's figure as it was, rightly.)
    env = odoo_env
    sku = in_stock_skus(catalog, "TLS", 1, skip=4)[0]
    env.run("stock")
    before = _quantity_of(env, "shop-a", sku)
    shipping_from = env.odoo().quantity(sku, "TLS")         # the warehouse shipping shop orders
    order = env.place_order("shop-a", [(sku, 2)])
    assert _quantity_of(env, "shop-a", sku) == before - 2   # the shop sold them
    env.run("stock")                                        # the shop's orders are imported first
    assert _quantity_of(env, "shop-a", sku) == before - 2   # never sold twice
    assert env.odoo().quantity(sku, "TLS") == shipping_from - 2   # reserved in Odoo now
    env.run("orders")
    env.run("stock")
    assert _quantity_of(env, "shop-a", sku) == before - 2
    assert len(env.odoo().sales(f"shop-a/{order['reference']}")) == 1


def test_an_order_cancelled_in_the_shop_after_import_is_cancelled_in_odoo(odoo_env, catalog):
    env, odoo = odoo_env, odoo_env.odoo()
    sku = in_stock_skus(catalog, "TLS", 1, skip=5)[0]
    order = env.place_order("shop-b", [(sku, 1)], email="changed-mind@example.com")
    env.run("orders", "shop-b")
    [sale] = odoo.sales(f"shop-b/{order['reference']}")
    assert sale["state"] == "sale"
    held = odoo.quantity(sku, "TLS")
    history = (f"<prestashop><order_history><id_order>{order['order_id']}</id_order>"
               "<id_order_state>6</id_order_state></order_history></prestashop>")
    with env.ws("shop-b") as ws:                     # the merchant cancels it in PrestaShop
        assert ws.post("/order_histories", content=history, headers={"Content-Type": "text/xml"}).status_code == 201
    runs = env.run("orders", "shop-b")
    assert runs["shop-b"]["counts"].get("cancelled") == 1, runs["shop-b"]
    [sale] = odoo.sales(f"shop-b/{order['reference']}")
    assert sale["state"] == "cancel"
    assert {p["state"] for p in odoo.search_read("stock.picking", [("id", "in", sale["picking_ids"])], ["state"])} \
        == {"cancel"}
    assert odoo.quantity(sku, "TLS") == held + 1    # its reservation is released
    assert env.hub().inbox.by_reference("shop-b", order["reference"]).state == "cancelled"
    again = env.run("orders", "shop-b")
    assert again["shop-b"]["counts"].get("cancelled", 0) == 0


def test_an_order_paid_by_transfer_is_a_quotation_until_the_shop_is_paid(odoo_env, catalog):
    env, odoo = odoo_env, odoo_env.odoo()
    sku = in_stock_skus(catalog, "TLS", 1, skip=6)[0]
    body = {"customer": {"email": "virement@example.com", "firstname": "Paul", "lastname": "Virement"},
            "address": {"address1": "3 rue du Taur", "postcode": "31000", "city": "Toulouse", "country": "FR"},
            "lines": [{"reference": sku, "quantity": 1}], "payment_module": "ps_wirepayment"}
    response = httpx.post(f"{env.shops['shop-a']}/storefront/orders", json=body, timeout=30)
    assert response.status_code in (200, 201), response.text
    order = response.json()
    env.run("orders", "shop-a")
    [sale] = odoo.sales(f"shop-a/{order['reference']}")
    assert sale["state"] == "draft"                  # a quotation: nothing reserved, nothing paid
    history = (f"<prestashop><order_history><id_order>{order['order_id']}</id_order>"
               "<id_order_state>2</id_order_state></order_history></prestashop>")
    with env.ws("shop-a") as ws:                     # the transfer arrived: the merchant marks it paid
        assert ws.post("/order_histories", content=history, headers={"Content-Type": "text/xml"}).status_code == 201
    env.run("orders", "shop-a")
    [sale] = odoo.sales(f"shop-a/{order['reference']}")
    assert sale["state"] == "sale"
    field = "memo" if env.version == "18.0" else "ref"
    payments = odoo.search_read("account.payment", [("partner_id", "=", sale["partner_id"][0])],
                                ["amount", field, "journal_id"])
    assert [(p["amount"], p["journal_id"][1]) for p in payments] == [(sale["amount_total"], "Bank")]
    env.run("orders", "shop-a")
    assert len(odoo.search_read("account.payment", [("partner_id", "=", sale["partner_id"][0])], ["id"])) == 1


def _quantity_of(env: Env, shop: str, sku: str) -> int:
    products, combinations = shop_products(env, shop), shop_combinations(env, shop)
    stock = shop_stock(env, shop)
    if sku in combinations:
        return stock[(int(combinations[sku]["id_product"]), int(combinations[sku]["id"]))]
    return stock[(int(products[sku]["id"]), 0)]


def test_waiting_orders_go_in_one_create_and_a_bad_one_is_blocked_alone(odoo_env, catalog):
    from tests.fixtures.hub import shop_only_product, stock_row
    env, odoo = odoo_env, odoo_env.odoo()
    with env.ws("shop-a") as ws:                  # a product the shop sells but Odoo does not know
        product_id = ws.post("/products", content=shop_only_product("ONLY-IN-SHOP"),
                             headers={"Content-Type": "text/xml"}).json()["product"]["id"]
        stock_id = ws.get("/stock_availables", params={"filter[id_product]": product_id,
                                                       "display": "full"}).json()["stock_availables"][0]["id"]
        ws.put(f"/stock_availables/{stock_id}", content=stock_row(stock_id, product_id, 5),
               headers={"Content-Type": "text/xml"}).raise_for_status()
    skus = in_stock_skus(catalog, "TLS", 5, skip=3)
    good = [env.place_order("shop-a", [(sku, 1)], email=f"batch-{n}@example.com") for n, sku in enumerate(skus)]
    bad = env.place_order("shop-a", [("ONLY-IN-SHOP", 1)], email="batch-bad@example.com")
    env.sandbox.counters.reset()
    runs = env.run("orders", "shop-a")
    assert runs["shop-a"]["counts"]["imported"] == len(good) and runs["shop-a"]["counts"]["blocked"] == 1
    calls = env.sandbox.counters.calls
    assert calls["sale.order.create"] == 1 and calls["sale.order.action_confirm"] == 1, calls
    for order in good:
        assert [s["state"] for s in odoo.sales(f"shop-a/{order['reference']}")] == ["sale"]
    assert odoo.sales(f"shop-a/{bad['reference']}") == []
    entry = env.hub().inbox.by_reference("shop-a", bad["reference"])
    assert entry.state == "blocked" and "unknown SKU ONLY-IN-SHOP" in entry.reason


def test_a_warm_batch_costs_odoo_at_most_three_calls_per_order(odoo_env, catalog):
    """Customers who ordered before (steady operation): their orders are looked up, created, confirmed
    and paid in a few calls per batch, the run's reference lookups included."""
    env = odoo_env
    skus = in_stock_skus(catalog, "TLS", 6, skip=8)
    customers = [f"warm-{n}@example.com" for n in range(4)]
    for n, email in enumerate(customers):
        env.place_order("shop-a", [(skus[n], 1)], email=email)
    assert env.run("orders", "shop-a")["shop-a"]["counts"]["imported"] == len(customers)
    orders = [env.place_order("shop-a", [(skus[n % 6], 1), (skus[(n + 1) % 6], 1)], email=customers[n % 4])
              for n in range(12)]
    env.sandbox.counters.reset()
    runs = env.run("orders", "shop-a")
    assert runs["shop-a"]["counts"]["imported"] == len(orders), runs
    calls = env.sandbox.counters
    assert calls.total <= 3 * len(orders), calls.calls
    assert calls.calls["res.partner.search_read"] <= 2 and calls.calls["account.payment.create"] == 1, calls.calls


def test_an_order_odoo_refuses_in_a_batch_is_blocked_alone_and_imported_once_on_the_retry(odoo_env, catalog):
    """Odoo refuses one order's sale and another's payment (a constraint of a merchant's module, say):
    the batch's other orders go through once, the two are blocked, and their retry adds nothing twice."""
    import asyncio

    from courroie.interfaces.operations import retry_blocked
    from tests.connectors.odoo.odoo_support import odoo_refuses

    env, odoo = odoo_env, odoo_env.odoo()
    skus = in_stock_skus(catalog, "TLS", 5, skip=2)
    orders = [env.place_order("shop-a", [(sku, 1)], email=f"refused-{n}@example.com") for n, sku in enumerate(skus)]
    no_sale, no_payment = (f"shop-a/{orders[n]['reference']}" for n in (1, 3))
    field = "memo" if env.version == "18.0" else "ref"
    with odoo_refuses(env.sandbox, "sale.order", "create",
                      lambda args: any(v.get("client_order_ref") == no_sale for v in args[0])), \
            odoo_refuses(env.sandbox, "account.payment", "create",
                         lambda args: any(str(v.get(field)).startswith(no_payment) for v in args[0])):
        runs = env.run("orders", "shop-a")
    assert runs["shop-a"]["counts"]["imported"] == 3 and runs["shop-a"]["counts"]["blocked"] == 2, runs
    hub = env.hub()
    assert {o["reference"]: hub.inbox.by_reference("shop-a", o["reference"]).state for o in orders} == \
        {o["reference"]: "blocked" if n in (1, 3) else "imported" for n, o in enumerate(orders)}
    assert odoo.sales(no_sale) == [] and [s["state"] for s in odoo.sales(no_payment)] == ["sale"]

    blocked = [e for e in hub.blocked.list() if e["state"] == "open" and e["record"] in (no_sale, no_payment)]
    assert len(blocked) == 2
    for entry in blocked:
        asyncio.run(retry_blocked(env.hub(), entry["id"]))
    hub = env.hub()
    for order in orders:
        reference = f"shop-a/{order['reference']}"
        assert hub.inbox.by_reference("shop-a", order["reference"]).state == "imported"
        [sale] = odoo.sales(reference)
        assert sale["state"] == "sale"
        paid = odoo.search_read("account.payment", [(field, "=like", f"{reference}%")], ["amount"])
        assert [p["amount"] for p in paid] == [pytest.approx(sale["amount_total"])]


def test_two_orders_sharing_a_reference_in_one_batch_make_one_sale_and_the_second_waits(odoo_env, catalog):
    """PrestaShop gives the orders of a basket split between carriers one reference: inside one batch
    the first is created, the second finds its sale and waits for a person instead of a second sale."""
    env, odoo = odoo_env, odoo_env.odoo()
    first_sku, second_sku, third_sku = in_stock_skus(catalog, "TLS", 3, skip=7)
    first = env.place_order("shop-a", [(first_sku, 1)], email="twins@example.com")
    twin = env.place_order("shop-a", [(second_sku, 1)], email="twins@example.com")
    other = env.place_order("shop-a", [(third_sku, 1)], email="other-twin@example.com")
    with env.ws("shop-a") as ws:
        ws.patch(f"/orders/{twin['order_id']}", content=f"<prestashop><order><id>{twin['order_id']}</id><reference>"
                 f"{first['reference']}</reference></order></prestashop>",
                 headers={"Content-Type": "text/xml"}).raise_for_status()
    counts = env.run("orders", "shop-a")["shop-a"]["counts"]
    assert (counts.get("imported"), counts.get("blocked")) == (2, 1), counts
    assert len(odoo.sales(f"shop-a/{first['reference']}")) == 1 and len(odoo.sales(f"shop-a/{other['reference']}")) == 1
    [waiting] = [e for e in env.hub().blocked.list() if e["record"] == f"shop-a/{first['reference']}"]
    assert "already holds shop order" in waiting["reason"]


# --- exactly once, the hub killed half-way ---------------------------------------------------------------------

@pytest.mark.parametrize("point", POINTS)
def test_killed_import_leaves_exactly_one_sale_per_order(odoo_env, catalog, point):
    env, odoo = odoo_env, odoo_env.odoo()
    skus = in_stock_skus(catalog, "TLS", 2)
    orders = [env.place_order("shop-a", [(skus[0], 1)], email=f"crash-{point}@example.com"),
              env.place_order("shop-a", [(skus[1], 2)], email=f"crash-{point}@example.com")]
    killed = env.cli("sync", "orders", "--shop", "shop-a", failpoint=point)
    assert killed.returncode == EXIT_CODE, killed.stdout + killed.stderr
    again = env.cli("sync", "orders", "--shop", "shop-a")
    assert again.returncode == 0, again.stdout + again.stderr
    for order in orders:
        sales = odoo.sales(f"shop-a/{order['reference']}")
        assert len(sales) == 1 and sales[0]["state"] == "sale"
    hub = env.hub()
    assert all(hub.inbox.by_reference("shop-a", o["reference"]).state == "imported" for o in orders)
    customers = odoo.search_read("res.partner", [("email", "=ilike", f"crash-{point}@example.com")], ["id"])
    assert len(customers) == 1                         # the customer too exists once
    field = "memo" if env.version == "18.0" else "ref"
    for order in orders:                               # and each payment
        paid = odoo.search_read("account.payment", [(field, "=like", f"shop-a/{order['reference']}%")], ["id"])
        assert len(paid) == 1


def test_an_unreachable_odoo_pushes_no_stock_and_is_marked_failing(odoo_env):
    import asyncio

    from courroie.config import load_config
    from courroie.engine.hub import Hub
    from courroie.interfaces.operations import run_flow
    env = odoo_env
    config = load_config(env.config, env.environ)
    config.erp.connector = config.erp.connector.model_copy(update={"url": "http://127.0.0.1:9"})
    for url in env.shops.values():
        url.control.reset_stats()
    runs = {r["connection"]: r for r in asyncio.run(run_flow(Hub.open(config, retry=env.run_retry), "stock"))}
    assert runs["odoo"]["status"] == "failed" and set(runs) == {"odoo"}
    assert all(writes(url) == 0 for url in env.shops.values())
    assert env.hub().health.all()["odoo"]["status"] == "failing"
