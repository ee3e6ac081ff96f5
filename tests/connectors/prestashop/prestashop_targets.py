"""Where behaviour tests run: a real PrestaShop 8 (live) and the local sandbox, with the same fixtures.

* live: ``COURROIE_LIVE_PRESTASHOP_URL`` and ``COURROIE_LIVE_PRESTASHOP_KEY`` name a shop whose key
  may do everything ``check()`` asks for (skipped otherwise; ``-k "live and prestashop"``).
* sandbox: ``courroie.sandbox.prestashop`` served on a local port.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from prestashop_samples import KEY
from pydantic import SecretStr

from courroie.connectors.prestashop import PrestaShopConfig, PrestaShopShop
from courroie.connectors.prestashop.client import PrestaShopClient, filter_values
from courroie.connectors.prestashop.mapping import as_int, as_text

LIVE_URL = os.environ.get("COURROIE_LIVE_PRESTASHOP_URL", "")
LIVE_KEY = os.environ.get("COURROIE_LIVE_PRESTASHOP_KEY", "")


@dataclass(frozen=True)
class Target:
    kind: str
    url: str
    key: str


def _sandbox(data_dir: Path) -> AbstractContextManager[str]:
    """``courroie.sandbox.prestashop.run_in_thread`` yielding the base URL, taking either the data
    directory and key, or an app made by ``create_app(data_dir, key, latency=0)``."""
    sandbox = pytest.importorskip("courroie.sandbox.prestashop", reason="the PrestaShop sandbox is not there yet")
    run_in_thread = getattr(sandbox, "run_in_thread", None)
    if run_in_thread is None:
        pytest.skip("courroie.sandbox.prestashop has no run_in_thread yet")
    parameters = inspect.signature(run_in_thread).parameters
    if "key" in parameters or "data_dir" in parameters:
        return run_in_thread(data_dir=data_dir, key=KEY)
    return run_in_thread(sandbox.create_app(data_dir, KEY, latency=0))


@pytest.fixture(params=[pytest.param("live", marks=pytest.mark.live), "sandbox"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "live":
        if not (LIVE_URL and LIVE_KEY):
            pytest.skip("set COURROIE_LIVE_PRESTASHOP_URL and COURROIE_LIVE_PRESTASHOP_KEY")
        yield Target("live", LIVE_URL.rstrip("/").removesuffix("/api"), LIVE_KEY)
        return
    with _sandbox(tmp_path) as url:
        yield Target("sandbox", str(url).rstrip("/").removesuffix("/api"), KEY)


@pytest.fixture
async def api(target: Target) -> AsyncIterator[PrestaShopClient]:
    """A bare client, to look at the shop independently of the connector and to clean up."""
    client = PrestaShopClient(target.url, SecretStr(target.key))
    yield client
    await client.aclose()


async def shop_config(target: Target, api: PrestaShopClient, **settings: object) -> PrestaShopConfig:
    """A configuration with the shop's own language ids (and ``settings``)."""
    languages = {as_text(row["iso_code"]).lower(): as_int(row["id"])
                 for row in await api.read("languages", display="[id,iso_code]")}
    fallback = "en" if "en" in languages else next(iter(languages))
    base: dict = {"name": f"{target.kind}-test", "url": target.url, "key": target.key, "languages": languages,
                  "fallback_language": fallback, "stock_batch_size": 2}
    return PrestaShopConfig(**(base | settings))


@pytest.fixture
async def shop(target: Target, api: PrestaShopClient) -> AsyncIterator[PrestaShopShop]:
    """The connector, configured with the shop's own language ids."""
    connector = PrestaShopShop(await shop_config(target, api))
    yield connector
    await connector.aclose()


@pytest.fixture
async def cleanup(api: PrestaShopClient) -> AsyncIterator[list[tuple[str, str]]]:
    """(resource, id) to delete after the test, last created first."""
    created: list[tuple[str, str]] = []
    yield created
    for resource, record_id in reversed(created):
        with contextlib.suppress(Exception):      # best effort: a shop may refuse to delete some records
            await api.delete(resource, record_id)


@pytest.fixture
def run() -> str:
    return uuid.uuid4().hex[:8].upper()




async def one(api: PrestaShopClient, resource: str, record_id: str, display: str = "full") -> dict:
    [row] = await api.read(resource, display=display, filters={"id": filter_values([record_id])})
    return row
