"""Running the Odoo sandbox: ``serve()`` in the foreground, ``run_in_thread()`` for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from courroie.sandbox.threads import serve_in_thread

from courroie.sandbox.prestashop.server import _NoDelayH11

from .app import OdooSandbox


class SandboxURL(str):
    """The base URL (``http://127.0.0.1:PORT``) plus the running sandbox (``.sandbox``)."""

    sandbox: OdooSandbox

    def __new__(cls, url: str, sandbox: OdooSandbox) -> SandboxURL:
        instance = super().__new__(cls, url)
        instance.sandbox = sandbox
        return instance


def _config(sandbox: OdooSandbox, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(sandbox, host=host, port=port, http=_NoDelayH11, loop="asyncio", lifespan="off",
                          log_level=log_level, access_log=False, timeout_graceful_shutdown=1, server_header=False)


def serve(sandbox: OdooSandbox, port: int, *, host: str = "127.0.0.1") -> None:
    """Serve until interrupted."""
    uvicorn.Server(_config(sandbox, host, port, "info")).run()


@contextmanager
def run_in_thread(sandbox: OdooSandbox | None = None, *, host: str = "127.0.0.1", port: int = 0,
                  factory: Callable[[], OdooSandbox] | None = None) -> Iterator[SandboxURL]:
    """Serve ``sandbox`` on a free port (or ``port``) in a background thread; yields its base URL."""
    sandbox = sandbox or (factory() if factory else OdooSandbox())
    with serve_in_thread(lambda bound: _config(sandbox, host, bound, "warning"), host=host, port=port,
                         name="Odoo sandbox") as bound:
        yield SandboxURL(f"http://{host}:{bound}", sandbox)
