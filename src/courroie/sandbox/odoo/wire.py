"""Odoo's three external wire formats, as the captured servers (and Odoo 19's source) shape them.

- XML-RPC ``/xmlrpc/2/common|object``: Python's ``xmlrpc.client`` marshalling without ``allow_none``, so a
  method returning ``None`` becomes fault 1 ``cannot marshal None unless allow_none is enabled``
  (after the change was committed). Faults: code 1 with a traceback, 2 / 3 / 4 with the message.
- JSON-RPC ``/jsonrpc``: ``{"jsonrpc", "id", "result"}``; a ``None`` result leaves ``result`` out;
  errors are ``{"code": 200, "message": "Odoo Server Error", "data": {name, debug, message, arguments,
  context}}``.
- JSON-2 ``/json/2/<model>/<method>`` (19.0): the result itself as the body; errors as an HTTP status
  with ``{name, message, arguments, context, debug}`` (``odoo/http.py``, ``Json2Dispatcher.handle_error``).
"""

from __future__ import annotations

import json
import xmlrpc.client
from typing import Any

from .errors import HttpError, OdooError

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


def xmlrpc_request(body: bytes) -> tuple[str, tuple[Any, ...]]:
    params, method = xmlrpc.client.loads(body, use_builtin_types=True)
    return str(method), params


def xmlrpc_result(result: Any) -> bytes:
    try:
        return xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False).encode()
    except TypeError as error:   # None, as Odoo's marshaller refuses it
        return xmlrpc_fault(1, "Traceback (most recent call last):\n  File \"odoo-sandbox\", line 1, in dispatch\n"
                               f"TypeError: {error}\n")


def xmlrpc_fault(code: int, message: str) -> bytes:
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), methodresponse=True).encode()


def xmlrpc_error(error: OdooError) -> bytes:
    return xmlrpc_fault(error.fault_code, error.traceback() if error.fault_code == 1 else error.message)


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=True).encode()


def jsonrpc_result(request_id: Any, result: Any) -> bytes:
    response: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if result is not None:
        response["result"] = result
    return _dumps(response)


def serialize(name: str, message: str, debug: str, arguments: list[Any] | None = None) -> dict[str, Any]:
    return {"name": name, "debug": debug, "message": message, "arguments": arguments or [message], "context": {}}


def jsonrpc_error(request_id: Any, error: OdooError) -> bytes:
    return _dumps({"jsonrpc": "2.0", "id": request_id,
                   "error": {"code": 200, "message": "Odoo Server Error",
                             "data": serialize(error.python_name, error.message, error.traceback())}})


def json2_error(error: OdooError | HttpError) -> tuple[int, bytes]:
    if isinstance(error, HttpError):
        body = serialize(error.name, error.message, f"Traceback (most recent call last):\n{error.name}: "
                         f"{error.status}: {error.message}\n", [error.message, error.status])
        return error.status, _dumps({k: body[k] for k in ("name", "message", "arguments", "context", "debug")})
    body = serialize(error.python_name, error.message, error.traceback())
    return error.http_status, _dumps({k: body[k] for k in ("name", "message", "arguments", "context", "debug")})


def json2_result(result: Any) -> bytes:
    return _dumps(result)
