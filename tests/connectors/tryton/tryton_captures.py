"""A JSON-RPC double of trytond 8.2 for the connector's unit tests.

It answers the way ``trytond/protocols/dispatcher.py`` and ``jsonrpc.py`` do, and its canned answers
are real ones (``captures/trytond-8.2-jsonrpc.json``, recorded from a running trytond 8.2.1 with
``record_captures.py``). It shares no code with the connector: it encodes, decodes and checks the
session header on its own.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

CAPTURES = json.loads((Path(__file__).parent / "captures" / "trytond-8.2-jsonrpc.json").read_text())
TOKEN = "f" * 64
USER_ID = 1
LOGIN = "admin"
PASSWORD = "admin"
DATABASE = "explore"
URL = "http://127.0.0.1:8765"


def encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(value)


def decode(obj: dict) -> Any:
    if obj.get("__class__") == "Decimal":
        return Decimal(obj["decimal"])
    if obj.get("__class__") == "date":
        return dt.date(obj["year"], obj["month"], obj["day"])
    return obj


def result(value: Any) -> httpx.Response:
    return httpx.Response(200, content=json.dumps({"id": 1, "result": value}, default=encode),
                          headers={"Content-Type": "application/json"})


def fault(*error: Any) -> httpx.Response:
    return httpx.Response(200, content=json.dumps({"id": 1, "error": list(error)}),
                          headers={"Content-Type": "application/json"})


def captured(name: str) -> httpx.Response:
    capture = CAPTURES[name]
    return httpx.Response(capture["status"], content=capture["body"].encode(),
                          headers={"Content-Type": capture["content_type"] or "text/plain"})


@dataclass
class Call:
    path: str
    method: str
    params: list[Any]
    authorization: str | None

    @property
    def context(self) -> dict[str, Any]:
        return self.params[-1]


Handler = Callable[[Call], httpx.Response | Any]


@dataclass
class FakeTryton:
    """``on(method, …)`` says how to answer; ``calls`` records what the connector sent."""

    calls: list[Call] = field(default_factory=list)
    handlers: dict[str, list[Handler]] = field(default_factory=dict)
    valid_tokens: set[str] = field(default_factory=lambda: {TOKEN})
    logins: int = 0

    def on(self, method: str, *answers: httpx.Response | Handler | Any) -> None:
        """Answer ``method`` with each of ``answers`` in turn, the last one for good."""
        self.handlers[method] = list(answers)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content, object_hook=decode)
        assert set(body) == {"id", "method", "params"}, body
        call = Call(request.url.path, body["method"], body["params"], request.headers.get("Authorization"))
        self.calls.append(call)
        if call.path == "/rpc/":
            return captured("server_version")
        if call.path != f"/{DATABASE}/rpc/":
            return captured("login_unknown_database")
        if call.method == "common.db.login":
            return self._login(call)
        if not self._session_ok(call.authorization):
            return captured("session_expired")
        return self._answer(call)

    def _login(self, call: Call) -> httpx.Response:
        login, parameters, _language = call.params
        self.logins += 1
        answers = self.handlers.get("common.db.login")
        if answers:
            return self._answer(call)
        if login == LOGIN and parameters == {"password": PASSWORD}:
            return captured("login")
        return captured("login_wrong_password")

    def _session_ok(self, header: str | None) -> bool:
        if not header or not header.startswith("Session "):
            return False
        login, user_id, token = base64.b64decode(header.removeprefix("Session ")).decode().rsplit(":", 2)
        return login == LOGIN and user_id == str(USER_ID) and token in self.valid_tokens

    def _answer(self, call: Call) -> httpx.Response:
        answers = self.handlers.get(call.method)
        if not answers:
            if call.method == "model.res.user.get_preferences":
                return captured("preferences")
            raise AssertionError(f"unexpected call {call.method}")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if callable(answer) and not isinstance(answer, httpx.Response):
            answer = answer(call)
        return answer if isinstance(answer, httpx.Response) else result(answer)
