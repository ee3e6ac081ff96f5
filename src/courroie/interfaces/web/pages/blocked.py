"""Blocked list: records that could not go through, why (totals that differ shown side by side), their
payload; retry after a fix, skip with a comment, one by one or several at once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from courroie.flows.registry import FLOWS
from courroie.interfaces import operations
from courroie.interfaces.web import i18n
from courroie.interfaces.web.app import PAGE_SIZE, Console
from courroie.interfaces.web.auth import action, console_of, page, safe_next
from courroie.interfaces.web.pages.orders import (
    asked, done_message, key_param, link, outcome_of, pretty, retried, skipped, state_names, told, totals_diff,
)
from courroie.store.blocked import OPEN, STATES, BlockedFilter
from courroie.store.paging import Pager

FILTERS = ("shop", "flow", "state", "q")
MAX_SELECTED = 200


async def blocked_list(request: Request) -> Response:
    console, params = console_of(request), request.query_params
    wanted = blocked_filter(params)
    before, after = key_param(params, "before"), key_param(params, "after")
    entries, more = await run_in_threadpool(console.hub.blocked.page, wanted, before=before, after=after,
                                            size=PAGE_SIZE)
    total = await run_in_threadpool(console.hub.blocked.count, wanted)
    chosen = {name: params.get(name, "") for name in FILTERS}
    here = link("/blocked", chosen, before=before, after=after)
    return await console.render(request, "blocked.html", {
        "entries": [{**entry, "totals": totals_diff(entry["details"])} for entry in entries], "total": total,
        "filters": chosen, "state": wanted.state or "all", "states": STATES, "flows": list(FLOWS),
        "connections": [*console.hub.shops, console.hub.erp_name], "here": here,
        "pager": Pager.of([entry["id"] for entry in entries], more, before=before, after=after),
        "link": lambda **changes: link("/blocked", chosen, **changes), "done": done_message(params),
        "state_names": state_names()})


def blocked_filter(params: Mapping[str, str]) -> BlockedFilter:
    """Open entries unless another state (or "all") is asked for."""
    state = params.get("state") or OPEN
    return BlockedFilter(connection=params.get("shop") or None, flow=params.get("flow") or None,
                         state=state if state in STATES else None, text=(params.get("q") or "").strip()[:200] or None)


async def blocked_entry(request: Request) -> Response:
    console = console_of(request)
    data = await run_in_threadpool(entry_data, console, request.path_params["id"])
    if data is None:
        return await console.error(request, 404, i18n.gettext("No such blocked entry."))
    return await console.render(request, "blocked_entry.html", {**data, "done": done_message(request.query_params),
                                                                "state_names": state_names()})


def entry_data(console: Console, entry_id: int) -> dict[str, Any] | None:
    hub = console.hub
    entry = hub.blocked.get(entry_id)
    if entry is None:
        return None
    order = None
    if entry["flow"] == "orders":
        order = hub.inbox.by_reference(entry["connection"], entry["record"].removeprefix(f"{entry['connection']}/"))
    return {"entry": entry, "totals": totals_diff(entry["details"]), "order_id": order.id if order else None,
            "payload": pretty(entry["payload"]) if entry["payload"] else None,
            "details": json.dumps(entry["details"], indent=2, ensure_ascii=False) if entry["details"] else None}


# --- actions -----------------------------------------------------------------------------------------

async def retry_entry(request: Request) -> Response:
    entry = await _open(request)
    return entry if isinstance(entry, Response) else await retried(request, entry, f"/blocked/{entry['id']}")


async def skip_entry(request: Request) -> Response:
    entry = await _open(request)
    return entry if isinstance(entry, Response) else await skipped(request, entry, f"/blocked/{entry['id']}")


async def _open(request: Request) -> dict[str, Any] | Response:
    """The open entry the path names, or the error page saying why it cannot be acted on."""
    console = console_of(request)
    entry = await run_in_threadpool(console.hub.blocked.get, request.path_params["id"])
    if entry is None:
        return await console.error(request, 404, i18n.gettext("No such blocked entry."))
    if entry["state"] != OPEN:
        return await console.error(request, 409, i18n.gettext("This entry is not open."))
    return entry


async def bulk(request: Request) -> Response:
    """The checked entries of a list page: retry them all, or skip them all with one comment."""
    console, form = console_of(request), await request.form()
    ids = [int(value) for value in form.getlist("ids") if str(value).isdigit()][:MAX_SELECTED]
    chosen, comment = str(form.get("do", "")), str(form.get("comment", "")).strip()
    back = safe_next(str(form.get("back", "")))
    back = back if back.startswith("/blocked") else "/blocked"
    if not ids or chosen not in ("retry", "skip"):
        return await console.error(request, 400, i18n.gettext("Check at least one entry, then retry or skip."))
    if chosen == "skip" and not comment:
        return await console.error(request, 400, i18n.gettext("Say why in a comment to skip it."))
    entries = [entry for entry in await run_in_threadpool(_entries, console, ids) if entry["state"] == OPEN]
    for entry in entries:
        asked(request, entry, f"{chosen}_asked", "asked for a retry" if chosen == "retry" else f"skipped: {comment}")
    if chosen == "retry":
        outcome = await outcome_of(console, lambda: operations.retry_blocked_many(
            console.hub, [entry["id"] for entry in entries]))
        return told(back, "retried_many", outcome)
    done = [await run_in_threadpool(operations.skip_blocked, console.hub, entry["id"], comment) for entry in entries]
    return told(back, "skipped_many", i18n.ngettext("%(num)d entry skipped.", "%(num)d entries skipped.", sum(done)))


def _entries(console: Console, ids: list[int]) -> list[dict[str, Any]]:
    return [entry for entry in map(console.hub.blocked.get, ids) if entry]


routes = [
    page("/blocked", blocked_list),
    page("/blocked/{id:int}", blocked_entry),
    action("/blocked/bulk", bulk, name="bulk_blocked"),
    action("/blocked/{id:int}/retry", retry_entry),
    action("/blocked/{id:int}/skip", skip_entry),
]
