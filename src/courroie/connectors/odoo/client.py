"""Odoo's external API, and nothing else: one keep-alive HTTP client, the protocol the server's
version calls for, and every failure turned into one of the hub's error families.

The version comes from ``common.version()`` (no login); from it the protocol: JSON-2 for 19.0+ when an
API key is configured, JSON-RPC otherwise (or XML-RPC / JSON-2 when configured). JSON-RPC and XML-RPC
log in once (``common.authenticate``, which answers ``False`` for a bad password) and send the user id
and secret with every call; JSON-2 sends the API key as a bearer token.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from courroie import secrets
from courroie.connectors.http import create_client, error_for_exception, error_for_response
from courroie.errors import AuthenticationFailure, ConnectionFailure, CourroieError

from . import wire
from .config import OdooConfig
from .faults import CREDENTIALS_HINT, error_for_fault
from .versions import Dialect

logger = logging.getLogger(__name__)

Domain = list[Any]
Row = dict[str, Any]
Wire = Literal["jsonrpc", "xmlrpc", "json2"]

# Methods whose first parameter travels positionally over XML-RPC / JSON-RPC (``create`` must: Odoo
# answers an id for a dict and ids for a list from ``args[0]``); the others travel as keyword arguments.
POSITIONAL = {"create": "vals_list", "search_read": "domain", "search": "domain", "search_count": "domain",
              "write": "vals", "name_search": "name", "read_group": "domain"}


@dataclass
class RpcStats:
    """How many calls reached Odoo, which ones and how long they took, for measurements and logs."""

    calls: int = 0
    seconds: float = 0.0
    methods: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.calls, self.seconds = 0, 0.0
        self.methods.clear()


@dataclass(frozen=True)
class Session:
    version: str          # "18.0", "saas~17.2"…
    dialect: Dialect
    wire: Wire
    uid: int | None       # None over JSON-2 (the key names the user)


def major_of(info: Mapping[str, Any]) -> int:
    """The major version of a ``common.version()`` answer (``saas~17.2`` counts as 17)."""
    numbers = info.get("server_version_info") or []
    if numbers and isinstance(numbers[0], int):
        return int(numbers[0])
    text = str(info.get("server_version", "0")).split("~")[-1]
    return int(text.split(".")[0]) if text.split(".")[0].isdigit() else 0


class OdooClient:
    """Calls Odoo model methods. Keeps the session; holds no business state."""

    def __init__(self, config: OdooConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._config = config
        self._http = create_client(config.url, timeout=config.timeout, max_connections=config.concurrency,
                                   transport=transport)
        self._slots = asyncio.Semaphore(config.concurrency)
        self._lock = asyncio.Lock()
        self._session: Session | None = None
        self._ids = itertools.count(1)
        secrets.register(config.secret)
        self.stats = RpcStats()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- session

    async def server_version(self) -> dict[str, Any]:
        """``common.version()``: no login needed. Falls back to the web client's route when the
        deprecated RPC endpoints are gone (Odoo 22+) or JSON-2 is forced."""
        if self._config.protocol != "json2":
            try:
                service = "xmlrpc" if self._config.protocol == "xmlrpc" else "jsonrpc"
                return dict(await self._legacy(service, "common", "version", [], what="common.version"))
            except ConnectionFailure as error:
                if "HTTP 404" not in str(error):
                    raise
        answer = await self._post("/web/webclient/version_info", wire.jsonrpc_request("common", "version", [], 0),
                                  {"Content-Type": "application/json"}, "version_info")
        return dict(self._read("version_info", answer, wire.jsonrpc_answer))

    async def session(self) -> Session:
        if self._session is None:
            async with self._lock:
                if self._session is None:
                    self._session = await self._open()
        return self._session

    async def _open(self) -> Session:
        info = await self.server_version()
        dialect = Dialect(major_of(info))
        version = str(info.get("server_version", "?"))
        chosen = self._wire(dialect)
        if chosen == "json2":
            return Session(version, dialect, chosen, None)
        uid = await self._legacy(chosen, "common", "authenticate",
                                 [self._config.database, self._config.user, self._config.secret, {}],
                                 what="common.authenticate")
        if not uid:   # a wrong password is not a fault: authenticate answers False
            raise AuthenticationFailure(f"Odoo refused the login of {self._config.user!r} on database "
                                        f"{self._config.database!r}", hint=CREDENTIALS_HINT)
        return Session(version, dialect, chosen, int(uid))

    def _wire(self, dialect: Dialect) -> Wire:
        protocol = self._config.protocol
        if protocol == "auto":
            return "json2" if dialect.json2 and self._config.api_key is not None else "jsonrpc"
        if protocol == "json2" and not dialect.json2:
            raise ConnectionFailure(f"JSON-2 needs Odoo 19.0 or later; this server is {dialect.major}",
                                    hint="set `protocol: auto` (or jsonrpc)")
        return protocol

    # --- model methods

    async def call(self, model: str, method: str, ids: Sequence[int] | None = None,
                   params: Mapping[str, Any] | None = None, *, context: Mapping[str, Any] | None = None) -> Any:
        """``model.method`` on ``ids`` (None for a model-level method) with named ``params``."""
        session = await self.session()
        params = dict(params or {})
        context = {"lang": self._config.main_language, **(context or {})}
        what = f"{model}.{method}"
        self.stats.methods[what] += 1
        if session.wire == "json2":
            body = wire.json2_request(ids, params, context)
            headers = {"Content-Type": "application/json", "Authorization": f"bearer {self._config.secret}",
                       "X-Odoo-Database": self._config.database}
            response = await self._post(f"/json/2/{model}/{method}", body, headers, what, expect_200=False)
            return self._read(what, response, lambda content: wire.json2_answer(response.status_code, content))
        args: list[Any] = [list(ids)] if ids is not None else []
        first = POSITIONAL.get(method)
        if first and first in params:
            args.append(params.pop(first))
        return await self._legacy(session.wire, "object", "execute_kw",
                                  [self._config.database, session.uid, self._config.secret, model, method, args,
                                   {**params, "context": context}], what=what)

    async def search_read(self, model: str, domain: Domain, fields: Sequence[str], *, limit: int | None = None,
                          offset: int = 0, order: str | None = "id",
                          context: Mapping[str, Any] | None = None) -> list[Row]:
        params: dict[str, Any] = {"domain": domain, "fields": list(fields), "order": order}
        if limit:
            params["limit"] = limit
        if offset:
            params["offset"] = offset
        rows: list[Row] = await self.call(model, "search_read", params=params, context=context)
        return rows

    async def search_read_all(self, model: str, domain: Domain, fields: Sequence[str], *,
                              context: Mapping[str, Any] | None = None) -> list[Row]:
        """Every matching record, page after page on the id (never on offsets, which skip records
        when others are deleted meanwhile)."""
        rows: list[Row] = []
        size = self._config.page_size
        while True:
            keyset = [("id", ">", rows[-1]["id"])] if rows else []
            page = await self.search_read(model, [*domain, *keyset], fields, limit=size, context=context)
            rows += page
            if len(page) < size:
                return rows

    async def read_in(self, model: str, key: str, values: Sequence[Any], fields: Sequence[str], *,
                      domain: Domain | None = None, context: Mapping[str, Any] | None = None,
                      page_size: int | None = None) -> list[Row]:
        """Records whose ``key`` is one of ``values``, in slices read side by side."""
        slices = chunks(list(dict.fromkeys(values)), page_size or self._config.page_size)
        pages = await asyncio.gather(*(self.search_read(model, [*(domain or []), (key, "in", part)], fields,
                                                        context=context) for part in slices))
        return [row for page in pages for row in page]

    async def create(self, model: str, values: Sequence[Mapping[str, Any]], *,
                     context: Mapping[str, Any] | None = None) -> list[int]:
        """One ``create([...])`` call for every record (Odoo creates them in one transaction)."""
        ids = await self.call(model, "create", params={"vals_list": [dict(v) for v in values]}, context=context)
        return [int(i) for i in (ids if isinstance(ids, list) else [ids])]

    async def write(self, model: str, ids: Sequence[int], values: Mapping[str, Any], *,
                    context: Mapping[str, Any] | None = None) -> None:
        await self.call(model, "write", list(ids), {"vals": dict(values)}, context=context)

    async def unlink(self, model: str, ids: Sequence[int]) -> None:
        await self.call(model, "unlink", list(ids))

    async def button(self, model: str, method: str, ids: Sequence[int], *,
                     context: Mapping[str, Any] | None = None) -> Any:
        """A workflow method on records (``action_confirm``…). ``None`` results are tolerated:
        XML-RPC's "cannot marshal None" fault and JSON-RPC's missing ``result`` both mean done."""
        return await self.call(model, method, list(ids), context=context)

    # --- transport

    async def _legacy(self, protocol: str, service: str, method: str, args: list[Any], *, what: str) -> Any:
        if protocol == "xmlrpc":
            response = await self._post(f"/xmlrpc/2/{service}", wire.xmlrpc_request(method, args),
                                        {"Content-Type": "text/xml"}, what)
            return self._read(what, response, wire.xmlrpc_answer)
        response = await self._post("/jsonrpc", wire.jsonrpc_request(service, method, args, next(self._ids)),
                                    {"Content-Type": "application/json"}, what)
        return self._read(what, response, wire.jsonrpc_answer)

    async def _post(self, path: str, body: bytes, headers: Mapping[str, str], what: str, *,
                    expect_200: bool = True) -> httpx.Response:
        started = time.monotonic()
        try:
            async with self._slots:
                response = await self._http.post(path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise error_for_exception(exc, f"Odoo {what}") from exc
        finally:
            elapsed = time.monotonic() - started
            self.stats.calls += 1
            self.stats.seconds += elapsed
        logger.debug("odoo %s: HTTP %s in %.0f ms", what, response.status_code, elapsed * 1000)
        if expect_200 or (response.status_code >= 500 and not _odoo_body(response)):
            error = error_for_response(response, f"Odoo answered HTTP {response.status_code} to {what} ({path})",
                                       overrides=STATUS_OVERRIDES)
            if error is not None:
                raise error
        return response

    def _read(self, what: str, response: httpx.Response, decode: Any) -> Any:
        try:
            return decode(response.content)
        except wire.FaultAnswer as answer:
            raise error_for_fault(answer.fault, what) from None
        except wire.Malformed as error:
            raise ConnectionFailure(f"Odoo's answer to {what} is not what the protocol promises: {error}",
                                    hint="check `url`: it must be the Odoo server root") from None


def _odoo_body(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("application/json")


def _not_found(response: httpx.Response, message: str) -> CourroieError:
    return ConnectionFailure(message, hint="check `url` (the Odoo server root) and `protocol`")


STATUS_OVERRIDES = {404: _not_found, 405: _not_found}


def chunks(values: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])
