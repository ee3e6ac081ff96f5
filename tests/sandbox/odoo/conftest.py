"""Odoo sandbox tests: they run the sandbox in-process, against the captures in ``reference/``."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
