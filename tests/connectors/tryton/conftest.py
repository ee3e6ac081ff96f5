from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from courroie.connectors.tryton import TrytonConfig, TrytonErp
from courroie.connectors.tryton.client import TrytonClient
from tryton_captures import DATABASE, LOGIN, PASSWORD, URL, FakeTryton


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_config(**overrides: object) -> TrytonConfig:
    settings: dict = {"url": URL, "database": DATABASE, "user": LOGIN, "password": PASSWORD,
                      "languages": ["en", "fr"], "warehouses": ["TLS", "BDX"], "sale_warehouse": "TLS"}
    return TrytonConfig(**(settings | overrides))


@pytest.fixture
def fake_tryton() -> FakeTryton:
    return FakeTryton()


@pytest.fixture
async def client_for(fake_tryton: FakeTryton) -> AsyncIterator[Callable[..., TrytonClient]]:
    """``client_for(**config_overrides)``: a JSON-RPC client talking to the double."""
    clients: list[TrytonClient] = []

    def make(transport: httpx.AsyncBaseTransport | None = None, **overrides: object) -> TrytonClient:
        client = TrytonClient(make_config(**overrides), transport=transport or fake_tryton.transport())
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def erp_for(fake_tryton: FakeTryton) -> AsyncIterator[Callable[..., TrytonErp]]:
    """``erp_for(**config_overrides)``: a connector talking to the double."""
    erps: list[TrytonErp] = []

    def make(**overrides: object) -> TrytonErp:
        erp = TrytonErp(make_config(**overrides), transport=fake_tryton.transport())
        erps.append(erp)
        return erp

    yield make
    for erp in erps:
        await erp.aclose()

