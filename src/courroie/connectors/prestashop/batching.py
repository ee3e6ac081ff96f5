"""Two small concurrency tools the connector shares between its calls.

* ``Coalescer``: calls made while earlier ones are on the wire leave together, as one request
  carrying many records (one ``<prestashop>`` document with several ``<specific_price>``, one
  ``DELETE ?id=[1,2,3]``). A flow pushing rules with N workers sends batches of about N records
  instead of N requests, and never waits for a batch to fill: a lone call leaves at once.
* ``Registry``: shop ids by key (manufacturers, features…), read once per connector and grown by
  creating what is missing; concurrent callers needing the same new key share one creation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Generic, TypeVar

I = TypeVar("I")                  # noqa: E741  (an item sent)
R = TypeVar("R")                  # its result
K = TypeVar("K", bound=Hashable)  # a registry key
P = TypeVar("P")                  # what it takes to create a key


class Coalescer(Generic[I, R]):
    """Batches concurrent ``submit`` calls into ``send`` calls of at most ``size`` items, with at most
    ``in_flight`` batches on the wire. ``send`` returns one result or exception per item, in order."""

    def __init__(self, send: Callable[[list[I]], Awaitable[Sequence[R | BaseException]]], *, size: int,
                 in_flight: int = 2) -> None:
        self._send = send
        self._size = size
        self._slots = asyncio.Semaphore(in_flight)
        self._queue: list[tuple[I, asyncio.Future[R]]] = []
        self._pump: asyncio.Task[None] | None = None
        self._batches: set[asyncio.Task[None]] = set()

    async def submit(self, item: I) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._queue:
            await self._slots.acquire()
            await asyncio.sleep(0)        # callers scheduled in this same turn join the batch
            batch, self._queue = self._queue[:self._size], self._queue[self._size:]
            if not batch:
                self._slots.release()
                continue
            task = asyncio.create_task(self._flush(batch))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    async def _flush(self, batch: list[tuple[I, asyncio.Future[R]]]) -> None:
        try:
            results: Sequence[R | BaseException] = await self._send([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} got {len(results)} results")
        except BaseException as exc:  # handed to every caller of the batch, cancellation included
            results = [exc] * len(batch)
        finally:
            self._slots.release()
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():               # its caller gave up (cancelled)
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)


class Registry(Generic[K, P]):
    """Shop ids by key. ``load`` reads the shop's table once; ``create`` makes missing records (one
    batch POST) and returns their ids in order."""

    def __init__(self, load: Callable[[], Awaitable[dict[K, str]]],
                 create: Callable[[list[tuple[K, P]]], Awaitable[list[str]]]) -> None:
        self._load = load
        self._create = create
        self._ids: dict[K, str] | None = None
        self._loading = asyncio.Lock()
        self._pending: dict[K, asyncio.Task[None]] = {}

    async def known(self) -> dict[K, str]:
        async with self._loading:
            if self._ids is None:
                self._ids = await self._load()
        return self._ids

    async def find(self, keys: Iterable[K]) -> dict[K, str]:
        """Ids of the keys the shop has; the others are left out (nothing is created)."""
        ids = await self.known()
        return {key: ids[key] for key in keys if key in ids}

    async def ensure(self, wanted: Mapping[K, P]) -> dict[K, str]:
        """Ids of every wanted key, creating those the shop lacks."""
        ids = await self.known()
        missing = [(key, spec) for key, spec in wanted.items() if key not in ids and key not in self._pending]
        if missing:
            task = asyncio.create_task(self._add(missing))
            for key, _ in missing:
                self._pending[key] = task
        for task in {self._pending[key] for key in wanted if key not in ids and key in self._pending}:
            await asyncio.shield(task)
        return {key: ids[key] for key in wanted}

    async def _add(self, missing: list[tuple[K, P]]) -> None:
        try:
            created = await self._create(missing)
            assert self._ids is not None
            self._ids.update(zip((key for key, _ in missing), created, strict=True))
        finally:
            for key, _ in missing:
                self._pending.pop(key, None)
