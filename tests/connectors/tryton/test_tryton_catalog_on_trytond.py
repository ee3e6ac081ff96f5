"""Catalog details, files, price rules and campaigns read from a real trytond 8.2 serving the seeded
door & gate catalog (fixtures ``tryton_db``, ``tryton_catalog``, ``tryton_template``).

Expected values come from the sandbox's plain data (``catalog.py``: the catalog, ``price_lists`` and
``promotions`` of the day the template was built), never from the connector. Prices are checked
through an oracle written here: each list evaluated line by line as Tryton documents it, against what
a shop applying the rules would show, on every day a line starts or ends and at every tier.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from courroie.connectors.tryton import TrytonConfig, TrytonErp
from courroie.errors import ConnectionFailure, DataError
from courroie.model import Category, Feature, KitItem, PriceRule, Product, Promotion, Reduction
from courroie.sandbox.tryton import contract
from courroie.sandbox.tryton.catalog import (
    ATTRIBUTES, FEATURE_ATTRIBUTES, FEATURE_VALUES, Catalog, PriceList, manual_pdf, price_lists, promotions,
)

pytestmark = [pytest.mark.slow, pytest.mark.tryton]

T = TypeVar("T")
PARIS = ZoneInfo("Europe/Paris")                      # the seeded company's timezone
CARRIER_PRODUCTS = {"PORT-COLISSIMO", "PORT-DPD"}
ATTRIBUTE = {a.name: a for a in ATTRIBUTES}
LISTS = list(contract.PRICE_LISTS)                     # Public, Tarif pro, Soldes


def run(coroutine: Awaitable[T]) -> T:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def config(db) -> TrytonConfig:
    return TrytonConfig(url=db.url, database=db.name, user=db.user, password=db.password,
                        languages=list(contract.LANGUAGES), warehouses=list(contract.WAREHOUSES),
                        features=list(FEATURE_ATTRIBUTES), tag_categories=["Labels"],
                        extra_fields=["type", "default_uom.symbol"])


@dataclass(frozen=True)
class Read:
    products: dict[str, Product]
    product_calls: int
    categories: list[Category]
    rules: list[PriceRule]
    rule_calls: int
    promotions: list[Promotion]


@pytest.fixture(scope="module")
def read(tryton_db) -> Read:
    """Each read once for the module (the reads do not change the database)."""
    async def go() -> Read:
        erp = TrytonErp(config(tryton_db))
        try:
            await erp.client.login()
            calls = erp.stats.calls
            products = await erp.read_products()
            product_calls, calls = erp.stats.calls - calls, erp.stats.calls
            rules = await erp.read_price_rules(LISTS)
            rule_calls = erp.stats.calls - calls
            return Read({p.sku: p for p in products}, product_calls, await erp.read_categories(), rules, rule_calls,
                        await erp.read_promotions())
        finally:
            await erp.aclose()
    return run(go())


@pytest.fixture(scope="module")
def category_keys(read, tryton_catalog) -> dict[str, str]:
    """Plain-data category key ("securite/barres") → Tryton's key, matched by their English paths."""
    by_key = {c.key: c for c in read.categories}

    def path(category: Category) -> tuple[str, ...]:
        parent = by_key.get(category.parent_key or "")
        return (*(path(parent) if parent else ()), category.name["en"])

    tryton = {path(c): c.key for c in read.categories}
    plain = {c.key: c for c in tryton_catalog.categories}

    def plain_path(key: str) -> tuple[str, ...]:
        parent = plain[key].parent
        return (*(plain_path(parent) if parent else ()), plain[key].en)

    return {key: tryton[plain_path(key)] for key in plain}


def seeded_products(catalog: Catalog):
    return [p for p in catalog.products if p.code not in CARRIER_PRODUCTS]


# --- products ---------------------------------------------------------------------------------------------

def test_products_are_read_in_a_few_calls_whatever_their_files(read, tryton_catalog):
    assert set(read.products) == {p.code for p in seeded_products(tryton_catalog)}
    # product_image, ir.attachment and product_kit add six reads, then one per 8 MB of files.
    assert read.product_calls <= 20


