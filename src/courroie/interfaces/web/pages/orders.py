"""Orders inbox: every order of every shop, its state and history, its raw document; approve a held
order, retry or skip a blocked one. Filters by shop, state, dates, customer and reference; keyset pages."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.minidom import parseString
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from courroie.interfaces import operations
from courroie.interfaces.web import i18n
from courroie.interfaces.web.app import PAGE_SIZE, Console
from courroie.interfaces.web.auth import action, console_of, page, session_of
from courroie.store.inbox import NEW, ON_HOLD, STATES, InboxFilter
from courroie.store.paging import Pager

log = logging.getLogger(__name__)
WAIT_SECONDS = 20         # an action longer than this goes on in the background; the page says so
FILTERS = ("shop", "state", "received_from", "received_to", "customer", "reference")


async def orders(request: Request) -> Response:
    console, params = console_of(request), request.query_params
    wanted, problem = orders_filter(params)
    before, after = key_param(params, "before"), key_param(params, "after")
    lines, more = await run_in_threadpool(console.hub.inbox.page, wanted, before=before, after=after, size=PAGE_SIZE)
    total = await run_in_threadpool(console.hub.inbox.count, wanted)
    chosen = {name: params.get(name, "") for name in FILTERS}
    return await console.render(request, "orders.html", {
        "lines": lines, "total": total, "filters": chosen, "states": STATES, "problem": problem,
        "pager": Pager.of([line.id for line in lines], more, before=before, after=after),
        "link": lambda **changes: link("/orders", chosen, **changes), "done": done_message(params),
        "state_names": state_names()})


def state_names() -> dict[str, str]:
    """States of orders and of blocked entries, in the reader's language."""
    return {"new": i18n.gettext("new"), "imported": i18n.gettext("imported"), "on_hold": i18n.gettext("on hold"),
            "blocked": i18n.gettext("blocked"), "cancelled": i18n.gettext("cancelled"),
            "skipped": i18n.gettext("skipped"), "open": i18n.gettext("open"), "resolved": i18n.gettext("resolved")}


def orders_filter(params: Mapping[str, str]) -> tuple[InboxFilter, str | None]:
    """The list's filters from the query string, and what could not be understood in it."""
    received_from, received_to, problem = _day(params.get("received_from")), _day(params.get("received_to")), None
    if (params.get("received_from") and received_from is None) or (params.get("received_to") and received_to is None):
        problem = i18n.gettext("A date is written YYYY-MM-DD.")
    state = params.get("state") or None
    return InboxFilter(shop=params.get("shop") or None, state=state if state in STATES else None,
                       received_from=received_from,
                       received_before=received_to + timedelta(days=1) if received_to else None,
                       customer=(params.get("customer") or "").strip()[:200] or None,
                       reference=(params.get("reference") or "").strip()[:64] or None), problem


def _day(text: str | None) -> datetime | None:
    """The start of a day (UTC, as the store keeps dates)."""
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC) if text else None
    except ValueError:
        return None


