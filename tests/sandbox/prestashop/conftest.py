"""Fixtures for the PrestaShop sandbox tests: an in-process app per test (latency 0), a real server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ps_helpers import KEY, Clock, Shop, TestClient

from courroie.sandbox.prestashop import PrestaShopSandbox, SandboxURL, create_app, run_in_thread


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxURL]:
    """A real server on a free port (for faults that need a socket, and raw HTTP)."""
    with run_in_thread(tmp_path / "ps", KEY, latency=0) as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> PrestaShopSandbox:
    return create_app(tmp_path / "ps", KEY, latency=0, clock=clock)


@pytest.fixture
def ws(app: PrestaShopSandbox) -> Iterator[httpx.Client]:
    """A webservice client on the app in-process (no socket: fast to start and stop)."""
    with TestClient(app, base_url="http://127.0.0.1:8080/api") as client:
        client.auth = (KEY, "")
        yield client


@pytest.fixture
def shop(ws: httpx.Client) -> Shop:
    return Shop(ws)
