"""The store stock lookup of `courroie run`: `GET /api/v1/stock/{sku}?store=CODE`, from the hub's cache."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from courroie.config import ApiSettings
from courroie.interfaces.api import store_stock_answer
from courroie.model import StockLevel
from courroie.store.stock import StockCache

KEY = "k" * 40


@pytest.fixture
def client(sqlite_store) -> TestClient:
    cache = StockCache(sqlite_store)
    cache.apply([StockLevel(sku="MOT-1", location="STORE-TLS", quantity=Decimal(3)),
                 StockLevel(sku="MOT-1", location="STORE-BDX", quantity=Decimal(-2)),
                 StockLevel(sku="MOT-2", location="STORE-BDX", quantity=Decimal(5))],
                ["STORE-TLS", "STORE-BDX"], complete=True)
    cache.mark_read(["STORE-TLS", "STORE-BDX"], datetime(2026, 11, 22, 10, tzinfo=UTC), full=True)
    hub = SimpleNamespace(store=sqlite_store, config=SimpleNamespace(api=ApiSettings(keys=[SecretStr(KEY)])))
    app = Starlette(routes=[Route("/api/v1/stock/{sku:path}", lambda request: store_stock_answer(hub, request))])
    return TestClient(app)


def test_a_store_answers_what_it_holds(client):
    answer = client.get("/api/v1/stock/MOT-1", params={"store": "STORE-TLS"}, headers={"X-Api-Key": KEY})
    assert answer.status_code == 200
    assert answer.json() == {"sku": "MOT-1", "store": "STORE-TLS", "quantity": 3, "available": True,
                             "as_of": "2026-11-22T10:00:00+00:00"}


def test_none_in_that_store_is_zero_and_never_negative(client):
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert client.get("/api/v1/stock/MOT-2", params={"store": "STORE-TLS"}, headers=bearer).json()["quantity"] == 0
    below = client.get("/api/v1/stock/MOT-1", params={"store": "STORE-BDX"}, headers=bearer).json()
    assert (below["quantity"], below["available"]) == (0, False)


def test_unknown_store_or_article_and_missing_store_say_so(client):
    headers = {"X-Api-Key": KEY}
    unknown_store = client.get("/api/v1/stock/MOT-1", params={"store": "PARIS"}, headers=headers)
    assert unknown_store.status_code == 404 and unknown_store.json()["stores"] == ["STORE-BDX", "STORE-TLS"]
    assert client.get("/api/v1/stock/NOPE", params={"store": "STORE-TLS"}, headers=headers).status_code == 404
    assert client.get("/api/v1/stock/MOT-1", headers=headers).status_code == 400


def test_a_key_is_needed(client):
    assert client.get("/api/v1/stock/MOT-1", params={"store": "STORE-TLS"}).status_code == 401
    wrong = client.get("/api/v1/stock/MOT-1", params={"store": "STORE-TLS"}, headers={"X-Api-Key": "x" * 40})
    assert wrong.status_code == 401 and KEY not in wrong.text
