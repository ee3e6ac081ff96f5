"""The cached template database: built once, found again, copied consistently."""

from __future__ import annotations

import sqlite3
import time

import pytest

from courroie.sandbox.tryton import copy_database, ensure_template
from courroie.sandbox.tryton.catalog import BENCH_SHAPE, Shape
from courroie.sandbox.tryton.template import template_key


def test_template_is_cached(tryton_template):
    started = time.monotonic()
    again = ensure_template(tryton_template.n_products)
    assert time.monotonic() - started < 1
    assert again == tryton_template
    assert again.path.exists() and again.application_key


def test_key_depends_on_size_seed_and_year():
    key = template_key(240, 2026, 2026)
    assert key == template_key(240, 2026, 2026)
    assert len({key, template_key(241, 2026, 2026), template_key(240, 1, 2026), template_key(240, 2026, 2027)}) == 4
    shaped = template_key(240, 2026, 2026, BENCH_SHAPE)
    assert len({key, shaped, template_key(240, 2026, 2026, Shape(0.3, 5))}) == 3


def test_copy_is_a_complete_database(tryton_template, tryton_catalog, tmp_path):
    copy = copy_database(tryton_template.path, tmp_path / "copy.sqlite")
    with sqlite3.connect(copy) as connection:
        (products,) = connection.execute("SELECT count(*) FROM product_product").fetchone()
        (moves,) = connection.execute("SELECT count(*) FROM stock_move WHERE state = 'done'").fetchone()
    skus = sum(1 for _ in tryton_catalog.variants)
    assert products == skus + 2  # + the carriers' shipping products
    expected = sum(q > 0 for v in tryton_catalog.variants for q in v.stock.values())
    assert moves == expected


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    from courroie.sandbox.tryton import cache_dir

    monkeypatch.setenv("COURROIE_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path / "tryton"


@pytest.mark.slow
def test_copy_time(tryton_template, tmp_path):
    started = time.monotonic()
    copy_database(tryton_template.path, tmp_path / "timed.sqlite")
    assert time.monotonic() - started < 2
