"""Kill the hub in the middle of an order import, at every point where it could hurt, then run again:
exactly one ERP sale per shop order, every time."""

from __future__ import annotations

import pytest

from courroie.engine.failpoints import EXIT_CODE
from tests.flows.test_end_to_end import in_stock_skus

pytestmark = [pytest.mark.slow, pytest.mark.tryton]

POINTS = [
    "orders.after_receive",           # in the inbox, nothing in the ERP yet
    "orders.before_create_sale",      # customer and addresses written, no sale
    "orders.after_create_sale",       # a quotation exists, the hub does not know it
    "orders.after_confirm_sale",      # confirmed in the ERP, not recorded in the hub
    "orders.after_binding",           # recorded, but the inbox still says "new"
]


@pytest.fixture(scope="module")
def published(env):
    for flow in ("catalog", "stock"):
        result = env.cli("sync", flow)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("point", POINTS)
def test_killed_import_leaves_exactly_one_sale_per_order(env, published, tryton_catalog, point):
    skus = in_stock_skus(tryton_catalog, "TLS", 2)
    orders = [env.place_order("shop-a", [(skus[0], 1)], email=f"crash-{point}@example.com"),
              env.place_order("shop-a", [(skus[1], 2)], email=f"crash-{point}@example.com")]
    killed = env.cli("sync", "orders", "--shop", "shop-a", failpoint=point)
    assert killed.returncode == EXIT_CODE, killed.stdout + killed.stderr
    again = env.cli("sync", "orders", "--shop", "shop-a")
    assert again.returncode == 0, again.stdout + again.stderr
    erp = env.tryton()
    for order in orders:
        sales = erp.sales(f"shop-a/{order['reference']}")
        assert len(sales) == 1 and sales[0]["state"] in ("confirmed", "processing")
    hub = env.hub()
    assert all(hub.inbox.by_reference("shop-a", o["reference"]).state == "imported" for o in orders)
    parties = erp.search_read("party.contact_mechanism", [("value", "=", f"crash-{point}@example.com")], ["party"])
    assert len({p["party"] for p in parties}) == 1     # the customer too exists once
