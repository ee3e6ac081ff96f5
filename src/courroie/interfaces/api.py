"""The HTTP side of `courroie run`: health for whoever supervises it, metrics for Prometheus.

    GET /healthz   200 with each connection's health, the last runs and the schedule; 503 when the
                   store does not answer (the service can then neither run flows nor record them)
    GET /metrics   Prometheus text format (see ``interfaces.metrics``)
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from courroie.interfaces.operations import status_report
from courroie.secrets import redact

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

    return Starlette(routes=[Route("/healthz", healthz), Route("/metrics", metrics)])


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
