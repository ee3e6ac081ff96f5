"""Odoo connector tests: the connector against the sandbox (in-process, no socket), against the
captured bytes (``httpx.MockTransport``), and against a real Odoo when ``COURROIE_LIVE_ODOO_*`` is set."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from courroie.connectors.odoo import OdooErp
from courroie.sandbox.odoo import OdooSandbox
from tests.connectors.odoo.odoo_support import VERSIONS, make_config, new_sandbox


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=VERSIONS)
def sandbox(request: pytest.FixtureRequest) -> OdooSandbox:
    """The door & gate retailer's Odoo, as 16.0 and as 18.0."""
    return new_sandbox(request.param)


@pytest.fixture
async def erp_for() -> AsyncIterator[Callable[..., OdooErp]]:
    """``erp_for(sandbox, **config_overrides)``: a connector talking to that sandbox in-process."""
    made: list[OdooErp] = []

    def make(sandbox: OdooSandbox, **overrides: Any) -> OdooErp:
        erp = OdooErp(make_config(**overrides), transport=httpx.ASGITransport(app=sandbox))
        made.append(erp)
        return erp

    yield make
    for erp in made:
        await erp.aclose()


@pytest.fixture
async def erp(sandbox: OdooSandbox, erp_for: Callable[..., OdooErp]) -> OdooErp:
    return erp_for(sandbox)
