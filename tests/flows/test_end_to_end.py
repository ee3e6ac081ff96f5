"""Every flow on a real Tryton and two PrestaShop sandboxes over HTTP, in the order a merchant lives them.

The tests of this module share one ERP database and two shops, and run top to bottom: catalog, stock,
orders, fulfilment, then bad input and outages.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fixtures.hub import Env, shop_only_product, stock_row, writes

pytestmark = [pytest.mark.slow, pytest.mark.tryton]


def shop_products(env: Env, shop: str) -> dict[str, dict]:
    with env.ws(shop) as ws:
        rows = ws.get("/products", params={"display": "[id,reference,active]"}).json()
    return {row["reference"]: row for row in (rows or {}).get("products", [])}


def shop_combinations(env: Env, shop: str) -> dict[str, dict]:
    with env.ws(shop) as ws:
        rows = ws.get("/combinations", params={"display": "[id,id_product,reference]"}).json()
    return {row["reference"]: row for row in (rows or {}).get("combinations", [])}


def shop_stock(env: Env, shop: str) -> dict[tuple[int, int], int]:
    with env.ws(shop) as ws:
        rows = ws.get("/stock_availables", params={"display": "full"}).json()
    return {(int(r["id_product"]), int(r["id_product_attribute"])): int(r["quantity"])
            for r in (rows or {}).get("stock_availables", [])}


def test_catalog_reaches_both_shops_then_a_second_pass_writes_nothing(env, tryton_catalog):
    runs = env.run("catalog")
    assert {name: run["status"] for name, run in runs.items()} == {"tryton": "ok", "shop-a": "ok", "shop-b": "ok"}
    published = runs["tryton"]["counts"]["products_read"]
    for shop in env.shops:
        products, combinations = shop_products(env, shop), shop_combinations(env, shop)
        assert len(products) == published
        with_variants = [p for p in tryton_catalog.products if p.attribute_set and p.code in products]
        assert with_variants, "the seed has products with variants"
        for product in with_variants:
            for variant in product.variants:
                assert combinations[variant.code]["id_product"] == int(products[product.code]["id"])
    assert runs["shop-a"]["counts"]["created"] == runs["shop-b"]["counts"]["created"] > published

    for url in env.shops.values():
        url.control.reset_stats()
    again = env.run("catalog")
    assert all(writes(url) == 0 for url in env.shops.values())
    assert again["shop-a"]["counts"].get("created", 0) == again["shop-a"]["counts"].get("updated", 0) == 0
    assert again["shop-a"]["counts"]["unchanged"] == runs["shop-a"]["counts"]["created"]


def test_erp_changes_reach_the_shops_once_and_a_product_leaving_the_erp_is_deactivated(env, tryton_catalog):
    erp = env.tryton()
    product = next(p for p in tryton_catalog.products if p.type == "goods" and not p.attribute_set)
    leaving = next(p for p in tryton_catalog.products             # Tryton refuses to retire goods in stock
                   if p.type == "goods" and not any(q for v in p.variants for q in v.stock.values()))
    [template] = erp.search_read("product.template", [("code", "=", product.code)], ["id", "list_price"])
    category = erp.search_read("product.category", [("accounting", "=", False), ("parent", "=", None)], ["id"])[0]
    [gone] = erp.search_read("product.template", [("code", "=", leaving.code)], ["id"])
    erp.model("product.template", "write", [template["id"]], {"list_price": Decimal("123.4500")})
    erp.model("product.category", "write", [category["id"]], {"name": "Renamed in the ERP"})
    erp.model("product.template", "write", [gone["id"]], {"active": False})

    runs = env.run("catalog")
    for shop in env.shops:
        counts = runs[shop]["counts"]
        assert (counts["updated"], counts["deactivated"]) == (1, 1), counts     # the category; the price is not its own
    prices = env.run("prices")
    for shop in env.shops:
        assert prices[shop]["counts"]["updated"] == 1, prices[shop]["counts"]
        with env.ws(shop) as ws:
            products = shop_products(env, shop)
            shown = ws.get(f"/products/{products[product.code]['id']}").json()["product"]
            assert Decimal(shown["price"]) == Decimal("123.45")
            assert str(products[leaving.code]["active"]) == "0"
    for url in env.shops.values():
        url.control.reset_stats()
    again = env.run("catalog")
    env.run("prices")
    assert all(writes(url) == 0 for url in env.shops.values())
    assert again["shop-a"]["counts"].get("deactivated", 0) == 0
    erp.model("product.template", "write", [gone["id"]], {"active": True})
    back = env.run("catalog")
    assert back["shop-a"]["counts"]["updated"] == 1                # back in the ERP: active again
    assert str(shop_products(env, "shop-a")[leaving.code]["active"]) == "1"


def test_images_packs_and_group_prices_reach_the_shop_once(env, tryton_catalog):
    kit = next(p for p in tryton_catalog.products if p.type == "kit")
    with env.ws("shop-a") as ws:
        products = shop_products(env, "shop-a")
        pack = ws.get(f"/products/{products[kit.code]['id']}").json()["product"]
        images = ws.get(f"/images/products/{products[kit.code]['id']}", params={"output_format": None})
    assert pack["type"] == "pack" and len(pack["associations"]["product_bundle"]) == len(kit.components)
    runs = env.run("prices")
    assert runs["shop-a"]["status"] in ("ok", "partial") and runs["shop-a"]["counts"]["created"] > 0
    with env.ws("shop-a") as ws:
        specific = ws.get("/specific_prices", params={"display": "[id,id_group,from_quantity]"}).json()
    groups = {int(row["id_group"]) for row in specific["specific_prices"]}
    assert groups - {0}, "customer-group prices are published"
    assert any(int(row["from_quantity"]) > 1 for row in specific["specific_prices"]), "quantity tiers too"
    for url in env.shops.values():
        url.control.reset_stats()
    again = env.run("prices")
    assert again["shop-a"]["counts"].get("created", 0) == again["shop-a"]["counts"].get("updated", 0) == 0
    assert all(writes(url) == 0 for url in env.shops.values())
    assert images.status_code == 200


def test_stock_follows_each_shops_warehouses_then_a_second_pass_writes_nothing(env, tryton_catalog):
    runs = env.run("stock")
    assert runs["shop-a"]["status"] == runs["shop-b"]["status"] == "ok"
    for shop, warehouses in (("shop-a", ("TLS", "BDX")), ("shop-b", ("BDX",))):
        stock = shop_stock(env, shop)
        products, combinations = shop_products(env, shop), shop_combinations(env, shop)
        checked = 0
        for product in tryton_catalog.products:
            if product.code not in products:
                continue
            for variant in product.variants:
                expected = available(tryton_catalog, product, variant, warehouses)
                product_id = int(products[product.code]["id"])
                combination = int(combinations[variant.code]["id"]) if variant.code in combinations else 0
                assert stock[(product_id, combination)] == expected, (shop, variant.code)
                checked += 1
        assert checked > 200
    for url in env.shops.values():
        url.control.reset_stats()
    again = env.run("stock")
    assert all(writes(url) == 0 for url in env.shops.values())
    assert again["shop-a"]["counts"].get("updated", 0) == 0


def available(catalog, product, variant, warehouses) -> int:
    """What the seed put in those warehouses; a kit has what its components allow, summed per warehouse."""
    if product.type != "kit":
        return sum(variant.stock.get(w, 0) for w in warehouses)
    return sum(min(catalog.variant(code).stock.get(w, 0) // quantity for code, quantity in product.components)
               for w in warehouses)


def in_stock_skus(catalog, warehouse: str, count: int) -> list[str]:
    return [v.code for v in catalog.variants if v.stock.get(warehouse, 0) >= 5][:count]


def test_orders_are_imported_once_and_shipping_goes_back_with_its_tracking_number(env, tryton_catalog):
    first, second, third = in_stock_skus(tryton_catalog, "BDX", 3)
    placed = [("shop-a", env.place_order("shop-a", [(first, 2), (second, 1)])),
              ("shop-a", env.place_order("shop-a", [(third, 1)], email="  Bob.Martin@Example.com ")),
              ("shop-b", env.place_order("shop-b", [(first, 1)]))]
    runs = env.run("orders")
    assert runs["shop-a"]["counts"]["imported"] == 2 and runs["shop-b"]["counts"]["imported"] == 1
    erp = env.tryton()
    for shop, order in placed:
        [sale] = erp.sales(f"{shop}/{order['reference']}")
        assert sale["state"] in ("confirmed", "processing")

    again = env.run("orders")
    assert again["shop-a"]["counts"].get("imported", 0) == 0
    for shop, order in placed:
        assert len(erp.sales(f"{shop}/{order['reference']}")) == 1

    env.run("status")
    shop, order = placed[0]
    with env.ws(shop) as ws:
        assert ws.get(f"/orders/{order['order_id']}").json()["order"]["current_state"] in ("3", 3)
    erp.ship(f"{shop}/{order['reference']}", "6A0123456789")
    runs = env.run("status")
    assert runs[shop]["counts"]["status_sent"] == 1
    with env.ws(shop) as ws:
        shipped = ws.get(f"/orders/{order['order_id']}").json()["order"]
        carriers = ws.get("/order_carriers", params={"filter[id_order]": order["order_id"], "display": "full"}).json()
    assert int(shipped["current_state"]) == 4
    assert carriers["order_carriers"][0]["tracking_number"] == "6A0123456789"
    for url in env.shops.values():
        url.control.reset_stats()
    env.run("status")
    assert writes(env.shops[shop]) == 0                 # a state or tracking number is never sent twice


def test_stock_after_orders_counts_what_the_erp_now_holds_back(env, tryton_catalog):
    # Shop A sells from Toulouse and Bordeaux, and Tryton ships shop orders from Toulouse (sale_warehouse).
    # (An order of shop B, which publishes Bordeaux only, shipped from Toulouse leaves Bordeaux's figure
    # as it was, rightly.)
    sku = in_stock_skus(tryton_catalog, "TLS", 2)[1]
    env.run("stock")
    before = _quantity_of(env, "shop-a", sku)
    order = env.place_order("shop-a", [(sku, 2)])
    assert _quantity_of(env, "shop-a", sku) == before - 2   # the shop sold them
    runs = env.run("stock")                                 # its orders are read and imported first…
    assert _quantity_of(env, "shop-a", sku) == before - 2   # …then held back by the ERP
    assert len(env.tryton().sales(f"shop-a/{order['reference']}")) == 1
    assert runs["shop-a"]["flow"] == "stock" and runs["shop-a"]["status"] == "ok"
    env.run("orders")
    env.run("stock")
    assert _quantity_of(env, "shop-a", sku) == before - 2
    assert len(env.tryton().sales(f"shop-a/{order['reference']}")) == 1


def test_a_unit_sold_while_the_erp_is_down_never_reappears(env, tryton_catalog):
    import asyncio

    from courroie.config import load_config
    from courroie.engine.hub import Hub
    from courroie.flows.stock import reconcile_stock
    from courroie.interfaces.operations import run_flow
    sku = in_stock_skus(tryton_catalog, "TLS", 3)[2]
    env.run("stock")
    before = _quantity_of(env, "shop-a", sku)
    config = load_config(env.config, env.environ)
    config.erp.connector = config.erp.connector.model_copy(update={"url": "http://127.0.0.1:9"})

    def while_down(flow: str) -> dict[str, dict]:
        runs = asyncio.run(run_flow(Hub.open(config, retry=env.run_retry), flow))
        return {(run["flow"], run["connection"]): run for run in runs}

    order = env.place_order("shop-a", [(sku, 3)])           # the shop keeps selling
    assert while_down("orders")[("orders", "shop-a")]["status"] == "failed"     # in the inbox, not in the ERP
    runs = while_down("stock")
    assert set(runs) == {("stock", "tryton")} and runs[("stock", "tryton")]["status"] == "failed"
    assert _quantity_of(env, "shop-a", sku) == before - 3
    runs = env.run("stock")                                 # the ERP is back: orders first, then stock
    assert runs["tryton"]["status"] == "ok" and runs["shop-a"]["status"] == "ok"
    assert len(env.tryton().sales(f"shop-a/{order['reference']}")) == 1
    assert _quantity_of(env, "shop-a", sku) == before - 3

    async def reconcile() -> None:
        async with env.hub() as hub:
            await reconcile_stock(hub, "shop-a")
    asyncio.run(reconcile())                                # the hourly read-back agrees
    assert _quantity_of(env, "shop-a", sku) == before - 3


def _quantity_of(env: Env, shop: str, sku: str) -> int:
    products, combinations = shop_products(env, shop), shop_combinations(env, shop)
    stock = shop_stock(env, shop)
    if sku in combinations:
        return stock[(int(combinations[sku]["id_product"]), int(combinations[sku]["id"]))]
    return stock[(int(products[sku]["id"]), 0)]


def test_an_unknown_sku_blocks_its_order_and_the_others_go_through(env, tryton_catalog):
    with env.ws("shop-a") as ws:
        created = ws.post("/products", content=shop_only_product("NOT-IN-ERP"),
                          headers={"Content-Type": "text/xml"})
        assert created.status_code == 201, created.text
        product_id = created.json()["product"]["id"]
        row = ws.get("/stock_availables", params={"filter[id_product]": product_id, "display": "full"}).json()
        stock_id = row["stock_availables"][0]["id"]
        ws.put(f"/stock_availables/{stock_id}", content=stock_row(stock_id, product_id, 10),
               headers={"Content-Type": "text/xml"}).raise_for_status()
    bad = env.place_order("shop-a", [("NOT-IN-ERP", 1)])
    good = env.place_order("shop-a", [(in_stock_skus(tryton_catalog, "TLS", 1)[0], 1)])
    runs = env.run("orders", "shop-a")
    assert runs["shop-a"]["status"] == "partial"
    assert runs["shop-a"]["counts"]["imported"] == 1 and runs["shop-a"]["counts"]["blocked"] == 1
    hub = env.hub()
    [entry] = [b for b in hub.blocked.list() if b["record"] == f"shop-a/{bad['reference']}"]
    assert "unknown SKU NOT-IN-ERP" in entry["reason"] and bad["reference"] in entry["payload"]
    assert hub.inbox.by_reference("shop-a", bad["reference"]).state == "blocked"
    assert env.tryton().sales(f"shop-a/{bad['reference']}") == []
    assert len(env.tryton().sales(f"shop-a/{good['reference']}")) == 1
    again = env.run("orders", "shop-a")              # a blocked order waits for a person; it is not retried blindly
    assert again["shop-a"]["counts"].get("blocked", 0) == 0


def test_a_malformed_order_document_is_blocked_with_its_payload(env, tryton_catalog):
    order = env.place_order("shop-a", [(in_stock_skus(tryton_catalog, "TLS", 1)[0], 1)], email="gone@example.com")
    with env.ws("shop-a") as ws:                     # its customer deleted in the shop: the order cannot be read whole
        ws.delete(f"/customers/{order['customer_id']}").raise_for_status()
    runs = env.run("orders", "shop-a")
    assert runs["shop-a"]["counts"]["blocked"] == 1
    entry = env.hub().inbox.by_reference("shop-a", order["reference"]) or env.hub().inbox.get("shop-a", str(order["order_id"]))
    assert entry.state == "blocked" and entry.raw and entry.reason
    assert env.tryton().sales(f"shop-a/{order['reference']}") == []


def test_an_unreachable_shop_fails_alone_and_catches_up_when_it_returns(env, tryton_catalog):
    sku = in_stock_skus(tryton_catalog, "BDX", 1)[0]
    waiting = env.place_order("shop-b", [(sku, 1)])
    env.shops["shop-b"].control.set_down(True)
    try:
        runs = env.run("orders")
        assert runs["shop-b"]["status"] == "failed" and "unreachable" in runs["shop-b"]["message"]
        assert runs["shop-a"]["status"] in ("ok", "partial")
        assert env.hub().health.all()["shop-b"]["status"] == "failing"
    finally:
        env.shops["shop-b"].control.set_down(False)
    runs = env.run("orders")
    assert runs["shop-b"]["status"] == "ok"
    assert env.hub().health.all()["shop-b"]["status"] == "ok"
    assert len(env.tryton().sales(f"shop-b/{waiting['reference']}")) == 1


def test_an_unreachable_erp_pushes_no_stock_and_marks_the_erp_failing(env):
    from courroie.engine.hub import Hub
    from courroie.config import load_config
    config = load_config(env.config, env.environ)
    broken = config.erp.connector.model_copy(update={"url": "http://127.0.0.1:9"})
    config.erp.connector = broken
    hub = Hub.open(config, retry=env.run_retry)
    import asyncio
    from courroie.interfaces.operations import run_flow
    for url in env.shops.values():
        url.control.reset_stats()
    runs = {r["connection"]: r for r in asyncio.run(run_flow(hub, "stock"))}
    assert runs["tryton"]["status"] == "failed" and set(runs) == {"tryton"}
    assert all(writes(url) == 0 for url in env.shops.values())
    assert env.hub().health.all()["tryton"]["status"] == "failing"
