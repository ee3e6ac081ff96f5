"""Shared fixtures. Real systems (Tryton, PostgreSQL) come from tests/fixtures/."""

from __future__ import annotations

import pytest

from courroie.store import Store

pytest_plugins = ["tests.fixtures.postgres", "tests.fixtures.tryton", "tests.fixtures.hub", "tests.fixtures.browser"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """A fresh store URL, on SQLite and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url) -> Store:
    store = Store(store_url)
    yield store
    store.dispose()


@pytest.fixture
def sqlite_store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.dispose()
