"""The connector's behaviour against a running webservice: a real PrestaShop 8, or the local sandbox.

* live: ``COURROIE_LIVE_PRESTASHOP_URL`` and ``COURROIE_LIVE_PRESTASHOP_KEY`` name a shop whose key
  may do everything ``check()`` asks for (skipped otherwise; ``-k "live and prestashop"``). Every run
  uses its own references and deletes what the webservice lets it delete.
* sandbox: ``courroie.sandbox.prestashop`` served on a local port (skipped while it does not exist).

The same test functions run against both; the sandbox must behave like the real shop. The fixtures
(``target``, ``api``, ``shop``, ``cleanup``, ``run``) live in ``prestashop_targets``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from lxml import etree
from prestashop_targets import Target, one

from courroie.connectors.prestashop import PrestaShopConfig, PrestaShopShop
from courroie.connectors.prestashop.client import PrestaShopClient, filter_values
from courroie.connectors.prestashop.mapping import all_texts, as_int, as_text
from courroie.connectors.protocols import ShopProductIds, StatusUpdate, StockUpdate
from courroie.errors import DataError
from courroie.model import Category, Money, Product, SaleState, Variant

pytestmark = [pytest.mark.prestashop, pytest.mark.anyio]


def product(run: str, *sizes: str, price: str = "20") -> Product:
    variants = tuple(Variant(sku=f"CRT-{run}-{size}", attributes={f"Taille {run}": size}, ean13=None)
                     for size in sizes)
    return Product(sku=f"CRT-{run}", name={"en": f"Courroie test {run}", "fr": f"Essai courroie {run}"},
                   short_description={"en": "<p>Made by the test suite</p>"}, price=Money(amount=Decimal(price)),
                   weight=Decimal("0.5"), variants=variants)


# --- check ------------------------------------------------------------------------------------


async def test_check_passes(shop: PrestaShopShop) -> None:
    results = await shop.check()
    assert [r for r in results if not r.ok] == []


async def test_check_reports_a_wrong_key(target: Target) -> None:
    config = PrestaShopConfig(name="wrong-key", url=target.url, key="WRONGKEY000000000000000000000000")
    async with PrestaShopShop(config) as wrong:
        results = await wrong.check()
    assert [(r.what, r.ok) for r in results] == [("reachable", True), ("authenticated", False)]
    assert results[1].fix


# --- catalog ----------------------------------------------------------------------------------


async def test_categories_are_created_and_renamed(shop: PrestaShopShop, api: PrestaShopClient, cleanup, run) -> None:
    parent = await shop.create_category(Category(key=f"P{run}", name={"en": f"Parent {run}"}), None)
    cleanup.append(("categories", parent))
    child = await shop.create_category(Category(key=f"C{run}", name={"en": f"Child {run}", "fr": f"Enfant {run}"}),
                                       parent)
    cleanup.append(("categories", child))
    await shop.update_category(child, Category(key=f"C{run}", name={"en": f"Renamed {run}"}), parent)

    row = await one(api, "categories", child)
    assert as_text(row["id_parent"]) == parent
    assert all_texts(row["name"]) == [f"Renamed {run}"] * len(shop.config.languages)


async def test_simple_product_stock_and_deactivation(shop: PrestaShopShop, api: PrestaShopClient, cleanup, run) -> None:
    simple = product(run)
    ids = await shop.create_product(simple, [])
    cleanup.append(("products", ids.product_id))
    assert ids.variant_ids == {simple.sku: "0"}

    await shop.write_stock([StockUpdate(ids.product_id, "0", 7)])
    assert (await shop.read_stock())[(ids.product_id, "0")] == 7

    assert await shop.find_product(simple.sku) == ids
    assert await shop.find_product(f"{simple.sku}-NOPE") is None

    changed = simple.model_copy(update={"price": Money(amount=Decimal("24.5"))})
    assert await shop.update_product(ids, changed, []) == ids
    row = await one(api, "products", ids.product_id)
    assert Decimal(as_text(row["price"])) == Decimal("24.5")
    assert as_text(row["reference"]) == simple.sku                        # PATCH left the rest as it was
    assert f"Courroie test {run}" in all_texts(row["name"])

    await shop.deactivate_product(ids.product_id)
    assert as_int((await one(api, "products", ids.product_id))["active"]) == 0


async def test_product_with_combinations_follows_the_erp(shop: PrestaShopShop, api: PrestaShopClient, cleanup,
                                                          run) -> None:
    tee = product(run, "S", "M")
    ids = await shop.create_product(tee, [])
    cleanup.append(("products", ids.product_id))
    assert set(ids.variant_ids) == {f"CRT-{run}-S", f"CRT-{run}-M"}
    assert await shop.find_product(tee.sku) == ids
    group_ids = {as_text(row["id_attribute_group"]) for row in await api.read(
        "product_option_values", display="[id,id_attribute_group]",
        filters={"id": filter_values(await _option_value_ids(api, ids))})}
    cleanup.extend(("product_options", group_id) for group_id in sorted(group_ids))

    # M becomes dearer, S disappears, L and XL arrive.
    variants = {variant.attributes[f"Taille {run}"]: variant for variant in product(run, "M", "L", "XL").variants}
    variants["M"] = variants["M"].model_copy(update={"price": Money(amount=Decimal("23"))})
    updated = await shop.update_product(ids, tee.model_copy(update={"variants": tuple(variants.values())}), [])

    skus = {f"CRT-{run}-{size}" for size in ("M", "L", "XL")}
    assert set(updated.variant_ids) == skus
    assert updated.variant_ids[f"CRT-{run}-M"] == ids.variant_ids[f"CRT-{run}-M"]
    rows = {as_text(row["reference"]): row for row in await api.read(
        "combinations", filters={"id_product": filter_values([ids.product_id])})}
    assert set(rows) == skus
    assert Decimal(as_text(rows[f"CRT-{run}-M"]["price"])) == Decimal("3")

    # Three rows in batches of two (stock_batch_size=2).
    await shop.write_stock([StockUpdate(ids.product_id, combination, 5 + index)
                            for index, combination in enumerate(updated.variant_ids.values())])
    levels = await shop.read_stock()
    assert [levels[(ids.product_id, c)] for c in updated.variant_ids.values()] == [5, 6, 7]


async def _option_value_ids(api: PrestaShopClient, ids: ShopProductIds) -> list[str]:
    combinations = await api.read("combinations", filters={"id": filter_values(ids.variant_ids.values())})
    return sorted({as_text(value["id"]) for row in combinations
                   for value in row.get("associations", {}).get("product_option_values", [])})


async def test_write_stock_reports_unknown_rows(shop: PrestaShopShop, cleanup, run) -> None:
    ids = await shop.create_product(product(run), [])
    cleanup.append(("products", ids.product_id))
    with pytest.raises(DataError) as caught:
        await shop.write_stock([StockUpdate(ids.product_id, "0", 3), StockUpdate("999999999", "0", 1)])
    assert caught.value.details["no_stock_row"] == ["999999999/0"]
    assert (await shop.read_stock())[(ids.product_id, "0")] == 3


# --- orders -----------------------------------------------------------------------------------


async def test_read_orders_never_raises(shop: PrestaShopShop) -> None:
    since = datetime.now(UTC) - timedelta(days=365)
    async for incoming in shop.read_orders(since):
        assert incoming.raw and (incoming.order is None) != (incoming.error is None)
        if incoming.order:
            assert incoming.order.lines and incoming.order.customer.email


async def _place_order(api: PrestaShopClient, product_id: str, cleanup: list, run: str) -> str:
    """An order as 04-writes/045-053 placed one: customer, address, cart, order (payment by check)."""
    def record(name: str, **fields: object) -> etree._Element:
        element = etree.Element(name)
        for field, value in fields.items():
            etree.SubElement(element, field).text = str(value)
        return element

    country = as_text((await api.read("countries", display="[id,iso_code]", filters={"iso_code": "[FR]"}))[0]["id"])
    currency = as_text((await api.read("currencies", display="[id]"))[0]["id"])
    carriers = await api.read("carriers", display="[id]", filters={"active": "[1]", "deleted": "[0]"})
    carrier = as_text(carriers[0]["id"])
    customer = as_text((await api.post("customers", [record(
        "customer", passwd="Courroie-Test-1", lastname="Test", firstname="Courroie",
        email=f"courroie.{run.lower()}@example.com", active=1)]))[0]["id"])
    cleanup.append(("customers", customer))
    address = as_text((await api.post("addresses", [record(
        "address", id_customer=customer, id_country=country, alias="Home", lastname="Test", firstname="Courroie",
        address1="1 rue de la Paix", postcode="75002", city="Paris")]))[0]["id"])
    cleanup.append(("addresses", address))
    cart = record("cart", id_currency=currency, id_lang=1, id_customer=customer, id_address_delivery=address,
                  id_address_invoice=address, id_carrier=carrier, delivery_option=f'{{"{address}":"{carrier},"}}')
    rows = etree.SubElement(etree.SubElement(cart, "associations"), "cart_rows")
    rows.append(record("cart_row", id_product=product_id, id_product_attribute=0, id_address_delivery=address,
                       quantity=1))
    cart_id = as_text((await api.post("carts", [cart]))[0]["id"])
    cleanup.append(("carts", cart_id))
    order = as_text((await api.post("orders", [record(
        "order", id_address_delivery=address, id_address_invoice=address, id_cart=cart_id, id_currency=currency,
        id_lang=1, id_customer=customer, id_carrier=carrier, module="ps_checkpayment", payment="Payment by check",
        current_state=1, valid=0, conversion_rate=1, total_paid="1.00", total_paid_real="1.00",
        total_products="1.00", total_products_wt="1.00")]))[0]["id"])
    cleanup.append(("orders", order))
    return order


async def test_order_status_and_tracking_are_idempotent(shop: PrestaShopShop, api: PrestaShopClient, cleanup,
                                                        run) -> None:
    ids = await shop.create_product(product(run), [])
    cleanup.append(("products", ids.product_id))
    await shop.write_stock([StockUpdate(ids.product_id, "0", 10)])
    order_id = await _place_order(api, ids.product_id, cleanup, run)

    incoming = [o async for o in shop.read_orders(datetime.now(UTC) - timedelta(hours=2)) if o.external_id == order_id]
    assert incoming and incoming[0].order and incoming[0].order.lines[0].sku == f"CRT-{run}"

    async def history() -> list[int]:
        return [as_int(row["id_order_state"]) for row in await api.read(
            "order_histories", display="[id,id_order_state]", filters={"id_order": filter_values([order_id])})]

    await shop.set_order_status(StatusUpdate(order_id, SaleState.ACCEPTED))
    await shop.set_order_status(StatusUpdate(order_id, SaleState.ACCEPTED))
    assert as_int((await one(api, "orders", order_id, "[id,current_state]"))["current_state"]) == 3
    assert (await history()).count(3) == 1

    tracking = f"TRK{run}"
    for _ in range(2):
        await shop.set_order_status(StatusUpdate(order_id, SaleState.SHIPPED, tracking))
    assert (await history()).count(4) == 1
    carriers = await api.read("order_carriers", filters={"id_order": filter_values([order_id])})
    assert as_text(carriers[0]["tracking_number"]) == tracking
