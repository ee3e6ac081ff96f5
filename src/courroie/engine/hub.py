"""The hub: the ERP, the shops and the store, opened once from the configuration and shared by flows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from courroie.config import HubConfig
from courroie.connectors.protocols import ErpConnector, ShopConnector
from courroie.connectors.registry import ERPS, SHOPS
from courroie.engine.retry import RetryPolicy
from courroie.engine.runs import FlowRun
from courroie.store import Store
from courroie.store.blocked import BlockedList
from courroie.store.inbox import Inbox
from courroie.store.journal import Journal
from courroie.store.runs import ConnectionHealth, RunLog
from courroie.sync.bindings import Bindings
from courroie.sync.cursors import Cursors


@dataclass
class Hub:
    config: HubConfig
    store: Store
    erp: ErpConnector
    shops: dict[str, ShopConnector]
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    progress: Any = None            # optional: .expect(run, total) and .advance(run, n), e.g. a rich progress bar
    observers: list[Callable[[FlowRun], None]] = field(default_factory=list)   # told of each flow run as it ends
    # A long-lived process (the service, the console) shares one hub between operations: leaving an
    # ``async with hub`` block then keeps its connections open; the process closes them when it ends.
    shared: bool = False

    def __post_init__(self) -> None:
        # Order imports from all shops go to the ERP one at a time: two shops selling to one new
        # customer at once must not create that customer twice.
        self.erp_orders = asyncio.Lock()
        self.flow_runs: list = []           # the runs made through this hub, newest last (plans read them)
        self.journal = Journal(self.store)
        self.blocked = BlockedList(self.store)
        self.inbox = Inbox(self.store)
        self.cursors = Cursors(self.store)
        self.runs = RunLog(self.store)
        self.health = ConnectionHealth(self.store)

    @classmethod
    def open(cls, config: HubConfig, store: Store | None = None, **kwargs) -> Hub:
        erp = ERPS[config.erp.type].connector(config.erp.connector)
        shops = {entry.name: SHOPS[entry.type].connector(entry.connector) for entry in config.shops}
        return cls(config, store or Store(config.store), erp, shops, **kwargs)

    @property
    def erp_name(self) -> str:
        return getattr(self.erp, "name", "erp")

    def bindings(self, connection: str, kind: str) -> Bindings:
        return Bindings(self.store, connection, kind)

    def reconfigure(self, config: HubConfig) -> None:
        """Use a new configuration (edited in the console) from now on: a shop whose connector settings
        changed gets a new connector, the others keep theirs and their open connections.

        A replaced connector is not closed: a flow run started before the change may still be using it,
        and no delay bounds a run (a catalog run takes as long as the catalog), so closing it on a timer
        could cut a run short. It is dropped here and garbage-collected, sockets included, once the last
        run holding it ends. Connectors are swapped in place (same dict, same keys): a loop over
        ``hub.shops`` paused at an ``await`` goes on unharmed."""
        old = {entry.name: entry for entry in self.config.shops}
        for entry in config.shops:
            before = old.get(entry.name)
            if before is None or before.type != entry.type or before.connector != entry.connector \
                    or entry.name not in self.shops:
                self.shops[entry.name] = SHOPS[entry.type].connector(entry.connector)
        for name in set(self.shops) - {entry.name for entry in config.shops}:
            del self.shops[name]
        self.config = config

    def selected_shops(self, name: str | None = None) -> list[str]:
        if name is None:
            return list(self.shops)
        self.config.shop(name)              # raises a clear error for an unknown name
        return [name]

    async def aclose(self) -> None:
        await self.erp.aclose()
        for shop in self.shops.values():
            await shop.aclose()

    async def __aenter__(self) -> Hub:
        return self

    async def __aexit__(self, *exc) -> None:
        if not self.shared:
            await self.aclose()
