"""The HTTP side of `courroie run`: health for whoever supervises it, metrics for Prometheus, the stock
API, and the web console (``interfaces.web``) on every other path.

    GET /healthz   200 with each connection's health, the last runs and the schedule; 503 when the
                   store does not answer (the service can then neither run flows nor record them)
    GET /metrics   Prometheus text format (see ``interfaces.metrics``)
    GET /api/v1/stock/{sku}?store=CODE
                   what a physical store holds of an article, from the hub's cache of the ERP's stock
                   (kept fresh by the stock flow; no call to the ERP): for product pages. Needs one of
                   the configuration's ``api.keys`` as ``X-Api-Key`` or ``Authorization: Bearer``.
"""

from __future__ import annotations

import hmac
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from courroie.interfaces.operations import status_report
from courroie.secrets import redact
from courroie.store.stock import store_stock, stores

if TYPE_CHECKING:
    from courroie.interfaces.service import Service

log = logging.getLogger("courroie.api")


class Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def create_app(service: Service) -> Starlette:
    # Plain functions: Starlette runs them in its thread pool, so store queries never hold up the flows.
    def healthz(request: Request) -> Response:
        try:
            report = health(service)
        except SQLAlchemyError as error:
            log.warning("healthz: the store does not answer: %s", error)
            return Json({"status": "store unreachable", "error": redact(str(error).splitlines()[0])},
                        status_code=503)
        return Json(report)

    def metrics(request: Request) -> Response:
        return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    def stock(request: Request) -> Response:
        return store_stock_answer(service.hub, request)

    from courroie.interfaces.web.app import create_console
    return Starlette(routes=[Route("/healthz", healthz), Route("/metrics", metrics),
                             Route("/api/v1/stock/{sku:path}", stock),
                             Mount("/", create_console(service.hub, service.scheduler))])


def store_stock_answer(hub: Any, request: Request) -> Response:
    keys = [key.get_secret_value() for key in hub.config.api.keys]
    if not keys:
        return Json({"error": "the stock API is off: no api.keys in the configuration"}, status_code=403)
    given = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
    if not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
        return Json({"error": "a valid API key is needed (X-Api-Key or Authorization: Bearer)"}, status_code=401)
    sku, code = request.path_params["sku"], request.query_params.get("store", "")
    if not code:
        return Json({"error": "say which store: ?store=CODE", "stores": stores(hub)}, status_code=400)
    found = store_stock(hub, sku, code)
    if found is None:
        return Json({"error": f"no stock known for {sku} at store {code}", "stores": stores(hub)}, status_code=404)
    return Json(found.as_json())


def health(service: Service) -> dict[str, Any]:
    report = status_report(service.hub)
    connections = report["connections"]
    failing = sorted(name for name, row in connections.items() if row["status"] != "ok")
    scheduler = service.scheduler
    return {
        "status": "stopping" if scheduler.stopping else "degraded" if failing else "ok",
        "store": "ok",
        "failing": failing,
        "connections": connections,
        "runs": [{key: run[key] for key in ("flow", "connection", "status", "started_at", "finished_at",
                                            "lag", "message")} for run in report["runs"]],
        "jobs": [{"job": job.name, "shop": job.shop, "schedule": str(job.schedule),
                  "running": job in scheduler.running, "next_due": scheduler.next_due.get(job)}
                 for job in scheduler.jobs],
        "inbox": [{"shop": shop, "state": state, "orders": count} for (shop, state), count in sorted(report["inbox"].items())],
        "blocked": report["blocked"],
    }