def test_dimensions_brand_tags_extra_and_short_description(read, tryton_catalog):
    tags = {c.key: c.en for c in tryton_catalog.tag_categories}
    for seeded in seeded_products(tryton_catalog):
        product = read.products[seeded.code]
        length, width, height = seeded.dimensions or (None, None, None)
        assert (product.width, product.height, product.depth) == tuple(
            Decimal(str(v)) if v is not None else None for v in (width, height, length)), seeded.code
        assert product.manufacturer == seeded.brand
        assert product.tags == tuple(tags[key] for key in tags if key in seeded.tags)
        assert len(product.category_keys) == len(seeded.categories)             # labels are no categories
        assert product.groups == ()                                              # Tryton has no such thing
        first = seeded.variants[0]
        assert product.description == {"en": first.description_en, "fr": first.description_fr}
        assert product.short_description == {"en": first.description_en.split("</p>")[0] + "</p>",
                                             "fr": first.description_fr.split("</p>")[0] + "</p>"}
        assert product.extra == {"type": seeded.type, "default_uom.symbol": "u"}


def test_feature_attributes_are_features_and_no_longer_options(read, tryton_catalog):
    with_features = 0
    for seeded in seeded_products(tryton_catalog):
        product = read.products[seeded.code]
        values = FEATURE_VALUES.get(seeded.family) if seeded.type != "service" else None
        expected = tuple(Feature(name={"en": ATTRIBUTE[name].en, "fr": ATTRIBUTE[name].fr},
                                 value={lang: ATTRIBUTE[name].label(value, lang) for lang in ("en", "fr")})
                         for name, value in zip(FEATURE_ATTRIBUTES, values or (), strict=False))
        assert product.features == expected, seeded.code
        with_features += bool(expected)
        for variant, seeded_variant in zip(product.variants, seeded.variants, strict=True):
            assert variant.attributes == {ATTRIBUTE[name].en: ATTRIBUTE[name].label(key, "en")
                                          for name, key in seeded_variant.attributes.items()
                                          if name not in FEATURE_ATTRIBUTES}
    assert with_features > 20


def test_pictures_in_order_the_cover_first_and_those_of_variants(read, tryton_catalog):
    keys: set[str] = set()
    for seeded in seeded_products(tryton_catalog):
        product = read.products[seeded.code]
        pictures = sorted(seeded.pictures, key=lambda p: p.sequence)
        assert [(ref.name["en"], ref.name["fr"]) for ref in product.images] == [
            (p.caption_en, p.caption_fr) for p in pictures], seeded.code
        assert all(ref.content_type == "image/jpeg" and ref.filename.endswith(".jpg") for ref in product.images)
        general = [ref for ref, p in zip(product.images, pictures, strict=True) if p.variant is None]
        for variant in product.variants:
            own = [ref for ref, p in zip(product.images, pictures, strict=True) if p.variant == variant.sku]
            assert list(variant.images) == (own + general if own else []), variant.sku
        keys |= {ref.key for ref in product.images}
    assert len(keys) == sum(len(p.pictures) for p in tryton_catalog.products)
    assert sum(bool(v.images) for p in read.products.values() for v in p.variants) > 20


def test_manuals_are_documents_hashed_from_their_bytes(read, tryton_catalog):
    for seeded in seeded_products(tryton_catalog):
        product = read.products[seeded.code]
        assert [(d.filename, d.name, d.content_type, d.content_hash) for d in product.documents] == [
            (d.filename, {"en": d.title}, "application/pdf", hashlib.sha256(manual_pdf(seeded.code)).hexdigest())
            for d in seeded.documents]
    assert sum(bool(p.documents) for p in read.products.values()) > 10


def test_kits_list_their_components(read, tryton_catalog):
    for seeded in seeded_products(tryton_catalog):
        assert read.products[seeded.code].kit == tuple(KitItem(sku=code, quantity=Decimal(quantity))
                                                       for code, quantity in seeded.components)
    assert sum(bool(p.kit) for p in read.products.values()) >= 3


def test_categories_leave_the_labels_out(read, tryton_catalog):
    assert len(read.categories) == len(tryton_catalog.categories)


def test_read_file_gives_the_bytes_that_were_hashed(read, tryton_db, tryton_catalog):
    from PIL import Image

    product = next(p for p in read.products.values() if p.documents and p.images)

    async def files() -> tuple[bytes, bytes]:
        erp = TrytonErp(config(tryton_db))
        try:
            image, document = await erp.read_file(product.images[0].key), await erp.read_file(product.documents[0].key)
            for wrong in ("image/99999999", "attachment/99999999", "party/1", "nonsense"):
                with pytest.raises(DataError):
                    await erp.read_file(wrong)
            return image, document
        finally:
            await erp.aclose()

    image, document = run(files())
    assert hashlib.sha256(image).hexdigest() == product.images[0].content_hash
    assert Image.open(io.BytesIO(image)).size == (320, 320)
    assert document == manual_pdf(product.sku)


