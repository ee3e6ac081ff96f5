"""The stock flow on a real hub and store, over in-process fakes of the ERP and the shops
(``stock_fakes``): the formula, passes of changes, reconciliation, outages, the store stock lookup.
The same flow against a real Tryton and PrestaShop sandboxes over HTTP: ``test_end_to_end.py``."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from courroie.config import StockSettings
from courroie.flows.orders import sync_orders
from courroie.flows.stock import StockRules, Target, published_quantity, reconcile_stock, sync_stock
from courroie.model import Category
from courroie.store import Store
from courroie.store.stock import Available, StockCache, store_stock, stores
from courroie.sync.assortment import CategoryTree
from tests.flows.stock_fakes import FakeErp, FakeShop, fake_hub

D = Decimal
SETTINGS = {"shop-a": StockSettings(locations=["TLS", "BDX"], stores=["STORE-1"]),
            "shop-b": StockSettings(locations=["BDX"], safety=1)}


class World:
    """An ERP with two warehouses and a store, two shops: A ← Toulouse + Bordeaux, B ← Bordeaux (safety 1)."""

    def __init__(self, store: Store, settings: dict[str, StockSettings] | None = None, **erp) -> None:
        self.store, self.settings = store, dict(settings or SETTINGS)
        self.erp = FakeErp({"TLS": {"MOT": D(10), "REM": D(3), "KIT": D(0)},
                            "BDX": {"MOT": D(5), "REM": D(0), "KIT": D(2)},
                            "STORE-1": {"MOT": D(2), "REM": D(1)}},
                           {"shop-a": ["TLS", "BDX"], "shop-b": ["BDX"]}, **erp)
        self.shops = {"shop-a": FakeShop("shop-a", {"MOT": ("1", "0"), "REM": ("2", "0"), "KIT": ("3", "7")}),
                      "shop-b": FakeShop("shop-b", {"MOT": ("11", "0"), "REM": ("12", "0"), "KIT": ("13", "0")})}
        self.restart()

    def restart(self) -> None:
        self.hub = fake_hub(self.store, self.erp, self.shops, self.settings)

    def run(self, flow, shop: str | None = None) -> dict[str, dict]:
        first = self.hub.runs.max_id()
        asyncio.run(flow(self.hub, shop))
        return {(run["flow"], run["connection"]): run for run in self.hub.runs.since(first)}

    def shown(self, shop: str) -> dict[str, int]:
        return {sku: self.shops[shop].shows(sku) for sku in self.shops[shop].places}


@pytest.fixture
def world(sqlite_store) -> World:
    return World(sqlite_store)


def test_the_formula_never_goes_below_zero_and_rounds_down():
    assert published_quantity(D("10.7"), D(2), 1) == 7
    assert published_quantity(D(3), D(2), 2) == 0
    assert published_quantity(D(-4), D(0), 0) == 0


def test_safety_and_back_orders_by_sku_then_erp_then_category_then_shop():
    tree = CategoryTree([Category(key="1", name={"en": "Motors"}), Category(key="2", name={"en": "Swing"}, parent_key="1"),
                         Category(key="3", name={"en": "Remotes"})])
    settings = StockSettings(safety=1, safety_by_sku={"MOT-X": 0}, safety_by_category={"Motors": 3, "3": 2},
                             backorders=True, backorders_by_sku={"MOT-Y": True},
                             backorders_by_category={"Motors": False, "Remotes": True})
    rules = StockRules.of(settings, tree)
    assert rules.safety("MOT-X", ["2"]) == 0                   # the SKU's own rule first
    assert rules.safety("MOT-Z", ["2"]) == 3                   # a sub-category of Motors
    assert rules.safety("BOTH", ["2", "3"]) == 3               # the largest buffer of its categories
    assert rules.safety("OTHER", []) == 1
    assert rules.backorders("MOT-Y", False, ["2"]) is True     # the SKU's rule over the ERP's
    assert rules.backorders("MOT-Z", True, ["2"]) is True      # the ERP's over the categories'
    assert rules.backorders("MOT-Z", None, ["2"]) is False
    assert rules.backorders("BOTH", None, ["2", "3"]) is False  # a refusal wins
    assert rules.backorders("OTHER", None, []) is True         # the shop's
    assert StockRules.of(StockSettings()).backorders("OTHER", None, []) is None   # the shop's own setting stays
    target = rules.target("MOT-Z", Available(D(6), None, ("2",)), D(1))
    assert target == Target(2, False) and target.fingerprint == "2, no back-orders"


def test_each_shop_gets_its_locations_minus_safety_then_a_second_pass_writes_nothing(world):
    runs = world.run(sync_stock)
    assert {key: run["status"] for key, run in runs.items()} == {
        ("stock", "erp"): "ok", ("orders", "shop-a"): "ok", ("orders", "shop-b"): "ok",
        ("stock", "shop-a"): "ok", ("stock", "shop-b"): "ok"}
    assert world.shown("shop-a") == {"MOT": 15, "REM": 3, "KIT": 2}
    assert world.shown("shop-b") == {"MOT": 4, "REM": 0, "KIT": 1}
    assert world.erp.reads == [("changes", 3)]                 # one read for both shops
    for shop in world.shops.values():
        shop.writes.clear()
    again = world.run(sync_stock)
    assert [shop.writes for shop in world.shops.values()] == [[], []]
    assert world.erp.reads[-1] == ("changes", 1)              # the newest move, within the cursor's overlap
    assert again[("stock", "shop-a")]["counts"].get("updated", 0) == 0


def test_a_pass_of_changes_reads_and_writes_only_the_articles_that_moved(world):
    world.run(sync_stock)
    for shop in world.shops.values():
        shop.writes.clear()
    world.erp.move("BDX", "REM", 4)
    world.erp.move("TLS", "MOT", -1)                           # Toulouse feeds shop A only
    runs = world.run(sync_stock)
    assert world.erp.reads[-1] == ("changes", 2)
    assert [(u.product_id, u.quantity) for u in world.shops["shop-a"].writes] == [("1", 14), ("2", 7)]
    assert [(u.product_id, u.quantity) for u in world.shops["shop-b"].writes] == [("12", 3)]
    assert runs[("stock", "shop-b")]["counts"]["updated"] == 1          # MOT: still 4 in Bordeaux


def test_orders_not_yet_in_the_erp_are_held_back_by_every_shop_drawing_on_their_location(world):
    world.run(sync_stock)
    world.erp.outage.down = True                               # the orders cannot be imported
    assert world.shops["shop-b"].sell("MOT", 2)
    world.run(sync_orders)
    world.erp.outage.down = False
    world.settings["shop-a"] = world.settings["shop-a"].model_copy(update={"orders_first": False})
    world.settings["shop-b"] = world.settings["shop-b"].model_copy(update={"orders_first": False})
    world.restart()
    world.run(sync_stock)
    assert world.shown("shop-b")["MOT"] == 2                   # 5 − 2 sold − 1 safety
    assert world.shown("shop-a")["MOT"] == 13                  # shop B's sale may take Bordeaux's units
    world.run(sync_orders)                                     # now in the ERP: held back by the ERP
    world.run(sync_stock)
    assert (world.shown("shop-a")["MOT"], world.shown("shop-b")["MOT"]) == (13, 2)


def test_an_unreachable_erp_pushes_nothing_and_its_return_imports_the_orders_before_the_stock(world):
    world.run(sync_stock)
    world.erp.outage.down = True
    for shop in world.shops.values():
        shop.writes.clear()
    assert world.shops["shop-a"].sell("REM", 3)                # the last three, while the ERP is down
    world.erp.move("TLS", "REM", 5)                            # …and a reception the hub cannot see yet
    runs = world.run(sync_stock)
    assert runs[("stock", "erp")]["status"] == "failed" and set(runs) == {("stock", "erp")}
    assert [shop.writes for shop in world.shops.values()] == [[], []]
    assert world.hub.health.all()["erp"]["status"] == "failing"
    world.run(sync_orders)                                     # the order waits in the inbox
    assert [e.state for e in world.hub.inbox.in_state("shop-a", "new")] == ["new"]

    world.erp.outage.down = False
    world.restart()
    runs = world.run(sync_stock)
    assert runs[("orders", "shop-a")]["counts"]["imported"] == 1
    assert runs[("orders", "shop-a")]["run_id" if False else "id"] < runs[("stock", "shop-a")]["id"]
    assert world.shown("shop-a")["REM"] == 5                   # 3 + 5 − 3 sold: the sold units never came back


def test_an_unreachable_shop_fails_alone_and_catches_up_when_it_returns(world):
    world.run(sync_stock)
    world.shops["shop-b"].outage.down = True
    world.erp.move("BDX", "MOT", 10)
    runs = world.run(sync_stock)
    assert runs[("orders", "shop-b")]["status"] == "failed"
    assert ("stock", "shop-b") not in runs                     # its orders unread: its stock waits too
    assert world.shown("shop-a")["MOT"] == 25
    world.erp.move("TLS", "REM", 1)
    world.run(sync_stock)                                      # the ERP's cursor moves on meanwhile
    world.shops["shop-b"].outage.down = False
    runs = world.run(sync_stock)
    assert runs[("stock", "shop-b")]["status"] == "ok"
    assert world.shown("shop-b")["MOT"] == 14


def test_a_shop_down_for_writes_only_is_marked_and_retried(world):
    world.run(sync_stock)
    world.erp.move("BDX", "REM", 2)
    shop = world.shops["shop-b"]
    write = shop.write_stock

    async def refused(updates):
        shop.outage.down = True
        try:
            await write(updates)
        finally:
            shop.outage.down = False
    shop.write_stock = refused
    runs = world.run(sync_stock)
    assert runs[("stock", "shop-b")]["status"] == "failed" and "unreachable" in runs[("stock", "shop-b")]["message"]
    shop.write_stock = write
    world.run(sync_stock)
    assert world.shown("shop-b")["REM"] == 1


def test_reconciliation_fixes_drift_and_records_the_shops_own_sales_without_writing(world):
    world.run(sync_stock)
    shop = world.shops["shop-a"]
    shop.rows[("1", "0")][0] = 99                              # a merchant's edit in the back office
    assert shop.sell("REM", 1)                                 # a sale the hub has not read yet
    shop.writes.clear()
    runs = world.run(reconcile_stock, "shop-a")
    counts = runs[("stock", "shop-a")]["counts"]
    assert counts["drifted"] == 1 and counts["updated"] == 1
    assert [(u.product_id, u.quantity) for u in shop.writes] == [("1", 15)]
    assert world.shown("shop-a")["REM"] == 2                   # the sale was read first: 3 − 1 stays
    assert world.hub.bindings("shop-a", "stock").get("REM").fingerprint == "2"
    [drift] = [e for e in world.hub.journal.history(record="MOT") if e["action"] == "drift"]
    assert "showed 99" in drift["message"]


def test_back_orders_from_the_erp_and_the_configuration_reach_the_shop(sqlite_store):
    settings = {**SETTINGS, "shop-a": SETTINGS["shop-a"].model_copy(update={"backorders_by_sku": {"REM": False}})}
    world = World(sqlite_store, settings, backorders={"KIT": True, "REM": True})
    world.run(sync_stock)
    shop = world.shops["shop-a"]
    assert shop.rows[("3", "7")] == [2, "1"] and shop.rows[("2", "0")] == [3, "0"]
    assert shop.rows[("1", "0")][1] == "2"                     # no rule: as the shop has it
    assert world.hub.bindings("shop-a", "stock").get("KIT").fingerprint == "2, back-orders"


def test_a_change_of_stock_settings_makes_the_next_pass_a_full_one(world):
    world.run(sync_stock)
    world.settings["shop-b"] = world.settings["shop-b"].model_copy(update={"safety_by_sku": {"KIT": 0}})
    world.restart()
    runs = world.run(sync_stock)
    assert runs[("stock", "shop-b")]["counts"]["full"] == 1 and runs[("stock", "shop-a")]["counts"]["changes"] == 1
    assert world.shown("shop-b")["KIT"] == 2


def test_safety_by_category_reads_the_erp_categories(sqlite_store):
    settings = {**SETTINGS, "shop-a": SETTINGS["shop-a"].model_copy(update={"safety_by_category": {"Motors": 5}})}
    world = World(sqlite_store, settings, categories={"MOT": ("1",)},
                  category_list=[Category(key="1", name={"en": "Motors", "fr": "Moteurs"})])
    world.run(sync_stock)
    assert world.shown("shop-a") == {"MOT": 10, "REM": 3, "KIT": 2}


def test_a_blocked_article_is_tried_again_by_the_next_pass_of_changes(world):
    world.shops["shop-b"].rows.pop(("13", "0"))                # the shop lost KIT's stock row
    runs = world.run(sync_stock, "shop-b")
    assert runs[("stock", "shop-b")]["status"] == "partial"
    assert {b["record"] for b in world.hub.blocked.list()} == {"KIT", "MOT", "REM"}   # one batch, refused
    world.shops["shop-b"].rows[("13", "0")] = [0, "2"]
    runs = world.run(sync_stock, "shop-b")
    assert runs[("stock", "shop-b")]["status"] == "ok" and world.shown("shop-b")["KIT"] == 1
    assert world.hub.blocked.open_records("shop-b", "stock") == set()


def test_a_new_article_published_by_the_catalog_gets_its_stock_at_the_next_pass(world):
    world.run(sync_stock)
    world.erp.locations["TLS"]["NEW"] = D(6)
    world.erp.skus.append("NEW")
    world.run(sync_stock)                                      # no move: not read yet, nowhere to go anyway
    world.shops["shop-a"].places["NEW"] = ("4", "0")
    world.shops["shop-a"].rows[("4", "0")] = [0, "2"]
    world.hub.bindings("shop-a", "variant").save("NEW", "4/0", None)
    asyncio.run(reconcile_stock(world.hub, "shop-a"))          # the hourly full read finds it
    assert world.shown("shop-a")["NEW"] == 6


def test_the_store_stock_lookup_answers_from_the_cache(world):
    assert store_stock(world.hub, "MOT", "STORE-1") is None    # never read
    world.run(sync_stock)
    found = store_stock(world.hub, "MOT", "STORE-1")
    assert (found.sku, found.store, found.quantity) == ("MOT", "STORE-1", D(2))
    assert found.as_json()["quantity"] == 2 and found.as_json()["available"] is True
    assert store_stock(world.hub, "KIT", "STORE-1").quantity == 0     # known article, none in this store
    assert store_stock(world.hub, "NOPE", "STORE-1") is None
    assert store_stock(world.hub, "MOT", "PARIS") is None
    assert stores(world.hub) == ["BDX", "STORE-1", "TLS"]
    world.erp.move("STORE-1", "MOT", -2)
    world.run(sync_stock)
    assert store_stock(world.hub.store, "MOT", "STORE-1").as_json()["available"] is False


def test_the_cache_keeps_only_what_changed(store):
    """On SQLite and PostgreSQL."""
    from datetime import UTC, datetime

    from courroie.model import StockLevel
    cache = StockCache(store)
    level = lambda sku, q, **kw: StockLevel(sku=sku, location="TLS", quantity=D(q), **kw)  # noqa: E731
    assert cache.apply([level("A", 1), level("B", 2)], ["TLS"], complete=True) == {"A", "B"}
    assert cache.apply([level("A", "1.000"), level("B", 2, backorders=True)], ["TLS"], complete=False) == {"B"}
    assert cache.apply([level("A", 1)], ["TLS"], complete=True) == {"B"}          # B is gone
    assert set(cache.read(["TLS"])) == {"A"}
    cache.apply([StockLevel(sku="A", location="BDX", quantity=D(2), backorders=False, categories=("9",))],
                ["BDX"], complete=False)
    total = cache.totals(["TLS", "BDX"])["A"]
    assert (total.quantity, total.backorders, total.categories) == (D(3), False, ("9",))
    cache.mark_read(["BDX"], datetime(2026, 3, 1, tzinfo=UTC), full=False)
    assert store_stock(store, "A", "BDX").as_json() == {"sku": "A", "store": "BDX", "quantity": 2, "available": True,
                                                        "as_of": "2026-03-01T00:00:00+00:00"}


def test_two_shops_asking_at_once_share_one_erp_read(world):
    async def both() -> None:
        await asyncio.gather(sync_stock(world.hub, "shop-a"), sync_stock(world.hub, "shop-b"))
    asyncio.run(both())
    assert len(world.erp.reads) == 1
    assert world.shown("shop-b")["MOT"] == 4


def test_an_order_imported_by_another_job_after_the_erp_was_read_is_still_held_back(world):
    from courroie.flows.stock import push_shop, refresh
    world.run(sync_stock)
    world.settings["shop-a"] = world.settings["shop-a"].model_copy(update={"orders_first": False})
    world.restart()
    assert world.shops["shop-a"].sell("MOT", 2)
    world.erp.move("TLS", "MOT", 1)                            # a reception: the figure must be written

    async def interleaved() -> None:
        assert await refresh(world.hub, ["shop-a"], full=False)           # the stock job reads the ERP…
        await sync_orders(world.hub, "shop-a")                            # …the orders job imports meanwhile…
        await push_shop(world.hub, "shop-a")                              # …then the stock job pushes
    asyncio.run(interleaved())
    assert world.erp.available(["TLS", "BDX"], "MOT") == 14
    assert world.shown("shop-a")["MOT"] == 14                  # not 16: the import is not in the figures read


def test_a_shops_own_sale_is_written_back_even_when_the_figure_to_publish_did_not_change(world):
    world.run(sync_stock)
    assert world.shops["shop-a"].sell("REM", 1)                # the shop shows 2, the hub sent 3…
    world.erp.move("TLS", "REM", 1)                            # …and the ERP received one: still 3 to publish
    world.run(sync_stock)
    assert world.shown("shop-a")["REM"] == 3


def test_prestashop_is_told_whether_to_take_orders_beyond_stock(tmp_path):
    """The PrestaShop connector against the sandbox: ``out_of_stock`` follows ``backorders``, even when
    the quantity is already right, and is left alone when the hub has no rule."""
    import httpx

    from courroie.connectors.prestashop import PrestaShopConfig, PrestaShopShop
    from courroie.connectors.protocols import StockUpdate
    from courroie.sandbox.prestashop import run_in_thread

    key = "K" * 32
    product = ("<prestashop><product><price>10</price><id_tax_rules_group>1</id_tax_rules_group><active>1</active>"
               "<state>1</state><reference>BO-1</reference><id_category_default>2</id_category_default>"
               '<name><language id="1">BO</language><language id="2">BO</language></name>'
               '<link_rewrite><language id="1">bo</language><language id="2">bo</language></link_rewrite>'
               "</product></prestashop>")
    with run_in_thread(tmp_path / "shop", key) as url:
        with httpx.Client(base_url=url.api, auth=(key, ""), params={"output_format": "JSON"}, timeout=30) as ws:
            created = ws.post("/products", content=product, headers={"Content-Type": "text/xml"})
            product_id = str(created.json()["product"]["id"])

            def row() -> tuple[int, str]:
                found = ws.get("/stock_availables", params={"filter[id_product]": product_id,
                                                            "display": "full"}).json()["stock_availables"][0]
                return int(found["quantity"]), str(found["out_of_stock"])

            async def write(*updates: StockUpdate) -> None:
                shop = PrestaShopShop(PrestaShopConfig(name="shop", url=str(url), key=key))
                try:
                    await shop.write_stock(updates)
                finally:
                    await shop.aclose()

            asyncio.run(write(StockUpdate(product_id, "0", 4, backorders=True)))
            assert row() == (4, "1")
            asyncio.run(write(StockUpdate(product_id, "0", 4, backorders=False)))    # same quantity, new rule
            assert row() == (4, "0")
            asyncio.run(write(StockUpdate(product_id, "0", 2)))
            assert row() == (2, "0")


def test_an_order_imported_unpaid_as_a_quotation_stays_held_back_until_paid(world):
    world.run(sync_stock)
    order = world.shops["shop-a"].sell("MOT", 4, paid=False)              # a bank transfer
    world.run(sync_stock)
    sale = world.erp.sales[order.erp_reference]
    assert not sale.confirmed and world.erp.available(["TLS", "BDX"], "MOT") == 15    # a quotation holds nothing
    world.erp.move("TLS", "MOT", 1)
    world.run(sync_stock)
    assert world.shown("shop-a")["MOT"] == 12                  # 16 − 4: the hub holds it back
    world.shops["shop-a"].pay(order.external_id)
    world.run(sync_stock)
    assert world.erp.sales[order.erp_reference].confirmed
    assert world.shown("shop-a")["MOT"] == 12                  # now the ERP does


def test_pending_orders_are_counted_by_state_and_payment(store):
    """On SQLite and PostgreSQL: new, held and blocked orders; imported unpaid ones of a shop importing
    quotations; imported ones only when imported after a given moment."""
    from datetime import timedelta

    from courroie.store.db import utcnow
    from courroie.store.inbox import Inbox
    from tests.flows.stock_fakes import FakeShop
    shop = FakeShop("shop-a", {"MOT": ("1", "0")})
    shop.rows[("1", "0")][0] = 100
    inbox = Inbox(store)
    for quantity, paid, state in ((1, True, "new"), (2, True, "blocked"), (4, False, "imported"), (8, True, "imported")):
        order = shop.sell("MOT", quantity, paid=paid)
        entry, _ = inbox.receive("shop-a", shop.orders[-1][1])
        inbox.set_state(entry.id, state)
    cache = StockCache(store)
    assert cache.pending(["shop-a"]) == {"MOT": D(3)}
    assert cache.pending(["shop-a"], quotations=["shop-a"]) == {"MOT": D(7)}
    assert cache.pending(["shop-a"], utcnow() - timedelta(minutes=1)) == {"MOT": D(15)}
    assert cache.pending(["shop-b"], quotations=["shop-a"]) == {}
    assert order.paid
