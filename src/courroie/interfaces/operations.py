"""What the CLI and the console both do: one implementation of every operation."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from courroie.config import HubConfig
from courroie.connectors.protocols import CheckResult
from courroie.connectors.registry import ERPS, SHOPS
from courroie.engine.hub import Hub
from courroie.flows.orders import import_entry
from courroie.flows.registry import FLOWS
from courroie.engine.runs import flow_run
from courroie.store.db import utcnow
from courroie.store.inbox import CANCELLED, IMPORTED, NEW, ON_HOLD, SKIPPED


async def check_connections(config: HubConfig) -> dict[str, list[CheckResult]]:
    results: dict[str, list[CheckResult]] = {}
    erp = ERPS[config.erp.type].connector(config.erp.connector)
    try:
        results[f"erp ({config.erp.type})"] = await _checked(erp.check)
    finally:
        await erp.aclose()
    for entry in config.shops:
        shop = SHOPS[entry.type].connector(entry.connector)
        try:
            results[entry.name] = await _checked(shop.check)
        finally:
            await shop.aclose()
    return results


async def _checked(check) -> list[CheckResult]:
    try:
        return await check()
    except Exception as error:       # check must report, never crash
        return [CheckResult("connection", False, f"{type(error).__name__}: {error}", "see the message")]


async def run_flow(hub: Hub, flow: str, *, shop: str | None = None, dry_run: bool = False) -> list[dict[str, Any]]:
    """Run a flow and return the runs it made (ERP read and one per shop)."""
    first = hub.runs.max_id()
    async with hub:
        await FLOWS[flow](hub, shop, dry_run=dry_run)
    return hub.runs.since(first)


def status_report(hub: Hub) -> dict[str, Any]:
    now = utcnow()
    runs = []
    for run in hub.runs.latest():
        last_ok = hub.runs.last_success(run["connection"], run["flow"])
        runs.append({**run, "lag": (now - last_ok).total_seconds() if last_ok else None})
    return {"runs": runs, "connections": hub.health.all(), "inbox": hub.inbox.counts(),
            "blocked": hub.blocked.count_open()}


async def retry_blocked(hub: Hub, entry_id: int | None) -> list[dict[str, Any]]:
    """Retry one open entry, or all; orders are imported again, other records re-sent by their flow."""
    entries = [hub.blocked.get(entry_id)] if entry_id is not None else hub.blocked.list()
    return await _retried(hub, entries)


async def retry_blocked_many(hub: Hub, entry_ids: list[int]) -> list[dict[str, Any]]:
    """Retry the chosen open entries: each flow runs once for all of its own (orders: each imported again)."""
    return await _retried(hub, [hub.blocked.get(entry_id) for entry_id in entry_ids])


async def _retried(hub: Hub, entries: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    entries = [e for e in entries if e and e["state"] == "open"]
    outcome = []
    async with hub:
        for flow, connection in sorted({(e["flow"], e["connection"]) for e in entries}):
            mine = [e for e in entries if (e["flow"], e["connection"]) == (flow, connection)]
            if flow == "orders":
                await _retry_orders(hub, connection, mine)
            else:
                await FLOWS[flow](hub, connection if connection in hub.shops else None)
        for entry in entries:
            after = hub.blocked.get(entry["id"])
            went = after["state"] != "open"
            outcome.append({"id": entry["id"], "record": entry["record"],
                            "result": "went through" if went else f"still blocked: {after['reason']}"})
    return outcome


async def _retry_orders(hub: Hub, shop: str, entries: list[dict[str, Any]]) -> None:
    """Blocked orders are imported again; one whose document could not be read is read from the shop
    again first. Orders already in the ERP wait for a person's review of a change made in the shop:
    nothing to retry, the entry stays until skipped."""
    async with flow_run(hub, "orders", shop) as run:
        for entry in entries:
            inbox_entry = _inbox_entry(hub, shop, entry["record"])
            if inbox_entry is None or inbox_entry.state in (IMPORTED, CANCELLED):
                continue
            if inbox_entry.order() is None:
                fresh = await run.attempt(entry["record"], lambda: hub.shops[shop].read_order(inbox_entry.external_id),
                                          peer=shop)
                if fresh is not None:
                    hub.inbox.revise(inbox_entry.id, fresh)
                hub.inbox.set_state(inbox_entry.id, NEW, reason=fresh.error if fresh else None)
            else:
                hub.inbox.set_state(inbox_entry.id, NEW)
            await import_entry(run, hub.inbox.by_id(inbox_entry.id))


async def approve_order(hub: Hub, shop: str, reference: str, by: str) -> dict[str, Any]:
    """Let a held order through and import it now."""
    entry = hub.inbox.by_reference(shop, reference)
    if entry is None:
        return {"result": f"no order {reference} in the inbox of {shop}"}
    if entry.state != ON_HOLD:
        return {"result": f"order {reference} is {entry.state}, not on hold"}
    hub.inbox.approve(entry.id, by)
    hub.journal.write(connection=shop, flow="orders", action="approved", record=f"{shop}/{reference}",
                      message=f"approved by {by}")
    imported = False            # stays so when the ERP cannot be reached (the run records why)
    async with hub, flow_run(hub, "orders", shop) as run:
        imported = await import_entry(run, hub.inbox.by_id(entry.id))
    after = hub.inbox.by_id(entry.id)
    return {"result": "imported" if imported else f"{after.state}: {after.reason}", "state": after.state}


def held_orders(hub: Hub, shop: str | None = None) -> list[dict[str, Any]]:
    return [{"shop": e.shop, "reference": e.reference or e.external_id, "reason": e.reason}
            for e in hub.inbox.in_state(shop, ON_HOLD)]


def skip_blocked(hub: Hub, entry_id: int, comment: str) -> bool:
    entry = hub.blocked.get(entry_id)
    if not entry or not hub.blocked.skip(entry_id, comment):
        return False
    if entry["flow"] == "orders":
        inbox_entry = _inbox_entry(hub, entry["connection"], entry["record"])
        if inbox_entry and inbox_entry.state not in (IMPORTED, CANCELLED):    # a reviewed change: still imported
            hub.inbox.set_state(inbox_entry.id, SKIPPED, reason=comment or "skipped by a person")
    hub.journal.write(connection=entry["connection"], flow=entry["flow"], action="skipped", record=entry["record"],
                      message=comment or "skipped by a person")
    return True


def _inbox_entry(hub: Hub, shop: str, record: str):
    reference = record.removeprefix(f"{shop}/")
    return hub.inbox.by_reference(shop, reference)



async def plan_flow(hub: Hub, flow: str, *, shop: str | None = None) -> dict[str, dict[str, Any]]:
    """What a flow would do, per connection, without writing anything: counts and record by record."""
    runs = []

    def planned(run) -> None:          # this plan's own runs: a shared hub sees other runs end meanwhile
        if run.dry_run and run.flow == flow:
            runs.append(run)
    hub.observers.append(planned)
    try:
        async with hub:
            await FLOWS[flow](hub, shop, dry_run=True)
    finally:
        hub.observers.remove(planned)
    return {run.connection: {"status": run.status, "message": run.message, "counts": dict(run.counts),
                             "planned": run.planned} for run in runs}


async def explain(hub: Hub, sku: str, shop: str) -> dict[str, Any]:
    """For each value published for ``sku`` in ``shop``: the value, where it came from, who owns the field,
    when it was last sent, and whether the shop still holds it (read back from the shop now)."""
    hub.config.shop(shop)
    product = hub.bindings(shop, "product").get(sku)
    overrides = hub.config.shop(shop).hub.catalog.overrides.get(sku, {})
    ownership = hub.config.ownership_of(shop)
    snapshot = ((product.sent or {}).get("sent") or {}) if product else {}
    base = hub.bindings(shop, "base_price").get(sku)
    base_price = ((base.sent or {}).get("sent") or {}).get("price") if base else None
    if base_price is not None and "price" in snapshot:
        snapshot = {**snapshot, "price": base_price}       # the prices flow owns the price once it ran
    held, unreachable = await _held(hub, shop, product.external_id if product else None)
    fields = [{"field": field, "value": value, "owner": ownership.get(field, "always"),
               "origin": _origin(field, overrides, ownership.get(field, "always")),
               "in_shop": _in_shop(field, value, held, unreachable)}
              for field, value in sorted(snapshot.items())]
    variant = hub.bindings(shop, "variant").get(sku)
    stock = hub.bindings(shop, "stock").get(sku)
    rules = [b for key, b in hub.bindings(shop, "price_rule").all().items() if key.split("|")[0] == sku]
    return {
        "sku": sku, "shop": shop, "published": bool(product and product.external_id),
        "shop_id": product.external_id if product else (variant.external_id if variant else None),
        "last_sent": product.updated_at if product else None, "fields": fields,
        "shop_read": unreachable or ("the product is gone from the shop" if product and held is None else "read now"),
        "base_price": base_price,
        "price_rules": [{"id": b.external_id, **((b.sent or {}).get("sent") or {})} for b in rules],
        "stock": {"quantity": stock.fingerprint, "sent": stock.updated_at} if stock else None,
        "history": hub.journal.history(record=sku, connection=shop, limit=20),
    }


async def _held(hub: Hub, shop: str, product_id: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """What the shop holds now, or why it could not be asked."""
    if not product_id:
        return None, None
    try:
        async with hub:
            return await hub.shops[shop].read_product(product_id), None
    except Exception as error:       # an explanation must still show what the hub knows
        return None, f"the shop could not be read ({type(error).__name__}: {error})"


def _in_shop(field: str, sent: Any, held: dict[str, Any] | None, unreachable: str | None) -> str:
    """``holds it``, ``changed in the shop: …``, or why it cannot be told."""
    if unreachable or held is None:
        return "unknown"
    if field not in held:
        return "not readable back"
    now = held[field]
    if field == "categories":                      # a set: the shop lists them in its own order
        sent, now = sorted(map(str, sent or [])), sorted(map(str, now or []))
    return "holds it" if same_value(sent, now) else f"changed in the shop: {json.dumps(now, ensure_ascii=False)}"


def same_value(sent: Any, held: Any) -> bool:
    """Equal as the shop stores them: numbers by value, texts trimmed, money by its amount, and
    translations on the languages the hub sent."""
    if isinstance(sent, dict) and {"amount", "currency"} <= set(sent):      # money: the shop keeps the amount
        return same_value(sent["amount"], held)
    if isinstance(sent, dict) and isinstance(held, dict):
        return all(same_value(value, held.get(key, "")) for key, value in sent.items())
    if isinstance(sent, list) and isinstance(held, list):
        return len(sent) == len(held) and all(same_value(a, b) for a, b in zip(sent, held))
    number_a, number_b = _number(sent), _number(held)
    if number_a is not None and number_b is not None:
        return number_a == number_b
    if sent in (None, "") and held in (None, "", "0"):
        return True
    return (sent.strip() if isinstance(sent, str) else sent) == (held.strip() if isinstance(held, str) else held)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _origin(field: str, overrides: dict, owner: str) -> str:
    if field in overrides:
        return "override in the configuration"
    if field == "categories":
        return "ERP categories, through the shop's category_map"
    if field == "pack":
        return "ERP kit components, as published in this shop"
    if field in ("images", "documents"):
        return f"ERP {field} (content hashes)"
    if field == "price":
        return "ERP list price or the shop's base price list (prices flow)"
    return f"ERP {field}" + (" (seeded; the merchant owns it since)" if owner == "on_create" else "")