# --- price rules ---------------------------------------------------------------------------------------------

def tryton_price(price_list: PriceList, seeded, sku: str, quantity: int, day: dt.date) -> Decimal | None:
    """``product_price_list`` (+ ``_dates``): the first line matching gives ``unit_price * factor``
    or its fixed price; a category matches its sub-categories."""
    for line in price_list.lines:
        if line.product is not None and line.product != sku:
            continue
        if line.category is not None and not any(c == line.category or c.startswith(f"{line.category}/")
                                                 for c in seeded.categories):
            continue
        if (line.quantity or 0) > quantity or (line.start and line.start > day) or (line.end and line.end < day):
            continue
        price = line.fixed if line.fixed is not None else seeded.list_price * (line.factor or 1)
        return price.quantize(Decimal("0.0001"))
    return None


def shop_price(rules: list[PriceRule], base: Decimal, quantity: int, moment: dt.datetime) -> Decimal:
    """A shop's specific prices: the highest ``from_quantity`` reached wins, a dated rule first."""
    live = [r for r in rules if r.from_quantity <= quantity and (r.starts is None or r.starts <= moment)
            and (r.ends is None or moment < r.ends)]
    if not live:
        return base
    return max(live, key=lambda r: (r.from_quantity, r.starts is not None or r.ends is not None)).price


def sample_days(price_list: PriceList, today: dt.date) -> list[dt.date]:
    days = {today, today + dt.timedelta(days=1500)}
    for line in price_list.lines:
        for day in filter(None, (line.start, line.end)):
            days |= {day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)}
    return sorted(day for day in days if day >= today)


def test_a_shop_applying_the_rules_shows_the_prices_tryton_computes(read, tryton_catalog, tryton_template):
    today = dt.datetime.now(PARIS).date()
    built = dt.date.fromisoformat(tryton_template.built_on)
    for price_list in price_lists(tryton_catalog, built):
        rules: dict[str, list[PriceRule]] = {}
        for rule in read.rules:
            if rule.price_list == price_list.name:
                rules.setdefault(rule.sku, []).append(rule)
        tiers = sorted({1, 2, 50} | {q + d for line in price_list.lines if line.quantity for d in (-1, 0, 1)
                                       for q in [line.quantity]})
        for seeded in seeded_products(tryton_catalog):
            for variant in seeded.variants:
                for day in sample_days(price_list, today):
                    noon = dt.datetime.combine(day, dt.time(12), tzinfo=PARIS)
                    for quantity in tiers:
                        expected = tryton_price(price_list, seeded, variant.code, quantity, day)
                        shown = shop_price(rules.get(variant.code, []), seeded.list_price, quantity, noon)
                        assert shown == expected, (price_list.name, variant.code, day, quantity)


def test_rules_of_the_seeded_lists(read, tryton_catalog, tryton_template):
    built = dt.date.fromisoformat(tryton_template.built_on)
    skus = sum(len(p.variants) for p in seeded_products(tryton_catalog))
    by_list: dict[str, list[PriceRule]] = {}
    for rule in read.rules:
        by_list.setdefault(rule.price_list or "", []).append(rule)
    assert "Public" not in by_list                                    # the list price, nothing to add
    assert len(by_list["Tarif pro"]) == 2 * skus                      # a price and a tier from 10 units
    assert all(r.currency == "EUR" and r.price == r.price.quantize(Decimal("0.0001")) for r in read.rules)
    [launch] = [r for r in by_list["Soldes"] if r.sku == "PHO-100"]
    assert (launch.price, launch.starts, launch.ends) == (
        Decimal("29.9000"), dt.datetime(built.year + 1, 1, 9, 23, tzinfo=dt.UTC),
        dt.datetime(built.year + 1, 2, 6, 23, tzinfo=dt.UTC))
    running = [r for r in by_list["Soldes"] if r.sku != "PHO-100"]
    start = dt.datetime.combine(built - dt.timedelta(days=10), dt.time(0), tzinfo=PARIS).astimezone(dt.UTC)
    assert running and {(r.starts, r.ends) for r in running} == {
        (start, dt.datetime(built.year, 12, 31, 23, tzinfo=dt.UTC))}
    # Remote controls and radio receivers (under Télécommandes); the flashing lights' sales are over.
    assert {r.sku.split("-")[0] for r in running} == {"TEL", "REC"}


