"""Overview: one row per shop and flow (last run, result, counts, lag, next run, "sync now"), the ERP's
health, and what needs a person now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from courroie.engine.scheduler import Schedule
from courroie.flows.registry import FLOWS
from courroie.interfaces.web import i18n
from courroie.interfaces.web.app import Console
from courroie.interfaces.web.auth import action, console_of, page, session_of
from courroie.store.db import utcnow
from courroie.store.inbox import ON_HOLD


async def overview(request: Request) -> Response:
    console = console_of(request)
    return await console.render(request, "overview.html", await run_in_threadpool(overview_data, console))


def overview_data(console: Console) -> dict[str, Any]:
    hub, now = console.hub, utcnow()
    latest = {(run["connection"], run["flow"]): run for run in hub.runs.latest()}
    succeeded = hub.runs.last_successes()
    blocked = hub.blocked.open_by_flow()
    rows = []
    for shop in hub.shops:
        for flow in FLOWS:
            run, last_ok = latest.get((shop, flow)), succeeded.get((shop, flow))
            rows.append({"shop": shop, "flow": flow, "run": run, "blocked": blocked.get((shop, flow), 0),
                         "lag": (now - last_ok).total_seconds() if last_ok else None,
                         "next": next_run(console, shop, flow, run)})
    health = hub.health.all()
    inbox = hub.inbox.counts()
    held = sum(count for (_, state), count in inbox.items() if state == ON_HOLD)
    failing = [name for name, state in health.items() if state["status"] != "ok"]
    return {"rows": rows, "erp": health.get(hub.erp_name), "erp_name": hub.erp_name, "health": health,
            "attention": {"blocked": hub.blocked.count_open(), "held": held, "failing": failing},
            "service": console.scheduler is not None}


def next_run(console: Console, shop: str, flow: str, run: dict[str, Any] | None) -> datetime | None:
    """When the flow runs next: the service's own plan, else what the schedule says after the last run."""
    if console.scheduler is not None:
        job = console.scheduler.find(flow, shop)
        return console.scheduler.next_due.get(job) if job else None
    schedule = console.hub.config.schedule_of(shop, flow)
    if not (schedule.every or schedule.cron):
        return None
    return Schedule.of(schedule).next_after(run["started_at"] if run else utcnow())


async def sync_now(request: Request) -> Response:
    console, form = console_of(request), await request.form()
    shop, flow = str(form.get("shop", "")), str(form.get("flow", ""))
    if shop not in console.hub.shops or flow not in FLOWS:
        return await console.error(request, 404, i18n.gettext("No such shop or flow."))
    user = session_of(request).user.name
    console.hub.journal.write(connection=shop, flow=flow, action="sync_now", record=f"{shop}/{flow}",
                              message=f"{user} asked for a run now")
    console.run_flow_now(flow, shop)
    return RedirectResponse(request.url_for("overview").path + f"?asked={flow}/{shop}", status_code=303)


routes = [page("/", overview), action("/sync", sync_now)]
