"""Odoo sandbox tests: they run the sandbox in-process, against the captures in ``reference/``."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Until pyproject's marker list names it (strict markers).
    config.addinivalue_line("markers", "odoo: Odoo connector and sandbox")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
