"""One PrestaShop installation hosting two shops (multistore: `id_shop`), and a separate installation,
fed by one hub from one real Tryton.

PrestaShop keeps what belongs to a shop in per-shop rows: `product_shop` (price, active…),
`stock_available.id_shop`, `specific_price.id_shop`. The webservice takes the shop as `id_shop=N`
and then lists only the products associated with that shop (07-multistore/022-023); it ignores
`id_shop` on `stock_availables` (07-multistore/024), so the rows carry their shop. The hub configures
each shop of the installation as its own connection (same URL, its `shop_id`): each gets its own
assortment, base price list, price rules and warehouses, and a product is created in its shop's
context, so every shop holds its own product rows.

What the shops hold is read back the way a PrestaShop client reads it: plain webservice GETs with
`id_shop`. The tests share one ERP database and the installations, and run top to bottom.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from courroie.config import load_config
from courroie.engine.hub import Hub
from courroie.interfaces.operations import run_flow
from courroie.sandbox.config import add_customer_group
from courroie.sandbox.prestashop import SandboxURL, run_in_thread
from courroie.sandbox.tryton import TrytonDatabase
from courroie.sandbox.tryton.rpc import Rpc
from tests.fixtures.hub import FAST_RETRY, writes

pytestmark = [pytest.mark.slow, pytest.mark.tryton, pytest.mark.prestashop]

MULTI_KEY, SOLO_KEY = "M" * 32, "S" * 32
MAIN, OUTLET, SOLO = "main", "outlet", "solo"           # shop 1 and shop 2 of "multi"; "solo" on its own
REMOTES, ACCESSORIES = "Remote controls", "Accessories"  # ERP categories (by name), with their sub-categories
B2B = "Tarif pro"                                        # seed: 0.8 × list price (0.85 spare parts), 0.75 from 10

CONFIG = """\
store: sqlite:///{store}
concurrency: 4
erp:
  type: tryton
  url: {erp_url}
  database: {database}
  user: admin
  password: ${{TRYTON_PASSWORD}}
  languages: [en, fr]
  warehouses: [TLS, BDX]
  sale_warehouse: TLS
  features: [protection, warranty]
  tag_categories: [Labels]
shops:
  - name: main
    type: prestashop
    url: {multi}
    key: ${{KEY_MULTI}}
    shop_id: 1
    timeout: 5
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}
    customer_groups: {{"Tarif pro": {multi_b2b}}}
    catalog: {{assortment: {{categories: ["Remote controls", "Accessories"]}}}}
    stock: {{locations: [TLS, BDX]}}
    prices: {{lists: ["Tarif pro"], promotions: false}}
  - name: outlet
    type: prestashop
    url: {multi}
    key: ${{KEY_MULTI}}
    shop_id: {outlet_id}
    timeout: 5
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}
    catalog: {{assortment: {{categories: ["Remote controls"], exclude_skus: {outlet_excluded}}}}}
    stock: {{locations: [BDX]}}
    prices: {{base: "Tarif pro", promotions: false}}
  - name: solo
    type: prestashop
    url: {solo}
    key: ${{KEY_SOLO}}
    timeout: 5
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}
    customer_groups: {{"Tarif pro": {solo_b2b}}}
    catalog: {{assortment: {{categories: ["Remote controls"]}}}}
    stock: {{locations: [TLS]}}
    prices: {{lists: ["Tarif pro"], promotions: false}}
