"""Issue 3 against a running webservice — the sandbox, and a real PrestaShop 8 when
``COURROIE_LIVE_PRESTASHOP_URL``/``_KEY`` are set (fixtures in ``prestashop_targets``): product
fields, manufacturers and features, packs, images, documents, price rules, promotions, groups."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from prestashop_targets import Target, one, shop_config

from courroie.connectors.prestashop import PrestaShopShop
from courroie.connectors.prestashop.client import PrestaShopClient, filter_values
from courroie.connectors.prestashop.mapping import all_texts, as_int, as_text, association
from courroie.connectors.protocols import PackItem
from courroie.errors import DataError
from courroie.model import Category, Feature, FileRef, Money, PriceRule, Product, Promotion, Reduction, Variant

pytestmark = [pytest.mark.prestashop, pytest.mark.anyio]

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAYAAACp8Z5+AAAACXBIWXMAAA7EAAAOxAGVKw4bAAAAFUlEQVQI12M8IS"
                       "f3nwEJMDGgAcICAITGAgtINzqPAAAAAElFTkSuQmCC")
GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


def motor(run: str, **changes: object) -> Product:
    base = Product(sku=f"CRT-{run}", name={"en": f"Gate motor {run}", "fr": f"Moteur portail {run}"},
                   description={"en": "<p>Quiet</p>", "fr": "<p>Silencieux</p>"}, price=Money(amount=Decimal("250")),
                   weight=Decimal("7.5"))
    return base.model_copy(update=changes)


def image(name: str) -> FileRef:
    return FileRef(key=name, content_hash=name, filename=f"{name}.png", content_type="image/png")


async def _connector(target: Target, api: PrestaShopClient, **settings: object) -> PrestaShopShop:
    return PrestaShopShop(await shop_config(target, api, **settings))


# --- products -----------------------------------------------------------------------------------


async def test_a_product_with_everything_it_points_to(target: Target, api: PrestaShopClient, cleanup, run) -> None:
    async with await _connector(target, api, extra_fields={"mpn": "mpn", "meta": "meta_title"}) as shop:
        product = motor(run, manufacturer=f"Brand {run}", width=Decimal("30"), height=Decimal("12.5"),
                        depth=Decimal("20"), extra={"mpn": f"MPN-{run}", "meta": f"Motor {run}"},
                        features=(Feature(name={"en": f"Torque {run}", "fr": f"Couple {run}"}, value={"en": "300 Nm"}),
                                  Feature(name={"en": f"Voltage {run}"}, value={"en": "24 V"})))
        ids = await shop.create_product(product, [])
        cleanup.append(("products", ids.product_id))
        row = await one(api, "products", ids.product_id)
        manufacturer = await one(api, "manufacturers", as_text(row["id_manufacturer"]))
        cleanup.append(("manufacturers", as_text(manufacturer["id"])))
        assert as_text(manufacturer["name"]) == f"Brand {run}"
        assert [Decimal(as_text(row[d])) for d in ("width", "height", "depth")] == [30, Decimal("12.5"), 20]
        assert as_text(row["mpn"]) == f"MPN-{run}" and f"Motor {run}" in all_texts(row["meta_title"])
        pairs = row["associations"]["product_features"]
        features = {as_text(p["id"]): as_text(p["id_feature_value"]) for p in pairs}
        cleanup.extend(("product_feature_values", value) for value in features.values())
        cleanup.extend(("product_features", feature) for feature in features)
        names = {all_texts((await one(api, "product_features", f))["name"])[0] for f in features}
        values = {all_texts((await one(api, "product_feature_values", v))["value"])[0] for v in features.values()}
        assert names == {f"Torque {run}", f"Voltage {run}"} and values == {"300 Nm", "24 V"}

        # A second product finds the same manufacturer and feature values instead of making new ones.
        twin = await shop.create_product(product.model_copy(update={"sku": f"CRT-{run}-B"}), [])
        cleanup.append(("products", twin.product_id))
        twin_row = await one(api, "products", twin.product_id)
        assert as_text(twin_row["id_manufacturer"]) == as_text(manufacturer["id"])
        assert {as_text(p["id_feature_value"]) for p in twin_row["associations"]["product_features"]} \
            == set(features.values())
        brands = await api.read("manufacturers", display="[id,name]", filters={"name": f"[Brand {run}]"})
        assert len(brands) == 1


async def test_a_name_prestashop_would_refuse_creates_nothing(shop: PrestaShopShop, api: PrestaShopClient,
                                                              run) -> None:
    with pytest.raises(DataError, match="contains '#'"):
        await shop.create_product(motor(run, name={"en": f"Motor #{run}"}), [])
    assert await shop.find_product(f"CRT-{run}") is None


async def test_a_price_update_changes_the_price_and_nothing_else(shop: PrestaShopShop, api: PrestaShopClient,
                                                                 cleanup, run) -> None:
    sizes = tuple(Variant(sku=f"CRT-{run}-{s}", attributes={f"Size {run}": s}) for s in "SM")
    sizes = (sizes[0], sizes[1].model_copy(update={"price": Money(amount=Decimal("270"))}))
    product = motor(run, variants=sizes)
    ids = await shop.create_product(product, [])
    cleanup.append(("products", ids.product_id))
    renamed = product.model_copy(update={"price": Money(amount=Decimal("260")), "name": {"en": "Not written"},
                                         "weight": Decimal("99")})

    assert await shop.update_product(ids, renamed, [], fields=frozenset({"price"})) == ids

    row = await one(api, "products", ids.product_id)
    assert Decimal(as_text(row["price"])) == 260 and f"Gate motor {run}" in all_texts(row["name"])
    assert Decimal(as_text(row["weight"])) == Decimal("7.5")
    impacts = {as_text(r["reference"]): Decimal(as_text(r["price"])) for r in await api.read(
        "combinations", filters={"id_product": filter_values([ids.product_id])})}
    assert impacts == {f"CRT-{run}-S": 0, f"CRT-{run}-M": 10}           # 270 on a 260 base


async def test_a_kit_is_a_pack_of_the_chosen_combinations(shop: PrestaShopShop, api: PrestaShopClient, cleanup,
                                                          run) -> None:
    """The second component's item names its M combination, not its default S one: 8.1.2 reads
    ``product_attribute_id`` (PrestaShop issue #32954), which the connector sends."""
    screws = await shop.create_product(motor(run, sku=f"CRT-{run}-SCREWS", price=Money(amount=Decimal(2))), [])
    cleanup.append(("products", screws.product_id))
    sized = tuple(Variant(sku=f"CRT-{run}-REMOTE-{s}", attributes={f"Channels {run}": s}) for s in ("2", "4"))
    remote = await shop.create_product(motor(run, sku=f"CRT-{run}-REMOTE", variants=sized), [])
    cleanup.append(("products", remote.product_id))
    items = [PackItem(screws.product_id, "0", 8), PackItem(remote.product_id, remote.variant_ids[sized[1].sku], 1)]
    kit = await shop.create_product(motor(run, sku=f"CRT-{run}-KIT"), [], pack=items)
    cleanup.append(("products", kit.product_id))

    row = await one(api, "products", kit.product_id)
    assert as_text(row["type"]) == "pack" and as_text(row["product_type"]) == "pack"
    bundle = [(as_text(i["id"]), as_text(i["id_product_attribute"]), as_int(i["quantity"]))
              for i in row["associations"]["product_bundle"]]
    assert bundle == [(screws.product_id, "0", 8), (remote.product_id, remote.variant_ids[sized[1].sku], 1)]

    await shop.update_product(kit, motor(run, sku=f"CRT-{run}-KIT"), [], fields=frozenset({"pack"}))
    row = await one(api, "products", kit.product_id)
    assert as_text(row["type"]) == "simple" and not row.get("associations", {}).get("product_bundle")


async def test_delete_product(shop: PrestaShopShop, api: PrestaShopClient, run) -> None:
    ids = await shop.create_product(motor(run), [])
    await shop.delete_product(ids.product_id)
    await shop.delete_product(ids.product_id)                            # already gone: done
    assert await api.read("products", display="[id]", filters={"id": filter_values([ids.product_id])}) == []


# --- images and documents -----------------------------------------------------------------------


async def test_images_cover_and_removal(shop: PrestaShopShop, api: PrestaShopClient, cleanup, run) -> None:
    ids = await shop.create_product(motor(run), [])
    cleanup.append(("products", ids.product_id))
    first = await shop.upload_image(ids.product_id, image("front"), PNG, cover=True)
    second = await shop.upload_image(ids.product_id, image("side"), GIF, cover=False)

    async def cover() -> str:
        return as_text((await one(api, "products", ids.product_id))["id_default_image"])

    assert await cover() == first
    third = await shop.upload_image(ids.product_id, image("new-front"), PNG, cover=True)
    assert await cover() == third
    await shop.delete_image(ids.product_id, third)
    assert await cover() in (first, second)                              # PrestaShop picks another
    assert set(await api.image_ids(ids.product_id)) == {first, second}
    with pytest.raises(DataError, match="not a JPEG, PNG, GIF or WebP"):
        await shop.upload_image(ids.product_id, image("notes"), b"%PDF-1.4 not an image", cover=False)
    assert set(await api.image_ids(ids.product_id)) == {first, second}


async def test_documents_are_attached_titled_and_removed(shop: PrestaShopShop, api: PrestaShopClient, cleanup,
                                                         run) -> None:
    ids = await shop.create_product(motor(run), [])
    cleanup.append(("products", ids.product_id))
    manual = FileRef(key="m", content_hash="m", filename=f"manual-{run}.pdf", content_type="application/pdf",
                     name={"en": f"Manual {run}", "fr": f"Notice {run}"})
    sheet = FileRef(key="s", content_hash="s", filename=f"datasheet-{run}.pdf", content_type="application/pdf")
    first = await shop.upload_document(ids.product_id, manual, b"%PDF-1.4 manual")
    second = await shop.upload_document(ids.product_id, sheet, b"%PDF-1.4 sheet")
    cleanup.extend([("attachments", first), ("attachments", second)])

    row = await one(api, "products", ids.product_id)
    assert sorted(association(row, "attachments"), key=int) == sorted([first, second], key=int)
    stored = await one(api, "attachments", first)
    assert as_text(stored["file_name"]) == f"manual-{run}.pdf" and as_text(stored["mime"]) == "application/pdf"
    assert set(all_texts(stored["name"])) == ({f"Manual {run}", f"Notice {run}"} if len(shop.config.languages) > 1
                                              else {f"Manual {run}"})
    assert set(all_texts((await one(api, "attachments", second))["name"])) == {f"datasheet-{run}"}

    await shop.delete_document(first)
    await shop.delete_document(first)                                    # already gone: done
    assert association(await one(api, "products", ids.product_id), "attachments") == [second]


# --- prices -------------------------------------------------------------------------------------


async def _currency(api: PrestaShopClient) -> tuple[str, int]:
    row = (await api.read("currencies", display="[id,iso_code]", filters={"active": "[1]"}))[0]
    return as_text(row["iso_code"]), as_int(row["id"])


async def test_price_rules_are_specific_prices(target: Target, api: PrestaShopClient, cleanup, run) -> None:
    iso, currency_id = await _currency(api)
    async with await _connector(target, api, customer_groups={"Trade": 3}) as shop:
        sizes = tuple(Variant(sku=f"CRT-{run}-{s}", attributes={f"Size {run}": s}) for s in "SM")
        ids = await shop.create_product(motor(run, variants=sizes), [])
        cleanup.append(("products", ids.product_id))
        ends = datetime.now(UTC) + timedelta(days=30)
        rules = [PriceRule(sku=sizes[1].sku, price=Decimal("199"), price_list="Trade", currency=iso),
                 PriceRule(sku=sizes[0].sku, reduction=Decimal("0.1"), reduction_type=Reduction.PERCENTAGE,
                           from_quantity=5, ends=ends),
                 PriceRule(sku=sizes[0].sku, reduction=Decimal("15"), from_quantity=10)]
        created = await asyncio.gather(*(shop.create_price_rule(ids, r) for r in rules))
        cleanup.extend(("specific_prices", i) for i in created)

        rows = {as_text(r["id"]): r for r in await api.read(
            "specific_prices", filters={"id_product": filter_values([ids.product_id])})}
        assert set(rows) == set(created)
        group_price, tier, amount = (rows[i] for i in created)
        assert (as_text(group_price["id_product_attribute"]), as_int(group_price["id_group"]),
                as_int(group_price["id_currency"]), Decimal(as_text(group_price["price"]))) \
            == (ids.variant_ids[sizes[1].sku], 3, currency_id, 199)
        assert (Decimal(as_text(tier["price"])), as_text(tier["reduction_type"]), as_int(tier["from_quantity"])) \
            == (-1, "percentage", 5)
        assert Decimal(as_text(tier["reduction"])) == Decimal("0.1") and as_text(tier["to"]) != "0000-00-00 00:00:00"
        assert (as_text(amount["reduction_type"]), as_int(amount["reduction_tax"])) == ("amount", 0)

        await asyncio.gather(*(shop.delete_price_rule(i) for i in created))
        await shop.delete_price_rule(created[0])                         # already gone: done
        assert await api.read("specific_prices", filters={"id_product": filter_values([ids.product_id])}) == []


async def test_promotions(target: Target, api: PrestaShopClient, cleanup, run) -> None:
    iso, _ = await _currency(api)
    async with await _connector(target, api, customer_groups={"Trade": 3}, default_currency=iso) as shop:
        category = await shop.create_category(Category(key=f"K{run}", name={"en": f"Promo {run}"}), None)
        cleanup.append(("categories", category))
        inside = await shop.create_product(motor(run, sku=f"CRT-{run}-IN"), [category])
        outside = await shop.create_product(motor(run, sku=f"CRT-{run}-OUT"), [])
        cleanup.extend([("products", inside.product_id), ("products", outside.product_id)])

        campaign = Promotion(key=f"P{run}", name=f"Promo {run}", reduction=Decimal("0.2"), category_keys=(f"K{run}",),
                             price_lists=("Trade",))
        promotion_id = await shop.create_promotion(campaign, product_ids=[], category_ids=[category])
        rows = await api.read("specific_prices",
                              filters={"id_product": filter_values([inside.product_id, outside.product_id])})
        assert [(as_text(r["id_product"]), as_int(r["id_group"])) for r in rows] == [(inside.product_id, 3)]

        coupon = Promotion(key=f"C{run}", name=f"Coupon {run}", reduction=Decimal("5"), reduction_type=Reduction.AMOUNT,
                           coupon=f"CRT{run}", minimum_amount=Decimal("100"))
        coupon_id = await shop.create_promotion(coupon, product_ids=[], category_ids=[])
        rule_row = await one(api, "cart_rules", coupon_id.split(":")[1])
        assert as_text(rule_row["code"]) == f"CRT{run}" and Decimal(as_text(rule_row["reduction_amount"])) == 5

        with pytest.raises(DataError, match="coupon restricted to categories"):
            await shop.create_promotion(coupon.model_copy(update={"category_keys": (f"K{run}",)}), product_ids=[],
                                        category_ids=[category])

        await shop.delete_promotion(promotion_id)
        await shop.delete_promotion(coupon_id)
        assert await api.read("specific_prices", filters={"id_product": filter_values([inside.product_id])}) == []
        assert await api.read("cart_rules", display="[id]", filters={"code": f"[CRT{run}]"}) == []


async def test_a_category_for_some_groups_is_created_hidden(target: Target, api: PrestaShopClient, cleanup,
                                                            run) -> None:
    async with await _connector(target, api, customer_groups={"Trade": 3}) as shop:
        trade = await shop.create_category(Category(key=f"T{run}", name={"en": f"Trade {run}"}, groups=("Trade",)),
                                           None)
        cleanup.append(("categories", trade))
        assert as_int((await one(api, "categories", trade))["active"]) == 0
        with pytest.raises(DataError, match="customer_groups"):
            await shop.create_category(Category(key=f"U{run}", name={"en": f"U {run}"}, groups=("Nobody",)), None)


# --- multistore (sandbox: it can make a second shop) ---------------------------------------------


async def test_a_shop_only_price(target: Target, api: PrestaShopClient, cleanup, run) -> None:
    """07-multistore/023-027: product 1 is not in shop 2 (404 code 131), yet PATCH products/1?id_shop=2
    sets a price for shop 2 only (and associates the product with shop 2)."""
    if target.kind != "sandbox":
        pytest.skip("needs a second shop the test can make")
    async with httpx.AsyncClient() as control:
        created = await control.post(f"{target.url}/_sandbox/shops", json={"name": "Second"})
    shop_id = created.json()["id"]
    async with await _connector(target, api) as everywhere, await _connector(target, api, shop_id=shop_id) as second:
        ids = await everywhere.create_product(motor(run), [])
        cleanup.append(("products", ids.product_id))
        await second.update_product(ids, motor(run, price=Money(amount=Decimal("199"))), [],
                                    fields=frozenset({"price"}))
        assert Decimal(as_text((await one(api, "products", ids.product_id))["price"])) == 250
        [row] = await second._client.read("products", filters={"id": filter_values([ids.product_id])})
        assert Decimal(as_text(row["price"])) == 199
