"""Journal: every action the hub took, searchable (record, shop or connection, flow, action, time,
words of the message), newest first, paged by id ("older" / "newer"): no count, as fast deep in
200,000 rows as on the first page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from courroie.flows.registry import FLOWS
from courroie.interfaces.web import i18n
from courroie.interfaces.web.app import PAGE_SIZE
from courroie.interfaces.web.auth import console_of, page
from courroie.store.journal import JournalFilter
from courroie.store.paging import Pager

FIELDS = ("record", "match", "connection", "flow", "action", "from", "to", "text")
ACTIONS = ("created", "updated", "deactivated", "deleted", "adopted", "blocked", "unblocked", "skipped", "drift",
           "received", "revised", "held", "approved", "imported", "cancelled", "status_sent", "documents_sent",
           "shop_told", "connection_failed", "peer_failed", "run_failed", "sync_now", "push_now", "signed_in", "user")
ORDER_FLOWS = ("orders", "status")
PRODUCT_FLOWS = ("catalog", "prices")


def json_text(value: Any) -> str:
    """A value as readable JSON (the template escapes it)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Search:
    """The form's criteria, read from the query string; ``problem`` says what could not be read."""

    where: JournalFilter
    values: dict[str, str]
    problem: str | None = None

    @classmethod
    def of(cls, params: QueryParams) -> Search:
        values = {name: params.get(name, "").strip() for name in FIELDS}
        since, until, problem = _moment(values["from"]), _moment(values["to"]), None
        if (values["from"] and since is None) or (values["to"] and until is None):
            problem = i18n.gettext("A date is written 2024-05-31 or 2024-05-31T14:30 (UTC).")
        where = JournalFilter(record=values["record"] or None, record_contains=values["match"] == "contains",
                              connection=values["connection"] or None, flow=values["flow"] or None,
                              action=values["action"] or None, since=since, until=until, text=values["text"] or None)
        return cls(where, values, problem)

    def link(self, **page: int) -> str:
        """This search's address, on another page."""
        kept = {name: value for name, value in self.values.items() if value}
        return "/journal?" + urlencode({**kept, **page})


def _moment(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _page_number(params: QueryParams, name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() else None


async def journal_page(request: Request) -> Response:
    console = console_of(request)
    search = Search.of(request.query_params)
    before, after = _page_number(request.query_params, "before"), _page_number(request.query_params, "after")
    rows, more = await run_in_threadpool(console.hub.journal.page, search.where, before=before, after=after,
                                         size=PAGE_SIZE)
    pager = Pager.of([row["id"] for row in rows], more, before=before, after=after)
    return await console.render(request, "journal.html", {
        "search": search.values, "problem": search.problem, "entries": [entry_view(row) for row in rows],
        "older": search.link(before=pager.older) if pager.older else None,
        "newer": search.link(after=pager.newer) if pager.newer else None,
        "first": search.link() if before is not None or after is not None else None,
        "connections": _with(search.values["connection"], [*console.hub.shops, console.hub.erp_name, "console"]),
        "flows": _with(search.values["flow"], [*FLOWS, "console"]), "actions": ACTIONS})


def _with(chosen: str, names: list[str]) -> list[str]:
    """The choices of a list, and the one a link asked for if it is not among them."""
    return names + [chosen] if chosen and chosen not in names else names


def entry_view(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "details_text": json.dumps(row["details"], ensure_ascii=False, indent=2, default=str)
            if row.get("details") else None, "links": links_of(row)}


def links_of(row: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, address) of the pages about this entry's record: its order, product or blocked entry."""
    record, connection, flow = row.get("record") or "", row["connection"], row["flow"]
    found: list[tuple[str, str]] = []
    if record == f"{connection}/{flow}":          # "sync now" names the job, not a record
        return found
    if flow in ORDER_FLOWS and record.startswith(connection + "/"):
        reference = record.removeprefix(connection + "/")
        found.append((i18n.gettext("order"), "/orders?" + urlencode({"reference": reference, "shop": connection})))
    elif flow in PRODUCT_FLOWS and record and not record.startswith(("category:", "promotion ")):
        found.append((i18n.gettext("product"), "/catalog?" + urlencode({"q": record.split(" ")[0]})))
    elif flow == "stock" and record:
        found.append((i18n.gettext("stock"), "/stock/" + quote(record)))
    if row["action"] == "blocked":
        found.append((i18n.gettext("blocked entry"),
                      "/blocked?" + urlencode({"shop": connection, "flow": flow, "state": "all", "q": record})))
    return found


routes = [page("/journal", journal_page)]
