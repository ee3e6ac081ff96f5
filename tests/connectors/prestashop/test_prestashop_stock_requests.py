"""What a stock push costs in requests, counted by the PrestaShop sandbox (``/_sandbox/stats``).

A pass of changes sends the complete rows the connector already holds (what it last read or wrote;
the reconciliation's bulk read renews them all): one batch PUT per ``stock_batch_size`` rows and no
read. Only articles it has never seen are read first, in bulk (one GET per 100 products)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from lxml import etree
from prestashop_samples import KEY
from pydantic import SecretStr

from courroie.connectors.prestashop import PrestaShopConfig, PrestaShopShop
from courroie.connectors.prestashop.client import PrestaShopClient
from courroie.connectors.prestashop.mapping import as_int, as_text
from courroie.connectors.protocols import StockUpdate
from courroie.errors import DataError

pytestmark = [pytest.mark.prestashop, pytest.mark.anyio]

PRODUCTS = 120
BATCH = 50                      # the default stock_batch_size
PUTS = math.ceil(PRODUCTS / BATCH)
READS = math.ceil(PRODUCTS / 100)      # client.IDS_PER_FILTER products per filtered GET


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    prestashop = pytest.importorskip("courroie.sandbox.prestashop")
    with prestashop.run_in_thread(data_dir=tmp_path, key=KEY) as url:
        yield url


@pytest.fixture
async def api(sandbox: str) -> AsyncIterator[PrestaShopClient]:
    client = PrestaShopClient(str(sandbox).rstrip("/").removesuffix("/api"), SecretStr(KEY))
    yield client
    await client.aclose()


@pytest.fixture
async def products(api: PrestaShopClient) -> list[str]:
    """PRODUCTS simple products (one stock row each), created 20 per POST."""
    ids: list[str] = []
    for start in range(0, PRODUCTS, 20):
        created = await api.post("products", [_product(f"REQ-{n}") for n in range(start, min(start + 20, PRODUCTS))])
        ids += [as_text(row["id"]) for row in created]
    return ids


def _product(sku: str) -> etree._Element:
    return etree.fromstring(f"""<product><price>10</price><id_tax_rules_group>1</id_tax_rules_group>
<active>1</active><state>1</state><reference>{sku}</reference><id_category_default>2</id_category_default>
<name><language id="1">{sku}</language></name><link_rewrite><language id="1">{sku.lower()}</language></link_rewrite>
</product>""")


def _shop(sandbox: str, **settings) -> PrestaShopShop:
    return PrestaShopShop(PrestaShopConfig(name="counted", url=str(sandbox).rstrip("/").removesuffix("/api"),
                                           key=KEY, languages={"en": 1}, stock_rows_from_memory=True,
                                           **settings))


def _requests(sandbox) -> dict[str, int]:
    """Requests the sandbox served since the last call, by method and resource."""
    stats = sandbox.control.stats()
    sandbox.control.reset_stats()
    return {name: count for name, count in stats.items() if name != "requests"}


def _updates(ids: list[str], quantity: int) -> list[StockUpdate]:
    return [StockUpdate(product_id, "0", quantity + n % 5) for n, product_id in enumerate(ids)]


async def test_a_pass_of_changes_costs_one_put_per_batch_and_no_read(sandbox, products: list[str]) -> None:
    async with _shop(sandbox) as shop:
        _requests(sandbox)
        await shop.write_stock(_updates(products, 10))          # never seen: read in bulk, then written
        assert _requests(sandbox) == {"GET stock_availables": READS, "PUT stock_availables": PUTS}

        await shop.write_stock(_updates(products, 20))          # a pass of changes: rows known, written whole
        assert _requests(sandbox) == {"PUT stock_availables": PUTS}

        shown = await shop.read_stock()                         # the reconciliation: one bulk read
        assert _requests(sandbox) == {"GET stock_availables": 1}
        assert [shown[(product_id, "0")] for product_id in products] == [20 + n % 5 for n in range(PRODUCTS)]

    async with _shop(sandbox) as restarted:                     # a new process knows no row until it reads
        await restarted.read_stock()
        _requests(sandbox)
        await restarted.write_stock(_updates(products, 30))
        assert _requests(sandbox) == {"PUT stock_availables": PUTS}
        assert [(await restarted.read_stock())[(p, "0")] for p in products] == [30 + n % 5 for n in range(PRODUCTS)]


async def test_a_figure_the_shop_moved_itself_is_written_again(sandbox, api: PrestaShopClient,
                                                               products: list[str]) -> None:
    """The connector does not trust its memory of quantities: the hub asks, the row is written."""
    first = products[0]
    async with _shop(sandbox) as shop:
        await shop.write_stock([StockUpdate(first, "0", 5)])
        [row] = await api.read("stock_availables", filters={"id_product": f"[{first}]"})
        sold = etree.fromstring(f"""<stock_available><id>{row['id']}</id><id_product>{first}</id_product>
<id_product_attribute>0</id_product_attribute><id_shop>1</id_shop><id_shop_group>0</id_shop_group>
<quantity>3</quantity><depends_on_stock>0</depends_on_stock><out_of_stock>2</out_of_stock><location>A-12</location>
</stock_available>""")
        await api.put("stock_availables", [sold])               # the shop sold two; the merchant set a location
        assert (await shop.read_stock())[(first, "0")] == 3     # the reconciliation sees it …
        _requests(sandbox)
        await shop.write_stock([StockUpdate(first, "0", 5)])    # … and writes the figure again, unread
        assert _requests(sandbox) == {"PUT stock_availables": 1}
        [row] = await api.read("stock_availables", filters={"id_product": f"[{first}]"})
        assert (as_int(row["quantity"]), as_text(row["location"])) == (5, "A-12")


async def test_a_row_gone_from_the_shop_costs_one_read_and_is_reported(sandbox, api: PrestaShopClient,
                                                                      products: list[str]) -> None:
    gone, kept = products[:2]
    async with _shop(sandbox) as shop:
        await shop.write_stock([StockUpdate(gone, "0", 4), StockUpdate(kept, "0", 4)])
        await api.delete("products", gone)                      # its stock row goes with it
        _requests(sandbox)
        with pytest.raises(DataError) as caught:
            await shop.write_stock([StockUpdate(gone, "0", 6), StockUpdate(kept, "0", 6)])
        assert caught.value.details == {"no_stock_row": [f"{gone}/0"], "refused": []}
        # the batch refused, then row by row; the refused row read again: gone
        assert _requests(sandbox) == {"PUT stock_availables": 3, "GET stock_availables": 1}
        assert (await shop.read_stock())[(kept, "0")] == 6
