"""Running the sandbox: `serve()` for the CLI, `run_in_thread()` for tests and benchmarks."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from courroie.sandbox.threads import serve_in_thread

from .app import PrestaShopSandbox, SandboxControl, create_app


class _NoDelayH11(H11Protocol):
    """Headers and body leave in two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


class SandboxURL(str):
    """The base URL (`http://127.0.0.1:PORT`, no trailing slash) plus the running app's controls."""

    app: PrestaShopSandbox
    control: SandboxControl

    def __new__(cls, url: str, app: PrestaShopSandbox) -> SandboxURL:
        instance = super().__new__(cls, url)
        instance.app = app
        instance.control = app.control
        return instance

    @property
    def api(self) -> str:
        return f"{self}/api"


class _DropTruncationNoise(logging.Filter):
    """Injected `reset` faults end responses early on purpose; uvicorn logs that as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def _config(app: PrestaShopSandbox, host: str, port: int, log_level: str) -> uvicorn.Config:
    logging.getLogger("uvicorn.error").addFilter(_DropTruncationNoise())
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_NoDelayH11,
        loop="asyncio",
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=1,
        server_header=False,
        date_header=True,
    )


def serve(
    port: int,
    data_dir: Path,
    key: str,
    latency: float | None = None,
    *,
    host: str = "127.0.0.1",
    workers: int = 4,
    timezone: str = "Europe/Paris",
    shop_name: str = "TestShop",
) -> None:
    """Run the sandbox in the foreground until interrupted (`courroie sandbox prestashop`).

    `latency` is in seconds (time of one product GET; None = realistic model, 0 = none); the CLI's
    `--latency-ms` divides by 1000.
    """
    app = create_app(Path(data_dir), key, latency=latency, workers=workers, timezone=timezone, shop_name=shop_name)
    uvicorn.Server(_config(app, host, port, "info")).run()


@contextmanager
def run_in_thread(
    data_dir: Path,
    key: str,
    *,
    latency: float | None = 0.0,
    workers: int = 4,
    timezone: str = "Europe/Paris",
    shop_name: str = "TestShop",
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Callable[[], datetime] | None = None,
    round_type: int = 2,
    allow_backorders: bool = False,
) -> Iterator[SandboxURL]:
    """Serve on a free port (or `port`) in a background thread; yields the base URL.

    Latency defaults to 0 here (tests); pass `latency=None` for the realistic model. The yielded
    `SandboxURL` is a `str` with `.control` (faults, outages, shops, keys, counters) and `.app`.
    """
    app = create_app(
        Path(data_dir),
        key,
        latency=latency,
        workers=workers,
        timezone=timezone,
        shop_name=shop_name,
        clock=clock,
        round_type=round_type,
        allow_backorders=allow_backorders,
    )
    try:
        with serve_in_thread(lambda bound: _config(app, host, bound, "warning"), host=host, port=port,
                             name="PrestaShop sandbox") as bound:
            yield SandboxURL(f"http://{host}:{bound}", app)
    finally:
        app.backend.store.close()
