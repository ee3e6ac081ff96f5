"""`courroie console`: the console alone, without the scheduler (`courroie run` serves it too)."""

from __future__ import annotations

import uvicorn

from courroie.config import HubConfig
from courroie.engine.hub import Hub
from courroie.interfaces.web.app import create_console
from courroie.store import Store


async def serve_console(config: HubConfig, *, host: str, port: int) -> None:
    store = Store(config.store)
    hub = Hub.open(config, store=store, shared=True)
    server = uvicorn.Server(uvicorn.Config(create_console(hub), host=host, port=port, log_config=None,
                                           access_log=False, proxy_headers=True))
    try:
        await server.serve()
    finally:
        await hub.aclose()
        store.dispose()
