"""Odoo's three external protocols, as requests to build and answers to read — no I/O here.

Shapes from the captures (``reference/odoo-16.0|18.0/exchanges``) and, for JSON-2, from Odoo 19's
``addons/rpc/controllers/json2.py`` and ``Json2Dispatcher`` (read-only):

- JSON-RPC ``POST /jsonrpc`` ``{"jsonrpc": "2.0", "method": "call", "params": {"service", "method",
  "args"}, "id"}``; the answer's ``result`` is absent when the method returned ``None``; errors are
  ``{"error": {"code": 200, "data": {"name": "odoo.exceptions.…", "message"}}}``, with HTTP 200.
- XML-RPC ``POST /xmlrpc/2/<service>``; faults: 1 server error (the fault string is a traceback
  ending in ``Type: message``), 2 UserError / ValidationError / MissingError, 3 AccessDenied,
  4 AccessError. ``None`` results cannot be marshalled: fault 1 "cannot marshal None", *after* the
  server committed the call's changes.
- JSON-2 ``POST /json/2/<model>/<method>`` with ``Authorization: bearer <key>``; the body is the
  method's named parameters plus ``ids`` and ``context``; the answer is the result itself (``null`` for
  ``None``), errors an HTTP status with ``{"name", "message", "arguments", "context", "debug"}``.
"""

from __future__ import annotations

import json
import re
import xmlrpc.client
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from defusedxml.xmlrpc import DefusedExpatParser

# The name XML-RPC fault codes stand for (the JSON protocols name the class themselves).
FAULT_CODES = {2: "odoo.exceptions.UserError", 3: "odoo.exceptions.AccessDenied", 4: "odoo.exceptions.AccessError"}
# The line naming the exception at the end of a traceback: a dotted class path or a ``…Error`` name.
LAST_LINE = re.compile(r"^((?:\w+\.)+\w+|\w*(?:Error|Exception|Warning|Denied|Failure)): (.*)$", re.S)
CANNOT_MARSHAL_NONE = "cannot marshal None"


@dataclass(frozen=True)
class Fault:
    """An error Odoo answered: the Python class it names, its message, the HTTP status if not 200."""

    name: str
    message: str
    status: int = 200

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]


class FaultAnswer(Exception):
    def __init__(self, fault: Fault) -> None:
        super().__init__(f"{fault.name}: {fault.message}")
        self.fault = fault


class Malformed(Exception):
    """The answer is not what the protocol promises (wrong URL, proxy page…)."""


# --- JSON-RPC ------------------------------------------------------------------------------------------

def jsonrpc_request(service: str, method: str, args: Sequence[Any], request_id: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "method": "call",
                       "params": {"service": service, "method": method, "args": list(args)},
                       "id": request_id}).encode()


def jsonrpc_answer(content: bytes) -> Any:
    try:
        body = json.loads(content)
    except ValueError as error:
        raise Malformed(f"not JSON: {error}") from None
    if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
        raise Malformed("not a JSON-RPC 2.0 answer")
    if body.get("error") is not None:
        failure = body["error"]
        data = failure.get("data") or {}
        raise FaultAnswer(Fault(str(data.get("name") or failure.get("message") or "unknown"),
                                str(data.get("message") or failure.get("message") or "")))
    return body.get("result")   # absent when the method returned None


# --- XML-RPC ---------------------------------------------------------------------------------------------

def xmlrpc_request(method: str, args: Sequence[Any]) -> bytes:
    # Odoo's XML-RPC means ``False`` where Python means ``None``.
    return xmlrpc.client.dumps(tuple(_no_none(a) for a in args), method, allow_none=False).encode()


def _no_none(value: Any) -> Any:
    if value is None:
        return False
    if isinstance(value, Mapping):
        return {str(k): _no_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_none(v) for v in value]
    return value


def xmlrpc_answer(content: bytes) -> Any:
    unmarshaller = xmlrpc.client.Unmarshaller(use_builtin_types=True)
    parser = DefusedExpatParser(unmarshaller)
    try:
        parser.feed(content)
        parser.close()
        (result,) = unmarshaller.close()
    except xmlrpc.client.Fault as fault:
        if fault.faultCode == 1 and CANNOT_MARSHAL_NONE in str(fault.faultString):
            return None   # the method ran and committed; only its None answer could not travel
        raise FaultAnswer(xmlrpc_fault(int(fault.faultCode), str(fault.faultString))) from None
    except (xmlrpc.client.ResponseError, ValueError, TypeError) as error:
        raise Malformed(f"not an XML-RPC answer: {error}") from None
    return result


def xmlrpc_fault(code: int, text: str) -> Fault:
    """Name a fault: codes 2-4 by their meaning, code 1 by the traceback's last line."""
    if code in FAULT_CODES:
        return Fault(FAULT_CODES[code], text)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        if not lines[index].startswith(" ") and (found := LAST_LINE.match("\n".join(lines[index:]))):
            name = found.group(1)
            return Fault(name if "." in name else f"builtins.{name}", found.group(2).strip())
    return Fault("builtins.Exception", text.strip())


# --- JSON-2 ----------------------------------------------------------------------------------------------

def json2_request(ids: Sequence[int] | None, params: Mapping[str, Any], context: Mapping[str, Any]) -> bytes:
    body: dict[str, Any] = dict(params)
    if ids is not None:
        body["ids"] = list(ids)
    if context:
        body["context"] = dict(context)
    return json.dumps(body).encode()


def json2_answer(status: int, content: bytes) -> Any:
    try:
        body = json.loads(content) if content else None
    except ValueError:
        if status == 200:
            raise Malformed("not JSON") from None
        body = None
    if status == 200:
        return body
    if isinstance(body, dict) and "name" in body:
        raise FaultAnswer(Fault(str(body["name"]), str(body.get("message") or ""), status))
    raise Malformed(f"HTTP {status} without an Odoo error body")
