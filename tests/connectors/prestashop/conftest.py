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
    shops: list[PrestaShopShop] = []

    def make(**overrides: object) -> PrestaShopShop:
        shop = PrestaShopShop(make_config(**overrides), transport=router.transport())
        shops.append(shop)
        return shop

    yield make
    for shop in shops:
        await shop.aclose()


# Live-or-sandbox fixtures shared by the behaviour test modules.
from prestashop_targets import api, cleanup, run, shop, target  # noqa: E402,F401
