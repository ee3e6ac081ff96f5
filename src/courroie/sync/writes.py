"""Writing one record to a shop: diff against its binding, then create, update or skip, then record.
Shared by the flows that publish ERP records (catalog, prices)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from courroie.connectors.protocols import ShopProductIds
from courroie.engine.failpoints import failpoint
from courroie.engine.runs import FlowRun
from courroie.sync.bindings import Binding, Bindings
from courroie.sync.fingerprints import fingerprint


async def write_record(run: FlowRun, bindings: Bindings, binding: Binding | None, erp_key: str, record: str,
                       sent: dict, *, create: Callable[[], Awaitable], update: Callable[[Binding], Awaitable],
                       external_id: Callable = str, keep: Callable[[Any], dict] = lambda result: {},
                       snapshot: dict | None = None, plan: dict | None = None):
    """Diff one record against its binding and create, update or skip it. ``sent`` is what the
    fingerprint covers; ``snapshot`` what to remember as sent (default ``sent``), for plans and
    explanations. ``create`` and ``update`` return where the record is in the shop; ``keep`` says what
    to remember of that. Returns the write's result; None when unchanged, blocked or a dry run (``plan``
    then says what would change)."""
    digest = fingerprint(sent)
    if binding and binding.external_id and binding.fingerprint == digest:
        run.count("unchanged")
        run.unblock(record)                     # blocked while the ERP had it wrong, now put back as the shop has it
        return None
    action = "updated" if binding and binding.external_id else "created"
    if run.dry_run:
        run.count(action)
        run.planned.append({"record": record, "action": action, **(plan or {})})
        return None
    if action == "created":
        bindings.intend(erp_key)                # a crash after the create is found again by reference
        result = await run.attempt(record, create, payload=_json(sent))
        failpoint("catalog.after_create")
    else:
        result = await run.attempt(record, lambda: update(binding), payload=_json(sent))
    if result is None:
        return None
    bindings.save(erp_key, external_id(result), digest, {"sent": snapshot or sent, **keep(result)})
    run.unblock(record)
    run.record(action, record, details={"external_id": external_id(result)})
    return result


async def adopt(run: FlowRun, bindings: Bindings, binding: Binding | None, erp_key: str,
                find: Callable[[], Awaitable[ShopProductIds | None]]) -> Binding | None:
    """A binding left as an intent means a create may have reached the shop before the process died:
    look the record up by reference and bind it instead of creating it twice."""
    if binding is None or not binding.is_intent or run.dry_run:
        return binding
    found = await run.call(find)
    if found is None:
        return binding
    bindings.save(erp_key, found.product_id, None, {"variants": found.variant_ids})
    run.record("adopted", erp_key, "found in the shop after an interrupted create")
    return bindings.get(erp_key)


def product_ids(binding: Binding) -> ShopProductIds:
    return ShopProductIds(binding.external_id, dict((binding.sent or {}).get("variants", {})))


async def bounded(run: FlowRun, items: Iterable, work: Callable[[Any], Awaitable[None]]) -> None:
    """``work`` on every item, at most ``concurrency`` at a time."""
    limit = asyncio.Semaphore(run.hub.config.concurrency)

    async def one(item) -> None:
        async with limit:
            await work(item)

    await asyncio.gather(*(one(item) for item in items))


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
