"""Stock changes since a cursor, against a real trytond 8.2 (the sandbox's seeded catalog, fixtures of
tests/fixtures/tryton.py). Expected values come from the seed's data contract and from Tryton's own
``read_stock``, never from the code under test."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from courroie.connectors.tryton import TrytonConfig, TrytonErp
from courroie.sandbox.tryton import contract
from courroie.sandbox.tryton.catalog import Catalog
from tests.connectors.tryton.test_tryton_on_trytond import plan_move

pytestmark = [pytest.mark.slow, pytest.mark.tryton, pytest.mark.anyio]

WAREHOUSES = list(contract.WAREHOUSES)                     # ["TLS", "BDX"]


@pytest.fixture
async def erp(tryton_db) -> AsyncIterator[TrytonErp]:
    erp = TrytonErp(TrytonConfig(url=tryton_db.url, database=tryton_db.name, user=tryton_db.user,
                                 password=tryton_db.password, languages=list(contract.LANGUAGES),
                                 warehouses=WAREHOUSES, sale_warehouse="TLS"))
    yield erp
    await erp.aclose()


async def move(erp: TrytonErp, sku: str, quantity: int, source: str, destination: str, *, days: int = 0) -> None:
    """A draft stock move (a reception or a delivery), planned ``days`` ahead."""
    await plan_move(erp, sku, quantity, source, destination, days=days)


async def test_from_nothing_everything_is_read_with_the_time_of_the_latest_move(erp):
    levels, cursor = await erp.read_stock_changes(WAREHOUSES, None)
    everything = await erp.read_stock(WAREHOUSES)
    assert {(lv.sku, lv.location, lv.quantity) for lv in levels} == {(lv.sku, lv.location, lv.quantity)
                                                                     for lv in everything}
    assert cursor is not None and cursor.tzinfo is not None
    assert cursor <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert all(level.categories for level in levels if level.sku.startswith("MOT"))   # motors sit in categories


async def test_a_move_is_read_as_a_change_of_just_its_article_and_of_the_kits_made_of_it(erp, tryton_catalog: Catalog):
    _, cursor = await erp.read_stock_changes(WAREHOUSES, None)
    kit = next(p for p in tryton_catalog.products if p.type == "kit")
    component, per_kit = kit.components[0]
    plain = next(v.code for p in tryton_catalog.products if p.type == "goods" for v in p.variants
                 if v.stock.get("BDX", 0) >= 3 and v.code != component)
    since = cursor + dt.timedelta(seconds=1)                          # after the seed's moves
    assert (await erp.read_stock_changes(WAREHOUSES, since))[0] == []

    await move(erp, plain, 3, "BDX-STO", "customer", days=3)          # a delivery planned in Bordeaux
    await move(erp, component, 50, "supplier", "TLS-STO")             # a reception in Toulouse, today
    levels, newest = await erp.read_stock_changes(WAREHOUSES, since)

    changed = {level.sku for level in levels}
    assert {plain, component, kit.variants[0].code} <= changed
    assert len(changed) < 10                                          # not the whole catalog
    now = {(lv.sku, lv.location): lv.quantity for lv in await erp.read_stock(WAREHOUSES)}
    assert all(level.quantity == now[(level.sku, level.location)] for level in levels)
    before = next(v for p in tryton_catalog.products for v in p.variants if v.code == plain).stock["BDX"]
    assert now[(plain, "BDX")] == before - 3
    assert newest > cursor
    again, latest = await erp.read_stock_changes(WAREHOUSES, newest + dt.timedelta(seconds=1))
    assert (again, latest) == ([], newest + dt.timedelta(seconds=1))


async def test_a_move_between_other_locations_is_no_change_of_these_warehouses(erp, tryton_catalog: Catalog):
    _, cursor = await erp.read_stock_changes(["BDX"], None)
    sku = next(v.code for p in tryton_catalog.products if p.type == "goods" for v in p.variants
               if v.stock.get("TLS", 0) >= 2)
    await move(erp, sku, 2, "TLS-STO", "customer", days=1)
    since = cursor + dt.timedelta(seconds=1)
    toulouse, _ = await erp.read_stock_changes(["TLS"], since)
    bordeaux, _ = await erp.read_stock_changes(["BDX"], since)
    assert sku in {level.sku for level in toulouse}
    assert sku not in {level.sku for level in bordeaux}