def key_param(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() else None


def link(path: str, filters: Mapping[str, str], **changes: Any) -> str:
    """The page's address with its filters kept and ``changes`` made (None drops a parameter)."""
    values = {**filters, **changes}
    query = urlencode({name: value for name, value in values.items() if value not in (None, "")})
    return f"{path}?{query}" if query else path


# --- one order ---------------------------------------------------------------------------------------

async def order(request: Request) -> Response:
    console = console_of(request)
    data = await run_in_threadpool(order_data, console, request.path_params["id"])
    if data is None:
        return await console.error(request, 404, i18n.gettext("No such order in the inbox."))
    return await console.render(request, "order.html", {**data, "done": done_message(request.query_params),
                                                        "state_names": state_names()})


def order_data(console: Console, entry_id: int) -> dict[str, Any] | None:
    hub = console.hub
    entry = hub.inbox.as_stored(entry_id)
    if entry is None:
        return None
    record = record_of(entry)
    blocked = hub.blocked.open_entry(entry["shop"], "orders", record)
    return {"entry": entry, "record": record, "reference": entry["reference"] or entry["external_id"],
            "held": entry["state"] == ON_HOLD,
            "blocked": blocked, "totals": totals_diff(blocked["details"]) if blocked else None,
            "history": hub.journal.history(record=record, connection=entry["shop"]),
            "raw": pretty(entry["raw"]), "parsed_json": json.dumps(entry["parsed"], indent=2, ensure_ascii=False)
            if entry["parsed"] else None}


def record_of(entry: Mapping[str, Any]) -> str:
    """The order's key in the journal and the blocked list, as the orders flow writes it."""
    return f"{entry['shop']}/{entry['reference'] or entry['external_id']}"


def pretty(document: str) -> str:
    """A shop document laid out to read: JSON and XML indented, anything else as it came."""
    text = document.strip()
    try:
        if text.startswith(("{", "[")):
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        if text.startswith("<"):
            return parseString(text).toprettyxml(indent="  ")
    except (ValueError, ExpatError, DefusedXmlException):
        pass
    return document


# --- totals that differ ------------------------------------------------------------------------------

def totals_diff(details: Any) -> dict[str, Any] | None:
    """The amounts a "totals differ" entry compares, side by side: the shop's against the ERP sale's
    (orders flow, after the sale is made), or the order's total against what its lines, shipping and
    discounts add up to (checked before)."""
    if not isinstance(details, dict):
        return None
    shop, erp = details.get("shop"), details.get("erp")
    if isinstance(shop, dict) and isinstance(erp, dict) and {"tax_excl", "tax_incl"} <= shop.keys():
        return {"expected": i18n.gettext("Shop"),
                "found": i18n.gettext("ERP sale %(sale)s", sale=erp.get("sale") or ""),
                "rows": [_compared(i18n.gettext("Total tax excl."), shop.get("tax_excl"), erp.get("tax_excl")),
                         _compared(i18n.gettext("Total tax incl."), shop.get("tax_incl"), erp.get("tax_incl"))]}
    if {"order_total", "lines_shipping_discounts"} <= details.keys():
        return {"expected": i18n.gettext("The order says"),
                "found": i18n.gettext("Lines, shipping, wrapping and discounts make"),
                "rows": [_compared(i18n.gettext("Total tax incl."), details["order_total"],
                                   details["lines_shipping_discounts"])]}
    return None


def _compared(label: str, expected: Any, found: Any) -> dict[str, Any]:
    a, b = _amount(expected), _amount(found)
    difference = b - a if a is not None and b is not None else None
    return {"label": label, "expected": i18n.money(expected), "found": i18n.money(found),
            "difference": (("+" if difference > 0 else "") + i18n.money(difference)) if difference else "",
            "differs": difference != 0, "sign": "plus" if difference and difference > 0 else "minus"}


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


# --- actions -----------------------------------------------------------------------------------------

async def approve(request: Request) -> Response:
    """Let a held order through: ``approve_order`` imports it at once."""
    console, entry_id = console_of(request), request.path_params["id"]
    entry = await run_in_threadpool(console.hub.inbox.as_stored, entry_id)
    if entry is None:
        return await console.error(request, 404, i18n.gettext("No such order in the inbox."))
    if entry["state"] != ON_HOLD:
        return await console.error(request, 409, i18n.gettext("This order is not on hold."))
    user = session_of(request).user.name
    outcome = await outcome_of(console, lambda: operations.approve_order(
        console.hub, entry["shop"], entry["reference"] or entry["external_id"], by=user))
    return told(f"/orders/{entry_id}", "approved", outcome)


async def retry(request: Request) -> Response:
    entry_id = request.path_params["id"]
    blocked = await _open_block(request, entry_id)
    return blocked if isinstance(blocked, Response) else await retried(request, blocked, f"/orders/{entry_id}")


async def skip(request: Request) -> Response:
    entry_id = request.path_params["id"]
    blocked = await _open_block(request, entry_id)
    return blocked if isinstance(blocked, Response) else await skipped(request, blocked, f"/orders/{entry_id}")


async def _open_block(request: Request, entry_id: int) -> dict[str, Any] | Response:
    """The order's open blocked entry, or the error page saying why there is none."""
    console = console_of(request)
    entry = await run_in_threadpool(console.hub.inbox.as_stored, entry_id)
    if entry is None:
        return await console.error(request, 404, i18n.gettext("No such order in the inbox."))
    blocked = await run_in_threadpool(console.hub.blocked.open_entry, entry["shop"], "orders", record_of(entry))
    return blocked or await console.error(request, 409, i18n.gettext("This order is not blocked."))


async def retried(request: Request, blocked: Mapping[str, Any], back: str) -> Response:
    """Retry one open blocked entry (``retry_blocked``), then back to ``back`` telling how it went."""
    console = console_of(request)
    asked(request, blocked, "retry_asked", "asked for a retry")
    outcome = await outcome_of(console, lambda: operations.retry_blocked(console.hub, blocked["id"]))
    return told(back, "retried", outcome)


async def skipped(request: Request, blocked: Mapping[str, Any], back: str) -> Response:
    """Skip one open blocked entry (``skip_blocked``) with the form's comment, which is required."""
    console, form = console_of(request), await request.form()
    comment = str(form.get("comment", "")).strip()
    if not comment:
        return await console.error(request, 400, i18n.gettext("Say why in a comment to skip it."))
    asked(request, blocked, "skip_asked", f"skipped: {comment}")
    done = await run_in_threadpool(operations.skip_blocked, console.hub, blocked["id"], comment)
    return told(back, "skipped" if done else "not_skipped")


def asked(request: Request, blocked: Mapping[str, Any], action_name: str, what: str) -> None:
    """Who asked, in the journal (the operations journal what happened, not who wanted it)."""
    user = session_of(request).user.name
    console_of(request).hub.journal.write(connection=blocked["connection"], flow=blocked["flow"], action=action_name,
                                          record=blocked["record"], message=f"{user} {what}")


async def outcome_of(console: Console, operation: Callable[[], Awaitable[Any]]) -> str:
    """What an operation answered, in a line; or that it goes on in the background (the ERP may take
    long, or be retried with pauses), or why it failed."""
    task = asyncio.ensure_future(operation())
    done, _ = await asyncio.wait({task}, timeout=WAIT_SECONDS)
    if not done:
        console.tasks.add(task)                  # kept alive until it ends, as console.start does
        task.add_done_callback(console.tasks.discard)
        return i18n.gettext("still running: the journal will tell how it ends")
    try:
        return summary(task.result())
    except Exception as error:         # the person sees why; the store and journal say what was done
        log.exception("console action failed")
        return i18n.gettext("failed: %(error)s", error=f"{type(error).__name__}: {error}")


def summary(result: Any) -> str:
    """One line from what an operation returns: ``{"result": …}`` or a list of them. An approved order
    left new was not imported now (the ERP did not answer): the next run imports it, approved."""
    if isinstance(result, dict) and result.get("state") == NEW:
        return i18n.gettext("Not imported yet: the next orders run imports it.")
    if isinstance(result, dict):
        return str(result.get("result", ""))
    if isinstance(result, list):
        return "; ".join(f"{item.get('record')}: {item.get('result')}" for item in result) or i18n.gettext(
            "nothing to retry")
    return str(result)


def told(path: str, done: str, outcome: str = "") -> RedirectResponse:
    """Back to a page after an action, with what it did for the page to tell (``done_message``)."""
    query = urlencode({"done": done, **({"outcome": outcome[:500]} if outcome else {})})
    return RedirectResponse(f"{path}{'&' if '?' in path else '?'}{query}", status_code=303)


def done_message(params: Mapping[str, str]) -> str | None:
    """The line that tells what an action did, after its redirect (the operation's own words kept)."""
    messages = {"approved": i18n.gettext("Approved."), "retried": i18n.gettext("Retried."),
                "skipped": i18n.gettext("Skipped."), "not_skipped": i18n.gettext("Nothing to skip: it is not blocked."),
                "skipped_many": i18n.gettext("Skipped the selected entries."),
                "retried_many": i18n.gettext("Retried the selected entries.")}
    message = messages.get(params.get("done", ""))
    if message and (outcome := params.get("outcome")):
        return f"{message} {outcome}"
    return message


routes = [
    page("/orders", orders),
    page("/orders/{id:int}", order),
    action("/orders/{id:int}/approve", approve),
    action("/orders/{id:int}/retry", retry, name="retry_order"),
    action("/orders/{id:int}/skip", skip, name="skip_order"),
]
