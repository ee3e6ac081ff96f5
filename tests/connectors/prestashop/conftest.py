from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from prestashop_captures import Router
from prestashop_samples import make_config

from courroie.connectors.prestashop import PrestaShopShop


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def router() -> Router:
    return Router()


@pytest.fixture
async def shop_for(router: Router) -> AsyncIterator[Callable[..., PrestaShopShop]]:
    """``shop_for(**config_overrides)``: a connector whose HTTP goes to ``router``."""
    made: list[PrestaShopShop] = []

    def make(**overrides: object) -> PrestaShopShop:
        connector = PrestaShopShop(make_config(**overrides), transport=router.transport())
        made.append(connector)
        return connector

    yield make
    for connector in made:
        await connector.aclose()


# Live-or-sandbox fixtures shared by the behaviour test modules.
from prestashop_targets import api, cleanup, run, shop, target  # noqa: E402,F401
