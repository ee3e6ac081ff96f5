"""The demo catalog as plain data: deterministic, prefix-stable, shaped as the data contract says."""

from __future__ import annotations

from collections import Counter

import pytest

import datetime as dt
import hashlib

from courroie.sandbox.tryton.catalog import (
    ATTRIBUTES, BENCH_SHAPE, FEATURE_ATTRIBUTES, IMAGE_LIMIT, MIN_PRODUCTS, Shape, build_catalog, ean13, manual_pdf,
    price_lists, promotions, sales_period,
)


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(240)


def _ean_ok(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and ean13(code[:12]) == code


def test_exact_count_and_unique_codes(catalog):
    codes = [v.code for v in catalog.variants]
    assert len(codes) == 240
    assert len(set(codes)) == 240
    assert len({p.code for p in catalog.products}) == len(catalog.products)


def test_deterministic_and_prefix_stable(catalog):
    assert build_catalog(240) == catalog
    big = build_catalog(2000)
    assert [p.code for p in big.products[:100]] == [p.code for p in catalog.products[:100]]
    assert big.products[:100] == catalog.products[:100]


def test_sku_is_template_code_plus_suffix(catalog):
    for product in catalog.products:
        for variant in product.variants:
            assert variant.code == product.code + (variant.suffix or "")
        if product.attribute_set is None:
            assert [v.suffix for v in product.variants] == [None]
    assert catalog.variant("MOT-BAT-400-24V").attributes == {"voltage": "24v", "protection": "ip44", "warranty": "3y"}


def test_variants_use_declared_attribute_values(catalog):
    sets = {s.key: set(s.attributes) for s in catalog.attribute_sets}
    values = {a.name: {v[0] for v in a.values} for a in ATTRIBUTES}
    with_variants = [p for p in catalog.products if len(p.variants) > 1]
    assert len(with_variants) >= 40
    for product in with_variants:
        for variant in product.variants:
            assert set(variant.attributes) == sets[product.attribute_set]
            assert all(values[name] >= {key} for name, key in variant.attributes.items())


def test_eans_are_valid_and_on_most_goods(catalog):
    goods = [v for p in catalog.products if p.type != "service" for v in p.variants]
    with_ean = [v.ean for v in goods if v.ean]
    assert all(_ean_ok(ean) for ean in with_ean)
    assert len(set(with_ean)) == len(with_ean)
    assert 0.8 < len(with_ean) / len(goods) < 1


def test_categories_tree_and_multi_category(catalog):
    keys = {c.key for c in catalog.categories}
    assert all(c.parent in keys for c in catalog.categories if c.parent)
    assert max(c.key.count("/") for c in catalog.categories) == 2  # three levels
    assert all(set(p.categories) <= keys for p in catalog.products)
    assert sum(len(p.categories) > 1 for p in catalog.products) >= 10


def test_stock_patterns(catalog):
    stocked = [v.stock for p in catalog.products if p.type == "goods" for v in p.variants]
    both = sum(s["TLS"] > 0 and s["BDX"] > 0 for s in stocked)
    one = sum((s["TLS"] > 0) != (s["BDX"] > 0) for s in stocked)
    none = sum(s["TLS"] == 0 and s["BDX"] == 0 for s in stocked)
    assert both > 100 and one > 20 and none > 5


def test_goods_have_weights_prices_and_taxes(catalog):
    taxes = Counter(p.tax for p in catalog.products)
    assert taxes["vat20"] > 100 and taxes["vat10"] == 2 and taxes["vat5_5"] == 1
    for product in catalog.products:
        assert product.list_price > 0 and product.cost_price < product.list_price
        assert (product.weight is None) == (product.type == "service")


def test_kits_are_made_of_earlier_goods(catalog):
    kits = [p for p in catalog.products if p.type == "kit"]
    assert kits
    goods = {v.code for p in catalog.products if p.type == "goods" for v in p.variants}
    for kit in kits:
        assert {code for code, _ in kit.components} <= goods


def test_bilingual_html_descriptions(catalog):
    variant = catalog.variant("MOT-BAT-400-24V")
    assert variant.description_fr.startswith("<p>") and "Version : 24 V." in variant.description_fr
    assert variant.description_en.startswith("<p>") and "Version: 24 V." in variant.description_en


def test_too_small_catalog_is_refused():
    with pytest.raises(ValueError):
        build_catalog(MIN_PRODUCTS - 1)
    assert sum(1 for _ in build_catalog(MIN_PRODUCTS).variants) == MIN_PRODUCTS


def test_ten_thousand_skus_generate_quickly():
    catalog = build_catalog(10_000)
    codes = [v.code for v in catalog.variants]
    assert len(codes) == len(set(codes)) == 10_000


def test_feature_attributes_are_the_same_on_every_variant_and_not_in_the_version_line(catalog):
    featured = [p for p in catalog.products if any(set(FEATURE_ATTRIBUTES) & set(v.attributes) for v in p.variants)]
    assert len(featured) > 20
    for product in featured:
        values = {tuple(v.attributes[a] for a in FEATURE_ATTRIBUTES) for v in product.variants}
        assert len(values) == 1
        assert all("IP" not in v.description_en.rsplit("<p>", 1)[-1] for v in product.variants if v.attributes)


def test_goods_have_dimensions_pictures_and_motors_a_manual(catalog):
    for index, product in enumerate(catalog.products):
        assert (product.dimensions is None) == (product.type == "service")
        if product.type == "service" or index >= IMAGE_LIMIT:
            assert product.pictures == () and product.documents == ()
            continue
        assert product.pictures[0].sequence == 1 and product.pictures[0].variant is None
        variants = {v.code for v in product.variants}
        assert all(p.variant in variants for p in product.pictures if p.variant)
    assert sum(bool(p.documents) for p in catalog.products) > 20
    assert sum(1 for p in catalog.products for pic in p.pictures if pic.variant) > 20
    assert any(p.tags for p in catalog.products) and any(p.brand for p in catalog.products)


def test_manuals_are_small_valid_pdfs():
    pdf = manual_pdf("MOT-BAT-400")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) < 1000
    assert manual_pdf("MOT-BAT-400") == pdf != manual_pdf("MOT-BAT-500")
    offset = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[offset:].startswith(b"xref")
    assert hashlib.sha256(pdf).hexdigest()


