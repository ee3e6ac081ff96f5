"""Running the Odoo sandbox: ``serve()`` in the foreground, ``run_in_thread()`` for tests and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(_config(sandbox, host, sock.getsockname()[1], "warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="odoo-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        raise RuntimeError("the Odoo sandbox did not start")
    try:
        yield SandboxURL(f"http://{host}:{sock.getsockname()[1]}", sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