def test_prices_are_computed_by_tryton_in_a_few_reads(read):
    # Lists, lines, carriers, base prices; Tryton's prices of the spare parts (Tarif pro's category line)
    # and of the products of Soldes' running and coming lines; a sample of 5 products for each of the
    # six breakpoints whose prices are worked out from their formula.
    assert read.rule_calls <= 14


def test_a_tax_included_list_is_brought_back_to_tax_excluded(tryton_db, tryton_catalog):
    async def rules() -> list[PriceRule]:
        erp = TrytonErp(config(tryton_db))
        try:
            [company] = await erp.client.search_read("company.company", [], ["id"])
            await erp.client.create("product.price_list", [{
                "name": "Public TTC", "company": company["id"], "price": "list_price", "tax_included": True,
                "lines": [("create", [{"formula": "unit_price * 1.2"}])]}])
            return await erp.read_price_rules(["Public TTC"])
        finally:
            await erp.aclose()

    found = {rule.sku: rule.price for rule in run(rules())}
    rates = {"vat20": Decimal("0.20"), "vat10": Decimal("0.10"), "vat5_5": Decimal("0.055")}
    expected = {}
    for seeded in seeded_products(tryton_catalog):
        taxed = (seeded.list_price * Decimal("1.2")).quantize(Decimal("0.0001"))
        untaxed = (taxed / (1 + rates[seeded.tax])).quantize(Decimal("0.0001"))
        if untaxed != seeded.list_price:
            expected.update({v.code: untaxed for v in seeded.variants})
    assert set(found) == set(expected) == {"POSE-BAT", "POSE-COU", "LIV-GUIDE"}     # 20 % VAT: the list price
    assert all(abs(found[sku] - expected[sku]) <= Decimal("0.0001") for sku in found)


def test_an_unknown_price_list_is_a_configuration_error(tryton_db):
    async def unknown() -> None:
        erp = TrytonErp(config(tryton_db))
        try:
            await erp.read_price_rules(["Tarif pro", "Prix de gros"])
        finally:
            await erp.aclose()

    with pytest.raises(ConnectionFailure, match="Prix de gros"):
        run(unknown())


# --- promotions ---------------------------------------------------------------------------------------------

def test_campaigns_and_coupons(read, tryton_catalog, tryton_template, category_keys):
    built = dt.date.fromisoformat(tryton_template.built_on)

    def midnight(day: dt.date | None) -> dt.datetime | None:
        return dt.datetime.combine(day, dt.time(0), tzinfo=PARIS).astimezone(dt.UTC) if day else None

    seeded = {p.name: p for p in promotions(tryton_catalog, built)}
    found = {p.name: p for p in read.promotions}
    assert set(found) == set(seeded) - {"Lot de 3 photocellules"}        # a minimal quantity: not for shops
    for name, promotion in found.items():
        spec = seeded[name]
        assert (promotion.starts, promotion.ends) == (midnight(spec.start), midnight(
            spec.end + dt.timedelta(days=1) if spec.end else None))
        assert promotion.coupon == spec.coupon
        assert promotion.price_lists == ((spec.price_list,) if spec.price_list else ())
        assert promotion.skus == tuple(sorted(spec.products))
        assert promotion.minimum_amount == (spec.minimum_untaxed or 0)
        under = {key for category in spec.categories for key in category_keys
                 if key == category or key.startswith(f"{category}/")}
        assert set(promotion.category_keys) == {category_keys[key] for key in under}
    assert (found["Code de bienvenue"].reduction, found["Code de bienvenue"].reduction_type) == (
        Decimal("0.1"), Reduction.PERCENTAGE)
    assert (found["Soldes d'hiver télécommandes"].reduction,
            found["Soldes d'hiver télécommandes"].reduction_type) == (Decimal(5), Reduction.AMOUNT)
    assert found["Remise pro sécurité"].active_at(dt.datetime.now(dt.UTC))


def test_check_reports_the_optional_modules_and_the_catalog_settings(tryton_db):
    async def check():
        erp = TrytonErp(config(tryton_db))
        try:
            return await erp.check()
        finally:
            await erp.aclose()

    results = run(check())
    assert [r for r in results if not r.ok] == []
    modules = {r.what: r.detail for r in results if r.what.startswith("module ")}
    assert modules["module product_image"] == "activated" and modules["module sale_promotion_coupon"] == "activated"
    assert {r.what for r in results} >= {"feature attribute 'protection'", "tag categories", "extra field 'type'",
                                         "read product.image", "read ir.attachment", "read sale.promotion.coupon"}