"""


@dataclass
class Multistore:
    root: Path
    erp: TrytonDatabase
    multi: SandboxURL
    solo: SandboxURL
    outlet_id: int
    b2b: dict[str, str]

    def configure(self, outlet_excluded: Sequence[str] = ()) -> Path:
        path = self.root / "courroie.yaml"
        path.write_text(CONFIG.format(store=self.root / "hub.db", erp_url=self.erp.url.rstrip("/"),
                                      database=self.erp.name, multi=self.multi, solo=self.solo,
                                      outlet_id=self.outlet_id, multi_b2b=self.b2b["multi"],
                                      solo_b2b=self.b2b["solo"], outlet_excluded=list(outlet_excluded)),
                        encoding="utf-8")
        return path

    def hub(self) -> Hub:
        environ = {"TRYTON_PASSWORD": self.erp.password, "KEY_MULTI": MULTI_KEY, "KEY_SOLO": SOLO_KEY}
        return Hub.open(load_config(self.root / "courroie.yaml", environ), retry=FAST_RETRY)

    def run(self, flow: str) -> dict[str, dict]:
        return {run["connection"]: run for run in asyncio.run(run_flow(self.hub(), flow))}

    def reset_stats(self) -> None:
        self.multi.control.reset_stats()
        self.solo.control.reset_stats()

    def writes(self) -> dict[str, int]:
        return {"multi": writes(self.multi), "solo": writes(self.solo)}

    def get(self, shop: str, path: str, **params: object) -> httpx.Response:
        """A webservice GET as a PrestaShop client makes it: in the shop's context (`id_shop`) for the
        shops of the multistore installation."""
        url, key = (self.solo, SOLO_KEY) if shop == SOLO else (self.multi, MULTI_KEY)
        if shop != SOLO:
            params["id_shop"] = 1 if shop == MAIN else self.outlet_id
        return httpx.get(f"{url}/api{path}", params={"output_format": "JSON", **params}, auth=(key, ""), timeout=30)

    def products(self, shop: str) -> dict[str, dict]:
        """The products the shop lists, by reference: id, active, price (the shop's own)."""
        rows = self.get(shop, "/products", display="[id,reference,active,price]").json()
        by_reference: dict[str, dict] = {}
        for row in (rows or {}).get("products", []):
            assert row["reference"] not in by_reference, f"{shop} lists {row['reference']} twice"
            by_reference[row["reference"]] = row
        return by_reference

    def combinations(self, shop: str) -> dict[str, dict]:
        """The combinations of the shop's products, by reference."""
        ids = sorted(int(row["id"]) for row in self.products(shop).values())
        rows = self.get(shop, "/combinations", display="[id,id_product,reference]",
                        **{"filter[id_product]": f"[{'|'.join(map(str, ids))}]"}).json()
        by_reference: dict[str, dict] = {}
        for row in (rows or {}).get("combinations", []):
            assert row["reference"] not in by_reference, f"{shop} has {row['reference']} twice"
            by_reference[row["reference"]] = row
        return by_reference


@pytest.fixture(scope="module")
def stores(tryton_db: TrytonDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Multistore]:
    root = tmp_path_factory.mktemp("multistore")
    with ExitStack() as stack:
        multi = stack.enter_context(run_in_thread(root / "multi", MULTI_KEY, latency=0))
        solo = stack.enter_context(run_in_thread(root / "solo", SOLO_KEY, latency=0))
        # What the merchant did in the back office (07-multistore/008-011): multistore on, a second
        # shop in the default group, the webservice key allowed in it (ps_webservice_account_shop).
        enabled = httpx.post(f"{multi}/api/configurations", auth=(MULTI_KEY, ""), headers={"Content-Type": "text/xml"},
                             content="<prestashop><configuration><name>PS_MULTISHOP_FEATURE_ACTIVE</name>"
                                     "<value>1</value></configuration></prestashop>", timeout=30)
        assert enabled.status_code == 201, enabled.text
        outlet_id = multi.control.create_shop("Outlet", group=1)
        multi.control.associate_key(MULTI_KEY, outlet_id)
        b2b = {"multi": add_customer_group(multi, MULTI_KEY), "solo": add_customer_group(solo, SOLO_KEY)}
        stores = Multistore(root, tryton_db, multi, solo, outlet_id, b2b)
        stores.configure()
        yield stores


def in_category(catalog, root: str) -> dict[str, object]:
    """The seed's products under an ERP category (by key), by SKU."""
    return {p.code: p for p in catalog.products
            if p.type != "kit" and any(k == root or k.startswith(f"{root}/") for k in p.categories)}


def test_each_shop_of_the_installation_gets_its_own_assortment(stores, tryton_catalog):
    runs = stores.run("catalog")
    assert {name: run["status"] for name, run in runs.items()} == {
        "tryton": "ok", MAIN: "ok", OUTLET: "ok", SOLO: "ok"}, {n: r["message"] for n, r in runs.items()}
    remotes, accessories = in_category(tryton_catalog, "telecommandes"), in_category(tryton_catalog, "accessoires")
    assert remotes and accessories
    main, outlet, solo = stores.products(MAIN), stores.products(OUTLET), stores.products(SOLO)
    assert set(main) == set(remotes) | set(accessories)
    assert set(outlet) == set(solo) == set(remotes)
    # Each shop of the installation holds its own product rows: the outlet's are not in shop 1.
    assert not {row["id"] for row in main.values()} & {row["id"] for row in outlet.values()}
    some = next(iter(outlet.values()))
    absent = stores.get(MAIN, f"/products/{some['id']}")
    assert absent.status_code == 404 and absent.json()["errors"][0]["code"] == 131
    # Combinations follow their products, shop by shop.
    with_variants = [p for p in remotes.values() if p.attribute_set]
    assert with_variants
    for shop, products in ((MAIN, main), (OUTLET, outlet), (SOLO, solo)):
        combinations = stores.combinations(shop)
        for product in with_variants:
            for variant in product.variants:
                assert combinations[variant.code]["id_product"] == products[product.code]["id"], (shop, variant.code)
    assert runs[MAIN]["counts"]["created"] > runs[OUTLET]["counts"]["created"]

    stores.reset_stats()
    again = stores.run("catalog")
    assert stores.writes() == {"multi": 0, "solo": 0}
    for shop in (MAIN, OUTLET, SOLO):
        assert again[shop]["counts"].get("created", 0) == again[shop]["counts"].get("updated", 0) == 0
        assert again[shop]["counts"]["unchanged"] == runs[shop]["counts"]["created"]


def test_prices_are_the_shops_own(stores, tryton_catalog):
    runs = stores.run("prices")
    assert {name: run["status"] for name, run in runs.items()} == {
        "tryton": "ok", MAIN: "ok", OUTLET: "ok", SOLO: "ok"}, {n: r["message"] for n, r in runs.items()}
    remotes = in_category(tryton_catalog, "telecommandes")
    main, outlet, solo = stores.products(MAIN), stores.products(OUTLET), stores.products(SOLO)
    for sku, product in remotes.items():
        assert Decimal(main[sku]["price"]) == Decimal(solo[sku]["price"]) == product.list_price, sku
        # The outlet's base price list, in the outlet only (product_shop of shop 2).
        assert Decimal(outlet[sku]["price"]) == product.list_price * Decimal("0.8"), sku

    def specific(shop: str) -> list[dict]:
        rows = stores.get(shop, "/specific_prices", display="[id,id_product,id_shop,id_group,from_quantity]").json()
        return (rows or {}).get("specific_prices", [])

    everything = specific(MAIN)            # specific prices have no shop association: every row, with its id_shop
    by_shop: dict[int, list[dict]] = {}
    for row in everything:
        by_shop.setdefault(int(row["id_shop"]), []).append(row)
    assert set(by_shop) == {1, stores.outlet_id}
    main_ids = {int(r["id"]) for r in main.values()}
    outlet_ids = {int(r["id"]) for r in outlet.values()}
    # Shop 1: the B2B group's prices, on shop 1's products. Shop 2: its base list's quantity tier, for
    # everyone, on shop 2's products.
    assert {int(r["id_product"]) for r in by_shop[1]} <= main_ids
    assert {int(r["id_group"]) for r in by_shop[1]} == {int(stores.b2b["multi"])}
    assert {int(r["id_product"]) for r in by_shop[stores.outlet_id]} <= outlet_ids
    assert {(int(r["id_group"]), int(r["from_quantity"])) for r in by_shop[stores.outlet_id]} == {(0, 10)}
    # The separate installation: one shop, prices for all its shops (id_shop 0).
    assert {int(r["id_shop"]) for r in specific(SOLO)} == {0}

    stores.reset_stats()
    again = stores.run("prices")
    assert stores.writes() == {"multi": 0, "solo": 0}
    for shop in (MAIN, OUTLET, SOLO):
        assert again[shop]["counts"].get("created", 0) == again[shop]["counts"].get("updated", 0) == 0


def test_a_price_change_in_the_erp_reaches_each_shop_at_its_own_price(stores, tryton_catalog):
    sku, product = next(iter(in_category(tryton_catalog, "telecommandes").items()))   # with variants
    rpc = _rpc(stores)
    [template] = rpc.search_read("product.template", [("code", "=", sku)], ["id"])
    rpc.model("product.template", "write", [template["id"]], {"list_price": Decimal("50.00")})
    try:
        runs = stores.run("prices")
        # The base price, and the price rules computed from it: per variant, the B2B price and its tier
        # of 10 in shop 1 and in the other installation, the base list's tier of 10 in the outlet.
        variants = len(product.variants)
        updated = {shop: runs[shop]["counts"]["updated"] for shop in (MAIN, OUTLET, SOLO)}
        assert updated == {MAIN: 1 + 2 * variants, OUTLET: 1 + variants, SOLO: 1 + 2 * variants}, runs
        assert Decimal(stores.products(MAIN)[sku]["price"]) == Decimal("50")
        assert Decimal(stores.products(SOLO)[sku]["price"]) == Decimal("50")
        assert Decimal(stores.products(OUTLET)[sku]["price"]) == Decimal("40")
    finally:
        rpc.model("product.template", "write", [template["id"]], {"list_price": product.list_price})
        stores.run("prices")
    assert Decimal(stores.products(OUTLET)[sku]["price"]) == product.list_price * Decimal("0.8")


def test_stock_rows_are_the_shops_own(stores, tryton_catalog):
    runs = stores.run("stock")
    assert {name: run["status"] for name, run in runs.items()} == {
        "tryton": "ok", MAIN: "ok", OUTLET: "ok", SOLO: "ok"}, {n: r["message"] for n, r in runs.items()}
    # The webservice ignores id_shop on stock_availables (07-multistore/024): every row of the
    # installation comes back, each with its id_shop.
    rows = stores.get(MAIN, "/stock_availables", display="[id,id_product,id_product_attribute,id_shop,quantity]")
    multi_rows = rows.json()["stock_availables"]
    assert stores.get(OUTLET, "/stock_availables", display="[id]").json() == {
        "stock_availables": [{"id": row["id"]} for row in multi_rows]}
    solo_rows = stores.get(SOLO, "/stock_availables", display="[id,id_product,id_product_attribute,id_shop,quantity]"
                           ).json()["stock_availables"]
    stock = {(int(r["id_shop"]), int(r["id_product"]), int(r["id_product_attribute"])): int(r["quantity"])
             for r in multi_rows}
    solo_stock = {(int(r["id_product"]), int(r["id_product_attribute"])): int(r["quantity"]) for r in solo_rows}
    remotes, accessories = in_category(tryton_catalog, "telecommandes"), in_category(tryton_catalog, "accessoires")
    checked = 0
    for shop, shop_id, products, warehouses in (
            (MAIN, 1, {**remotes, **accessories}, ("TLS", "BDX")),
            (OUTLET, stores.outlet_id, remotes, ("BDX",)),
            (SOLO, None, remotes, ("TLS",))):
        listed, combinations = stores.products(shop), stores.combinations(shop)
        for sku, product in products.items():
            product_id = int(listed[sku]["id"])
            rows_of_product = {key for key in stock if key[1] == product_id}
            if shop_id is not None:
                assert {key[0] for key in rows_of_product} == {shop_id}, (shop, sku)   # rows of its shop only
            for variant in product.variants:
                combination = int(combinations[variant.code]["id"]) if product.attribute_set else 0
                expected = sum(variant.stock.get(w, 0) for w in warehouses)
                held = solo_stock[(product_id, combination)] if shop_id is None else stock[
                    (shop_id, product_id, combination)]
                assert held == expected, (shop, variant.code)
                checked += 1
    assert checked > 150
    # The same article, in each shop of the installation, from that shop's warehouses.
    variant = next(v for p in remotes.values() for v in p.variants if v.stock.get("TLS") and v.stock.get("BDX"))
    in_main, in_outlet = stores.combinations(MAIN)[variant.code], stores.combinations(OUTLET)[variant.code]
    assert stock[(1, int(in_main["id_product"]), int(in_main["id"]))] == variant.stock["TLS"] + variant.stock["BDX"]
    assert stock[(stores.outlet_id, int(in_outlet["id_product"]), int(in_outlet["id"]))] == variant.stock["BDX"]

    stores.reset_stats()
    again = stores.run("stock")
    assert stores.writes() == {"multi": 0, "solo": 0}
    for shop in (MAIN, OUTLET, SOLO):
        assert again[shop]["counts"].get("updated", 0) == 0, again[shop]["counts"]


def test_a_product_leaving_one_shops_assortment_leaves_that_shop_only(stores, tryton_catalog):
    sku = next(sku for sku, p in in_category(tryton_catalog, "telecommandes").items() if p.attribute_set)
    stores.configure(outlet_excluded=[sku])
    try:
        runs = stores.run("catalog")
        assert runs[OUTLET]["counts"]["deactivated"] == 1, runs[OUTLET]["counts"]
        assert runs[MAIN]["counts"].get("deactivated", 0) == runs[SOLO]["counts"].get("deactivated", 0) == 0
        assert str(stores.products(OUTLET)[sku]["active"]) == "0"
        assert str(stores.products(MAIN)[sku]["active"]) == str(stores.products(SOLO)[sku]["active"]) == "1"
        stores.reset_stats()
        for flow in ("catalog", "prices", "stock"):
            stores.run(flow)
        assert stores.writes() == {"multi": 0, "solo": 0}          # retired once, not again
    finally:
        stores.configure()
    back = stores.run("catalog")
    assert back[OUTLET]["counts"]["updated"] == 1, back[OUTLET]["counts"]
    assert str(stores.products(OUTLET)[sku]["active"]) == "1"
    assert str(stores.products(MAIN)[sku]["active"]) == "1"


def _rpc(stores: Multistore) -> Rpc:
    rpc = Rpc(stores.erp.url, stores.erp.name)
    rpc.login(stores.erp.user, stores.erp.password)
    return rpc
