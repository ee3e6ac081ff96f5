"""The sandbox as an ASGI application: Odoo's RPC routes in front of the in-memory server.

Routes, as the captured servers answer them (HTTP 200 for every RPC answer, faults included):
``POST /xmlrpc/2/common|object|db``, ``POST /jsonrpc`` (services ``common``, ``object``, ``db``),
``POST /web/webclient/version_info``; and, for 19.0 only, ``POST /json/2/<model>/<method>`` with an
``Authorization: bearer <API key>`` header.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import accounting, catalog, partners, sales, stock, wire  # noqa: F401  (they register the models' behaviour)
from .errors import AccessDenied, HttpError, MissingError, OdooError, ServerError
from .fields import VERSIONS
from .latency import Latency
from .methods import call_json2, call_kw
from .orm import Server

SERVER_HEADERS = {"16.0": "Werkzeug/2.0.2 Python/3.11.7", "18.0": "Werkzeug/2.2.2 Python/3.11.7",
                  "19.0": "Werkzeug/3.0.1 Python/3.12.3"}
NOT_FOUND = (b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
             b"<p>The requested URL was not found on the server. If you entered the URL manually please check "
             b"your spelling and try again.</p>\n")


def version_info(version: str) -> dict[str, Any]:
    major, minor = (int(part) for part in version.split("."))
    return {"server_version": version, "server_version_info": [major, minor, 0, "final", 0, ""],
            "server_serie": version, "protocol_version": 1}


@dataclass
class Counters:
    """What reached the sandbox: calls per (model, method), for tests and benchmarks."""

    calls: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()


class OdooSandbox:
    """One Odoo server (16.0, 18.0 or 19.0) answering RPC over HTTP."""

    def __init__(self, version: str = "16.0", *, database: str = "odoo", latency: float = 0.0, workers: int = 1,
                 modules: Sequence[str] = ("sale_management", "stock", "delivery"),
                 clock: Callable[[], datetime] | None = None) -> None:
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {', '.join(VERSIONS)}")
        self.server = Server(version, database, frozenset(modules))
        if clock is not None:
            self.server.clock = clock
        self.latency = Latency(latency)
        self.counters = Counters()
        self._workers = workers
        self._limits: dict[int, asyncio.Semaphore] = {}   # one per event loop (tests run several)
        self.app = Starlette(routes=[
            Route("/jsonrpc", self._jsonrpc, methods=["POST"]),
            Route("/xmlrpc/2/{service}", self._xmlrpc, methods=["POST"]),
            Route("/xmlrpc/{service}", self._xmlrpc, methods=["POST"]),
            Route("/web/webclient/version_info", self._version_info, methods=["POST"]),
            Route("/json/2/{model}/{method}", self._json2, methods=["POST"]),
        ])
        self.app.add_exception_handler(404, self._not_found)
        self.app.add_exception_handler(405, self._not_found)

    @property
    def version(self) -> str:
        return self.server.version

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    # --- the services

    def _common(self, method: str, args: Sequence[Any]) -> Any:
        if method == "version":
            return version_info(self.version)
        if method in ("authenticate", "login"):
            database, login, password = args[0], args[1], args[2]
            self._database(database)
            user = self.server.user_by_login(login)
            return user.uid if user and user.accepts(password) else False
        raise ServerError("builtins.NameError", f"Method not available {method}")

    def _database(self, name: str) -> None:
        if name != self.server.database:
            raise ServerError("psycopg2.OperationalError", f"connection to server at \"127.0.0.1\", port 5432 failed: "
                                                           f"FATAL:  database \"{name}\" does not exist\n")

    def _object(self, method: str, args: Sequence[Any]) -> Any:
        if method not in ("execute_kw", "execute"):
            raise ServerError("builtins.NameError", f"Method not available {method}")
        database, uid, password, model, name, *rest = args
        self._database(database)
        user = self.server.users.get(uid)
        if user is None:
            raise MissingError(f"Record does not exist or has been deleted.\n(Record: res.users({uid},), User: {uid})")
        if not user.accepts(password):
            raise AccessDenied()
        call_args, kwargs = (rest[0] if rest else [], rest[1] if len(rest) > 1 else {}) if method == "execute_kw" \
            else (rest, {})
        self.counters.calls[f"{model}.{name}"] += 1
        return call_kw(self.server, uid, model, name, call_args, kwargs), model, name, call_args

    def _db(self, method: str, args: Sequence[Any]) -> Any:
        return {"list": [self.server.database], "server_version": self.version,
                "db_exist": bool(args) and args[0] == self.server.database}.get(method, False)

    async def _dispatch(self, service: str, method: str, args: Sequence[Any]) -> Any:
        """One call, under the worker limit and after the measured latency."""
        async with self._worker():
            if service == "object":
                result, model, name, call_args = self._object(method, args)
                await asyncio.sleep(self.latency.delay(self.version, model, name, _size(name, call_args, result)))
                return result
            await asyncio.sleep(self.latency.delay(self.version, "", method))
            return self._common(method, args) if service == "common" else self._db(method, args)

    def _worker(self) -> Any:
        """Odoo with ``workers = 0`` works on one request at a time: so does the sandbox, by default."""
        if not self._workers:
            return _NoLimit()
        loop = id(asyncio.get_running_loop())
        if loop not in self._limits:
            self._limits[loop] = asyncio.Semaphore(self._workers)
        return self._limits[loop]

    # --- the routes

    async def _xmlrpc(self, request: Request) -> Response:
        service = request.path_params["service"]
        try:
            method, params = wire.xmlrpc_request(await request.body())
            body = wire.xmlrpc_result(await self._dispatch(service, method, params))
        except OdooError as error:
            body = wire.xmlrpc_error(error)
        except Exception as error:   # an unparsable request: Odoo answers a fault too
            body = wire.xmlrpc_fault(1, f"Traceback (most recent call last):\n{type(error).__name__}: {error}\n")
        return self._answer(body, wire.XML_TYPE)

    async def _jsonrpc(self, request: Request) -> Response:
        payload = json.loads(await request.body() or b"{}")
        request_id = payload.get("id")
        params = payload.get("params") or {}
        try:
            result = await self._dispatch(params.get("service", ""), params.get("method", ""), params.get("args", []))
            body = wire.jsonrpc_result(request_id, result)
        except OdooError as error:
            body = wire.jsonrpc_error(request_id, error)
        return self._answer(body, wire.JSON_TYPE)

    async def _version_info(self, request: Request) -> Response:
        payload = json.loads(await request.body() or b"{}")
        return self._answer(wire.jsonrpc_result(payload.get("id"), version_info(self.version)), wire.JSON_TYPE)

    async def _json2(self, request: Request) -> Response:
        if self.server.major < 19:
            return await self._not_found(request, None)
        try:
            uid = self._bearer(request)
            body = json.loads(await request.body() or b"{}")
            model, method = request.path_params["model"], request.path_params["method"]
            self.counters.calls[f"{model}.{method}"] += 1
            async with self._worker():
                result = call_json2(self.server, uid, model, method, body)
                size = len(result) if isinstance(result, list) else len(body.get("ids") or body.get("vals_list") or [1])
                await asyncio.sleep(self.latency.delay(self.version, model, method, size))
            return self._answer(wire.json2_result(result), wire.JSON_TYPE)
        except (OdooError, HttpError) as error:
            status, content = wire.json2_error(error)
            return self._answer(content, wire.JSON_TYPE, status)

    def _bearer(self, request: Request) -> int:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        database = request.headers.get("X-Odoo-Database", self.server.database)
        user = next((u for u in self.server.users.values() if key.strip() and key.strip() in u.api_keys), None)
        if scheme.lower() != "bearer" or user is None or database != self.server.database:
            raise HttpError(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
        return user.uid

    async def _not_found(self, request: Request, exc: Any) -> Response:
        return self._answer(NOT_FOUND, "text/html; charset=utf-8", 404)

    def _answer(self, body: bytes, content_type: str, status: int = 200) -> Response:
        return Response(body, status_code=status, headers={"Content-Type": content_type,
                                                           "Server": SERVER_HEADERS[self.version]})


class _NoLimit:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


def _size(method: str, args: Sequence[Any], result: Any) -> int:
    """How many records a call handled, for the latency model."""
    if method == "create" and args and isinstance(args[0], list):
        return len(args[0])
    if isinstance(result, list):
        return len(result)
    if args and isinstance(args[0], list) and method not in ("search", "search_read", "search_count", "read_group"):
        return len(args[0])
    return 1
