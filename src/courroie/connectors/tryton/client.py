"""Tryton's JSON-RPC, and nothing else: one keep-alive HTTP client, a session, and every failure
turned into one of the hub's error families.

Protocol (trytond 8.2, ``trytond/protocols/jsonrpc.py`` and ``dispatcher.py``):

- ``POST /<database>/rpc/`` with ``{"id", "method", "params"}``; the last parameter of a model
  method is the context. ``POST /rpc/`` serves ``common.server.version``.
- ``common.db.login(login, {"password": …}, language)`` answers ``[user id, token, bus url]``; later
  calls carry ``Authorization: Session base64(login:user id:token)``. An expired or unknown session
  is answered with HTTP 401.
- Faults come back with HTTP 200 as ``{"id", "error": [...]}``: ``["UserError", [message,
  description, domain]]``, ``["UserWarning", [name, message, description]]``,
  ``["ConcurrencyException", message]``, ``["LoginException", [name, message, type]]``, or
  ``[str(exception), traceback]`` for anything else. Access errors are ``UserError``s too.
- Decimals, dates and datetimes travel as ``{"__class__": "Decimal", "decimal": "1.50"}`` and alike.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from courroie import secrets
from courroie.connectors.http import create_client, error_for_exception, error_for_response
from courroie.connectors.tryton.config import TrytonConfig
from courroie.errors import (
    AuthenticationFailure, ConnectionFailure, CourroieError, DataError, TransientError,
)

logger = logging.getLogger(__name__)

Domain = list[Any]
Row = dict[str, Any]

# Error messages are asked in English so that access errors can be told from data errors by their text.
MESSAGE_LANGUAGE = "en"
ACCESS_DENIED = re.compile(r"^(You are not allowed to |Calling button .* is not allowed)")
# What Python's KeyError looks like once Tryton has turned it into a string: a missing model or field.
MISSING_NAME = re.compile(r"^'([\w.]+)'$")
RIGHTS_HINT = ("give the Tryton user the groups the hub needs (Product, Stock, Sales, Party "
               "Administration) in Administration › Users")


# --- Tryton's JSON types ----------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:   # Tryton's datetimes are naive UTC
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return {"__class__": "datetime", "year": value.year, "month": value.month, "day": value.day,
                "hour": value.hour, "minute": value.minute, "second": value.second,
                "microsecond": value.microsecond}
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, bytes):
        return {"__class__": "bytes", "base64": base64.b64encode(value).decode()}
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} to Tryton")


_DECODERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "Decimal": lambda d: Decimal(d["decimal"]),
    "date": lambda d: dt.date(d["year"], d["month"], d["day"]),
    "datetime": lambda d: dt.datetime(d["year"], d["month"], d["day"], d["hour"], d["minute"],
                                      d["second"], d["microsecond"], tzinfo=dt.UTC),
    "time": lambda d: dt.time(d["hour"], d["minute"], d["second"], d["microsecond"]),
    "timedelta": lambda d: dt.timedelta(seconds=d["seconds"]),
    "bytes": lambda d: base64.b64decode(d["base64"]),
}


def _decode(obj: dict[str, Any]) -> Any:
    decoder = _DECODERS.get(obj.get("__class__", ""))
    return decoder(obj) if decoder else obj


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, default=_encode, separators=(",", ":")).encode()


def loads(content: bytes) -> Any:
    return json.loads(content, object_hook=_decode)


# --- Tryton faults → error families -----------------------------------------------------------------

def _user_error(method: str, args: Any) -> CourroieError:
    message, description = (list(args) + ["", ""])[:2] if isinstance(args, list | tuple) else (str(args), "")
    text = f"{message} — {description}" if description else str(message)
    if ACCESS_DENIED.match(str(message)):
        return AuthenticationFailure(f"Tryton refused {method}: {text}", hint=RIGHTS_HINT)
    return DataError(text, details={"method": method, "description": description or ""})


def _user_warning(method: str, args: Any) -> CourroieError:
    name, message, description = (list(args) + ["", "", ""])[:3]
    return DataError(f"{message} (Tryton warning {name!r}: accept it in Tryton or turn it off)",
                     details={"method": method, "warning": name, "description": description or ""})


def _concurrency(method: str, args: Any) -> CourroieError:
    return TransientError(f"Tryton record changed meanwhile during {method}: {args}")


def _login_factor(method: str, args: Any) -> CourroieError:
    name = args[0] if isinstance(args, list | tuple) and args else args
    return AuthenticationFailure(f"Tryton asks for another login factor ({name})",
                                 hint="use a Tryton user that logs in with a password only")


def _server_error(method: str, message: Any) -> CourroieError:
    missing = MISSING_NAME.match(str(message))
    if missing:
        return ConnectionFailure(f"Tryton has no model or field {missing.group(1)!r} ({method})",
                                 hint="activate the Tryton module that provides it")
    return DataError(f"Tryton failed on {method}: {message}", details={"method": method})


FAULTS: Mapping[str, Callable[[str, Any], CourroieError]] = {
    "UserError": _user_error,
    "UserWarning": _user_warning,
    "ConcurrencyException": _concurrency,
    "LoginException": _login_factor,
}


def fault_error(method: str, error: Sequence[Any]) -> CourroieError:
    """The error family of a JSON-RPC ``error`` member."""
    kind = error[0] if error else "?"
    detail = error[1] if len(error) > 1 else None
    handler = FAULTS.get(kind)
    return handler(method, detail) if handler else _server_error(method, kind)


def _database_missing(response: httpx.Response, message: str) -> CourroieError:
    return ConnectionFailure(message, hint="check `database`: the Tryton server does not serve it")


def _not_exposed(response: httpx.Response, message: str) -> CourroieError:
    return ConnectionFailure(message, hint="the Tryton server refuses this call: check its version and modules")


STATUS_OVERRIDES = {403: _not_exposed, 404: _database_missing}


# --- the client ----------------------------------------------------------------------------------

@dataclass
class RpcStats:
    """How many calls reached Tryton and how long they took, for measurements and logs."""

    calls: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Session:
    user_id: int
    header: str


class _SessionRejected(Exception):
    """HTTP 401 on an authenticated call: the session expired or the server forgot it."""


class TrytonClient:
    """Calls Tryton methods. Keeps the session and the user's context; holds no business state."""

    def __init__(self, config: TrytonConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._config = config
        self._http = create_client(config.url, timeout=config.timeout, max_connections=config.concurrency,
                                   headers={"Content-Type": "application/json"}, transport=transport)
        self._slots = asyncio.Semaphore(config.concurrency)
        self._login_lock = asyncio.Lock()
        self._session: _Session | None = None
        self._ids = itertools.count(1)
        self._db_path = f"/{quote(config.database, safe='')}/rpc/"
        self.context: dict[str, Any] = {}
        self.stats = RpcStats()

    # --- session

    async def server_version(self) -> str:
        return str(await self._post("/rpc/", "common.server.version", [], {}))

    async def login(self) -> None:
        """Open a session and load the user's context (company, employee…), as Tryton's client does."""
        password = self._config.password.get_secret_value()
        try:
            result = await self._post(self._db_path, "common.db.login",
                                      [self._config.user, {"password": password}, MESSAGE_LANGUAGE], {})
            session = self._new_session(int(result[0]), str(result[1]))
            # Posted directly: ``call`` would log in again, under the lock held while logging in.
            preferences = await self._post(self._db_path, "model.res.user.get_preferences", [True, {}],
                                           {"Authorization": session.header})
        except _SessionRejected:
            raise AuthenticationFailure(
                f"Tryton refused the login of {self._config.user!r} on database {self._config.database!r}",
                hint="check user and password; Tryton delays logins after repeated failures") from None
        self._session = session
        self.context = {key: value for key, value in preferences.items()
                        if key not in ("locale", "language_direction")} | {"language": MESSAGE_LANGUAGE}

    def _new_session(self, user_id: int, token: str) -> _Session:
        secrets.register(token)   # masked in logs, like the configured secrets
        credentials = base64.b64encode(f"{self._config.user}:{user_id}:{token}".encode()).decode()
        return _Session(user_id, f"Session {credentials}")

    async def session_context(self) -> dict[str, Any]:
        """The user's context (company, employee…), logging in first if needed."""
        await self._current_session()
        return self.context

    async def call(self, method: str, *params: Any) -> Any:
        """An authenticated call; logs in first, and once more if the session has expired."""
        session = await self._current_session()
        try:
            return await self._post(self._db_path, method, list(params), {"Authorization": session.header})
        except _SessionRejected:
            session = await self._renew_session(expired=session)
        try:
            return await self._post(self._db_path, method, list(params), {"Authorization": session.header})
        except _SessionRejected:
            raise AuthenticationFailure(f"Tryton refused a fresh session for {method}",
                                        hint="check that the Tryton user is active") from None

    async def _current_session(self) -> _Session:
        if self._session is None:
            async with self._login_lock:
                if self._session is None:
                    await self.login()
        assert self._session is not None
        return self._session

    async def _renew_session(self, expired: _Session) -> _Session:
        async with self._login_lock:
            if self._session is expired:   # not already renewed by a concurrent call
                self._session = None
                await self.login()
        assert self._session is not None
        return self._session

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- model methods

    async def execute(self, model: str, method: str, *args: Any, context: Mapping[str, Any] | None = None) -> Any:
        """``model.<model>.<method>(*args, context)`` with the user's context plus ``context``."""
        base = await self.session_context()
        return await self.call(f"model.{model}.{method}", *args, {**base, **(context or {})})

    async def search_read(self, model: str, domain: Domain, fields: Sequence[str], *, limit: int | None = None,
                          order: Sequence[tuple[str, str]] | None = None,
                          context: Mapping[str, Any] | None = None) -> list[Row]:
        order_ = [list(o) for o in order] if order else None
        rows: list[Row] = await self.execute(model, "search_read", domain, 0, limit, order_, list(fields),
                                             context=context)
        return rows

    async def search_ids(self, model: str, domain: Domain, *, context: Mapping[str, Any] | None = None) -> list[int]:
        return list(await self.execute(model, "search", domain, 0, None, [["id", "ASC"]], context=context))

    async def search_read_all(self, model: str, domain: Domain, fields: Sequence[str], *,
                              context: Mapping[str, Any] | None = None) -> list[Row]:
        """Every matching record: one call when they fit in a page; else the ids of the others in
        one call, then their fields in slices read side by side (see :meth:`search_read_in`)."""
        order = [("id", "ASC")]
        first = await self.search_read(model, domain, fields, limit=self._config.page_size, order=order,
                                       context=context)
        if len(first) < self._config.page_size:
            return first
        others = await self.search_ids(model, [*domain, ("id", ">", first[-1]["id"])], context=context)
        return first + await self.search_read_in(model, "id", others, fields, context=context)

    async def search_read_in(self, model: str, field: str, values: Iterable[Any], fields: Sequence[str], *,
                             domain: Domain | None = None, context: Mapping[str, Any] | None = None) -> list[Row]:
        """Records whose ``field`` is one of ``values``, in slices read side by side (at most
        ``concurrency`` at once). A record deleted meanwhile is left out, not an error.

        Slices hold ``page_size`` (500) values: trytond's cost per record grows with larger ones
        (computed fields such as stock quantities are worked out for the whole slice at once).
        """
        slices = chunks(list(dict.fromkeys(values)), self._config.page_size)
        pages = await asyncio.gather(*(
            self.search_read(model, [*(domain or []), (field, "in", values_)], fields, order=[("id", "ASC")],
                             context=context)
            for values_ in slices))
        return [row for page in pages for row in page]

    async def create(self, model: str, values: Sequence[Mapping[str, Any]], *,
                     context: Mapping[str, Any] | None = None) -> list[int]:
        return list(await self.execute(model, "create", [dict(v) for v in values], context=context))

    async def write(self, model: str, ids: Sequence[int], values: Mapping[str, Any], *,
                    context: Mapping[str, Any] | None = None) -> None:
        await self.execute(model, "write", list(ids), dict(values), context=context)

    async def button(self, model: str, name: str, ids: Sequence[int]) -> Any:
        """Click a workflow button (``quote``, ``confirm``, ``assign_try``…) on records."""
        return await self.execute(model, name, list(ids))

    async def wizard(self, name: str, model: str, ids: Sequence[int], *, then: str | None = None,
                     fill: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None) -> Any:
        """Run a wizard on records as Tryton's client does: open a session, execute its start state,
        and, when that state is a form, execute ``then`` with the form ``fill`` makes of its
        defaults; the session is deleted in the end. Answers the last state's result."""
        base = await self.session_context()
        context = {**base, "active_model": model, "active_id": ids[0] if ids else None, "active_ids": list(ids)}
        session, start, _ = await self.call(f"wizard.{name}.create", base)
        try:
            result = await self.call(f"wizard.{name}.execute", session, {}, start, context)
            if then is None:
                return result
            defaults = (result.get("view") or {}).get("defaults") or {} if isinstance(result, dict) else {}
            form = dict(fill(defaults)) if fill else dict(defaults)
            return await self.call(f"wizard.{name}.execute", session, {start: form}, then, context)
        finally:
            await self.call(f"wizard.{name}.delete", session, base)

    # --- transport

    async def _post(self, path: str, method: str, params: list[Any], headers: Mapping[str, str]) -> Any:
        payload = dumps({"id": next(self._ids), "method": method, "params": params})
        started = time.monotonic()
        try:
            async with self._slots:
                response = await self._http.post(path, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise error_for_exception(exc, f"Tryton {method}") from exc
        finally:
            elapsed = time.monotonic() - started
            self.stats.calls += 1
            self.stats.seconds += elapsed
        logger.debug("tryton %s: HTTP %s in %.0f ms", method, response.status_code, elapsed * 1000)
        return self._answer(method, response)

    def _answer(self, method: str, response: httpx.Response) -> Any:
        if response.status_code == 401:
            raise _SessionRejected()
        error = error_for_response(response, f"Tryton answered HTTP {response.status_code} to {method}",
                                   overrides=STATUS_OVERRIDES)
        if error is not None:
            raise error
        try:
            body = loads(response.content)
        except ValueError:
            raise ConnectionFailure(f"Tryton's answer to {method} is not JSON-RPC",
                                    hint="check `url`: it must be the trytond server root") from None
        if not isinstance(body, dict):
            raise ConnectionFailure(f"Tryton's answer to {method} is not JSON-RPC", hint="check `url`")
        if body.get("error") is not None:
            raise fault_error(method, body["error"])
        return body.get("result")


def chunks(values: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])