def test_price_lists_and_promotions_around_the_build_day(catalog):
    today = dt.date(2026, 3, 5)
    public, pro, sales = price_lists(catalog, today)
    assert [line.formula for line in pro.lines] == ["unit_price * 0.75", "unit_price * 0.85", "unit_price * 0.8"]
    running, past, coming, rest = sales.lines
    assert running.start <= today <= running.end == dt.date(2026, 12, 31)
    assert past.end < today < coming.start and coming.formula == "Decimal('29.90')"
    assert rest.formula == "unit_price" and public.lines[0].formula == "unit_price"
    assert sales_period(today) == (dt.date(2026, 2, 23), dt.date(2026, 12, 31))
    names = [p.name for p in promotions(catalog, today)]
    assert names[0] == "Code de bienvenue" and len(names) == 4


def test_default_catalog_keeps_the_counts_and_anchors_of_the_data_contract(catalog):
    """The figures of :mod:`courroie.sandbox.tryton.seed`'s docstring: a shape must never move them."""
    products = catalog.products
    assert len(products) == 138 and Counter(p.type for p in products) == {"goods": 131, "kit": 4, "service": 3}
    assert sum(bool(p.attribute_set) for p in products) == 84
    assert Counter(min(len(p.variants), 2) for p in products) == {2: 83, 1: 55}
    assert max(len(p.variants) for p in products) == 4 and catalog.attributes == ATTRIBUTES
    assert sum(bool(v.ean) for v in catalog.variants) == 218
    assert catalog.variant("MOT-BAT-400-24V").stock == {"TLS": 4, "BDX": 1}
    assert catalog.variant("MOT-BAT-400-230V").stock == {"TLS": 2, "BDX": 8}
    assert catalog.variant("MOT-ENT-500-230V").stock == {"TLS": 0, "BDX": 8}
    assert catalog.variant("MOT-GAR-600-800N").ean is None
    assert sum(len(p.pictures) for p in products) == 175 and sum(len(p.documents) for p in products) == 38
    assert len(build_catalog(380).products) == 207
    big = build_catalog(10_000)
    assert (len(big.products), sum(bool(v.ean) for v in big.variants)) == (5495, 9027)


@pytest.fixture(scope="module")
def shaped():
    return build_catalog(4000, shape=BENCH_SHAPE)  # ~2,100 templates


def test_bench_shape_gives_30_percent_of_templates_2_to_6_variants(shaped):
    counts = Counter(len(p.variants) for p in shaped.products)
    several = sum(n for size, n in counts.items() if size > 1)
    assert abs(several / len(shaped.products) - 0.30) <= 0.02
    assert set(counts) == {1, 2, 3, 4, 5, 6}
    assert all(counts[size] > several / 10 for size in range(2, 7))  # uniform, roughly
    codes = [v.code for v in shaped.variants]
    assert len(codes) == len(set(codes)) == 4000


def test_bench_shape_uses_only_declared_attribute_values(shaped):
    sets = {s.key: set(s.attributes) for s in shaped.attribute_sets}
    values = {a.name: {v[0] for v in a.values} for a in shaped.attributes}
    for product in shaped.products:
        for variant in product.variants:
            assert variant.code == product.code + (variant.suffix or "")
            assert set(variant.attributes) <= sets.get(product.attribute_set or "", set())
            assert all(key in values[name] for name, key in variant.attributes.items())
    used = {(n, k) for v in shaped.variants for n, k in v.attributes.items()}
    assert ("max_weight", "2000kg") in used and ("material", "zinc") in used  # the extra values are used
    # Appended: the default values keep their place in the selections.
    assert all(a.values[: len(d.values)] == d.values for a, d in zip(shaped.attributes, ATTRIBUTES, strict=True))


def test_one_article_templates_of_the_shape_are_plain_products(shaped):
    single = [p for p in shaped.products if p.attribute_set and len(p.variants) == 1]
    assert single
    for product in single:
        (variant,) = product.variants
        assert variant.suffix is None and set(variant.attributes) <= set(FEATURE_ATTRIBUTES)
        assert all(picture.variant is None for picture in product.pictures)


def test_bench_shape_is_deterministic_and_prefix_stable(shaped):
    small = build_catalog(1000, shape=BENCH_SHAPE)
    assert small == build_catalog(1000, shape=BENCH_SHAPE)
    assert shaped.products[:400] == small.products[:400]
    exact = sum(len(p.variants) for p in shaped.products[:500])  # what the benchmark does for 500 products
    assert build_catalog(exact, shape=BENCH_SHAPE).products == shaped.products[:500]


def test_shapes_beyond_the_choices_are_refused():
    with pytest.raises(ValueError):
        Shape(0.3, 7)
    with pytest.raises(ValueError):
        Shape(1.5)
