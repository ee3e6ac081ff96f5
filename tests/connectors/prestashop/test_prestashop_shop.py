"""``PrestaShopShop`` end to end over captured answers: what it sends, how few requests, what it returns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from prestashop_captures import (
    CapturedResponse,
    Router,
    as_list,
    batch_xml,
    body_contains,
    body_records,
    has_params,
    json_body,
    load,
    response,
    tag_order,
)
from prestashop_samples import TEE

from courroie.connectors.protocols import ShopProductIds, StatusUpdate, StockUpdate
from courroie.errors import DataError, TransientError
from courroie.model import Category, SaleState

pytestmark = [pytest.mark.prestashop, pytest.mark.anyio]

EMPTY = response("03-query-features/012-filter-no-match-json")

# The sample product with the attribute group the captures created (04-writes/004-006).
SYNC_TEE = TEE.model_copy(update={"variants": tuple(
    variant.model_copy(update={"attributes": {"SyncSize": size}})
    for variant, size in zip(TEE.variants, "SM", strict=True))})


def sent_records(router: Router, method: str, path: str) -> list[list[dict]]:
    return [body_records(request.content) for request in router.sent(method, path)]


def captured(name: str) -> list[dict]:
    return body_records(load(name).request.body)


# --- catalog ----------------------------------------------------------------------------------


async def test_create_category(router: Router, shop_for) -> None:
    router.add("POST", "/api/categories", response("04-writes/001-post-category-xml"))
    category = Category(key="C1", name={"en": "Sync Test Category", "fr": "Catégorie test sync"})
    assert await shop_for().create_category(category, None) == "10"
    expected = captured("04-writes/001-post-category-xml")[0]
    del expected["description"]
    assert sent_records(router, "POST", "/api/categories") == [[expected]]


async def test_update_category_patches(router: Router, shop_for) -> None:
    router.add("PATCH", "/api/categories/10", response("04-writes/001-post-category-xml"))
    await shop_for().update_category("10", Category(key="C1", name={"en": "Gates", "fr": "Portails"}), "3")
    [[fields]] = sent_records(router, "PATCH", "/api/categories/10")
    assert fields["id_parent"] == 3 and fields["name"] == {"1": "Gates", "2": "Portails"}
    assert fields["link_rewrite"] == {"1": "gates", "2": "portails"}


def option_routes(router: Router) -> Router:
    """The shop's attributes as the captures show them: groups Size and Color, values S and M of Size."""
    return (router
            .add("GET", "/api/product_options",
                 response("02-resource-product_options/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/product_option_values",
                 response("02-resource-product_option_values/004-list-display-full-limit-0-2-json")))


async def test_create_product_with_combinations(router: Router, shop_for) -> None:
    """Product and combinations as in 04-writes/002-008; a new attribute group and its values are
    created first, the combinations of the product go in one batch POST."""
    product = SYNC_TEE
    (option_routes(router)
     .add("POST", "/api/product_options", response("04-writes/004-post-product-option"))
     .add("POST", "/api/product_option_values", response("04-writes/005-post-product-option-value-S"),
          when=body_contains('<language id="1">S<'))
     .add("POST", "/api/product_option_values", response("04-writes/006-post-product-option-value-M"),
          when=body_contains('<language id="1">M<'))
     .add("POST", "/api/products", response("04-writes/002-post-product-2-languages"))
     .add("POST", "/api/combinations",
          batch_xml("04-writes/007-post-combination-1", "04-writes/008-post-combination-2")))
    shop = shop_for()

    ids = await shop.create_product(product, ["10", "2"])

    assert ids == ShopProductIds("21", {"SYNC-REF-100-1": "40", "SYNC-REF-100-2": "41"})
    [combinations] = sent_records(router, "POST", "/api/combinations")
    assert combinations == captured("04-writes/007-post-combination-1") + captured("04-writes/008-post-combination-2")
    [[group]] = sent_records(router, "POST", "/api/product_options")
    assert group["name"] == {"1": "SyncSize", "2": "SyncSize"}
    assert [request.method for request in router.requests].count("POST") == 5

    # A second product with the same attributes finds them in the connector's cache.
    router.requests.clear()
    router.add("POST", "/api/products", response("04-writes/002-post-product-2-languages"))
    await shop.create_product(product, ["10"])
    assert [(r.method, r.url.path) for r in router.requests] == [("POST", "/api/products"),
                                                                  ("POST", "/api/combinations")]


async def test_create_simple_product(router: Router, shop_for) -> None:
    router.add("POST", "/api/products", response("04-writes/027-post-scratch-product"))
    simple = TEE.model_copy(update={"variants": ()})
    assert await shop_for().create_product(simple, []) == ShopProductIds("22", {"SYNC-REF-100": "0"})
    [[fields]] = sent_records(router, "POST", "/api/products")
    assert fields["id_category_default"] == 2 and fields["associations"] == {"categories": [2]}   # home category


async def test_product_is_removed_when_its_combinations_fail(router: Router, shop_for) -> None:
    (option_routes(router)
     .add("POST", "/api/product_options", response("04-writes/004-post-product-option"))
     .add("POST", "/api/product_option_values", response("04-writes/005-post-product-option-value-S"))
     .add("POST", "/api/products", response("04-writes/002-post-product-2-languages"))
     .add("POST", "/api/combinations", response("04-writes/060-post-order-history-bad-state"))     # 500, empty
     .add("DELETE", "/api/products/21", response("04-writes/032-delete-product")))
    product = TEE.model_copy(update={"variants": TEE.variants[:1]})
    with pytest.raises(TransientError):
        await shop_for().create_product(product, ["10"])
    assert len(router.sent("DELETE", "/api/products/21")) == 1


async def test_update_product_patches_and_creates_only_what_changed(router: Router, shop_for) -> None:
    """Combination 40 already matches and is left alone; SYNC-REF-100-2 is missing in the shop and is
    created (as in 04-writes/008); the product is PATCHed, never PUT (PUT wipes, 04-writes/028)."""
    product = SYNC_TEE
    (router
     .add("GET", "/api/product_options", as_list("product_options", "02-resource-product_options/006-get-5-json"))
     .add("GET", "/api/product_option_values", as_list("product_option_values",
                                                        "02-resource-product_option_values/006-get-26-json"))
     .add("POST", "/api/product_option_values", response("04-writes/006-post-product-option-value-M"))
     .add("PATCH", "/api/products/21", response("04-writes/030-patch-product"))
     .add("GET", "/api/combinations", as_list("combinations", "02-resource-combinations/006-get-40-json"),
          when=has_params(filter_id_product="[21]"))
     .add("POST", "/api/combinations", response("04-writes/008-post-combination-2")))
    ids = await shop_for().update_product(ShopProductIds("21", {"SYNC-REF-100-1": "40"}), product, ["10"])

    assert ids == ShopProductIds("21", {"SYNC-REF-100-1": "40", "SYNC-REF-100-2": "41"})
    assert sent_records(router, "POST", "/api/combinations") == [captured("04-writes/008-post-combination-2")]
    assert not router.sent("PATCH", "/api/combinations/40") and not router.sent("PUT", "/api/products/21")
    [[patch]] = sent_records(router, "PATCH", "/api/products/21")
    assert patch["id"] == 21 and patch["price"] == Decimal(20)
    # Owned by the ERP and empty there: features cleared, not a pack.
    assert patch["associations"] == {"categories": [10], "product_features": [], "product_bundle": []}


async def test_update_product_fixes_a_changed_combination_and_drops_a_removed_one(router: Router, shop_for) -> None:
    product = TEE.model_copy(update={"variants": (TEE.variants[0].model_copy(
        update={"attributes": {"SyncSize": "S"}, "price": TEE.price.model_copy(update={"amount": Decimal("21")})}),)})
    (router
     .add("GET", "/api/product_options", as_list("product_options", "02-resource-product_options/006-get-5-json"))
     .add("GET", "/api/product_option_values", as_list("product_option_values",
                                                        "02-resource-product_option_values/006-get-26-json"))
     .add("PATCH", "/api/products/21", response("04-writes/030-patch-product"))
     .add("GET", "/api/combinations", response("03-query-features/039-combinations-of-product"))
     .add("PATCH", "/api/combinations/40", response("04-writes/007-post-combination-1"))
     .add("DELETE", "/api/combinations/41", response("04-writes/032-delete-product")))
    ids = await shop_for().update_product(ShopProductIds("21", {"SYNC-REF-100-1": "40", "SYNC-REF-100-2": "41"}),
                                          product, [])
    assert ids == ShopProductIds("21", {"SYNC-REF-100-1": "40"})
    [[patch]] = sent_records(router, "PATCH", "/api/combinations/40")
    assert patch["price"] == Decimal(1) and patch["associations"] == {"product_option_values": [26]}
    assert len(router.sent("DELETE", "/api/combinations/41")) == 1


async def test_update_falls_back_to_get_modify_put_where_patch_is_refused(router: Router, shop_for) -> None:
    """The PUT is the GET body with our fields and without the three PUT refuses: what 04-writes/025 sent."""
    (router
     .add("PATCH", "/api/products/21", response("04c-errors/005-post-stock-availables-405"))
     .add("GET", "/api/products/21", response("04-writes/021-get-product-for-put"))
     .add("PUT", "/api/products/21", response("04-writes/025-put-product-attempt-4")))
    simple = TEE.model_copy(update={"variants": (), "price": TEE.price.model_copy(update={"amount": Decimal("22.5")}),
                                    "short_description": {"en": "<p>Short EN</p>", "fr": "<p>Court FR</p>"}})
    await shop_for().update_product(ShopProductIds("21", {"SYNC-REF-100": "0"}), simple, [])
    [[sent]] = sent_records(router, "PUT", "/api/products/21")
    accepted = captured("04-writes/025-put-product-attempt-4")[0]
    assert sent == accepted


async def test_find_product_after_an_interrupted_create(router: Router, shop_for) -> None:
    (router.add("GET", "/api/products", response("03-query-features/007-filter-reference-exact"),
                when=has_params(filter_reference="[demo_1]"))
     .add("GET", "/api/combinations", response("03-query-features/039-combinations-of-product"),
          when=has_params(filter_id_product="[1]")))
    found = await shop_for().find_product("demo_1")
    assert found == ShopProductIds("1", {"SYNC-REF-100-2": "41", "SYNC-REF-100-1": "40"})


async def test_find_product_without_combinations_or_not_at_all(router: Router, shop_for) -> None:
    (router.add("GET", "/api/products", response("03-query-features/007-filter-reference-exact"),
                when=has_params(filter_reference="[demo_1]"))
     .add("GET", "/api/products", EMPTY)
     .add("GET", "/api/combinations", EMPTY))
    shop = shop_for()
    assert await shop.find_product("demo_1") == ShopProductIds("1", {"demo_1": "0"})
    assert await shop.find_product("nomatch-xyz") is None


async def test_deactivate_product(router: Router, shop_for) -> None:
    router.add("PATCH", "/api/products/22", response("04-writes/030-patch-product"))
    await shop_for().deactivate_product("22")
    assert sent_records(router, "PATCH", "/api/products/22") == [[{"id": 22, "active": 0}]]


# --- stock ------------------------------------------------------------------------------------

STOCK_OF_21 = response("04-writes/011-get-stock-availables-of-product-json")     # rows 60, 61, 62 at 0


async def test_write_stock_is_one_bulk_read_and_one_batch_put(router: Router, shop_for) -> None:
    (router.add("GET", "/api/stock_availables", STOCK_OF_21, when=has_params(filter_id_product="[21]"))
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    await shop_for().write_stock([StockUpdate("21", "40", 71), StockUpdate("21", "41", 72)])
    assert [(r.method, r.url.path) for r in router.requests] == [("GET", "/api/stock_availables"),
                                                                  ("PUT", "/api/stock_availables")]
    assert sent_records(router, "PUT", "/api/stock_availables") == [
        captured("06-batch-write/002-put-collection-url-two-children")]
    assert tag_order(router.requests[1].content) == tag_order(
        load("06-batch-write/002-put-collection-url-two-children").request.body)


async def test_write_stock_batches_and_skips_rows_already_right(router: Router, shop_for) -> None:
    (router.add("GET", "/api/stock_availables", STOCK_OF_21)
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    await shop_for(stock_batch_size=1).write_stock(
        [StockUpdate("21", "0", 0), StockUpdate("21", "40", 71), StockUpdate("21", "41", 72)])
    puts = sent_records(router, "PUT", "/api/stock_availables")
    assert sorted(len(records) for records in puts) == [1, 1]       # row 60 already holds 0
    assert sorted(records[0]["quantity"] for records in puts) == [71, 72]


async def test_write_stock_reports_rows_that_do_not_exist(router: Router, shop_for) -> None:
    (router.add("GET", "/api/stock_availables", STOCK_OF_21)
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    with pytest.raises(DataError) as caught:
        await shop_for().write_stock([StockUpdate("21", "40", 5), StockUpdate("99", "0", 1)])
    assert caught.value.details == {"no_stock_row": ["99/0"], "refused": []}
    assert len(router.sent("PUT", "/api/stock_availables")) == 1         # the rest is written all the same


async def test_a_refused_batch_is_retried_row_by_row_to_name_the_culprit(router: Router, shop_for) -> None:
    refused = response("04-writes/019-put-stock-available-minimal-body")     # 400 [41]
    (router.add("GET", "/api/stock_availables", STOCK_OF_21)
     .add("PUT", "/api/stock_availables", refused, when=body_contains("<id>61</id>", "<id>62</id>"))
     .add("PUT", "/api/stock_availables", refused, when=body_contains("<id>62</id>"))
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    with pytest.raises(DataError) as caught:
        await shop_for().write_stock([StockUpdate("21", "40", 71), StockUpdate("21", "41", 72)])
    [culprit] = caught.value.details["refused"]
    assert culprit.startswith('21/41: PrestaShop 400') and 'parameter "id_product" required' in culprit


async def test_read_stock_in_bulk(router: Router, shop_for) -> None:
    router.add("GET", "/api/stock_availables",
               response("02-resource-stock_availables/004-list-display-full-limit-0-2-json"),
               when=has_params(limit="0,5000", sort="[id_ASC]", display="full"))
    assert await shop_for().read_stock() == {("1", "0"): 2400, ("2", "0"): 2100}
    assert await shop_for(shop_id=2).read_stock() == {}        # rows of shop 1 come back even with id_shop=2
    assert len(router.requests) == 2                           # fewer rows than a page: no second page


async def test_after_a_reconciliation_writes_need_no_read(router: Router, shop_for) -> None:
    """The reconciliation reads complete rows: the writes that follow send them back whole, unread."""
    (router.add("GET", "/api/stock_availables",
                response("02-resource-stock_availables/004-list-display-full-limit-0-2-json"))
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    shop = shop_for(stock_rows_from_memory=True)
    await shop.read_stock()
    await shop.write_stock([StockUpdate("1", "0", 7), StockUpdate("2", "0", 2100)])
    assert [r.method for r in router.requests] == ["GET", "PUT"]
    assert sent_records(router, "PUT", "/api/stock_availables") == [[
        {"id": 1, "id_product": 1, "id_product_attribute": 0, "id_shop": 1, "id_shop_group": 0, "quantity": 7,
         "depends_on_stock": 0, "out_of_stock": 2, "location": ""},
        # already right when read, written all the same: the shop may have sold one since
        {"id": 2, "id_product": 2, "id_product_attribute": 0, "id_shop": 1, "id_shop_group": 0, "quantity": 2100,
         "depends_on_stock": 0, "out_of_stock": 2, "location": ""}]]


async def test_rows_written_once_are_written_again_without_a_read(router: Router, shop_for) -> None:
    (router.add("GET", "/api/stock_availables", STOCK_OF_21)
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    shop = shop_for(stock_rows_from_memory=True)
    await shop.write_stock([StockUpdate("21", "40", 71), StockUpdate("21", "41", 72)])
    await shop.write_stock([StockUpdate("21", "40", 70, backorders=True), StockUpdate("21", "41", 72)])
    await shop.write_stock([StockUpdate("21", "0", 9)])          # the product's own row was read with the others
    assert [r.method for r in router.requests] == ["GET", "PUT", "PUT", "PUT"]
    second, third = sent_records(router, "PUT", "/api/stock_availables")[1:]
    assert [(r["id"], r["quantity"], r["out_of_stock"]) for r in second] == [(61, 70, 1), (62, 72, 2)]
    assert [(r["id"], r["quantity"]) for r in third] == [(60, 9)]


async def test_a_remembered_row_the_shop_refuses_is_read_again(router: Router, shop_for) -> None:
    """Say the row was replaced since: the refusal costs one read, and the write goes through."""
    missing = response("04c-errors/025-put-missing-product")          # 404 [92] Invalid ID
    replaced = json.loads(STOCK_OF_21.body)
    replaced["stock_availables"][1]["id"] = 99
    (router.add("GET", "/api/stock_availables", STOCK_OF_21, times=1)
     .add("GET", "/api/stock_availables", httpx.Response(200, json=replaced))
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children"), times=1)
     .add("PUT", "/api/stock_availables", missing, when=body_contains("<id>61</id>"))
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    shop = shop_for(stock_batch_size=1, stock_rows_from_memory=True)
    await shop.write_stock([StockUpdate("21", "40", 71)])
    await shop.write_stock([StockUpdate("21", "40", 5)])
    assert [r.method for r in router.requests] == ["GET", "PUT", "PUT", "GET", "PUT"]
    assert sent_records(router, "PUT", "/api/stock_availables")[-1][0]["id"] == 99
    await shop.write_stock([StockUpdate("21", "40", 6)])          # remembered again, as read
    assert [r.method for r in router.requests][5:] == ["PUT"]


async def test_a_remembered_row_gone_from_the_shop_is_reported(router: Router, shop_for) -> None:
    missing = response("04c-errors/025-put-missing-product")
    (router.add("GET", "/api/stock_availables", STOCK_OF_21, times=1)
     .add("GET", "/api/stock_availables", httpx.Response(200, json=[]))
     .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children"), times=1)
     .add("PUT", "/api/stock_availables", missing))
    shop = shop_for(stock_rows_from_memory=True)
    await shop.write_stock([StockUpdate("21", "40", 71)])
    with pytest.raises(DataError) as caught:
        await shop.write_stock([StockUpdate("21", "40", 5)])
    assert caught.value.details == {"no_stock_row": ["21/40"], "refused": []}
    assert [r.method for r in router.requests] == ["GET", "PUT", "PUT", "GET"]


# --- orders -----------------------------------------------------------------------------------


def order_routes(router: Router) -> Router:
    """Orders 9 and 11 (cart rule) with what they point to, as captured; countries are the one
    answer written here (the captures list none but Germany and Austria)."""
    countries = type(EMPTY)(200, (("Content-Type", "application/json"),),
                            b'{"countries":[{"id":8,"iso_code":"FR"},{"id":1,"iso_code":"DE"}]}')
    return (router
            .add("GET", "/api/orders", as_list("orders", "04-writes/055-get-order-json",
                                               "04b-order-with-cart-rule/012-get-order-json"),
                 when=has_params(limit="0,50"))
            .add("GET", "/api/customers", as_list("customers", "02-resource-customers/006-get-3-json"))
            .add("GET", "/api/addresses", as_list("addresses", "02-resource-addresses/006-get-7-json"))
            .add("GET", "/api/order_details", as_list("order_details", "04-writes/070-get-order-details",
                                                      "04b-order-with-cart-rule/015-get-order-details-json"))
            .add("GET", "/api/order_payments", response("04-writes/068-get-order-payments-json"))
            .add("GET", "/api/order_cart_rules", response("04b-order-with-cart-rule/014-get-order-cart-rules-json"))
            .add("GET", "/api/order_histories", response("04-writes/072-get-order-histories-after-order-put"))
            .add("GET", "/api/order_slip", EMPTY)
            .add("GET", "/api/cart_rules", as_list("cart_rules", "02-resource-cart_rules/006-get-1-json"))
            .add("GET", "/api/carriers", response("02-resource-carriers/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/currencies", response("02-resource-currencies/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/groups", as_list("groups", "02-resource-groups/004-list-display-full-limit-0-2-json",
                                               "02-resource-groups/006-get-3-json"))
            .add("GET", "/api/order_states", response("02-resource-order_states/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/countries", countries))


async def test_read_orders_reads_in_bulk_and_yields_each_order(router: Router, shop_for) -> None:
    order_routes(router)
    shop = shop_for()
    incoming = [order async for order in shop.read_orders(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))]

    assert [(o.external_id, o.error) for o in incoming] == [("9", None), ("11", None)]
    first, second = (o.order for o in incoming)
    assert first.payments[0].amount == 63 and second.payments == ()
    assert second.discounts_tax_incl == Decimal("5.6") and second.total_tax_incl == Decimal("57.4")
    assert [(v.name, v.code, v.amount_tax_incl) for v in second.vouchers] == [("Sync 10 percent", None, Decimal("5.6"))]
    assert first.vouchers == ()
    assert first.customer.email == "sync.tester@example.com" and first.carrier == "My carrier"
    assert first.customer.group == "Customer" and not first.customer.is_guest
    assert first.paid and not second.paid            # 9 went through "Payment accepted"; 11 is a payment error
    assert '"secure_key"' not in incoming[0].raw and '"passwd"' not in incoming[0].raw     # secrets stay out
    assert '"id_order_state": 4' in incoming[0].raw  # its history is kept with the order

    # One page: the orders, then one bulk read per related resource, the lookup tables once, and
    # the codes of the cart rules named.
    assert len(router.requests) == 14
    orders = router.sent("GET", "/api/orders")[0].url.params
    assert (orders["date"], orders["filter[date_upd]"], orders["sort"]) == ("1", ">[2026-11-22 17:59:59]", "[id_ASC]")
    for resource in ("order_details", "order_cart_rules", "order_histories", "order_slip"):
        assert router.sent("GET", f"/api/{resource}")[0].url.params["filter[id_order]"] == "[11|9]"
    assert router.sent("GET", "/api/order_payments")[0].url.params["filter[order_reference]"] == "[DJEMVYCDF|OYESOVMHI]"
    assert router.sent("GET", "/api/cart_rules")[0].url.params["filter[id]"] == "[1]"

    router.requests.clear()
    [order async for order in shop.read_orders(None)]
    assert "filter[date_upd]" not in router.sent("GET", "/api/orders")[0].url.params
    for table in ("countries", "carriers", "groups", "order_states"):
        assert not router.sent("GET", f"/api/{table}")          # cached


async def test_read_orders_reads_the_tables_again_for_a_new_group(router: Router, shop_for) -> None:
    """A customer in a group created since the tables were read: they are read again, once."""
    order_routes(router)
    shop = shop_for()
    [order async for order in shop.read_orders(None)]
    customer = json_body("02-resource-customers/006-get-3-json")["customer"] | {"id_default_group": 7}
    router.routes = [r for r in router.routes if r.path != "/api/customers"]
    router.add("GET", "/api/customers", CapturedResponse(200, (("Content-Type", "application/json"),),
                                                         json.dumps({"customers": [customer]}).encode()))
    router.requests.clear()
    incoming = [order async for order in shop.read_orders(None)]
    assert incoming[0].order.customer.group is None                 # the captured shop has no group 7
    assert len(router.sent("GET", "/api/groups")) == 1
    router.requests.clear()
    [order async for order in shop.read_orders(None)]
    assert not router.sent("GET", "/api/groups")                    # not again for the same unknown id


async def test_cart_rule_codes_are_left_out_when_the_key_may_not_read_them(router: Router, shop_for) -> None:
    order_routes(router)
    router.routes = [r for r in router.routes if r.path != "/api/cart_rules"]
    router.add("GET", "/api/cart_rules", response("01-root-listing/006-root-wrong-key-401"))
    shop = shop_for()
    incoming = [order async for order in shop.read_orders(None)]
    assert [(v.name, v.code) for v in incoming[1].order.vouchers] == [("Sync 10 percent", None)]
    router.requests.clear()
    [order async for order in shop.read_orders(None)]
    assert not router.sent("GET", "/api/cart_rules")                # not asked again


async def test_read_orders_never_raises_for_one_bad_order(router: Router, shop_for) -> None:
    """Orders 1 and 2 of the demo point to address 5, which the shop does not return."""
    (router
     .add("GET", "/api/orders", response("02-resource-orders/004-list-display-full-limit-0-2-json"),
          when=has_params(limit="0,50"))
     .add("GET", "/api/customers", response("02-resource-customers/004-list-display-full-limit-0-2-json"))
     .add("GET", "/api/addresses", EMPTY)
     .add("GET", "/api/order_details", response("02-resource-order_details/004-list-display-full-limit-0-2-json"))
     .add("GET", "/api/order_payments", EMPTY)
     .add("GET", "/api/order_cart_rules", EMPTY)
     .add("GET", "/api/order_histories", response("02-resource-order_histories/004-list-display-full-limit-0-2-json"))
     .add("GET", "/api/order_slip", EMPTY)
     .add("GET", "/api/carriers", response("02-resource-carriers/004-list-display-full-limit-0-2-json"))
     .add("GET", "/api/currencies", response("02-resource-currencies/004-list-display-full-limit-0-2-json"))
     .add("GET", "/api/groups", response("02-resource-groups/004-list-display-full-limit-0-2-json"))
     .add("GET", "/api/order_states", response("02-resource-order_states/004-list-display-full-limit-0-2-json"))
     .add("GET", "/api/countries", response("02-resource-countries/004-list-display-full-limit-0-2-json")))
    incoming = [order async for order in shop_for().read_orders(None)]
    assert [(o.external_id, o.order, o.error) for o in incoming] == [
        ("1", None, "invoice address not found"), ("2", None, "invoice address not found")]
    assert incoming[0].details == {"id_address": "5"} and '"reference": "XKBKNABJK"' in incoming[0].raw


# --- fulfilment -------------------------------------------------------------------------------

ORDER_9_STATE_11 = as_list("orders", "04-writes/055-get-order-json")
ORDER_9_STATE_3 = response("04-writes/061-get-order-after-states")
HISTORY_11 = response("04b-order-with-cart-rule/010-get-order-histories-pre-discount")
HISTORY_11_2_3_4 = response("04-writes/072-get-order-histories-after-order-put")


def status_routes(router: Router, *states, history=HISTORY_11) -> Router:
    """The order reads as ``states`` one after the other (the last one from then on)."""
    for index, state in enumerate(states):
        last = index == len(states) - 1
        router.add("GET", "/api/orders", state, when=has_params(filter_id="[9]"), times=None if last else 1)
    return router.add("GET", "/api/order_histories", history, when=has_params(filter_id_order="[9]"))


async def test_status_change_posts_an_order_history(router: Router, shop_for) -> None:
    status_routes(router, ORDER_9_STATE_11).add("POST", "/api/order_histories",
                                                response("04-writes/058-post-order-history-state2"))
    await shop_for(order_states={"accepted": 2}).set_order_status(StatusUpdate("9", SaleState.ACCEPTED))
    [post] = router.sent("POST", "/api/order_histories")
    assert body_records(post.content) == captured("04-writes/058-post-order-history-state2")
    assert "sendemail" not in post.url.params


async def test_mail_failure_500_is_checked_against_the_order(router: Router, shop_for) -> None:
    """04-writes/059: with sendemail=1 PrestaShop answers 500 "Unable to save resource" though the
    state is saved. The connector re-reads the order and takes the change as done."""
    (status_routes(router, ORDER_9_STATE_11, ORDER_9_STATE_3)
     .add("POST", "/api/order_histories", response("04-writes/059-post-order-history-state3-sendemail")))
    await shop_for(send_email=True).set_order_status(StatusUpdate("9", SaleState.ACCEPTED))
    [post] = router.sent("POST", "/api/order_histories")
    assert post.url.params["sendemail"] == "1"
    assert body_records(post.content) == captured("04-writes/059-post-order-history-state3-sendemail")


async def test_a_500_that_did_not_save_is_raised(router: Router, shop_for) -> None:
    (status_routes(router, ORDER_9_STATE_11)
     .add("POST", "/api/order_histories", response("04-writes/059-post-order-history-state3-sendemail")))
    with pytest.raises(DataError, match="Unable to save resource"):
        await shop_for(send_email=True).set_order_status(StatusUpdate("9", SaleState.ACCEPTED))


@pytest.mark.parametrize("state, current, history", [
    (SaleState.ACCEPTED, ORDER_9_STATE_3, HISTORY_11),          # the order is in that state
    (SaleState.SHIPPED, ORDER_9_STATE_3, HISTORY_11_2_3_4),     # it has been shipped before: no step back
])
async def test_a_state_the_order_has_had_is_not_sent_again(router: Router, shop_for, state, current, history) -> None:
    status_routes(router, current, history=history)
    await shop_for().set_order_status(StatusUpdate("9", state))
    assert not router.sent("POST", "/api/order_histories")


async def test_shipped_with_tracking_number(router: Router, shop_for) -> None:
    carrier_rows = as_list("order_carriers", "02-resource-order_carriers/006-get-12-json")     # no tracking yet
    (status_routes(router, ORDER_9_STATE_3)
     .add("GET", "/api/order_carriers", carrier_rows, when=has_params(filter_id_order="[9]"))
     .add("PUT", "/api/order_carriers/12", response("04-writes/064-put-order-carrier-tracking"))
     .add("POST", "/api/order_histories", response("04-writes/058-post-order-history-state2")))
    await shop_for().set_order_status(StatusUpdate("9", SaleState.SHIPPED, "1Z999AA10123456784"))

    [put] = router.sent("PUT", "/api/order_carriers/12")
    assert tag_order(put.content) == tag_order(load("04-writes/064-put-order-carrier-tracking").request.body)
    assert body_records(put.content)[0]["tracking_number"] == "1Z999AA10123456784"
    [post] = router.sent("POST", "/api/order_histories")
    assert body_records(post.content)[0]["id_order_state"] == 4
    assert router.requests.index(put) < router.requests.index(post)      # the "shipped" mail carries the number


async def test_tracking_number_already_there_is_not_rewritten(router: Router, shop_for) -> None:
    (status_routes(router, ORDER_9_STATE_3, history=HISTORY_11_2_3_4)
     .add("GET", "/api/order_carriers", as_list("order_carriers", "04-writes/065-get-order-carrier-after-put")))
    await shop_for().set_order_status(StatusUpdate("9", SaleState.SHIPPED, "1Z999AA10123456784"))
    assert [request.method for request in router.requests] == ["GET", "GET", "GET"]


async def test_shipped_without_a_carrier_row_still_changes_state(router: Router, shop_for) -> None:
    (status_routes(router, ORDER_9_STATE_3)
     .add("GET", "/api/order_carriers", EMPTY)
     .add("POST", "/api/order_histories", response("04-writes/058-post-order-history-state2")))
    await shop_for().set_order_status(StatusUpdate("9", SaleState.SHIPPED, "1Z999AA10123456784"))
    assert len(router.sent("POST", "/api/order_histories")) == 1


@pytest.mark.parametrize("state", [SaleState.ON_HOLD, SaleState.BLOCKED])
async def test_a_state_without_a_shop_state_asks_nothing(router: Router, shop_for, state) -> None:
    await shop_for().set_order_status(StatusUpdate("9", state))
    assert router.requests == []


async def test_notify_customer_asks_for_the_mail(router: Router, shop_for) -> None:
    (status_routes(router, ORDER_9_STATE_11, ORDER_9_STATE_3)
     .add("POST", "/api/order_histories", response("04-writes/059-post-order-history-state3-sendemail")))
    await shop_for().set_order_status(StatusUpdate("9", SaleState.ACCEPTED, notify_customer=True))
    [post] = router.sent("POST", "/api/order_histories")
    assert post.url.params["sendemail"] == "1"


async def test_partial_shipment_adds_its_tracking_number_without_a_state_change(router: Router, shop_for) -> None:
    """The order is in "Processing in progress" (3), which PARTIALLY_SHIPPED maps to: only the
    tracking number is written."""
    carrier_rows = as_list("order_carriers", "02-resource-order_carriers/006-get-12-json")     # no tracking yet
    (status_routes(router, ORDER_9_STATE_3)
     .add("GET", "/api/order_carriers", carrier_rows, when=has_params(filter_id_order="[9]"))
     .add("PUT", "/api/order_carriers/12", response("04-writes/064-put-order-carrier-tracking")))
    await shop_for().set_order_status(StatusUpdate("9", SaleState.PARTIALLY_SHIPPED, "1Z999AA10123456784"))
    assert [(r.method, r.url.path) for r in router.requests][-1] == ("PUT", "/api/order_carriers/12")
    assert not router.sent("POST", "/api/order_histories")


async def test_another_parcel_gets_an_order_carrier_row_of_its_own(router: Router, shop_for) -> None:
    """The row holds a tracking number already (04-writes/065): the second parcel's is a new row, on
    the carrier the ERP shipped with; the first number is not sent again."""
    (status_routes(router, ORDER_9_STATE_3, history=HISTORY_11_2_3_4)
     .add("GET", "/api/order_carriers", as_list("order_carriers", "04-writes/065-get-order-carrier-after-put"))
     .add("POST", "/api/order_carriers", response("04-writes/064-put-order-carrier-tracking"))
     .add("PUT", "/api/order_carriers/9", response("04-writes/064-put-order-carrier-tracking")))
    await shop_for(carriers={"DPD": 3}).set_order_status(
        StatusUpdate("9", SaleState.SHIPPED, "1Z999AA10123456784;DPD-2", carrier="DPD"))
    [[row]] = [body_records(r.content) for r in router.sent("POST", "/api/order_carriers")]
    assert row == {"id_order": 9, "id_carrier": 3, "id_order_invoice": 0, "weight": 0, "shipping_cost_tax_excl": 0,
                   "shipping_cost_tax_incl": 0, "tracking_number": "DPD-2"}
    [put] = router.sent("PUT", "/api/order_carriers/9")              # the first parcel's row: the ERP's carrier
    assert body_records(put.content)[0]["id_carrier"] == 3
    assert body_records(put.content)[0]["tracking_number"] == "1Z999AA10123456784"


async def test_unknown_order(router: Router, shop_for) -> None:
    router.add("GET", "/api/orders", EMPTY).add("GET", "/api/order_histories", EMPTY)
    with pytest.raises(DataError, match="order 9 not found"):
        await shop_for().set_order_status(StatusUpdate("9", SaleState.ACCEPTED))


# --- check ------------------------------------------------------------------------------------


def check_routes(router: Router) -> Router:
    return (router
            .add("GET", "/api/", response("01-root-listing/001-root-xml"))
            .add("GET", "/api/languages", response("02-resource-languages/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/categories", response("02-resource-categories/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/order_states", response("02-resource-order_states/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/tax_rule_groups",
                 response("02-resource-tax_rule_groups/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/shops", response("02-resource-shops/004-list-display-full-limit-0-2-json"))
            .add("GET", "/api/groups", response("02-resource-groups/004-list-display-full-limit-0-2-json")))


async def test_check_all_good(router: Router, shop_for) -> None:
    check_routes(router)
    results = await shop_for(order_states={"accepted": 2, "shipped": 3, "delivered": 3, "cancelled": 2},
                             shop_id=1, customer_groups={"Public": 1, "Invités": 2}).check()
    assert [(r.what, r.ok) for r in results] == [
        ("reachable", True), ("authenticated", True), ("PrestaShop webservice", True), ("permissions", True),
        ("languages", True), ("home category", True), ("order states", True), ("tax rules groups", True),
        ("customer groups", True), ("shop", True)]
    assert dict(router.sent("GET", "/api/order_states")[0].url.params)["filter[id]"] == "[2|3]"
    assert results[2].detail == "PSWS-Version 8.1.2"


async def test_check_names_what_is_wrong_and_how_to_fix_it(router: Router, shop_for) -> None:
    check_routes(router)
    results = {r.what: r for r in await shop_for(languages={"en": 1, "de": 3}, fallback_language="en").check()}
    assert not results["languages"].ok and "de→3 missing" in results["languages"].detail
    assert "en=1, fr=2" in results["languages"].fix
    assert not results["order states"].ok and results["order states"].detail == "ids [4, 5, 6] do not exist"


async def test_check_with_a_wrong_key(router: Router, shop_for) -> None:
    router.add("GET", "/api/", response("01-root-listing/006-root-wrong-key-401"))
    results = await shop_for().check()
    assert [(r.what, r.ok) for r in results] == [("reachable", True), ("authenticated", False)]
    assert "Webservice" in results[1].fix


async def test_check_with_a_missing_permission(router: Router, shop_for) -> None:
    listing = load("01-root-listing/001-root-xml").response
    line = b'<stock_availables xlink:href="http://127.0.0.1:8080/api/stock_availables" get="true" put="true"'
    body = listing.body.replace(line, line.replace(b'put="true"', b'put="false"'))
    check_routes(router).routes[0].answer = type(listing)(200, listing.headers, body)
    results = {r.what: r for r in await shop_for().check()}
    assert not results["permissions"].ok and results["permissions"].detail == "missing stock_availables: PUT"
